"""Slots of the opening paragraph and the page around it: the legal basis, the notices a report
cites, the regulations of its province, and the index block of the page it was copied from.

Importing this module registers them (`phrases.SLOTS`). Document titles are plain text except
for the bodies and years inside them, which are AGENCY and DATE as the conventions say; years
inside document numbers (〔2021〕30号, 索引号 …/2024-00600) are not entities.
"""

from __future__ import annotations

from training.synth import fmt
from training.synth.fmt import Piece, ent, plain
from training.synth.phrases import Ctx, slot

_LAW = "《中华人民共和国政府信息公开条例》"
# What follows the first citation of the regulation (weights from how often reports write each).
_LAW_TAILS = (
    ("", 40),
    ("（以下简称《条例》）", 30),
    ("（国务院令第711号）", 11),
    ("（国务院令第711号，以下简称《条例》）", 7),
    ("（中华人民共和国国务院令第711号）", 3),
    ("（国令第711号）", 3),
    ("（以下简称新《条例》）", 3),
    ("（以下简称《政府信息公开条例》）", 3),
)
_LAW_TAILS_LEGACY = (("", 55), ("（以下简称《条例》）", 45))
_OFFICE = "国务院办公厅政府信息与政务公开办公室"


@slot("LAW")
def _law(ctx: Ctx, arg: str) -> list[Piece]:
    """The regulation: written out the first time, often 《条例》 once the report has said so."""
    rng = ctx.rng
    if ctx.law_short and rng.random() < 0.75:
        return [plain(ctx.law_short)]
    name = _LAW if rng.random() < 0.94 else "《政府信息公开条例》"
    if ctx.version != "legacy" and ctx.year <= 2020 and rng.random() < 0.12:
        name = rng.choice(("新修订的", "新修订后的", "新")) + name
    if ctx.law_said:
        return [plain(name)]
    ctx.law_said = True
    tails = _LAW_TAILS_LEGACY if ctx.version == "legacy" else _LAW_TAILS
    tail = rng.choices([t for t, _ in tails], weights=[w for _, w in tails])[0]
    if "以下简称" in tail:
        ctx.law_short = tail[tail.index("以下简称") + 4 : -1]
    return [plain(name + tail)]


@slot("NOTICE")
def _notice(ctx: Ctx, arg: str) -> list[Piece]:
    """The national notice that defines the report's template (2019: 60号, 2021: 30号)."""
    rng = ctx.rng
    office = ent(_OFFICE, "AGENCY", None)
    if ctx.version == "2021":
        lb, rb = rng.choice((("<", ">"), ("〈", "〉"), ("《", "》"), ("", ""), ("＜", "＞")))
        what = f"关于印发{lb}中华人民共和国政府信息公开工作年度报告格式{rb}的通知"
        number = "（国办公开办函〔2021〕30号）" if rng.random() < 0.85 else ""
    else:
        what = "关于政府信息公开工作年度报告有关事项的通知"
        number = "（国办公开办函〔2019〕60号）" if rng.random() < 0.85 else ""
    if rng.random() < 0.15 and "《" not in what:  # the title written without its own 《》
        return [office, plain(what + number)]
    return [plain("《"), office, plain(f"{what}》{number}")]


@slot("PROVRULE")
def _province_rule(ctx: Ctx, arg: str) -> list[Piece]:
    """A province's own regulation: 《XX省政府信息公开规定》 (a document, no entity)."""
    kind = ctx.rng.choice(("规定", "办法", "规定", "实施办法", "工作规定"))
    return [plain(f"《{ctx.ag.province.name}政府信息公开{kind}》")]


@slot("UPNOTICE")
def _up_notice(ctx: Ctx, arg: str) -> list[Piece]:
    """The notice of the level above about this year's report (its body and year are entities)."""
    rng, ag = ctx.rng, ctx.ag
    options = [f"{ag.parent_word}政府办公室", f"{ag.parent_word}人民政府办公室"]
    if ag.city is not None and ag.level in ("county", "township"):
        options.append(f"{ag.city.name}人民政府办公室")
    if ag.county is not None and ag.level == "township":
        options.append(f"{ag.county.name}人民政府办公室")
    if ag.level == "city":
        options.append(f"{ag.province.name}人民政府办公厅")
    body = ent(rng.choice(options), "AGENCY", None)
    task = rng.choice(
        (
            "政府信息公开工作年度报告编制发布工作",
            "政府信息公开工作年度报告有关事项",
            "政府信息公开年度报告公布和报送工作",
            "政府信息公开工作年度报告",
        )
    )
    return [
        plain("《"),
        body,
        plain("关于做好"),
        *fmt.year(rng, ctx.st, ctx.year, nian_du=0.6),
        plain(f"{task}的通知》"),
    ]


@slot("AGN")
def _agency_name(ctx: Ctx, arg: str) -> list[Piece]:
    """The full name as an AGENCY, without claiming the `agency` field (page chrome)."""
    return [ent(ctx.ag.name, "AGENCY", None)]


@slot("IDX")
def _index_number(ctx: Ctx, arg: str) -> list[Piece]:
    """A page's 索引号: an organization code, the publication year and a serial (no entity)."""
    rng = ctx.rng
    y = ctx.year + 1
    r = rng.random()
    if r < 0.4:
        code = f"{rng.randrange(10**8, 10**9)}"
    elif r < 0.75:
        code = "11" + "".join(rng.choice("0123456789") for _ in range(14)) + rng.choice("0123456789XYK")
    else:
        code = rng.choice("KMAB") + f"{rng.randrange(10**7, 10**8)}"
    serial = f"{rng.randrange(1, 200000):05d}"
    return [plain(f"{code}/{y}-{serial}" if rng.random() < 0.9 else f"{code}-{serial}")]
