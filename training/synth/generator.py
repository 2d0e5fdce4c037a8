"""The synthetic report generator: `generate_one` for one report, `generate` for a directory.

A report depends only on its own seed, derived from (seed, i), so output is deterministic,
independent of n and of how the work is split over processes.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections import Counter
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path
from random import Random
from typing import Any

from training.synth.gold import GENERATOR_VERSION, gold_record, meta_record
from training.synth.layout import LayoutRates, apply_layout
from training.synth.markup import settle, to_docx, to_html
from training.synth.noise import NoiseRates, apply_noise, apply_punctuation, rates_for
from training.synth.report import compose

logger = logging.getLogger(__name__)

VERSIONS = ("2019", "2021", "legacy", "mix")


FILE_KINDS = ("txt", "html", "docx")
FILE_WEIGHTS = (90, 6, 4)
_ENCODINGS = (("utf-8", 85), ("gb18030", 10), ("utf-8-sig", 5))


@dataclass
class SynthDoc:
    """One generated report: the file to write, the text a reader gets from it, gold and sidecar.

    `text` is what `extraction.io.read_document` returns for the file (all gold offsets refer to
    it); `data` is the file itself (encoded text, an HTML page or a .docx package).
    """

    name: str  # file name, e.g. synth_7_00012.txt
    text: str
    gold: dict[str, Any]
    meta: dict[str, Any]
    data: bytes
    suffix: str = ".txt"


@dataclass
class SynthSummary:
    """What `generate` wrote."""

    n: int
    seed: int
    out_dir: Path
    noise: str
    version: str
    seconds: float
    versions: dict[str, int] = field(default_factory=dict)
    findings: dict[str, int] = field(default_factory=dict)
    layouts: dict[str, int] = field(default_factory=dict)
    damaged_cells: int = 0
    files: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "generator": GENERATOR_VERSION,
            "n": self.n,
            "seed": self.seed,
            "noise": self.noise,
            "version": self.version,
            "seconds": round(self.seconds, 2),
            "versions": self.versions,
            "findings": self.findings,
            "layouts": self.layouts,
            "damaged_cells": self.damaged_cells,
            "files": self.files,
        }


def derive_seed(seed: int, i: int) -> int:
    """The seed of report i of a run (stable across Python versions and processes)."""
    digest = hashlib.blake2b(f"nianbao-synth:{seed}:{i}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big")


def generate_one(
    rng_seed: int,
    noise: str = "low",
    version: str = "mix",
    *,
    name: str | None = None,
    rates: NoiseRates | None = None,
    layout: LayoutRates | None = None,
    file_kind: str | None = None,
) -> SynthDoc:
    """Generate one report deterministically from `rng_seed`.

    Args:
        rng_seed: the report's seed.
        noise: "none" | "low" | "high" (ignored when `rates` is given).
        version: template: "2019" | "2021" | "legacy" | "mix".
        name: file stem (default synth_<seed>); the suffix follows the file kind.
        rates: explicit noise rates instead of a level's presets.
        layout: per-report probabilities of hard wrapping and page breaks (text files only).
        file_kind: "txt" | "html" | "docx" (default: drawn, mostly txt).
    """
    if version not in VERSIONS:
        raise ValueError(f"[Y601] unknown version (2019|2021|legacy|mix), got: {version!r}")
    if file_kind is not None and file_kind not in FILE_KINDS:
        raise ValueError(f"[Y604] unknown file kind (txt|html|docx), got: {file_kind!r}")
    r = rates if rates is not None else rates_for(noise)
    rng = Random(rng_seed)
    kind = rng.choices(FILE_KINDS, weights=FILE_WEIGHTS)[0]
    kind = file_kind or kind
    c = compose(rng, version, None if kind == "txt" else "tab")
    doc = c.marked
    layout_done = apply_layout(rng, doc, layout or LayoutRates()) if kind == "txt" else {}
    punctuation = apply_punctuation(rng, doc)
    noise_done = apply_noise(rng, doc, r)
    damaged = noise_done.pop("damaged")
    stem = (name or f"synth_{rng_seed}").rsplit(".", 1)[0]
    file_name = f"{stem}.{kind}"
    if kind == "txt":
        encoding = rng.choices([e for e, _ in _ENCODINGS], weights=[w for _, w in _ENCODINGS])[0]
        newline = "\r\n" if noise_done.get("artifacts") == "crlf" else "\n"
        data = doc.text.replace("\n", newline).encode(encoding)
    else:
        settle(doc, kind)
        encoding, newline = "utf-8", "\n"
        data = to_html(doc, rng, c.ctx.ag.name) if kind == "html" else to_docx(doc, rng)
    facts = {
        "year": c.plan.year,
        "format_version": c.plan.version,
        "period": c.ctx.period,
        "published": c.ctx.published,
        "tables": c.tables,
        "findings": c.findings,
    }
    gold = gold_record(file_name, doc, facts)
    true_values = {f"{t}.{k}": v for t, cells in c.tables.items() for k, v in cells.items()}
    extra = {
        "seed": rng_seed,
        "noise": noise if rates is None else "custom",
        "noise_applied": noise_done,
        "layout": layout_done,
        "renderings": c.table_styles,
        "punctuation": punctuation,
        "file": kind,
        "encoding": encoding,
        "newline": newline,
        "agency_clean": c.ctx.ag.name,
        "true_values": true_values,
    }
    meta = meta_record(file_name, doc, extra, damaged)
    for sec in meta["sections"]:
        sec["title_ok"] = sec["number"] != c.plan.wrong_title
    return SynthDoc(name=file_name, text=doc.text, gold=gold, meta=meta, data=data, suffix=f".{kind}")


def _write(doc: SynthDoc, out_dir: Path) -> None:
    stem = doc.name.rsplit(".", 1)[0]
    (out_dir / doc.name).write_bytes(doc.data)
    for suffix, payload, indent in ((".json", doc.gold, 1), (".meta.json", doc.meta, None)):
        with open(out_dir / f"{stem}{suffix}", "w", encoding="utf-8") as fh:
            json.dump(payload, fh, ensure_ascii=False, indent=indent)


def _work(args: tuple[int, int, int, str, str, str]) -> dict[str, Any]:
    """Generate and write reports [lo, hi) of a run; return their tallies."""
    lo, hi, seed, noise, version, out = args
    tally: dict[str, Any] = {"versions": Counter(), "findings": Counter(), "layouts": Counter(), "damaged": 0}
    for i in range(lo, hi):
        doc = generate_one(derive_seed(seed, i), noise, version, name=f"synth_{seed}_{i:05d}")
        _write(doc, Path(out))
        tally["versions"][doc.gold["format_version"]] += 1
        tally["findings"].update(f["code"] for f in doc.gold["findings"])
        tally["layouts"].update(doc.meta["renderings"].values())
        tally["damaged"] += len(doc.meta["damaged"])
    return tally


def generate(
    n: int,
    seed: int,
    out_dir: Path,
    noise: str = "low",
    version: str = "mix",
    *,
    workers: int = 2,
    force: bool = False,
) -> SynthSummary:
    """Write n reports with their gold records (and sidecars) into `out_dir`.

    Files: synth_{seed}_{i:05d}.txt, .json (gold, ../shared/gold format), .meta.json (sidecar),
    and manifest.json (the run's parameters and tallies). Refuses to write into a directory
    that already holds synth files unless `force`.
    """
    if n < 0:
        raise ValueError(f"[Y602] n must be >= 0, got: {n!r}")
    rates_for(noise)
    if version not in VERSIONS:
        raise ValueError(f"[Y601] unknown version (2019|2021|legacy|mix), got: {version!r}")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    if not force and any(out_dir.glob("synth_*")):
        raise FileExistsError(
            f"[Y603] output directory already holds synth files (use force), got: {str(out_dir)!r}"
        )
    t0 = time.perf_counter()
    chunk = max(1, min(200, n // (workers * 4) or 1))
    jobs = [(lo, min(n, lo + chunk), seed, noise, version, str(out_dir)) for lo in range(0, n, chunk)]
    tallies: list[dict[str, Any]]
    if workers > 1 and len(jobs) > 1:
        with get_context("fork").Pool(workers) as pool:
            tallies = list(pool.imap_unordered(_work, jobs))
    else:
        tallies = [_work(j) for j in jobs]
    summary = SynthSummary(n=n, seed=seed, out_dir=out_dir, noise=noise, version=version, seconds=0.0)
    versions, findings, layouts = Counter(), Counter(), Counter()
    for t in tallies:
        versions.update(t["versions"])
        findings.update(t["findings"])
        layouts.update(t["layouts"])
        summary.damaged_cells += t["damaged"]
    summary.versions, summary.findings, summary.layouts = dict(versions), dict(findings), dict(layouts)
    summary.files = 3 * n
    summary.seconds = time.perf_counter() - t0
    with open(out_dir / "manifest.json", "w", encoding="utf-8") as fh:
        json.dump(summary.to_json(), fh, ensure_ascii=False, indent=1)
    logger.info("wrote %d reports to %s in %.1f s", n, out_dir, summary.seconds)
    return summary
