"""The model registry: an append-only JSONL of every promotion decision (`models/registry.jsonl`).

One line per model part (ner or table) a `nianbao models promote` run judged, promoted or
refused: which checkpoint (name@version, path, sha256 of its manifest), what it was trained on
(data hashes: the replayed dataset and the corrected reports), how it scored on the fixed
evaluation set (its hash) next to the default it was compared with, when, and why. Lines are
never rewritten; the file is meant to be committed with the default models it describes.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REGISTRY_NAME = "registry.jsonl"
DECISIONS = ("promoted", "refused")
# Headline metrics of a promotion, in the order they are shown: (key, short name).
HEADLINE = (
    ("cells_blank_eq_zero", "cells blank=0"),
    ("entity_strict_f1", "entity strict F1"),
    ("fields_accuracy", "fields"),
)


_DATA_ORDER = ("dataset", "replay", "corrected")  # how `render_table` lists a line's data hashes


class RegistryError(ValueError):
    """A registry file or line that cannot be read or written."""


@dataclass
class RegistryEntry:
    """One promotion decision about one model part.

    Attributes:
        version: the candidate's `name@version` (what records carry as `model_version`).
        kind: "ner" or "table".
        path: the candidate checkpoint folder as given.
        manifest_sha256: sha256 of its manifest.json (which lists every file's sha256).
        data_hashes: `{"dataset": ...}`, or `{"replay": ..., "corrected": ...}` for a retrained model.
        eval_set: `{"name", "hash", "docs"}` of the evaluation set.
        engine: the engine the evaluation ran (as `nianbao extract` runs it: hybrid).
        metrics: the candidate's headline metrics on the evaluation set.
        baseline: `{"version", "metrics"}` of the default it was compared with.
        decision: "promoted" or "refused".
        reason: why, with the numbers.
        date: ISO time (UTC) of the decision.
        base: the checkpoint it was trained from (its manifest's `base`).
    """

    version: str
    kind: str
    path: str
    manifest_sha256: str
    data_hashes: dict[str, str]
    eval_set: dict[str, Any]
    engine: str
    metrics: dict[str, float | None]
    baseline: dict[str, Any]
    decision: str
    reason: str
    date: str = ""
    base: str | None = None

    def __post_init__(self) -> None:
        if self.decision not in DECISIONS:
            raise RegistryError(f"[U101] decision must be one of {DECISIONS}, got: {self.decision!r}")
        if not self.date:
            self.date = datetime.now(UTC).isoformat(timespec="seconds")

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return asdict(self)

    @classmethod
    def from_json(cls, data: Any) -> RegistryEntry:
        """Parse one registry line's object ([U102] when it is not a registry entry)."""
        if not isinstance(data, dict):
            raise RegistryError(f"[U102] a registry line must be an object, got: {type(data).__name__}")
        known = {f.name for f in fields(cls)}
        try:
            return cls(**{k: v for k, v in data.items() if k in known})
        except TypeError as exc:
            raise RegistryError(f"[U102] registry line incomplete: {exc}") from exc


def default_registry(default_dir: Path) -> Path:
    """The registry beside a default model folder: `models/default` -> `models/registry.jsonl`."""
    return Path(default_dir).resolve().parent / REGISTRY_NAME


def split_data_hash(data_hash: str) -> dict[str, str]:
    """A manifest's data hash as named parts: `"A+B"` (retrained, `training.examples.load_data`)
    is `{"replay": A, "corrected": B}`, anything else `{"dataset": data_hash}`."""
    replay, plus, corrected = (data_hash or "").partition("+")
    if plus and replay and corrected:
        return {"replay": replay, "corrected": corrected}
    return {"dataset": data_hash or ""}


def append_entry(path: Path, entry: RegistryEntry) -> None:
    """Append one line to the registry (created with its folder when missing); never rewrites."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    line = json.dumps(entry.to_json(), ensure_ascii=False, sort_keys=True)
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(line + "\n")


def read_registry(path: Path) -> list[RegistryEntry]:
    """Every entry of a registry, oldest first ([] when the file does not exist).

    Raises:
        RegistryError: [U103] a line is not JSON or not an entry (the message names the line).
    """
    path = Path(path)
    if not path.is_file():
        return []
    out: list[RegistryEntry] = []
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                out.append(RegistryEntry.from_json(json.loads(line)))
            except (json.JSONDecodeError, RegistryError) as exc:
                raise RegistryError(
                    f"[U103] {path}:{n} is not a registry entry ({exc}): {line[:80]!r}"
                ) from exc
    return out


def _fmt(x: Any) -> str:
    return f"{x:.4f}" if isinstance(x, int | float) else "-"


def render_table(entries: list[RegistryEntry]) -> Any:
    """A rich Table of the entries (newest last), for `nianbao models list`."""
    from rich.table import Table

    table = Table(title=f"model registry ({len(entries)} entries)")
    for col in (
        "date",
        "kind",
        "version",
        "decision",
        *(n for _, n in HEADLINE),
        "eval set",
        "data",
        "reason",
    ):
        table.add_column(col, overflow="fold")
    for e in entries:
        mark = "[green]promoted[/green]" if e.decision == "promoted" else "[red]refused[/red]"
        names = sorted(
            e.data_hashes,
            key=lambda k: (k not in _DATA_ORDER, _DATA_ORDER.index(k) if k in _DATA_ORDER else 0, k),
        )
        data = " + ".join(f"{k} {e.data_hashes[k][:12]}" for k in names)
        table.add_row(
            e.date.replace("+00:00", "Z"),
            e.kind,
            e.version,
            mark,
            *(_fmt(e.metrics.get(k)) for k, _ in HEADLINE),
            f"{e.eval_set.get('name')} {str(e.eval_set.get('hash', ''))[:12]}",
            data,
            e.reason,
        )
    return table
