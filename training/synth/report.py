"""Assemble one report: plan its quirks, write its sections and tables, collect its gold facts.

`compose` draws everything about a report from one `Random` (agency, year, template, table
values, which quirks it has) and returns the marked text before layout and noise, with the
document fields and the findings its gold must carry.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from random import Random
from typing import Any

from extraction.numbers import APPROX_AFTER, APPROX_BEFORE
from extraction.schema import TABLES, cell_keys
from training.synth.fmt import Style
from training.synth.marks import ENT, Builder, Marked
from training.synth.phrases import Ctx
from training.synth.places import sample_agency
from training.synth.sections import write_body
from training.synth.values import (
    blank_zeros,
    corrupt,
    draw_active,
    draw_appeals,
    draw_requests,
    identity_findings,
)
from training.synth.writer import Writer, write_front


@dataclass
class Plan:
    """Everything decided about a report before writing it."""

    version: str  # template written: "2019" | "2021" | "legacy"
    year: int
    mismatch_year: bool = False
    missing: int | None = None  # section left out
    wrong_title: int | None = None  # section headed with a wrong title
    narrative_mismatch: bool = False
    inconsistent: int = 0  # number of cells written wrong
    blank_tables: tuple[str, ...] = ()
    layouts: dict[str, str] = field(default_factory=dict)


@dataclass
class Composed:
    marked: Marked
    ctx: Ctx
    plan: Plan
    tables: dict[str, dict[str, Any]]
    findings: list[dict[str, str]]
    table_styles: dict[str, str]


def plan_report(rng: Random, version: str) -> Plan:
    """Template version, year, and the quirks of one report."""
    if version == "mix":
        version = rng.choices(("2021", "2019", "legacy"), weights=(45, 30, 25))[0]
    if version == "legacy":
        return Plan(version="legacy", year=rng.randrange(2008, 2019))
    mismatch = rng.random() < 0.04
    if version == "2019":
        year = rng.randrange(2021, 2024) if mismatch else rng.choice((2019, 2020))
    else:
        year = rng.choice((2019, 2020)) if mismatch else rng.randrange(2021, 2026)
    p = Plan(version=version, year=year, mismatch_year=mismatch)
    r = rng.random()
    if r < 0.05:
        p.missing = 6 if rng.random() < 0.7 else 5
    elif r < 0.11:
        p.wrong_title = rng.choice((6, 6, 3, 1))
    p.narrative_mismatch = rng.random() < 0.06
    p.inconsistent = (2 if rng.random() < 0.2 else 1) if rng.random() < 0.1 else 0
    if rng.random() < 0.12:
        p.blank_tables = tuple(t for t in TABLES if rng.random() < 0.5) or ("requests",)
    return p


def _tables(rng: Random, plan: Plan, scale: str, ag_body: str | None, level: str) -> tuple[dict, list[dict]]:
    v = plan.version
    tables = {
        "active": draw_active(rng, v, scale, ag_body, level),
        "requests": draw_requests(rng, v, scale),
        "appeals": draw_appeals(rng, scale),
    }
    for _ in range(plan.inconsistent):
        corrupt(rng, tables, v)
    findings: list[dict[str, str]] = []
    for t in plan.blank_tables:
        n = blank_zeros(rng, tables[t], rate=rng.choice((0.5, 0.9, 1.0)))
        if n:
            findings.append(
                {"code": "table.blank", "detail": f"The {t} table leaves {n} cells blank rather than 0."}
            )
    for t in TABLES:  # keys in template order
        tables[t] = {k: tables[t][k] for k in cell_keys(t, v)}
    return tables, findings + identity_findings(tables, v)


def compose(rng: Random, version: str, table_layout: str | None = None) -> Composed:
    """Write one report (before layout and noise); `table_layout` forces one table layout."""
    plan = plan_report(rng, version)
    ag = sample_agency(rng, plan.year)
    legacy = plan.version == "legacy"
    ctx = Ctx(rng=rng, st=Style.draw(rng), ag=ag, year=plan.year, version=plan.version)
    findings: list[dict[str, str]] = []
    if plan.mismatch_year:
        findings.append({"code": "format.version_mismatch",
                         "detail": f"A {plan.year} report uses the {plan.version} template."})  # fmt: skip
    tables: dict[str, dict[str, Any]] = {t: {} for t in TABLES}
    if not legacy:
        scale = ag.body.scale if ag.body else "township"
        tables, table_findings = _tables(rng, plan, scale, ag.body.key if ag.body else None, ag.level)
        ctx.values = tables
    else:
        table_findings = []
    b = Builder()
    w = Writer(ctx, b)
    intro_done = write_front(w, legacy)
    styles = write_body(w, plan, tables, intro_done, findings, table_layout)
    findings.extend(table_findings)
    findings.extend(ctx.findings)
    marked = b.build()
    _approx_from_context(marked)
    return Composed(marked, ctx, plan, tables, findings, styles)


_WS_RE = re.compile(r"\s+")


def _approx_from_context(doc: Marked) -> None:
    """A count right after 超过/约/近 or before 以上/左右 is approximate, as extraction.numbers reads it."""
    text = doc.text
    for m in doc.marks:
        if m.kind == ENT and m.data[0] == "COUNT" and not m.data[1]["approx"]:
            before = _WS_RE.sub("", text[max(0, m.start - 6) : m.start])
            after = _WS_RE.sub("", text[m.end : m.end + 6])
            if before.endswith(APPROX_BEFORE) or after.startswith(APPROX_AFTER):
                m.data = ("COUNT", {**m.data[1], "approx": True})
