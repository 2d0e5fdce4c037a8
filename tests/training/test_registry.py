"""training.registry: the append-only JSONL of promotion decisions, its data-hash parts, coded
errors for bad lines, and `nianbao models list`.

Entries are invented here; no model is loaded.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from extraction.cli import app
from training.registry import (
    RegistryEntry,
    RegistryError,
    append_entry,
    default_registry,
    read_registry,
    render_table,
    split_data_hash,
)

runner = CliRunner()


def entry(version: str, decision: str = "promoted", f1: float = 0.8, **kw: object) -> RegistryEntry:
    fields = {
        "version": version,
        "kind": "ner",
        "path": f"out/{version}",
        "manifest_sha256": "ab" * 32,
        "data_hashes": {"replay": "1" * 64, "corrected": "2" * 64},
        "eval_set": {"name": "shared-gold", "hash": "c" * 64, "docs": 5},
        "engine": "hybrid",
        "metrics": {"cells_blank_eq_zero": 0.9, "entity_strict_f1": f1, "fields_accuracy": 1.0},
        "baseline": {"version": "rules", "metrics": {"entity_strict_f1": 0.7}},
        "decision": decision,
        "reason": "no headline metric regressed",
    }
    return RegistryEntry(**(fields | kw))  # type: ignore[arg-type]


def test_registry_append_only_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "models" / "registry.jsonl"
    first = entry("ner@0.1.0")
    append_entry(path, first)
    before = path.read_bytes()
    second = entry("ner@0.2.0", "refused", 0.5, reason="entity strict F1 0.5000 < 0.8000")
    append_entry(path, second)
    assert path.read_bytes().startswith(before)  # earlier lines are never rewritten
    got = read_registry(path)
    assert [e.to_json() for e in got] == [first.to_json(), second.to_json()]
    assert got[0].date and got[1].decision == "refused"
    line = path.read_text(encoding="utf-8").splitlines()[1]
    assert json.loads(line)["reason"] == "entity strict F1 0.5000 < 0.8000"


def test_registry_missing_file_is_empty(tmp_path: Path) -> None:
    assert read_registry(tmp_path / "none.jsonl") == []


@pytest.mark.parametrize(
    ("data_hash", "parts"),
    [
        ("a" * 64, {"dataset": "a" * 64}),
        ("a" * 64 + "+" + "b" * 64, {"replay": "a" * 64, "corrected": "b" * 64}),
        ("", {"dataset": ""}),
        ("+b", {"dataset": "+b"}),
    ],
)
def test_registry_split_data_hash(data_hash: str, parts: dict[str, str]) -> None:
    assert split_data_hash(data_hash) == parts


@pytest.mark.parametrize(
    ("line", "code"),
    [
        ("not json", "U103"),
        ("[1, 2]", "U103"),
        ('{"version": "x"}', "U103"),
    ],
)
def test_registry_bad_line_names_the_line(tmp_path: Path, line: str, code: str) -> None:
    path = tmp_path / "registry.jsonl"
    append_entry(path, entry("ner@0.1.0"))
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(line + "\n")
    with pytest.raises(RegistryError, match=rf"\[{code}\].*registry.jsonl:2"):
        read_registry(path)


def test_registry_decision_is_checked() -> None:
    with pytest.raises(RegistryError, match=r"\[U101\].*'maybe'"):
        entry("ner@0.1.0", decision="maybe")


def test_registry_sits_beside_the_default(tmp_path: Path) -> None:
    assert default_registry(tmp_path / "models" / "default") == (tmp_path / "models" / "registry.jsonl")


def test_registry_table_shows_every_entry() -> None:
    from rich.console import Console

    console = Console(width=250, record=True)
    console.print(render_table([entry("ner@0.1.0"), entry("ner@0.2.0", "refused", 0.5)]))
    text = console.export_text()
    assert "ner@0.1.0" in text and "ner@0.2.0" in text
    assert "promoted" in text and "refused" in text and "0.5000" in text and "shared-gold" in text


def test_registry_models_list_cli(tmp_path: Path) -> None:
    path = tmp_path / "registry.jsonl"
    res = runner.invoke(app, ["models", "list", "--registry", str(path)])
    assert res.exit_code == 0 and "no registry entries" in res.output
    append_entry(path, entry("ner@0.1.0"))
    append_entry(path, entry("table@0.3.0", "refused", kind="table"))
    res = runner.invoke(app, ["models", "list", "--registry", str(path)])
    assert res.exit_code == 0, res.output
    assert "ner@0.1.0" in res.output and "table@0.3.0" in res.output and "refused" in res.output
    with open(path, "a", encoding="utf-8") as fh:
        fh.write("{broken\n")
    res = runner.invoke(app, ["models", "list", "--registry", str(path)])
    assert res.exit_code == 2 and "[U103]" in res.output
