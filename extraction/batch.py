"""Batch extraction: many inputs -> one JSONL of records + one JSONL of errors (+ optional CSV).

Streams: one input is read, extracted and written before the next is touched, so memory does
not grow with the number of reports. Every input ends up in exactly one of the two files.

With `workers > 1` the inputs go to a pool of worker processes. The pool uses the `spawn` start
method: a fresh interpreter per worker, never a `fork` of a process that may already hold torch's
thread pool (a forked torch can deadlock). Each worker does the whole job for one input (read,
extract, JSON line, CSV row) and `imap` hands the results back in input order, so the parent only
writes them: the output is byte-identical to one worker. Workers ignore SIGINT; Ctrl-C reaches the
parent, which terminates the pool, so no worker outlives the batch.
"""

from __future__ import annotations

import csv
import json
import logging
import multiprocessing
import os
import signal
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple, TextIO

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
    workers: int = 1
    setup_warnings: list[str] = field(default_factory=list)

    def line(self) -> str:
        """The one-line closing summary."""
        rate = (self.ok + self.failed) / self.seconds if self.seconds > 0 else 0.0
        pool = f", {self.workers} workers" if self.workers > 1 else ""
        msg = (
            f"extracted {self.ok} report(s), {self.failed} failed in {self.seconds:.1f}s "
            f"({rate:.1f}/s{pool}) -> {self.out}"
        )
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


def available_cores() -> int:
    """The cores this process may run on (its CPU affinity where the OS has one)."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # pragma: no cover - macOS and Windows have no affinity call
        return os.cpu_count() or 1


def resolve_workers(workers: int) -> int:
    """`--workers`: 0 means one per available core; a positive number is taken as is.

    Raises:
        ValueError: `[B002]` for a negative number.
    """
    if workers < 0:
        raise ValueError(f"[B002] workers must be 0 (one per core) or more, got: {workers!r}")
    return workers or available_cores()


class PathExtractor:
    """path -> record dict for one engine; picklable, so each worker process rebuilds it.

    The models are not pickled: every process loads them once in `setup` (or on first use).

    Args:
        engine: "rules", "model" or "hybrid".
        model: the model folder (None: the shipped one); ignored by the rules engine.
        max_bytes: larger input files are rejected (`[R003]`).
        threads: torch threads when models are used; None means 1 in a worker process and
            torch's default in the main process. The rules engine never imports torch.
    """

    def __init__(
        self,
        engine: str = "rules",
        model: Path | None = None,
        max_bytes: int = 5_000_000,
        threads: int | None = None,
    ) -> None:
        self.engine = engine
        self.model = model
        self.max_bytes = max_bytes
        self.threads = threads
        self._models: Any = None
        self._loaded = False

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "_models": None, "_loaded": False}

    def setup(self, worker: bool = False) -> list[str]:
        """Load the engine's models once (no-op for rules); return the loading warnings."""
        if self._loaded or self.engine == "rules":
            self._loaded = True
            return list(self._models.warnings) if self._models is not None else []
        from extraction.engine import load_models

        self._models = load_models(self.model)
        self._loaded = True
        threads = self.threads or (1 if worker else None)
        if threads is not None and self._models.any:
            from models.encoder import set_threads

            set_threads(threads)
        return list(self._models.warnings)

    def __call__(self, path: Path) -> dict[str, Any]:
        from extraction.pipeline import extract_path

        if not self._loaded:
            self.setup()
        rec = extract_path(path, max_bytes=self.max_bytes, engine=self.engine, models=self._models)
        return rec.to_json()


class Outcome(NamedTuple):
    """One input's result: the line for OUT (code None) or for OUT.errors.jsonl (code set)."""

    line: str
    row: list[Any] | None
    code: str | None = None
    message: str = ""


def process_one(path: Path, extract: Callable[[Path], dict[str, Any]], columns: list[str] | None) -> Outcome:
    """Extract one input into its output line (and CSV row when `columns` is given)."""
    try:
        rec = extract(path)
        return Outcome(dumps(rec), csv_row(rec, columns) if columns is not None else None)
    except Exception as exc:  # noqa: BLE001 - every failure is recorded, the batch goes on
        return _failure(path, _error_code(exc), " ".join(str(exc).split()) or type(exc).__name__)


def _failure(path: Path, code: str, message: str) -> Outcome:
    line = dumps({"source": str(path), "code": code, "error": message})
    return Outcome(line, None, code, message)


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
    workers: int = 1,
) -> BatchSummary:
    """Extract every file, streaming records to `out` and failures to `out.errors.jsonl`.

    Args:
        files: the inputs, in the order to process them (and to write them).
        out: the JSONL of records.
        extract: a function path -> record dict; raising means the input failed. If it has a
            `setup(worker=...)` method (`PathExtractor`), that runs once per process first and
            its warnings land in `summary.setup_warnings`.
        force: overwrite existing outputs.
        csv_out: also write a wide CSV (a row per report, a column per cell key).
        progress: show a progress bar on stderr.
        workers: worker processes (1: in this process). With more than one, `extract` must be
            picklable (a module-level function or a `PathExtractor`); the output is the same.
            A `setup` that raises fails every input with `[B003]` (in both modes).

    Raises:
        OutputExistsError: `[B001]` an output exists and `force` is false.
        ValueError: `[B002]` workers < 1.
    """
    from tqdm import tqdm

    if workers < 1:
        raise ValueError(f"[B002] workers must be at least 1, got: {workers!r}")
    err_out = errors_path(out)
    _check_outputs([p for p in (out, err_out, csv_out) if p is not None], force)
    out.parent.mkdir(parents=True, exist_ok=True)
    workers = max(1, min(workers, len(files)))
    summary = BatchSummary(out=str(out), errors_out=str(err_out), workers=workers)
    columns = csv_columns() if csv_out is not None else None
    t0 = time.perf_counter()
    csv_fh: TextIO | None = None
    with (
        out.open("w", encoding="utf-8") as fh,
        err_out.open("w", encoding="utf-8") as efh,
        _outcomes(files, extract, columns, workers, summary) as outcomes,
    ):
        writer = None
        if csv_out is not None and columns is not None:
            csv_out.parent.mkdir(parents=True, exist_ok=True)
            csv_fh = csv_out.open("w", encoding="utf-8", newline="")
            writer = csv.writer(csv_fh)
            writer.writerow(CSV_FIELDS + columns + ["n_entities", "findings"])
        try:
            bar = tqdm(
                outcomes, total=len(files), desc="extract", unit="report", disable=not progress, leave=False
            )
            for oc in bar:
                if oc.code is not None:
                    efh.write(oc.line + "\n")
                    summary.failed += 1
                    summary.error_codes[oc.code] = summary.error_codes.get(oc.code, 0) + 1
                    log.warning("%s", oc.message)
                    continue
                fh.write(oc.line + "\n")
                if writer is not None and oc.row is not None:
                    writer.writerow(oc.row)
                summary.ok += 1
        finally:
            if csv_fh is not None:
                csv_fh.close()
    summary.seconds = time.perf_counter() - t0
    return summary


@contextmanager
def _outcomes(
    files: list[Path],
    extract: Callable[[Path], dict[str, Any]],
    columns: list[str] | None,
    workers: int,
    summary: BatchSummary,
) -> Iterator[Iterator[Outcome]]:
    """The outcomes in input order: computed here (1 worker) or by a process pool."""
    if workers == 1:
        summary.setup_warnings, error = _run_setup(extract, worker=False)
        if error:
            yield (_failure(p, "B003", error) for p in files)
        else:
            yield (process_one(p, extract, columns) for p in files)
        return
    report = spawn_context().SimpleQueue()
    # Small chunks keep the progress bar moving and the workers evenly loaded; imap keeps order.
    chunksize = max(1, min(8, len(files) // (workers * 4)))
    with worker_pool(workers, _init_worker, (extract, columns, report, log_level())) as pool:
        yield pool.imap(_work, files, chunksize)
        # Every worker sets up the same way: the first report stands for all. It is there,
        # because a worker reports before it takes its first input and a result came back.
        summary.setup_warnings = report.get()


def spawn_context() -> multiprocessing.context.BaseContext:
    """The start method of every pool here: a fresh interpreter (never fork: torch may be loaded)."""
    return multiprocessing.get_context("spawn")


@contextmanager
def worker_pool(workers: int, initializer: Callable[..., None], initargs: tuple) -> Iterator[Any]:
    """A spawn-context `multiprocessing.Pool`, terminated unless the body finishes.

    On success the pool is closed and joined (workers exit on their own, so their CPU time is
    counted by `RUSAGE_CHILDREN`); on any exception, Ctrl-C included, it is terminated first.
    """
    pool = spawn_context().Pool(workers, initializer=initializer, initargs=initargs)
    finished = False
    try:
        yield pool
        finished = True
    finally:
        if finished:
            pool.close()
        else:
            pool.terminate()
        pool.join()


def log_level() -> int:
    """The parent's effective root log level, for `prepare_worker`."""
    return logging.getLogger().getEffectiveLevel()


def prepare_worker(level: int) -> None:
    """In a worker: leave Ctrl-C to the parent (which terminates the pool); log as the parent does.

    A spawned process starts without logging set up, and Python's last-resort handler would
    print every warning of every worker that the parent's level hides (`--verbose` shows them).
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s [worker %(process)d]: %(message)s")


_WORKER: dict[str, Any] = {}


def _init_worker(
    extract: Callable[[Path], dict[str, Any]], columns: list[str] | None, report: Any, level: int
) -> None:
    """Pool initializer: set up the extractor once; never raise (Pool would respawn forever)."""
    prepare_worker(level)
    warnings, error = _run_setup(extract, worker=True)
    _WORKER.update(extract=extract, columns=columns, error=error)
    report.put(warnings)


def _run_setup(extract: Callable[[Path], dict[str, Any]], worker: bool) -> tuple[list[str], str | None]:
    """Run `extract.setup` if it has one: (warnings, None), or ([error], error) when it raised."""
    setup = getattr(extract, "setup", None)
    try:
        return (list(setup(worker=worker)) if setup is not None else []), None
    except Exception as exc:  # noqa: BLE001 - every input then fails with it (a Pool would respawn)
        error = f"[B003] extractor set-up failed: {' '.join(str(exc).split())}"
        return [error], error


def _work(path: Path) -> Outcome:
    if _WORKER.get("error"):
        return _failure(path, "B003", _WORKER["error"])
    return process_one(path, _WORKER["extract"], _WORKER["columns"])


def _error_code(exc: BaseException) -> str:
    code = getattr(exc, "code", None)
    if isinstance(code, str) and code:
        return code
    msg = str(exc)
    if msg.startswith("[") and "]" in msg[:8]:
        return msg[1 : msg.index("]")]
    return type(exc).__name__
