"""Credentials: owner-only on disk, never in text: redaction of messages and log records."""

from __future__ import annotations

import logging
import stat
from pathlib import Path

import pytest

from annotations.credentials import (
    MASK,
    RedactingFilter,
    SecretsError,
    create_credentials,
    load_credentials,
    redact,
)


def test_credentials_file_is_owner_only_and_kept(tmp_path: Path) -> None:
    path = tmp_path / "d" / "credentials.json"
    first = create_credentials(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(first.token) == 40 and first.token != first.password
    again = create_credentials(path)  # the server knows the first values: never replaced
    assert again == first == load_credentials(path)


def test_credentials_refuse_a_file_others_can_read(tmp_path: Path) -> None:
    path = tmp_path / "credentials.json"
    create_credentials(path)
    path.chmod(0o644)
    with pytest.raises(SecretsError, match=r"\[R011\].*chmod 600"):
        load_credentials(path)


@pytest.mark.parametrize("content", ["{", "[]", '{"username": "u"}'])
def test_credentials_damaged_file_is_a_coded_error(tmp_path: Path, content: str) -> None:
    path = tmp_path / "credentials.json"
    path.write_text(content, encoding="utf-8")
    path.chmod(0o600)
    with pytest.raises(SecretsError, match=r"\[R012\]"):
        load_credentials(path)


def test_credentials_missing_file_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(SecretsError, match=r"\[R010\].*nianbao review server start"):
        load_credentials(tmp_path / "nope.json")


def test_credentials_repr_and_redaction_hide_the_secrets(tmp_path: Path) -> None:
    creds = create_credentials(tmp_path / "c.json")
    assert creds.token not in repr(creds) and creds.password not in repr(creds)
    message = f"GET /api/projects headers={{'Authorization': 'Token {creds.token}'}} pw={creds.password}"
    out = redact(message)
    assert creds.token not in out and creds.password not in out and out.count(MASK) == 2


def test_credentials_log_filter_masks_arguments(tmp_path: Path) -> None:
    creds = create_credentials(tmp_path / "c.json")
    record = logging.LogRecord("x", logging.WARNING, __file__, 1, "sent %s to %s", (creds.token, "url"), None)
    assert RedactingFilter().filter(record)
    assert record.getMessage() == f"sent {MASK} to url"
