"""Talking to the Label Studio server through the SDK, with errors turned into one line of advice.

The SDK (`label-studio-sdk`, extra `review`) is imported only when a client is made. Every
error that leaves this module is a `ReviewError` whose message has been through `redact`: the
SDK's own errors can carry headers and bodies.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from annotations.credentials import SecretsError, load_credentials, redact
from annotations.server import ServerPaths, server_url

log = logging.getLogger(__name__)

TIMEOUT = 60.0


class ReviewError(RuntimeError):
    """A review operation that cannot go on; the message is one line that says what to do."""


@dataclass
class Desk:
    """A connected client: the SDK's `LabelStudio`, its URL, and where its token came from."""

    ls: Any
    url: str
    token_file: Path
    _token: str = field(repr=False, default="")


def _sdk() -> Any:
    try:
        import label_studio_sdk
    except ImportError as exc:
        raise ReviewError(
            "[R100] the Label Studio SDK is not installed (label_studio_sdk missing); "
            "run: .venv/bin/pip install -e '.[review]'"
        ) from exc
    return label_studio_sdk


def connect(paths: ServerPaths, url: str | None = None, token_file: Path | None = None) -> Desk:
    """A client for the server of `paths` (or `url`), authenticated with its stored token.

    Raises:
        ReviewError: no SDK, or no readable owner-only credentials file.
    """
    sdk = _sdk()
    creds_path = token_file or paths.credentials
    try:
        creds = load_credentials(creds_path)
    except SecretsError as exc:
        raise ReviewError(str(exc)) from None
    base = (url or server_url(paths)).rstrip("/")
    ls = sdk.LabelStudio(base_url=base, api_key=creds.token, timeout=TIMEOUT)
    return Desk(ls=ls, url=base, token_file=creds_path, _token=creds.token)


def _status_of(exc: BaseException) -> int | None:
    code = getattr(exc, "status_code", None)
    return code if isinstance(code, int) else None


def _body_of(exc: BaseException) -> str:
    body = getattr(exc, "body", None)
    if isinstance(body, dict):
        body = body.get("detail") or body.get("validation_errors") or body
    return " ".join(str(body).split())[:300]


@contextmanager
def api_errors(desk: Desk, doing: str) -> Iterator[None]:
    """Turn SDK and network errors met while `doing` something into a one-line `ReviewError`."""
    import httpx

    _sdk()
    from label_studio_sdk.core.api_error import ApiError

    try:
        yield
    except httpx.TimeoutException:
        raise ReviewError(
            redact(
                f"[R103] Label Studio at {desk.url} did not answer in time while {doing}; check the server log"
            )
        ) from None
    except (httpx.ConnectError, httpx.RemoteProtocolError):
        raise ReviewError(
            redact(
                f"[R101] Label Studio is not reachable at {desk.url} while {doing}; "
                "start it with `nianbao review server start` (or pass the right --url)"
            )
        ) from None
    except ApiError as exc:
        code = _status_of(exc)
        if code in (401, 403):
            raise ReviewError(
                redact(
                    f"[R102] Label Studio at {desk.url} refused the API token ({code}) while {doing}; "
                    f"the token in {desk.token_file} is not this server's: use the --data-dir the server "
                    "was started with, or stop it and start it again with `nianbao review server start`"
                )
            ) from None
        raise ReviewError(
            redact(f"[R104] Label Studio at {desk.url} answered {code} while {doing}: {_body_of(exc)}")
        ) from None


def find_project(desk: Desk, title: str) -> Any | None:
    """The project with this exact title, or None (the first by id when several share it)."""
    with api_errors(desk, f"looking up project {title!r}"):
        found = [p for p in desk.ls.projects.list(title=title) if p.title == title]
    return min(found, key=lambda p: p.id) if found else None


def count_projects(desk: Desk) -> int:
    """How many projects the server holds."""
    with api_errors(desk, "listing projects"):
        return sum(1 for _ in desk.ls.projects.list())


def attach_backend(desk: Desk, project_id: int, url: str, title: str = "nianbao") -> Any:
    """Connect the ML backend at `url` to the project (reused when already connected).

    Raises:
        ReviewError: Label Studio cannot reach the backend or the backend refuses the project.
    """
    url = url.rstrip("/")
    with api_errors(desk, f"connecting the ML backend {url}"):
        # A connection to the same URL is replaced: creating one is what makes Label Studio check
        # /health and call /setup again (its update route fails in 1.23.2).
        for old in desk.ls.ml.list(project=project_id):
            if (old.url or "").rstrip("/") == url:
                desk.ls.ml.delete(id=old.id)
        backend = desk.ls.ml.create(
            project=project_id, url=url, title=title, is_interactive=False, auto_update=True
        )
    state = str(getattr(backend, "state", "") or "")
    if state not in ("CO", "CONNECTED"):
        detail = " ".join(str(getattr(backend, "error_message", "") or "").split())[:300]
        raise ReviewError(
            redact(
                f"[R106] Label Studio could not use the ML backend at {url} (state {state or 'unknown'}): "
                f"{detail or 'no answer'}; start it with `nianbao review backend` and check its port"
            )
        )
    return backend
