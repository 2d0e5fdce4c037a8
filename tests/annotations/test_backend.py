"""The ML backend over HTTP, in process: the four routes of the Label Studio protocol."""

from __future__ import annotations

import json
import logging
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from annotations.backend import BackendServer, Predictor, make_server
from annotations.label_config import label_config
from extraction.io import read_document

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def backend() -> Iterator[BackendServer]:
    server = make_server("127.0.0.1", 0, Predictor(engine="rules"))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def _call(server: BackendServer, path: str, body: dict[str, Any] | None = None) -> tuple[int, dict[str, Any]]:
    url = f"http://127.0.0.1:{server.server_address[1]}{path}"
    data = None if body is None else json.dumps(body, ensure_ascii=False).encode("utf-8")
    req = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_backend_health_and_versions(backend: BackendServer) -> None:
    assert _call(backend, "/health") == (
        200,
        {"status": "UP", "model_class": "nianbao", "model_version": "rules.v1"},
    )
    assert _call(backend, "/versions") == (200, {"versions": ["rules.v1"]})
    assert _call(backend, "/nope")[0] == 404


def test_backend_setup_accepts_our_config_only(backend: BackendServer, caplog: Any) -> None:
    caplog.set_level(logging.INFO)
    secret = "f00dcafe" * 5
    body = {"project": "1.1700000000", "schema": label_config(), "access_token": secret, "hostname": "x"}
    assert _call(backend, "/setup", body) == (200, {"model_version": "rules.v1"})
    code, answer = _call(backend, "/setup", {**body, "schema": '<View><Text name="t" value="$t"/></View>'})
    assert code == 400 and "[R302]" in answer["error"]
    assert secret not in "\n".join(r.getMessage() for r in caplog.records)  # bodies are never logged


def test_backend_predicts_every_task_in_order(backend: BackendServer) -> None:
    texts = [
        read_document(ROOT / "examples" / name).text
        for name in ("tunxi_agriculture_2020.txt", "nanxun_water_2021.docx")
    ]
    tasks = [{"id": i, "data": {"text": t, "doc": f"d{i}"}} for i, t in enumerate(texts)]
    code, answer = _call(backend, "/predict", {"tasks": tasks, "label_config": label_config()})
    assert code == 200 and len(answer["results"]) == 2
    for text, pred in zip(texts, answer["results"], strict=True):
        assert pred["model_version"] == "rules.v1" and 0.0 <= pred["score"] <= 1.0
        spans = [r["value"] for r in pred["result"] if r["type"] == "labels"]
        assert spans and all(text[v["start"] : v["end"]] == v["text"] for v in spans)
    years = [
        next(r["value"]["number"] for r in p["result"] if r["from_name"] == "year") for p in answer["results"]
    ]
    assert years == [2020, 2021]


def test_backend_bad_requests_are_coded(backend: BackendServer) -> None:
    code, answer = _call(backend, "/predict", {"tasks": [{"id": 3, "data": {"image": "x.png"}}]})
    assert code == 400 and "[R301] task 3" in answer["error"]
    assert _call(backend, "/predict", {"tasks": "x"})[0] == 400
    code, answer = _call(backend, "/predict", {"tasks": [{"id": 4, "data": {"text": "今天天气很好。"}}]})
    assert code == 200 and answer["results"][0]["result"] == [] and answer["results"][0]["score"] == 0.0


def test_backend_webhook_records_events(backend: BackendServer) -> None:
    code, answer = _call(backend, "/webhook", {"action": "ANNOTATION_UPDATED", "project": {"id": 5}})
    assert code == 200 and answer["action"] == "ANNOTATION_UPDATED"
    assert backend.events[-1] == "ANNOTATION_UPDATED"
