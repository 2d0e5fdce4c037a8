"""The body of a report: the six template sections (or the seven legacy ones) with their tables."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from training.synth import bank_extra as X
from training.synth import bank_front as F
from training.synth import bank_general as G
from training.synth import bank_sections as S
from training.synth.fmt import emit, plain
from training.synth.marks import REGION
from training.synth.phrases import expand
from training.synth.render import TableStyle, render
from training.synth.tables import CellStyle, active_grid, appeals_grid, requests_grid
from training.synth.writer import NUMERALS, Writer, write_intro

if TYPE_CHECKING:
    from training.synth.report import Plan

_ORDER = ("active", "apply", "manage", "platform", "supervise")
_BANKS = {
    "active": G.ACTIVE + X.ACTIVE,
    "manage": G.MANAGE + X.MANAGE,
    "platform": G.PLATFORM + X.PLATFORM,
    "supervise": G.SUPERVISE + X.SUPERVISE,
}
_LEAD = G.LEAD + X.LEAD
_APPLY_SOME = G.APPLY_SOME + X.APPLY


def _title(w: Writer, n: int, plan: Plan, findings: list[dict[str, str]]) -> str:
    rng = w.ctx.rng
    if plan.wrong_title != n:
        return rng.choice(S.TITLES[n])
    if n == 6:
        wrong = rng.choice(S.WRONG_6)
    elif n == 1:
        wrong = rng.choice(S.WRONG_1)
    else:  # the seed 000 quirk: a section headed with the previous section's title
        wrong = S.TITLES[n - 1][0]
    canon = S.TITLES[n][0]
    findings.append({"code": "section.title_mismatch",
                     "detail": f"Section {NUMERALS[n - 1]} is headed “{NUMERALS[n - 1]}、{wrong}” instead of {canon}."})  # fmt: skip
    return wrong


def _section_one(w: Writer, plan: Plan, intro_done: bool) -> None:
    ctx, rng = w.ctx, w.ctx.rng
    if not intro_done:
        write_intro(w, legacy=False)
    if rng.random() < 0.75:
        w.para(_LEAD)
    subs = [s for s in _ORDER if s == "apply" or rng.random() < 0.85]
    if rng.random() < 0.1:
        rng.shuffle(subs)
    for i, sub in enumerate(subs):
        inline = w.subheading(i, rng.choice(G.SUBSECTIONS[sub])) if rng.random() < 0.9 else False
        if sub == "apply":
            rq = ctx.values.get("requests") or {}
            zero = not (rq.get("new.total") or rq.get("carried_over.total"))
            ctx.mismatch = plan.narrative_mismatch
            w.para(G.APPLY_ZERO if zero and not plan.narrative_mismatch else _APPLY_SOME, indent=not inline)
        else:
            for j in range(rng.choice((1, 1, 2, 2, 3))):
                w.para(_BANKS[sub], k=rng.choice((1, 2, 3, 3, 4)), indent=not (inline and j == 0))


def _table(
    w: Writer, name: str, plan: Plan, tables: dict[str, Any], styles: dict[str, str], layout: str | None
) -> None:
    rng = w.ctx.rng
    cs = CellStyle.draw(rng)
    if name == "active":
        grid = active_grid(rng, plan.version, tables["active"], cs)
    elif name == "requests":
        grid = requests_grid(rng, plan.version, tables["requests"], cs)
    else:
        grid = appeals_grid(rng, tables["appeals"], cs)
    ts = TableStyle.draw(rng, layout)
    styles[name] = ts.layout
    mark = w.b.open(REGION, "table")
    emit(w.b, render(rng, grid, ts))
    w.b.close(mark)
    w.b.add(rng.choice(("", "\n", "\n\n")))


def _problems(w: Writer) -> None:
    rng = w.ctx.rng
    intro = rng.choice(S.PROBLEM_INTRO)
    items = rng.sample(S.PROBLEMS + X.PROBLEMS, rng.randrange(1, 4))
    ordinals = "一二三四"
    text = intro + "".join(
        f"{ordinals[i]}是{p}{'；' if i < len(items) - 1 else '。'}" for i, p in enumerate(items)
    )
    w.para((text,))
    intro = rng.choice(S.IMPROVE_INTRO)
    items = rng.sample(S.IMPROVES + X.IMPROVES, rng.randrange(1, 4))
    text = intro + "".join(
        f"{ordinals[i]}是{p}{'；' if i < len(items) - 1 else '。'}" for i, p in enumerate(items)
    )
    w.para((text,))


def write_body(
    w: Writer,
    plan: Plan,
    tables: dict[str, Any],
    intro_done: bool,
    findings: list[dict[str, str]],
    table_layout: str | None = None,
) -> dict[str, str]:
    """Sections 一 to 六 (or the legacy outline); returns the layout used for each table."""
    if plan.version == "legacy":
        _legacy(w, intro_done)
        return {}
    ctx, rng = w.ctx, w.ctx.rng
    styles: dict[str, str] = {}
    # One layout for every table of a report most of the time; mixed within a report otherwise.
    layout = table_layout or (TableStyle.draw(rng).layout if rng.random() < 0.75 else None)
    for n in range(1, 7):
        if plan.missing == n:
            findings.append({"code": "section.missing",
                             "detail": f"Section {NUMERALS[n - 1]} ({S.TITLES[n][0]}) is absent."})  # fmt: skip
            continue
        ctx.section = n
        title = _title(w, n, plan, findings)
        w.heading(n, title, n)
        if n == 1:
            _section_one(w, plan, intro_done)
        elif n == 2:
            if rng.random() < 0.2:
                w.para(S.BEFORE_ACTIVE)
            _table(w, "active", plan, tables, styles, layout)
        elif n == 3:
            if rng.random() < 0.2:
                w.para(S.BEFORE_REQUESTS)
            _table(w, "requests", plan, tables, styles, layout)
        elif n == 4:
            if rng.random() < 0.2:
                zero = not any(tables["appeals"].values())
                w.para(S.BEFORE_APPEALS_ZERO if zero else S.BEFORE_APPEALS)
            _table(w, "appeals", plan, tables, styles, layout)
        elif n == 5:
            _problems(w)
        elif title in S.WRONG_6:
            w.para(tuple(f"{p}。" for p in S.IMPROVES + X.IMPROVES), k=rng.randrange(1, 3))
        else:
            w.para(S.OTHER + X.OTHER, k=rng.choice((1, 1, 2)))
    _signature(w)
    return styles


def _legacy(w: Writer, intro_done: bool) -> None:
    """The pre-2019 outline: 概述, 主动公开, 依申请公开, 收费及减免, 复议诉讼, 问题及措施, 其他."""
    rng = w.ctx.rng
    if not intro_done:
        write_intro(w, legacy=True)
    general = _BANKS["manage"] + _BANKS["supervise"] + _BANKS["platform"]
    parts: list[list[tuple[tuple[str, ...], int]]] = [
        [(_LEAD, 1)] + [(general, rng.randrange(1, 4)) for _ in range(rng.randrange(1, 4))],
        [(S.LEGACY_ACTIVE + X.LEGACY_ACTIVE, rng.randrange(1, 3)), (_BANKS["active"], rng.randrange(1, 4))],
        [(S.LEGACY_APPLY + X.LEGACY_APPLY, 1)],
        [(S.LEGACY_FEES + X.LEGACY_FEES, 1)],
        [(S.LEGACY_APPEALS + X.LEGACY_APPEALS, 1)],
        [],
        [(S.OTHER_LEGACY + tuple(p for p in X.OTHER if not p.startswith("@2021")), 1)],
    ]
    for i, paras in enumerate(parts):
        if i == 6 and rng.random() < 0.4:
            break
        w.heading(i + 1, rng.choice(S.LEGACY_TITLES[i]), i + 1)
        if i == 5:
            _problems(w)
        for bank, k in paras:
            w.para(bank, k=k)
    _signature(w)


def _signature(w: Writer) -> None:
    rng = w.ctx.rng
    if rng.random() < 0.25:
        w.b.add("\n" + rng.choice(("", "\n")))
        emit(w.b, [plain(" " * rng.choice((0, 0, 20, 30)))] + expand(w.ctx, rng.choice(F.SIGNATURE)))
        w.b.add("\n")
