"""The body of a report: the six template sections (or the seven legacy ones) with their tables."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from training.synth import bank_extra as X
from training.synth import bank_front as F
from training.synth import bank_general as G
from training.synth import bank_more as M
from training.synth import bank_sections as S
from training.synth.fmt import emit, plain
from training.synth.marks import REGION
from training.synth.phrases import SINCE_RE, expand, for_year
from training.synth.render import TableStyle, render
from training.synth.tables import CellStyle, active_grid, appeals_grid, requests_grid
from training.synth.writer import NUMERALS, Writer, write_intro

if TYPE_CHECKING:
    from training.synth.report import Plan

_ORDER = ("active", "apply", "manage", "platform", "supervise")
_BANKS = {
    "active": G.ACTIVE + X.ACTIVE + M.ACTIVE,
    "manage": G.MANAGE + X.MANAGE + M.MANAGE,
    "platform": G.PLATFORM + X.PLATFORM + M.PLATFORM,
    "supervise": G.SUPERVISE + X.SUPERVISE + M.SUPERVISE,
    "org": M.ORG + M.ORG_MIX,
}
_LEAD = G.LEAD + X.LEAD + M.LEAD
_APPLY_SOME = G.APPLY_SOME + X.APPLY
# Sub-section names: the template's wordings and the short topic names many reports use.
_SUBTITLES = {
    "active": G.SUBSECTIONS["active"] + ("主动公开", "政府信息主动公开", "主动公开工作"),
    "apply": G.SUBSECTIONS["apply"] + ("依申请公开", "依申请公开工作"),
    "manage": G.SUBSECTIONS["manage"] + ("信息管理", "政府信息管理"),
    "platform": G.SUBSECTIONS["platform"] + ("平台建设", "公开平台建设"),
    "supervise": G.SUBSECTIONS["supervise"] + ("监督保障", "教育培训", "监督考核"),
    "org": M.ORG_TITLES,
}
_ORDINALS = "一二三四五六"


def _enumerated(w: Writer, topic: str, indent: bool = True) -> None:
    """Measures written 一是…；二是…。: in one paragraph, or one per line."""
    rng = w.ctx.rng
    bank = M.ENUM[topic]
    items = rng.sample(bank, min(len(bank), rng.randrange(2, 5)))
    r = rng.random()
    if r < 0.75:  # one paragraph: 一是…；二是…。 or 一是…。二是…。
        last = len(items) - 1
        sep = "；" if r < 0.5 else "。"
        body = "".join(f"{_ORDINALS[i]}是{p}{sep if i < last else '。'}" for i, p in enumerate(items))
        w.para((rng.choice(M.ENUM_INTRO) + body,), indent=indent)
    else:
        for i, p in enumerate(items):
            w.para((f"{_ORDINALS[i]}是{p}。",), indent=indent or i > 0)


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
    if not intro_done and (not ctx.agency_marked or rng.random() < 0.45):
        write_intro(w, legacy=False)
    # A brief section 一 (one sentence per sub-section) brings the tables into the first page, as
    # in the corpus reports whose beginnings already show table text.
    brief = rng.random() < 0.05
    if rng.random() < (0.4 if brief else 0.75):
        w.para(M.LEAD_MIX if rng.random() < 0.5 else _LEAD)
    subs = [s for s in _ORDER if s == "apply" or rng.random() < 0.85]
    if rng.random() < 0.1:
        rng.shuffle(subs)
    if rng.random() < 0.25:
        subs.insert(0, "org")
    for sub in subs:
        if brief:
            inline = w.subheading(rng.choice(_SUBTITLES[sub]))
            if sub == "apply":
                rq = ctx.values.get("requests") or {}
                zero = not (rq.get("new.total") or rq.get("carried_over.total"))
                w.para(G.APPLY_ZERO if zero else M.APPLY_MIX, indent=not inline)
            else:
                w.para(_BANKS[sub], indent=not inline)
            continue
        inline = w.subheading(rng.choice(_SUBTITLES[sub])) if rng.random() < 0.9 else False
        if sub == "apply":
            rq = ctx.values.get("requests") or {}
            zero = not (rq.get("new.total") or rq.get("carried_over.total"))
            ctx.mismatch = plan.narrative_mismatch
            some = M.APPLY_MIX if rng.random() < 0.3 else _APPLY_SOME
            w.para(G.APPLY_ZERO if zero and not plan.narrative_mismatch else some, indent=not inline)
            if rng.random() < 0.3:
                w.para(M.APPLY)
            continue
        paras = rng.choice((1, 1, 2, 2, 3))
        if sub in M.ENUM and rng.random() < 0.22:
            _enumerated(w, sub, indent=not inline)
            inline, paras = False, paras - 1
        elif sub == "active" and rng.random() < 0.5:
            w.para(M.ACTIVE_MIX, k=rng.choice((1, 2, 2, 3)), indent=not inline)
            inline, paras = False, paras - 1
        for j in range(paras):
            w.para(_BANKS[sub], k=rng.choice((2, 2, 3, 3, 4)), indent=not (inline and j == 0))


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
    for intros, bank in (
        (S.PROBLEM_INTRO, S.PROBLEMS + X.PROBLEMS),
        (S.IMPROVE_INTRO, S.IMPROVES + X.IMPROVES),
    ):
        # items are joined into one pattern: drop the ones too new for the year, and their "@YYYY " tags
        fitting = [SINCE_RE.sub("", p) for p in for_year(bank, w.ctx.year)]
        items = rng.sample(fitting, min(len(fitting), rng.randrange(1, 4)))
        last = len(items) - 1
        body = "".join(f"{_ORDINALS[i]}是{p}{'；' if i < last else '。'}" for i, p in enumerate(items))
        w.para((rng.choice(intros) + body,))


def _other(w: Writer) -> None:
    """Section 六: “nothing to report” alone, or one or two matters."""
    bank = S.OTHER + X.OTHER
    k = w.ctx.rng.choice((1, 1, 2))
    if k > 1:
        bank = tuple(p for p in bank if "其他需要报告" not in p and not p.startswith("[无"))
    w.para(bank, k=k)


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
            _other(w)
    _signature(w)
    return styles


def _legacy(w: Writer, intro_done: bool) -> None:
    """The pre-2019 outline: 概述, 主动公开, 依申请公开, 收费及减免, 复议诉讼, 问题及措施, 其他."""
    rng = w.ctx.rng
    if not intro_done and (not w.ctx.agency_marked or rng.random() < 0.45):
        write_intro(w, legacy=True)
    general = _BANKS["manage"] + _BANKS["supervise"] + _BANKS["platform"] + M.ORG
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
        if i == 0 and rng.random() < 0.4:  # 概述 in sub-sections: （一）加强组织领导 …
            w.para(_LEAD)
            for sub in (t for t in ("org", "manage", "platform", "supervise") if rng.random() < 0.7):
                inline = w.subheading(rng.choice(_SUBTITLES[sub]))
                if rng.random() < 0.2:
                    _enumerated(w, sub if sub in M.ENUM else "manage", indent=not inline)
                else:
                    w.para(_BANKS[sub], k=rng.randrange(1, 3), indent=not inline)
            continue
        if i == 1 and rng.random() < 0.2:
            _enumerated(w, "active")
        for bank, k in paras:
            w.para(bank, k=k)
    _signature(w)


def _signature(w: Writer) -> None:
    rng = w.ctx.rng
    if not w.ctx.contact_done and rng.random() < 0.4:  # many reports give the contact at the end
        w.para((rng.choice(F.CONTACT_END),))
        w.ctx.contact_done = True
    if rng.random() < 0.25:
        w.b.add("\n" + rng.choice(("", "\n")))
        emit(w.b, [plain(" " * rng.choice((0, 0, 20, 30)))] + expand(w.ctx, rng.choice(F.SIGNATURE)))
        w.b.add("\n")
