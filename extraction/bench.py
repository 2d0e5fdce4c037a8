"""`nianbao bench`: throughput and memory of the extraction path, per stage, on one core.

Inputs are read once into memory and then cycled `n` times through the full path (normalize
... audit ... JSON serialization), so the numbers measure extraction, not the disk. RSS is sampled
at checkpoints: flat RSS across checkpoints shows memory does not grow with the number of reports.
"""

from __future__ import annotations

import json
import resource
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from extraction.pipeline import StageTimer, extract_text

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

    def to_json(self) -> dict:
        return {
            "reports": self.reports,
            "distinct_inputs": self.inputs,
            "chars": self.chars,
            "seconds": round(self.seconds, 4),
            "reports_per_s": round(self.reports / self.seconds, 1) if self.seconds else None,
            "chars_per_s": round(self.chars / self.seconds) if self.seconds else None,
            "mean_chars_per_report": round(self.chars / max(1, self.reports)),
            "stages_ms_per_report": {k: round(v * 1000 / max(1, self.reports), 3) for k, v in self.stages.items()},
            "rss_mb_at": [[i, round(m, 1)] for i, m in self.rss_mb],
            "peak_rss_mb": round(self.peak_rss_mb, 1),
            "torch_imported": self.torch_imported,
            "cores_used": 1,
        }

    def to_text(self) -> str:
        d = self.to_json()
        lines = [
            f"rules path, 1 core: {d['reports']} reports ({d['distinct_inputs']} distinct, "
            f"{d['mean_chars_per_report']} chars each) in {d['seconds']:.2f}s",
            f"  throughput: {d['reports_per_s']} reports/s, {d['chars_per_s']} chars/s",
            "  per stage (ms/report):",
        ]
        total = sum(d["stages_ms_per_report"].values()) or 1.0
        for k, v in sorted(d["stages_ms_per_report"].items(), key=lambda kv: -kv[1]):
            lines.append(f"    {k:<10} {v:8.3f}  {100 * v / total:5.1f}%")
        lines.append("  RSS (MB) after N reports: " + ", ".join(f"{i}: {m}" for i, m in d["rss_mb_at"]))
        lines.append(f"  peak RSS: {d['peak_rss_mb']} MB; torch imported: {d['torch_imported']}")
        return "\n".join(lines)


def run_bench(paths: list[Path], n: int = 500) -> BenchResult:
    """Extract `n` reports cycling through `paths` (files or folders) and time every stage."""
    from extraction.io import iter_inputs, read_document

    timer = StageTimer()
    docs = []
    for p in iter_inputs(paths):
        t0 = time.perf_counter()
        doc = read_document(p)
        timer.totals["read"] += time.perf_counter() - t0
        docs.append((str(p), doc))
    if not docs:
        raise ValueError("[X001] no readable reports among the bench inputs")
    read_per_doc = timer.totals["read"] / len(docs)
    timer.totals["read"] = 0.0
    extract_text(docs[0][1].text, source=docs[0][0])  # warm caches (regexes, tables) outside timing
    checkpoints = {max(1, n // 10), max(1, n // 2), n}
    rss: list[tuple[int, float]] = []
    chars = 0
    t_start = time.perf_counter()
    for i in range(n):
        src, doc = docs[i % len(docs)]
        timer.totals["read"] += read_per_doc
        rec = extract_text(doc.text, source=src, encoding=doc.encoding, timer=timer)
        with timer.stage("serialize"):
            json.dumps(rec.to_json(), ensure_ascii=False)
        chars += len(doc.text)
        if i + 1 in checkpoints:
            rss.append((i + 1, _rss_mb()))
    seconds = time.perf_counter() - t_start + read_per_doc * n
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
    )
