"""The measuring side of `nianbao bench`: a CPU-aware stage timer, process memory and CPU
readings, and the serial and pooled runners that cycle reports through the pipeline."""

from __future__ import annotations

import json
import os
import queue
import resource
import sys
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from extraction.engine import ModelSet
from extraction.pipeline import StageTimer, extract_text

STARTUP_TIMEOUT_S = 600.0


@dataclass
class CpuStageTimer(StageTimer):
    """A `StageTimer` that also accumulates CPU time per stage (seconds) in `cpu`."""

    cpu: dict[str, float] = field(default_factory=lambda: defaultdict(float))

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        t0, c0 = time.perf_counter(), time.process_time()
        try:
            yield
        finally:
            self.totals[name] += time.perf_counter() - t0
            self.cpu[name] += time.process_time() - c0


def rss_mb() -> float:
    try:
        with open("/proc/self/status", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KB on Linux


def cpu_s(who: int) -> float:
    ru = resource.getrusage(who)
    return ru.ru_utime + ru.ru_stime


@dataclass(frozen=True)
class BenchJob:
    """What every bench process needs: the texts `(source, text, encoding)`, engine, model, threads."""

    docs: tuple[tuple[str, str, str], ...]
    engine: str = "rules"
    model: str | None = None
    threads: int = 1


@dataclass
class Chunk:
    """The measurements of a run of reports in one process."""

    stages: dict[str, float]
    cpu: dict[str, float]
    chars: int
    count: int
    pid: int
    rss_mb: float
    peak_rss_mb: float


class _Runner:
    """One process's bench state: loaded models, threads set, caches warm (one report extracted)."""

    def __init__(self, job: BenchJob, models: ModelSet | None = None) -> None:
        if models is None and job.engine != "rules":
            from extraction.engine import load_models

            models = load_models(Path(job.model) if job.model else None)
        self.job, self.models = job, models
        self.uses_models = job.engine != "rules" and models is not None and models.any
        if self.uses_models:
            from models.encoder import set_threads

            set_threads(job.threads)
        src, text, encoding = job.docs[0]
        # Warm caches (regexes, tables, the models' first forward pass) outside timing.
        first = extract_text(text, source=src, encoding=encoding, engine=job.engine, models=models)
        self.info = {
            "engine_used": first.engine,
            "model_version": first.model_version,
            "warnings": list(first.warnings),
        }

    def run(self, start: int, count: int) -> Chunk:
        """Extract and serialize reports `start .. start+count-1` (cycling through the inputs)."""
        timer, docs, chars = CpuStageTimer(), self.job.docs, 0
        for i in range(start, start + count):
            src, text, encoding = docs[i % len(docs)]
            rec = extract_text(
                text, source=src, encoding=encoding, timer=timer, engine=self.job.engine, models=self.models
            )
            with timer.stage("serialize"):
                json.dumps(rec.to_json(), ensure_ascii=False)
            chars += len(text)
        return Chunk(dict(timer.totals), dict(timer.cpu), chars, count, os.getpid(), rss_mb(), peak_rss_mb())


class Tally:
    """Sums the chunks; RSS at checkpoints is the sum of every process's latest RSS."""

    def __init__(self, checkpoints: set[int]) -> None:
        self.stages: dict[str, float] = defaultdict(float)
        self.cpu: dict[str, float] = defaultdict(float)
        self.chars = self.done = 0
        self.rss: dict[int, float] = {}
        self.peak: dict[int, float] = {}
        self.todo = sorted(checkpoints)
        self.rss_at: list[tuple[int, float]] = []

    def add(self, c: Chunk) -> None:
        for k, v in c.stages.items():
            self.stages[k] += v
        for k, v in c.cpu.items():
            self.cpu[k] += v
        self.chars += c.chars
        self.done += c.count
        self.rss[c.pid] = c.rss_mb
        self.peak[c.pid] = max(self.peak.get(c.pid, 0.0), c.peak_rss_mb)
        while self.todo and self.done >= self.todo[0]:
            main = 0.0 if os.getpid() in self.rss else rss_mb()
            self.rss_at.append((self.todo.pop(0), main + sum(self.rss.values())))


_BENCH_WORKER: dict[str, Any] = {}


def _init_bench_worker(job: BenchJob, report: Any, level: int) -> None:
    """Pool initializer: build the runner, then report readiness (never raise: Pool would respawn)."""
    from extraction.batch import prepare_worker

    prepare_worker(level)
    try:
        runner = _Runner(job)
        _BENCH_WORKER["runner"] = runner
        info: dict[str, Any] = dict(runner.info, error=None)
    except Exception as exc:  # noqa: BLE001 - sent to the parent, which stops the bench with it
        info = {"error": " ".join(str(exc).split()) or type(exc).__name__}
    info.update(pid=os.getpid(), rss_mb=rss_mb(), peak_rss_mb=peak_rss_mb(), torch="torch" in sys.modules)
    report.put(info)


def _bench_chunk(span: tuple[int, int]) -> Chunk:
    return _BENCH_WORKER["runner"].run(*span)


def run_serial(job: BenchJob, models: ModelSet | None, tally: Tally) -> tuple[dict, float, float]:
    """Bench in this process; returns the warm-up info, the time it was ready and the last time."""
    runner = _Runner(job, models)
    t_ready = time.perf_counter()
    start = 0
    for stop in sorted(set(tally.todo)):
        tally.add(runner.run(start, stop - start))
        start = stop
    info = dict(runner.info, torch="torch" in sys.modules)
    return info, t_ready, time.perf_counter()


def run_pool(job: BenchJob, n: int, workers: int, tally: Tally) -> tuple[dict, float, float]:
    """Bench in a pool; the ready time is when the last worker is ready (the pool is joined after)."""
    from extraction.batch import log_level, spawn_context, worker_pool

    report = spawn_context().Queue()
    with worker_pool(workers, _init_bench_worker, (job, report, log_level())) as pool:
        infos = []
        for _ in range(workers):
            try:
                infos.append(report.get(timeout=STARTUP_TIMEOUT_S))
            except queue.Empty as exc:
                raise ValueError(
                    f"[X003] a bench worker did not start within {STARTUP_TIMEOUT_S:.0f}s"
                ) from exc
        errors = [i["error"] for i in infos if i["error"]]
        if errors:
            raise ValueError(errors[0])
        t_ready = time.perf_counter()
        for i in infos:
            tally.rss[i["pid"]], tally.peak[i["pid"]] = i["rss_mb"], i["peak_rss_mb"]
        size = max(1, min(20, n // (workers * 8)))  # small chunks: the workers stay evenly loaded
        spans = [(s, min(size, n - s)) for s in range(0, n, size)]
        for chunk in pool.imap_unordered(_bench_chunk, spans):
            tally.add(chunk)
        t_last = time.perf_counter()
    info = dict(infos[0], torch=any(i["torch"] for i in infos) or "torch" in sys.modules)
    return info, t_ready, t_last
