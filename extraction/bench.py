"""`nianbao bench`: throughput and memory of an engine (rules, model, hybrid), per stage.

The model and hybrid engines run torch with `threads` threads per process and add the stages
`model_ner` and `model_table`; the model's share is their part of the total stage time. A
requested model engine whose models did not load falls back to rules: the result says so
(`engine_used`, `fallback`), so rules numbers are never shown as model numbers. The rules engine
never imports torch.

Inputs are read once into memory and then cycled `n` times through the full path (normalize
... audit ... JSON serialization), so the numbers measure extraction, not the disk.

With `workers > 1`, chunks of reports go to a spawned pool (`extraction.batch.worker_pool`); each
worker loads the models itself, warms up, and sends back its per-stage times with every chunk.
Start-up (until every worker is ready) and steady state are timed apart; CPU time is `getrusage`
of this process plus its joined children (`RUSAGE_CHILDREN`: every worker, start-up included);
peak memory is each process's `ru_maxrss` summed over main + workers (an upper bound of the
simultaneous peak). Wall time also counts waiting for a core on a shared machine; CPU time does not.
"""

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

MODEL_STAGES = ("model_ner", "model_table")
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


EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def default_inputs() -> list[Path]:
    """The bundled example reports."""
    if not EXAMPLES.is_dir():
        return []
    return [EXAMPLES]


def _rss_mb() -> float:
    try:
        with open("/proc/self/status", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KB on Linux


def _cpu_s(who: int) -> float:
    ru = resource.getrusage(who)
    return ru.ru_utime + ru.ru_stime


@dataclass
class BenchResult:
    reports: int
    chars: int
    seconds: float
    stages: dict[str, float]
    rss_mb: list[tuple[int, float]] = field(default_factory=list)
    peak_rss_mb: float = 0.0
    inputs: int = 0
    torch_imported: bool = False
    cpu_seconds: float = 0.0
    cpu_stages: dict[str, float] = field(default_factory=dict)
    engine: str = "rules"
    engine_used: str = "rules"
    threads: int = 1
    model_version: str | None = None
    fallback: list[str] = field(default_factory=list)
    workers: int = 1
    startup_seconds: float = 0.0
    steady_seconds: float = 0.0
    peak_rss_by_process: list[float] = field(default_factory=list)

    def model_share(self, stages: dict[str, float]) -> float:
        """The models' part of the total stage time (0 for the rules engine)."""
        total = sum(stages.values())
        return sum(stages.get(k, 0.0) for k in MODEL_STAGES) / total if total else 0.0

    def to_json(self) -> dict:
        """The measurements as a JSON-ready dict (ms per report, MB, shares in [0, 1])."""
        uses_models = self.engine_used != "rules"
        return {
            "engine": self.engine,
            "engine_used": self.engine_used,
            "fallback": self.fallback,
            "model_version": self.model_version,
            "workers": self.workers,
            "reports": self.reports,
            "distinct_inputs": self.inputs,
            "chars": self.chars,
            "seconds": round(self.seconds, 4),
            "reports_per_s": round(self.reports / self.seconds, 1) if self.seconds else None,
            "chars_per_s": round(self.chars / self.seconds) if self.seconds else None,
            "startup_seconds": round(self.startup_seconds, 4),
            "steady_seconds": round(self.steady_seconds, 4),
            "steady_reports_per_s": round(self.reports / self.steady_seconds, 1)
            if self.steady_seconds
            else None,
            "mean_chars_per_report": round(self.chars / max(1, self.reports)),
            "stages_ms_per_report": {
                k: round(v * 1000 / max(1, self.reports), 3) for k, v in self.stages.items()
            },
            "cpu_seconds": round(self.cpu_seconds, 4),
            "reports_per_cpu_s": round(self.reports / self.cpu_seconds, 1) if self.cpu_seconds else None,
            "stages_cpu_ms_per_report": {
                k: round(v * 1000 / max(1, self.reports), 3) for k, v in self.cpu_stages.items()
            },
            "rss_mb_at": [[i, round(m, 1)] for i, m in self.rss_mb],
            "peak_rss_mb": round(self.peak_rss_mb, 1),
            "peak_rss_mb_by_process": [round(m, 1) for m in self.peak_rss_by_process],
            "model_share_wall": round(self.model_share(self.stages), 4),
            "model_share_cpu": round(self.model_share(self.cpu_stages), 4),
            "torch_imported": self.torch_imported,
            "torch_threads": self.threads if uses_models else None,
            "cores_used": self.workers * (self.threads if uses_models else 1),
        }

    def to_text(self) -> str:
        """A readable summary: throughput, start-up, per-stage time, model share, memory."""
        d = self.to_json()
        cores = f"{d['cores_used']} core" + ("s" if d["cores_used"] > 1 else "")
        if d["workers"] > 1:
            cores = f"{d['workers']} workers, {cores}"
        head = f"{d['engine_used']} engine"
        if d["engine"] != "rules" and d["engine_used"] == "rules":
            head = f"{d['engine']} engine FELL BACK to rules ({'; '.join(d['fallback'])[:300]})"
        elif d["fallback"]:
            head += f" (partly rules: {'; '.join(d['fallback'])[:300]})"
        lines = [
            f"{head}, {cores}: {d['reports']} reports ({d['distinct_inputs']} distinct, "
            f"{d['mean_chars_per_report']} chars each) in {d['seconds']:.2f}s ({d['cpu_seconds']:.2f}s CPU)",
            f"  throughput: {d['reports_per_s']} reports/s, {d['chars_per_s']} chars/s; "
            f"{d['reports_per_cpu_s']} reports per CPU second",
            f"  start-up {d['startup_seconds']:.2f}s (processes, models, warm-up), then "
            f"{d['steady_reports_per_s']} reports/s steady over {d['steady_seconds']:.2f}s",
            "  per stage (ms/report, summed over workers):  wall       CPU",
        ]
        cpu = d["stages_cpu_ms_per_report"]
        total = sum(cpu.values()) or 1.0
        for k, v in sorted(d["stages_ms_per_report"].items(), key=lambda kv: -cpu.get(kv[0], kv[1])):
            c = cpu.get(k, 0.0)
            lines.append(f"    {k:<11} {v:13.3f} {c:9.3f}  {100 * c / total:5.1f}%")
        if d["engine_used"] != "rules":
            lines.append(
                f"  model share of time: {100 * d['model_share_wall']:.1f}% wall, "
                f"{100 * d['model_share_cpu']:.1f}% CPU (model {d['model_version']})"
            )
        lines.append("  RSS (MB) after N reports: " + ", ".join(f"{i}: {m}" for i, m in d["rss_mb_at"]))
        per = " + ".join(str(m) for m in d["peak_rss_mb_by_process"])
        lines.append(
            f"  peak RSS: {d['peak_rss_mb']} MB (ru_maxrss summed over main + workers: {per}); "
            f"torch imported: {d['torch_imported']}"
        )
        return "\n".join(lines)


def _fallbacks(engine: str, used: str, warnings: list[str]) -> list[str]:
    """The warnings that say a requested model engine ran (wholly or partly) on rules."""
    if engine == "rules":
        return []
    return [w for w in warnings if "fell back" in w or "from the rules engine" in w or used == "rules"]


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
        return Chunk(
            dict(timer.totals), dict(timer.cpu), chars, count, os.getpid(), _rss_mb(), _peak_rss_mb()
        )


class _Tally:
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
            main = 0.0 if os.getpid() in self.rss else _rss_mb()
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
    info.update(pid=os.getpid(), rss_mb=_rss_mb(), peak_rss_mb=_peak_rss_mb(), torch="torch" in sys.modules)
    report.put(info)


def _bench_chunk(span: tuple[int, int]) -> Chunk:
    return _BENCH_WORKER["runner"].run(*span)


def _run_serial(job: BenchJob, models: ModelSet | None, tally: _Tally) -> tuple[dict, float, float]:
    """Bench in this process; returns the warm-up info, the time it was ready and the last time."""
    runner = _Runner(job, models)
    t_ready = time.perf_counter()
    start = 0
    for stop in sorted(set(tally.todo)):
        tally.add(runner.run(start, stop - start))
        start = stop
    info = dict(runner.info, torch="torch" in sys.modules)
    return info, t_ready, time.perf_counter()


def _run_pool(job: BenchJob, n: int, workers: int, tally: _Tally) -> tuple[dict, float, float]:
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


def run_bench(
    paths: list[Path],
    n: int = 500,
    engine: str = "rules",
    models: ModelSet | None = None,
    threads: int | None = None,
    workers: int = 1,
    model: Path | None = None,
) -> BenchResult:
    """Extract `n` reports cycling through `paths` (files or folders) and time every stage.

    Args:
        paths: report files or folders.
        n: how many reports to extract in total (inputs are cycled).
        engine: "rules", "model" or "hybrid".
        models: already loaded models for model/hybrid (one worker only; the workers of a pool
            load `models.path` themselves). Without them the models are loaded from `model`
            as part of the start-up; without usable models the engine falls back to rules and
            the result says so.
        threads: torch threads per process (default: 2 with one worker, else 1).
        workers: processes extracting in parallel.
        model: the model folder (default: the shipped one), when `models` is not given.

    Raises:
        ValueError: `[X001]` when no input is readable, `[X002]` for threads < 1, `[X004]` for
            workers < 1; the warm-up's error when the first input is not a report.
    """
    from extraction.io import iter_inputs, read_document

    if workers < 1:
        raise ValueError(f"[X004] workers must be at least 1, got: {workers!r}")
    threads = threads if threads is not None else (2 if workers == 1 else 1)
    if threads < 1:
        raise ValueError(f"[X002] threads must be at least 1, got: {threads!r}")
    timer = CpuStageTimer()
    paths_in = list(iter_inputs(paths))
    if paths_in:
        read_document(paths_in[0])  # warm the reader (decoder look-ups) outside timing
    docs = []
    for p in paths_in:
        with timer.stage("read"):
            doc = read_document(p)
        docs.append((str(p), doc.text, doc.encoding))
    if not docs:
        raise ValueError("[X001] no readable reports among the bench inputs")
    read_wall, read_cpu = timer.totals["read"] / len(docs) * n, timer.cpu["read"] / len(docs) * n
    if models is not None and model is None and models.path:
        model = Path(models.path)
    job = BenchJob(tuple(docs), engine, str(model) if model else None, threads)
    workers = min(workers, n)
    tally = _Tally({max(1, n // 10), max(1, n // 2), n})
    t0 = time.perf_counter()
    cpu0 = _cpu_s(resource.RUSAGE_SELF) + _cpu_s(resource.RUSAGE_CHILDREN)
    if workers == 1:
        info, t_ready, t_last = _run_serial(job, models, tally)
    else:
        info, t_ready, t_last = _run_pool(job, n, workers, tally)
    t_done = time.perf_counter()  # the pool joined: its workers' CPU time is in RUSAGE_CHILDREN
    cpu_seconds = _cpu_s(resource.RUSAGE_SELF) + _cpu_s(resource.RUSAGE_CHILDREN) - cpu0 + read_cpu
    tally.stages["read"] += read_wall
    tally.cpu["read"] += read_cpu
    tally.peak[os.getpid()] = _peak_rss_mb()
    by_process = [tally.peak.pop(os.getpid())] + [tally.peak[k] for k in sorted(tally.peak)]
    used = info["engine_used"]
    return BenchResult(
        reports=n,
        chars=tally.chars,
        seconds=t_done - t0 + read_wall / workers,
        stages=dict(tally.stages),
        rss_mb=tally.rss_at,
        peak_rss_mb=sum(by_process),
        inputs=len(docs),
        torch_imported=info["torch"],
        cpu_seconds=cpu_seconds,
        cpu_stages=dict(tally.cpu),
        engine=engine,
        engine_used=used,
        threads=threads if used != "rules" else 1,
        model_version=info["model_version"],
        fallback=_fallbacks(engine, used, info["warnings"]),
        workers=workers,
        startup_seconds=t_ready - t0,
        steady_seconds=t_last - t_ready + read_wall / workers,
        peak_rss_by_process=by_process,
    )
