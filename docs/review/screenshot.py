"""Take the README's screenshot of a review task in Label Studio with headless Chromium.

    .venv/bin/python docs/review/screenshot.py --project demo -o docs/review/task.png [--data-dir DIR]

Logs in with the server's admin account (read from its owner-only credentials file, never
printed), opens the task Label Studio would hand out first (lowest prediction score), and saves
a PNG. Chromium is driven through the DevTools protocol with a small standard-library WebSocket
client, so nothing beyond the project's environment is needed. CJK text needs a CJK font
(`apt-get install -y fonts-noto-cjk`).
"""

from __future__ import annotations

import argparse
import base64
import http.cookiejar
import json
import logging
import os
import re
import socket
import struct
import subprocess
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

from annotations.client import connect, find_project
from annotations.credentials import load_credentials
from annotations.server import server_paths

log = logging.getLogger("screenshot")


def login(base: str, username: str, password: str) -> dict[str, str]:
    """Log in through the web form; returns the session cookies."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"{base}/user/login/", timeout=30).read().decode("utf-8")
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    if match is None:
        raise RuntimeError("[D101] no CSRF token on the login page; is this Label Studio?")
    form = {"email": username, "password": password, "csrfmiddlewaretoken": match.group(1)}
    req = urllib.request.Request(
        f"{base}/user/login/",
        data=urllib.parse.urlencode(form).encode(),
        headers={"Referer": f"{base}/user/login/"},
    )
    opener.open(req, timeout=30).read()
    cookies = {c.name: c.value for c in jar}
    if "sessionid" not in cookies:
        raise RuntimeError("[D102] login failed: no session cookie")
    return cookies


class DevTools:
    """The smallest WebSocket client the DevTools protocol needs (text frames, masked, no extensions)."""

    def __init__(self, ws_url: str) -> None:
        parts = urllib.parse.urlparse(ws_url)
        self.sock = socket.create_connection((parts.hostname, parts.port), timeout=60)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall(
            (
                f"GET {parts.path} HTTP/1.1\r\nHost: {parts.hostname}:{parts.port}\r\nUpgrade: websocket\r\n"
                f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
            ).encode()
        )
        head = b""
        while b"\r\n\r\n" not in head:
            head += self.sock.recv(1)
        if b" 101 " not in head.split(b"\r\n", 1)[0]:
            raise RuntimeError(f"[D103] DevTools refused the WebSocket: {head[:80]!r}")
        self.next_id = 0

    def _recv_exact(self, n: int) -> bytes:
        buf = b""
        while len(buf) < n:
            chunk = self.sock.recv(n - len(buf))
            if not chunk:
                raise RuntimeError("[D104] DevTools closed the connection")
            buf += chunk
        return buf

    def _recv(self) -> str:
        message = b""
        while True:
            b1, b2 = self._recv_exact(2)
            n = b2 & 0x7F
            if n == 126:
                n = struct.unpack(">H", self._recv_exact(2))[0]
            elif n == 127:
                n = struct.unpack(">Q", self._recv_exact(8))[0]
            message += self._recv_exact(n)
            if b1 & 0x80:  # FIN
                return message.decode("utf-8")

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        self.next_id += 1
        payload = json.dumps({"id": self.next_id, "method": method, "params": params}).encode()
        mask = os.urandom(4)
        n = len(payload)
        header = bytes([0x81]) + (
            bytes([0x80 | n])
            if n < 126
            else bytes([0x80 | 126]) + struct.pack(">H", n)
            if n < 65536
            else bytes([0x80 | 127]) + struct.pack(">Q", n)
        )
        self.sock.sendall(header + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))
        while True:
            reply = json.loads(self._recv())
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise RuntimeError(f"[D105] {method}: {reply['error']}")
                return reply.get("result", {})


_COUNT_JS = "document.querySelectorAll('[class*=\"htx-highlight\"]').length"
_SELECT_CELL_JS = """(() => {
  const cell = [...document.querySelectorAll('[class*="htx-highlight"]')]
    .find(h => /^[0-9.,]+$/.test(h.textContent.trim()));
  if (!cell) return false;
  cell.scrollIntoView({block: "nearest"});
  cell.dispatchEvent(new MouseEvent("click", {bubbles: true}));
  return true;
})()"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def screenshot(base: str, page_url: str, cookies: dict[str, str], out: Path, width: int, height: int) -> None:
    """Open `page_url` in headless Chromium with the session cookies and save a PNG."""
    port = _free_port()
    with tempfile.TemporaryDirectory() as profile:
        proc = subprocess.Popen(
            [
                "/usr/bin/chromium",
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--hide-scrollbars",
                f"--user-data-dir={profile}",
                f"--remote-debugging-port={port}",
                f"--window-size={width},{height}",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            for _ in range(100):
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=2) as r:
                        pages = [t for t in json.load(r) if t.get("type") == "page"]
                    if pages:
                        break
                except OSError:
                    pass
                time.sleep(0.2)
            else:
                raise RuntimeError("[D106] Chromium did not open its DevTools port")
            dt = DevTools(pages[0]["webSocketDebuggerUrl"])
            dt.call("Network.enable")
            for name, value in cookies.items():
                dt.call("Network.setCookie", name=name, value=value, url=base)
            dt.call(
                "Emulation.setDeviceMetricsOverride",
                width=width,
                height=height,
                deviceScaleFactor=1,
                mobile=False,
            )
            dt.call("Page.enable")
            dt.call("Page.navigate", url=page_url)
            # The labeling interface renders after several API calls; wait until its highlights settle.
            count, stable = -1, 0
            for _ in range(240):
                found = dt.call("Runtime.evaluate", expression=_COUNT_JS, returnByValue=True)
                now = (found.get("result") or {}).get("value", 0)
                stable = stable + 1 if now == count and now > 0 else 0
                count = now
                if stable >= 4:
                    break
                time.sleep(0.5)
            # Select the first table cell, so the picture shows its key and value controls.
            dt.call("Runtime.evaluate", expression=_SELECT_CELL_JS)
            time.sleep(2)
            shot = dt.call("Page.captureScreenshot", format="png")
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_bytes(base64.b64decode(shot["data"]))
        finally:
            proc.terminate()
            proc.wait(timeout=20)


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--project", required=True)
    ap.add_argument("-o", "--out", type=Path, required=True)
    ap.add_argument("--data-dir", type=Path)
    ap.add_argument("--size", default="1600x1000")
    args = ap.parse_args()
    paths = server_paths(args.data_dir)
    desk = connect(paths)
    project = find_project(desk, args.project)
    if project is None:
        raise SystemExit(f"no project {args.project!r}; push records first")
    tasks = list(desk.ls.tasks.list(project=project.id, fields="all"))
    first = min(tasks, key=lambda t: (t.predictions[0].score if t.predictions else 1.0, t.id))
    creds = load_credentials(paths.credentials)
    cookies = login(desk.url, creds.username, creds.password)
    width, height = (int(x) for x in args.size.split("x"))
    page = f"{desk.url}/projects/{project.id}/data?task={first.id}"
    screenshot(desk.url, page, cookies, args.out, width, height)
    log.info("wrote %s (task %d of project %r)", args.out, first.id, args.project)


if __name__ == "__main__":
    main()
