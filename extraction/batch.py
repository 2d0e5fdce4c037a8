"""Batch extraction: many inputs -> one JSONL of records + one JSONL of errors (+ optional CSV).

Streams: one input is read, extracted and written before the next is touched, so memory does
not grow with the number of reports. Every input ends up in exactly one of the two files.
"""

from __future__ import annotations

import csv
import json
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from extraction.schema import TABLES, cell_keys

log = logging.getLogger(__name__)


class OutputExistsError(FileExistsError):
    """Raised when an output file exists and overwriting was not asked for."""


@dataclass
class BatchSummary:
    ok: int = 0
    failed: int = 0
    seconds: float = 0.0
    out: str = ""
    errors_out: str = ""
    error_codes: dict[str, int] = field(default_factory=dict)

    def line(self) -> str:
        """The one-line closing summary."""
        rate = (self.ok + self.failed) / self.seconds if self.seconds > 0 else 0.0
        msg = f"extracted {self.ok} report(s), {self.failed} failed in {self.seconds:.1f}s ({rate:.1f}/s) -> {self.out}"
        if self.failed:
            codes = ", ".join(f"{k}×{v}" for k, v in sorted(self.error_codes.items()))
            msg += f"; errors ({codes}) -> {self.errors_out}"
        return msg


def errors_path(out: Path) -> Path:
    """`OUT.jsonl` -> `OUT.errors.jsonl`."""
    name = out.name[: -len(".jsonl")] if out.name.endswith(".jsonl") else out.name
    return out.with_name(name + ".errors.jsonl")


def dumps(obj: Any) -> str:
    """Deterministic JSON line (same input, same bytes)."""
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


CSV_FIELDS = ["source", "doc", "agency", "year", "format_version", "period_start", "period_end", "published"]


def csv_columns() -> list[str]:
    """Every cell key of both template versions, 2019 first, without repeats."""
    cols: list[str] = []
    for v in ("2019", "2021"):
        for t in TABLES:
            for k in cell_keys(t, v):
                key = f"{t}.{k}"
                if key not in cols:
                    cols.append(key)
    return cols


def csv_row(rec: dict[str, Any], columns: list[str]) -> list[Any]:
    period = rec.get("period") or {}
    row: list[Any] = [
        rec["source"],
        rec["doc"],
        rec.get("agency") or "",
        rec.get("year") if rec.get("year") is not None else "",
        rec.get("format_version") or "",
        period.get("start", ""),
        period.get("end", ""),
        rec.get("published") or "",
    ]
    for col in columns:
        t, k = col.split(".", 1)
        v = (rec.get("tables") or {}).get(t, {}).get(k)
        row.append("" if v is None else v)
    row.append(len(rec.get("entities", [])))
    row.append(" ".join(f["code"] for f in rec.get("findings", [])))
    return row


def _check_outputs(paths: Iterable[Path], force: bool) -> None:
    for p in paths:
        if p.exists() and not force:
            raise OutputExistsError(f"[B001] {p} exists; pass --force to overwrite it or choose another -o")


def run_batch(
    files: list[Path],
    out: Path,
    extract: Callable[[Path], dict[str, Any]],
    force: bool = False,
    csv_out: Path | None = None,
    progress: bool = True,
) -> BatchSummary:
    """Extract every file, streaming records to `out` and failures to `out.errors.jsonl`.

    Args:
        files: the inputs, in the order to process them.
        out: the JSONL of records.
        extract: a function path -> record dict; raising means the input failed.
        force: overwrite existing outputs.
        csv_out: also write a wide CSV (a row per report, a column per cell key).
        progress: show a progress bar on stderr.
    """
    from tqdm import tqdm

    err_out = errors_path(out)
    _check_outputs([p for p in (out, err_out, csv_out) if p is not None], force)
    out.parent.mkdir(parents=True, exist_ok=True)
    summary = BatchSummary(out=str(out), errors_out=str(err_out))
    columns = csv_columns()
    t0 = time.perf_counter()
    csv_fh: TextIO | None = None
    with out.open("w", encoding="utf-8") as fh, err_out.open("w", encoding="utf-8") as efh:
        writer = None
        if csv_out is not None:
            csv_out.parent.mkdir(parents=True, exist_ok=True)
            csv_fh = csv_out.open("w", encoding="utf-8", newline="")
            writer = csv.writer(csv_fh)
            writer.writerow(CSV_FIELDS + columns + ["n_entities", "findings"])
        try:
            for path in tqdm(files, desc="extract", unit="report", disable=not progress, leave=False):
                try:
                    rec = extract(path)
                except Exception as exc:  # noqa: BLE001 - every failure is recorded, the batch goes on
                    code = _error_code(exc)
                    message = " ".join(str(exc).split()) or type(exc).__name__
                    efh.write(dumps({"source": str(path), "code": code, "error": message}) + "\n")
                    summary.failed += 1
                    summary.error_codes[code] = summary.error_codes.get(code, 0) + 1
                    log.warning("%s", message)
                    continue
                fh.write(dumps(rec) + "\n")
                if writer is not None:
                    writer.writerow(csv_row(rec, columns))
                summary.ok += 1
        finally:
            if csv_fh is not None:
                csv_fh.close()
    summary.seconds = time.perf_counter() - t0
    return summary


def _error_code(exc: BaseException) -> str:
    code = getattr(exc, "code", None)
    if isinstance(code, str) and code:
        return code
    msg = str(exc)
    if msg.startswith("[") and "]" in msg[:8]:
        return msg[1 : msg.index("]")]
    return type(exc).__name__
