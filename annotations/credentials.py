"""Credentials of the review desk: generating them, keeping them owner-only, and keeping them out of text.

The API token and the admin password are written once, with mode 0600, before the first start of
the server. They are never printed or logged: every message the review commands show or log goes
through `redact`, and `RedactingFilter` guards the log handlers too (the SDK's errors can echo
request headers).
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import stat
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

MASK = "[redacted]"
_KNOWN: set[str] = set()


class SecretsError(RuntimeError):
    """The credentials file is missing, unreadable, or readable by others."""


@dataclass(frozen=True)
class Credentials:
    """The server's admin account and its API token (legacy token, passed as `Authorization: Token`)."""

    username: str
    password: str
    token: str

    def __repr__(self) -> str:  # a stray repr in a log or traceback must not show them
        return f"Credentials(username={self.username!r}, password={MASK!r}, token={MASK!r})"


def remember(*values: str) -> None:
    """Register secret values so that `redact` masks them wherever they appear."""
    _KNOWN.update(v for v in values if v and len(v) >= 6)


def redact(text: object) -> str:
    """`str(text)` with every registered secret replaced by `[redacted]`."""
    out = str(text)
    for value in sorted(_KNOWN, key=len, reverse=True):
        if value in out:
            out = out.replace(value, MASK)
    return out


class RedactingFilter(logging.Filter):
    """A logging filter that masks registered secrets in the message and its arguments."""

    def filter(self, record: logging.LogRecord) -> bool:
        if _KNOWN:
            record.msg = redact(record.getMessage())
            record.args = None
        return True


def install_log_filter(logger: logging.Logger | None = None) -> None:
    """Add a `RedactingFilter` to every handler of `logger` (default: the root logger)."""
    for handler in (logger or logging.getLogger()).handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(RedactingFilter())


def _owner_only(path: Path) -> None:
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise SecretsError(
            f"[R011] credentials file is readable by others (mode {oct(mode)}), got: {str(path)!r}; "
            f"run `chmod 600 {path}`"
        )


def create_credentials(path: Path, username: str = "review@nianbao.local") -> Credentials:
    """Generate an admin password and an API token and write them owner-only (mode 0600).

    An existing file is kept: the server was started with those values and accepts only them.
    """
    if path.exists():
        return load_credentials(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    creds = Credentials(username=username, password=secrets.token_urlsafe(18), token=secrets.token_hex(20))
    body = json.dumps(
        {"username": creds.username, "password": creds.password, "token": creds.token},
        ensure_ascii=False,
        indent=1,
    )
    # Created with 0600 from the start: no moment where another user could read it.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(body + "\n")
    remember(creds.password, creds.token)
    log.info("wrote new credentials to %s (mode 0600)", path)
    return creds


def load_credentials(path: Path) -> Credentials:
    """Read the credentials file (it must be owner-only) and register its secrets for redaction."""
    if not path.is_file():
        raise SecretsError(
            f"[R010] no credentials file, got: {str(path)!r}; start the server once with "
            "`nianbao review server start` (it creates the file), or pass --data-dir"
        )
    _owner_only(path)
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
        creds = Credentials(str(data["username"]), str(data["password"]), str(data["token"]))
    except (json.JSONDecodeError, KeyError, TypeError) as exc:
        raise SecretsError(
            f"[R012] credentials file is damaged ({type(exc).__name__}), got: {str(path)!r}; "
            "delete it together with the server's data folder and start again"
        ) from None
    remember(creds.password, creds.token)
    return creds
