"""Server management without Label Studio: paths, install checks, and process handling.

The process tests run a stand-in `label-studio` executable that answers /health and writes
down the arguments and environment it was given; the real server is tested in test_review_loop.
"""

from __future__ import annotations

import json
import os
import socket
import stat
import sys
from pathlib import Path

import pytest

from annotations.server import (
    ENV_HOME,
    LS_VERSION,
    ServerError,
    is_installed,
    server_paths,
    start,
    status,
    stop,
)

STAND_IN = """#!{python}
import json, os, sys
from http.server import BaseHTTPRequestHandler, HTTPServer
port = int(sys.argv[sys.argv.index("--port") + 1])
with open(os.path.join(os.getcwd(), "seen.json"), "w", encoding="utf-8") as f:
    json.dump({{"argv": sys.argv[1:], "env": dict(os.environ)}}, f)
class H(BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200 if self.path == "/health" else 404); self.end_headers()
    def log_message(self, *a): pass
HTTPServer(("127.0.0.1", port), H).serve_forever()
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def fake_install(tmp_path: Path):
    paths = server_paths(tmp_path / "data", tmp_path / "venv")
    paths.executable.parent.mkdir(parents=True)
    paths.executable.write_text(STAND_IN.format(python=sys.executable), encoding="utf-8")
    paths.executable.chmod(0o755)
    paths.marker.write_text(LS_VERSION, encoding="utf-8")
    yield paths
    stop(paths, timeout=5)


def test_server_paths_follow_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(ENV_HOME, str(tmp_path / "home"))
    assert server_paths().data == (tmp_path / "home").absolute()
    assert server_paths(tmp_path / "x").data == (tmp_path / "x").absolute()


def test_server_start_needs_an_install(tmp_path: Path) -> None:
    paths = server_paths(tmp_path / "data", tmp_path / "venv")
    assert not is_installed(paths)
    with pytest.raises(ServerError, match=r"\[R001\].*make review-server"):
        start(paths)
    assert not status(paths).running and stop(paths) is False


def test_server_start_status_stop(fake_install) -> None:
    paths = fake_install
    port = _free_port()
    notes: list[str] = []
    st = start(paths, port=port, timeout=30, progress=notes.append)
    assert st.running and st.healthy and st.url == f"http://127.0.0.1:{port}"
    assert notes and "first start" in notes[0]
    assert status(paths).running and start(paths, port=port).pid == st.pid  # already running: left alone
    seen = json.loads((paths.data / "seen.json").read_text(encoding="utf-8"))
    token = json.loads(paths.credentials.read_text(encoding="utf-8"))["token"]
    argv, env = seen["argv"], seen["env"]
    assert argv[:2] == ["start", "--no-browser"] and argv[argv.index("--internal-host") + 1] == "127.0.0.1"
    assert token not in " ".join(argv) and env["LABEL_STUDIO_USER_TOKEN"] == token
    assert env["LABEL_STUDIO_ENABLE_LEGACY_API_TOKEN"] == "true" and env["COLLECT_ANALYTICS"] == "false"
    assert (
        env["SENTRY_DSN"] == ""
        and env["FRONTEND_SENTRY_DSN"] == ""
        and env["LATEST_VERSION_CHECK"] == "false"
    )
    assert (
        "127.0.0.0/8" not in env["USER_ADDITIONAL_BANNED_SUBNETS"]
        and "10.0.0.0/8" in env["USER_ADDITIONAL_BANNED_SUBNETS"]
    )
    assert env["LABEL_STUDIO_BASE_DATA_DIR"] == str(paths.ls_data)
    assert stat.S_IMODE(paths.credentials.stat().st_mode) == 0o600
    assert stat.S_IMODE(paths.ls_data.stat().st_mode) == 0o700
    assert stop(paths) is True
    assert not status(paths).running and not paths.state.exists()


def test_server_start_refuses_a_busy_port(fake_install) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        with pytest.raises(ServerError, match=r"\[R003\] port \d+ .* in use"):
            start(fake_install, port=s.getsockname()[1])


def test_server_start_reports_an_early_exit(fake_install) -> None:
    fake_install.executable.write_text("#!/bin/sh\necho boom >&2\nexit 3\n", encoding="utf-8")
    with pytest.raises(ServerError, match=r"\[R005\] .*code 3.*boom"):
        start(fake_install, port=_free_port(), timeout=30)
    assert os.path.exists(fake_install.log_file)
