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

import os
import resource
import time
from dataclasses import dataclass, field
from pathlib import Path

from extraction.bench_workers import (
    BenchJob,
    CpuStageTimer,
    Tally,
    cpu_s,
    peak_rss_mb,
    run_pool,
    run_serial,
)
from extraction.engine import ModelSet

MODEL_STAGES = ("model_ner", "model_table")


EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def default_inputs() -> list[Path]:
    """The bundled example reports."""
    if not EXAMPLES.is_dir():
        return []
    return [EXAMPLES]


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
    tally = Tally({max(1, n // 10), max(1, n // 2), n})
    t0 = time.perf_counter()
    cpu0 = cpu_s(resource.RUSAGE_SELF) + cpu_s(resource.RUSAGE_CHILDREN)
    if workers == 1:
        info, t_ready, t_last = run_serial(job, models, tally)
    else:
        info, t_ready, t_last = run_pool(job, n, workers, tally)
    t_done = time.perf_counter()  # the pool joined: its workers' CPU time is in RUSAGE_CHILDREN
    cpu_seconds = cpu_s(resource.RUSAGE_SELF) + cpu_s(resource.RUSAGE_CHILDREN) - cpu0 + read_cpu
    tally.stages["read"] += read_wall
    tally.cpu["read"] += read_cpu
    tally.peak[os.getpid()] = peak_rss_mb()
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
