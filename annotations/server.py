"""The Label Studio server of the review desk: install it in its own venv, start, stop, status.

Label Studio (`LS_VERSION`) lives in its own venv (it pins libraries nianbao does not want), by
default `.cache/label-studio/venv`; its data (sqlite database, media, exports) lives in a data
folder, by default `.cache/label-studio/data` (`NIANBAO_LS_HOME` or `--data-dir`). The server is
bound to 127.0.0.1, runs detached in its own session, and is started with analytics, version
checks and error reporting off. The admin password and API token are generated on the first
start and kept owner-only in `DATA/credentials.json`; they reach the server through its
environment only, never its command line.

Files in the data folder: `ls/` (Label Studio's own data), `credentials.json` (0600),
`server.json` (pid, port, url), `server.log` (the server's output).
"""

from __future__ import annotations

import json
import logging
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from annotations.credentials import create_credentials, redact

log = logging.getLogger(__name__)

LS_VERSION = "1.23.2"
DEFAULT_PORT = 8085
HOST = "127.0.0.1"
_REPO = Path(__file__).resolve().parents[1]
DEFAULT_VENV = _REPO / ".cache" / "label-studio" / "venv"
DEFAULT_DATA = _REPO / ".cache" / "label-studio" / "data"
ENV_HOME = "NIANBAO_LS_HOME"
ENV_VENV = "NIANBAO_LS_VENV"
START_TIMEOUT = 180.0  # the first start runs the migrations: 22-24 s on 2 cores, more when busy
# Label Studio 1.23's default SSRF subnets (core/utils/io.py: validate_ip) without loopback.
BANNED_SUBNETS = (
    "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "169.254.0.0/16", "172.16.0.0/12", "192.0.0.0/24",
    "192.0.2.0/24", "192.88.99.0/24", "192.168.0.0/16", "198.18.0.0/15", "198.51.100.0/24",
    "203.0.113.0/24", "224.0.0.0/4", "233.252.0.0/24", "240.0.0.0/4", "255.255.255.255/32", "::/128",
    "::ffff:0:0/96", "::ffff:0:0:0/96", "64:ff9b::/96", "64:ff9b:1::/48", "100::/64", "2001:0000::/32",
    "2001:20::/28", "2001:db8::/32", "2002::/16", "fc00::/7", "fe80::/10", "ff00::/8",
)  # fmt: skip


class ServerError(RuntimeError):
    """A server operation that cannot go on; the message says what to do."""


@dataclass(frozen=True)
class ServerPaths:
    """Where the Label Studio venv and the data folder are."""

    venv: Path
    data: Path

    @property
    def executable(self) -> Path:
        return self.venv / "bin" / "label-studio"

    @property
    def marker(self) -> Path:
        return self.venv / f".nianbao-label-studio-{LS_VERSION}"

    @property
    def ls_data(self) -> Path:
        return self.data / "ls"

    @property
    def credentials(self) -> Path:
        return self.data / "credentials.json"

    @property
    def state(self) -> Path:
        return self.data / "server.json"

    @property
    def log_file(self) -> Path:
        return self.data / "server.log"


def server_paths(data_dir: Path | None = None, venv: Path | None = None) -> ServerPaths:
    """The paths to use: arguments first, then `NIANBAO_LS_HOME` / `NIANBAO_LS_VENV`, then the defaults."""
    data = data_dir or (Path(os.environ[ENV_HOME]) if os.environ.get(ENV_HOME) else DEFAULT_DATA)
    env_venv = os.environ.get(ENV_VENV)
    return ServerPaths(
        venv=(venv or (Path(env_venv) if env_venv else DEFAULT_VENV)).absolute(), data=data.absolute()
    )


@dataclass(frozen=True)
class ServerStatus:
    """What `status` finds: whether a server of this data folder runs, where, and whether it answers."""

    running: bool
    url: str | None = None
    pid: int | None = None
    healthy: bool = False


# --- install ------------------------------------------------------------------------------------


def is_installed(paths: ServerPaths) -> bool:
    """Whether Label Studio `LS_VERSION` was installed into the venv (the marker file is there)."""
    return paths.marker.is_file() and paths.executable.is_file()


def install(paths: ServerPaths, python: str = sys.executable) -> bool:
    """Install Label Studio `LS_VERSION` into its own venv; a no-op when already installed.

    Returns:
        True when it installed now, False when it was already installed.

    Raises:
        ServerError: venv creation or pip failed (the message holds pip's last lines).
    """
    if is_installed(paths):
        return False
    steps = []
    if not (paths.venv / "bin" / "python").is_file():
        steps.append([python, "-m", "venv", str(paths.venv)])
    pip = [str(paths.venv / "bin" / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    steps.append([*pip, f"label-studio=={LS_VERSION}"])
    for cmd in steps:
        log.info("running: %s", " ".join(cmd))
        done = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            tail = "\n".join((done.stderr or done.stdout).strip().splitlines()[-5:])
            raise ServerError(
                f"[R002] installing Label Studio failed (exit {done.returncode}) in {paths.venv}: {tail}; "
                "check the network access to PyPI and run again"
            )
    for old in paths.venv.glob(".nianbao-label-studio-*"):
        old.unlink()
    paths.marker.write_text(LS_VERSION + "\n", encoding="utf-8")
    return True


# --- probing ------------------------------------------------------------------------------------


def url_for(port: int) -> str:
    return f"http://{HOST}:{port}"


def healthy(url: str, timeout: float = 2.0) -> bool:
    """Whether `GET url/health` answers 200."""
    try:
        with urllib.request.urlopen(f"{url.rstrip('/')}/health", timeout=timeout) as resp:
            return resp.status == 200
    except (urllib.error.URLError, OSError, ValueError):
        return False


def port_busy(port: int, host: str = HOST) -> bool:
    """Whether something accepts connections on host:port."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.settimeout(0.5)
        return s.connect_ex((host, port)) == 0


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _is_label_studio(pid: int) -> bool:
    """Whether the pid runs label-studio (a recycled pid must never be signalled)."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().decode("utf-8", "replace")
    except OSError:
        return _alive(pid)  # no /proc: trust the pid file
    return "label-studio" in cmdline or "label_studio" in cmdline


def _read_state(paths: ServerPaths) -> dict | None:
    try:
        with open(paths.state, encoding="utf-8") as f:
            data = json.load(f)
    except (OSError, json.JSONDecodeError):
        return None
    return data if isinstance(data, dict) and isinstance(data.get("pid"), int) else None


def status(paths: ServerPaths) -> ServerStatus:
    """Whether the server of this data folder runs (pid alive) and answers /health."""
    state = _read_state(paths)
    if state is None or not _alive(state["pid"]) or not _is_label_studio(state["pid"]):
        return ServerStatus(running=False, url=state.get("url") if state else None)
    url = str(state.get("url") or url_for(int(state.get("port") or DEFAULT_PORT)))
    return ServerStatus(running=True, url=url, pid=state["pid"], healthy=healthy(url))


def server_url(paths: ServerPaths) -> str:
    """The URL of this data folder's server (from its state file), else the default port's URL."""
    state = _read_state(paths)
    return str(state["url"]) if state and state.get("url") else url_for(DEFAULT_PORT)


# --- start / stop -------------------------------------------------------------------------------


def _server_env(paths: ServerPaths, username: str, password: str, token: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LABEL_STUDIO_", "DJANGO_"))}
    env.pop("VIRTUAL_ENV", None)
    env.update(
        {
            "LABEL_STUDIO_BASE_DATA_DIR": str(paths.ls_data),
            "LABEL_STUDIO_USERNAME": username,
            "LABEL_STUDIO_PASSWORD": password,
            "LABEL_STUDIO_USER_TOKEN": token,
            # Without it at the first start the preset token is refused (401); see ../shared/stack.md.
            "LABEL_STUDIO_ENABLE_LEGACY_API_TOKEN": "true",
            "LABEL_STUDIO_DISABLE_SIGNUP_WITHOUT_LINK": "true",
            "COLLECT_ANALYTICS": "false",
            "LATEST_VERSION_CHECK": "false",
            # The defaults send errors to an outside service.
            "SENTRY_DSN": "",
            "FRONTEND_SENTRY_DSN": "",
            # The ML backend (`nianbao review backend`) runs beside the server on 127.0.0.1, and
            # Label Studio refuses loopback URLs for ML backends and their webhooks. Keep its SSRF
            # guard, with every default banned subnet except loopback.
            "USE_DEFAULT_BANNED_SUBNETS": "false",
            "USER_ADDITIONAL_BANNED_SUBNETS": ",".join(BANNED_SUBNETS),
        }
    )
    return env


def _log_tail(paths: ServerPaths, n: int = 5) -> str:
    try:
        lines = paths.log_file.read_text(encoding="utf-8", errors="replace").strip().splitlines()
    except OSError:
        return ""
    return redact(" | ".join(line.strip() for line in lines[-n:]))


def start(
    paths: ServerPaths,
    port: int = DEFAULT_PORT,
    timeout: float = START_TIMEOUT,
    progress: Callable[[str], None] | None = None,
) -> ServerStatus:
    """Start Label Studio detached on 127.0.0.1:port and wait until `/health` answers.

    Creates the credentials on the first start. A server of this data folder that already runs
    is left as it is.

    Raises:
        ServerError: not installed, the port is taken by something else, or the server did not
            come up within `timeout` (the message names the log file).
    """
    say = progress or (lambda _msg: None)
    if not is_installed(paths):
        raise ServerError(
            f"[R001] Label Studio {LS_VERSION} is not installed in {paths.venv}; "
            "run `make review-server` or `nianbao review server install`"
        )
    current = status(paths)
    if current.running:
        if current.healthy:
            return current
        raise ServerError(
            f"[R004] a Label Studio of {paths.data} runs (pid {current.pid}) but does not answer at "
            f"{current.url}; stop it with `nianbao review server stop` and start again"
        )
    if port_busy(port):
        raise ServerError(
            f"[R003] port {port} on {HOST} is in use by another program; pick another with --port"
        )
    # Owner-only: Label Studio's database holds the token too.
    if not paths.data.exists():
        paths.data.mkdir(parents=True, mode=0o700)
    paths.ls_data.mkdir(parents=True, exist_ok=True)
    paths.ls_data.chmod(0o700)
    creds = create_credentials(paths.credentials)
    url = url_for(port)
    cmd = [str(paths.executable), "start", "--no-browser", "--internal-host", HOST, "--port", str(port)]
    first = not (paths.ls_data / "label_studio.sqlite3").exists()
    with open(paths.log_file, "ab") as out:
        proc = subprocess.Popen(
            cmd,
            cwd=paths.data,
            env=_server_env(paths, creds.username, creds.password, creds.token),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # own session: survives the shell, stopped as a group
        )
    state = {"pid": proc.pid, "port": port, "url": url, "version": LS_VERSION, "started": time.time()}
    paths.state.write_text(json.dumps(state, ensure_ascii=False) + "\n", encoding="utf-8")
    say(
        f"starting Label Studio {LS_VERSION} at {url} "
        + ("(first start: database migrations, about 25 s)" if first else "(a few seconds)")
    )
    deadline = time.monotonic() + timeout
    next_note = time.monotonic() + 10
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise ServerError(
                f"[R005] Label Studio exited with code {proc.returncode} while starting; "
                f"see {paths.log_file}: {_log_tail(paths)}"
            )
        if healthy(url, timeout=1.0):
            return ServerStatus(running=True, url=url, pid=proc.pid, healthy=True)
        if time.monotonic() >= next_note:
            say(f"still waiting for {url}/health ...")
            next_note += 10
        time.sleep(0.5)
    _terminate(proc.pid, 10.0)
    raise ServerError(
        f"[R006] Label Studio did not answer {url}/health within {timeout:.0f} s and was stopped; "
        f"see {paths.log_file}"
    )


def _terminate(pid: int, timeout: float) -> bool:
    """SIGTERM the server's process group, wait, SIGKILL what is left. True when it was running."""
    try:
        pgid = os.getpgid(pid)
    except ProcessLookupError:
        return False
    os.killpg(pgid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            waited, _ = os.waitpid(pid, os.WNOHANG)  # reap it when we are its parent
        except ChildProcessError:
            waited = 0
        if waited == pid or not _alive(pid):
            return True
        time.sleep(0.2)
    log.warning("Label Studio (pid %d) did not stop within %.0f s: killing it", pid, timeout)
    try:
        os.killpg(pgid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    return True


def stop(paths: ServerPaths, timeout: float = 30.0) -> bool:
    """Stop the server of this data folder (SIGTERM, then SIGKILL after `timeout`).

    Returns:
        True when a server was running and is stopped now, False when none was running.
    """
    state = _read_state(paths)
    stopped = False
    if state is not None and _alive(state["pid"]) and _is_label_studio(state["pid"]):
        stopped = _terminate(state["pid"], timeout)
    paths.state.unlink(missing_ok=True)
    return stopped
