"""`nianbao review backend`: the Label Studio ML backend protocol over the extraction pipeline.

Label Studio calls `GET /health`, `POST /setup` (when a project connects; the body carries the
project owner's API token, so bodies are never logged), `POST /predict` with `{"tasks": [...]}`
(answered with `{"results": [prediction, ...]}`, one per task, in the labeling config's
control names), and `POST /webhook` with annotation events. The pipeline is
`extraction.pipeline.extract_text` with `extraction.engine`'s default engine and models; the
models load when the server starts, never at import. Served with the standard library: the
protocol is four small JSON routes.
"""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from annotations import label_config as lc
from annotations.convert import record_to_prediction

log = logging.getLogger(__name__)

MAX_BODY = 64_000_000  # a batch of tasks; Label Studio sends the task texts inline


class BackendError(ValueError):
    """A request the backend cannot answer (bad JSON, a task without text, a foreign config)."""


@dataclass
class Predictor:
    """Runs the extraction pipeline on task texts and shapes the records as predictions."""

    engine: str | None = None
    model: Path | None = None
    _models: Any = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _loaded: bool = False

    def load(self) -> None:
        """Choose the engine and load its models (once)."""
        from extraction.engine import default_engine, load_models

        if self._loaded:
            return
        self.engine = self.engine or default_engine(self.model)
        self._models = load_models(self.model) if self.engine != "rules" else None
        self._loaded = True
        log.info("backend engine %s, model version %s", self.engine, self.model_version)

    @property
    def model_version(self) -> str:
        from extraction.schema import RULES_VERSION

        version = getattr(self._models, "version", None) if self._models is not None else None
        return str(version or RULES_VERSION)

    def predict_one(self, task: dict[str, Any]) -> dict[str, Any]:
        """The prediction for one task (an empty one, score 0, when the text is not a report)."""
        from extraction.pipeline import NotAReportError, extract_text

        data = task.get("data") or {}
        text = data.get(lc.TEXT)
        if not isinstance(text, str):
            raise BackendError(f"[R301] task {task.get('id')} has no `{lc.TEXT}` string in its data")
        doc = str(data.get(lc.DOC) or f"task-{task.get('id')}")
        with self._lock:  # the models are not made for concurrent calls
            try:
                record = extract_text(text, source=doc, engine=self.engine or "rules", models=self._models)
            except NotAReportError as exc:
                log.warning("task %s: %s", task.get("id"), exc)
                return {"result": [], "score": 0.0, "model_version": self.model_version}
        return record_to_prediction(record.to_json(), text)

    def predict(self, tasks: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """One prediction per task, in order."""
        self.load()
        return [self.predict_one(t) for t in tasks]


def check_config(config: Any) -> None:
    """Refuse a project whose labeling config is not nianbao's (its control names are missing)."""
    if not isinstance(config, str):
        return
    needed = (lc.ENT, lc.CELL, lc.CELL_KEY, lc.CELL_VALUE)
    missing = [n for n in needed if f'name="{n}"' not in config]
    if missing:
        raise BackendError(
            f"[R302] the project's labeling config lacks the controls {missing!r}; "
            "create the project with `nianbao review push` so it uses nianbao's config"
        )


class _Handler(BaseHTTPRequestHandler):
    server: BackendServer  # type: ignore[assignment]
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the stdlib's signature
        log.info("%s %s", self.address_string(), format % args)  # request line and status; never bodies

    def _send(self, status: int, body: dict[str, Any]) -> None:
        payload = json.dumps(body, ensure_ascii=False).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def _body(self) -> dict[str, Any]:
        n = int(self.headers.get("Content-Length") or 0)
        if n > MAX_BODY:
            raise BackendError(f"[R303] request body too large, got: {n} bytes")
        raw = self.rfile.read(n) if n else b"{}"
        try:
            body = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise BackendError(f"[R304] request body is not JSON: {exc}") from None
        if not isinstance(body, dict):
            raise BackendError(f"[R304] request body is not a JSON object, got: {type(body).__name__}")
        return body

    def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
        predictor = self.server.predictor
        if self.path.rstrip("/") in ("", "/health"):
            self._send(
                200, {"status": "UP", "model_class": "nianbao", "model_version": predictor.model_version}
            )
        elif self.path.rstrip("/") == "/versions":
            self._send(200, {"versions": [predictor.model_version]})
        else:
            self._send(404, {"error": f"no route {self.path}"})

    def do_POST(self) -> None:  # noqa: N802 - the stdlib's name
        predictor = self.server.predictor
        route = self.path.split("?", 1)[0].rstrip("/")
        try:
            body = self._body()
            if route == "/setup":
                check_config(body.get("schema"))
                self._send(200, {"model_version": predictor.model_version})
            elif route == "/predict":
                check_config(body.get("label_config"))
                tasks = body.get("tasks")
                if not isinstance(tasks, list):
                    raise BackendError("[R305] /predict needs a `tasks` list")
                self._send(
                    200, {"results": predictor.predict(tasks), "model_version": predictor.model_version}
                )
            elif route == "/webhook":
                action = body.get("action")
                log.info("webhook %s (project %s)", action, (body.get("project") or {}).get("id"))
                self.server.events.append(str(action))
                self._send(200, {"status": "ok", "action": action})
            else:
                self._send(404, {"error": f"no route {route}"})
        except BackendError as exc:
            log.warning("%s %s: %s", self.command, route, exc)
            self._send(400, {"error": str(exc)})


class BackendServer(ThreadingHTTPServer):
    """The HTTP server; `predictor` answers /predict, `events` keeps the webhook actions seen."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], predictor: Predictor) -> None:
        super().__init__(address, _Handler)
        self.predictor = predictor
        self.events: list[str] = []


def make_server(host: str, port: int, predictor: Predictor) -> BackendServer:
    """A bound backend server (port 0 picks a free port); call `serve_forever()` to run it."""
    predictor.load()
    return BackendServer((host, port), predictor)
