"""`nianbao bench`: throughput and memory of an engine (rules, model, hybrid), per stage.

The rules engine runs on one core. The model and hybrid engines run torch with `threads` threads
(default 2) and add the stages `model_ner` and `model_table`; the model's share is their part of
the total stage time. A requested model engine whose models did not load falls back to rules:
the result says so (`engine_used`, `fallback`), so rules numbers are never shown as model numbers.
The rules engine never imports torch.

Inputs are read once into memory and then cycled `n` times through the full path (normalize
... audit ... JSON serialization), so the numbers measure extraction, not the disk. RSS is sampled
at checkpoints: flat RSS across checkpoints shows memory does not grow with the number of reports.

Both wall time and CPU time (`time.process_time`) are reported: on a machine shared with other
work the wall time also counts the time the process waited for a core, the CPU time does not.
"""

from __future__ import annotations

import json
import resource
import sys
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from extraction.engine import ModelSet
from extraction.pipeline import StageTimer, extract_text

MODEL_STAGES = ("model_ner", "model_table")


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

    def model_share(self, stages: dict[str, float]) -> float:
        """The models' part of the total stage time (0 for the rules engine)."""
        total = sum(stages.values())
        return sum(stages.get(k, 0.0) for k in MODEL_STAGES) / total if total else 0.0

    def to_json(self) -> dict:
        """The measurements as a JSON-ready dict (ms per report, MB, shares in [0, 1])."""
        return {
            "engine": self.engine,
            "engine_used": self.engine_used,
            "fallback": self.fallback,
            "model_version": self.model_version,
            "reports": self.reports,
            "distinct_inputs": self.inputs,
            "chars": self.chars,
            "seconds": round(self.seconds, 4),
            "reports_per_s": round(self.reports / self.seconds, 1) if self.seconds else None,
            "chars_per_s": round(self.chars / self.seconds) if self.seconds else None,
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
            "model_share_wall": round(self.model_share(self.stages), 4),
            "model_share_cpu": round(self.model_share(self.cpu_stages), 4),
            "torch_imported": self.torch_imported,
            "torch_threads": self.threads if self.engine_used != "rules" else None,
            "cores_used": self.threads if self.engine_used != "rules" else 1,
        }

    def to_text(self) -> str:
        """A readable summary: throughput, per-stage time, model share, memory."""
        d = self.to_json()
        cores = f"{d['cores_used']} core" + ("s" if d["cores_used"] > 1 else "")
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
            "  per stage (ms/report):  wall       CPU",
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
        lines.append(f"  peak RSS: {d['peak_rss_mb']} MB; torch imported: {d['torch_imported']}")
        return "\n".join(lines)


def _fallbacks(engine: str, used: str, warnings: list[str]) -> list[str]:
    """The warnings that say a requested model engine ran (wholly or partly) on rules."""
    if engine == "rules":
        return []
    return [w for w in warnings if "fell back" in w or "from the rules engine" in w or used == "rules"]


def _set_threads(threads: int) -> None:
    """Give torch `threads` intra-op threads (torch is already loaded with the models)."""
    import torch

    torch.set_num_threads(threads)


def run_bench(
    paths: list[Path],
    n: int = 500,
    engine: str = "rules",
    models: ModelSet | None = None,
    threads: int = 2,
) -> BenchResult:
    """Extract `n` reports cycling through `paths` (files or folders) and time every stage.

    Args:
        paths: report files or folders.
        n: how many reports to extract in total (inputs are cycled).
        engine: "rules", "model" or "hybrid".
        models: the loaded models for model/hybrid (`extraction.engine.load_models`); without
            usable models the engine falls back to rules and the result says so.
        threads: torch threads for the models (ignored by the rules engine).

    Raises:
        ValueError: `[X001]` when no input is readable, `[X002]` for threads < 1.
    """
    from extraction.io import iter_inputs, read_document

    if threads < 1:
        raise ValueError(f"[X002] threads must be at least 1, got: {threads!r}")
    uses_models = engine != "rules" and models is not None and models.any
    if uses_models:
        _set_threads(threads)
    timer = CpuStageTimer()
    paths_in = list(iter_inputs(paths))
    if paths_in:
        read_document(paths_in[0])  # warm the reader (decoder look-ups) outside timing
    docs = []
    for p in paths_in:
        with timer.stage("read"):
            doc = read_document(p)
        docs.append((str(p), doc))
    if not docs:
        raise ValueError("[X001] no readable reports among the bench inputs")
    read_per_doc = timer.totals["read"] / len(docs)
    read_cpu_per_doc = timer.cpu["read"] / len(docs)
    timer.totals["read"] = timer.cpu["read"] = 0.0
    # Warm caches (regexes, tables, the models' first forward pass) outside timing.
    first = extract_text(docs[0][1].text, source=docs[0][0], engine=engine, models=models)
    checkpoints = {max(1, n // 10), max(1, n // 2), n}
    rss: list[tuple[int, float]] = []
    chars = 0
    t_start, c_start = time.perf_counter(), time.process_time()
    for i in range(n):
        src, doc = docs[i % len(docs)]
        timer.totals["read"] += read_per_doc
        timer.cpu["read"] += read_cpu_per_doc
        rec = extract_text(
            doc.text, source=src, encoding=doc.encoding, timer=timer, engine=engine, models=models
        )
        with timer.stage("serialize"):
            json.dumps(rec.to_json(), ensure_ascii=False)
        chars += len(doc.text)
        if i + 1 in checkpoints:
            rss.append((i + 1, _rss_mb()))
    seconds = time.perf_counter() - t_start + read_per_doc * n
    cpu_seconds = time.process_time() - c_start + read_cpu_per_doc * n
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return BenchResult(
        reports=n,
        chars=chars,
        seconds=seconds,
        stages=dict(timer.totals),
        rss_mb=rss,
        peak_rss_mb=peak,
        inputs=len(docs),
        torch_imported="torch" in sys.modules,
        cpu_seconds=cpu_seconds,
        cpu_stages=dict(timer.cpu),
        engine=engine,
        engine_used=first.engine,
        threads=threads if uses_models else 1,
        model_version=first.model_version,
        fallback=_fallbacks(engine, first.engine, first.warnings),
    )
