"""The slots that fill narrative patterns: figures, dates, names, and figures tied to the tables.

Importing this module registers them (`phrases.SLOTS`). Every slot that writes an entity tags
it with its value; names of the publishing body carry the `agency` document field the first
time they appear.
"""

from __future__ import annotations

from extraction.schema import REJECTED_ROWS, UNABLE_ROWS, WITHHELD_ROWS
from training.synth import fmt
from training.synth.fmt import Piece, ent, plain, wrap
from training.synth.marks import ENT
from training.synth.phrases import Ctx, field_pieces, slot


def _a(text: str) -> Piece:
    return ent(text, "AGENCY", None)


@slot("Y")
def _year(ctx: Ctx, arg: str) -> list[Piece]:
    y = ctx.year + (int(arg) if arg else 0)
    return fmt.year(ctx.rng, ctx.st, y, nian_du=0.08)


@slot("YD")
def _year_du(ctx: Ctx, arg: str) -> list[Piece]:
    return [ent(f"{ctx.year}{ctx.st.sp(ctx.rng)}年度", "DATE", str(ctx.year))]


@slot("PSTART")
def _pstart(ctx: Ctx, arg: str) -> list[Piece]:
    ctx.period = {"start": f"{ctx.year}-01-01", "end": f"{ctx.year}-12-31"}
    return fmt.ymd(ctx.rng, ctx.st, ctx.year, 1, 1)


@slot("PEND")
def _pend(ctx: Ctx, arg: str) -> list[Piece]:
    if ctx.rng.random() < 0.25:  # 自2020年1月1日起至12月31日止: the year is not repeated
        return fmt.month_day(ctx.rng, ctx.st, 12, 31)
    return fmt.ymd(ctx.rng, ctx.st, ctx.year, 12, 31)


@slot("MD")
def _month_day(ctx: Ctx, arg: str) -> list[Piece]:
    if arg == "end":
        return fmt.month_day(ctx.rng, ctx.st, 12, 31)
    m = ctx.rng.randrange(1, 13)
    return fmt.month_day(ctx.rng, ctx.st, m, ctx.rng.randrange(1, 29))


@slot("MON")
def _month(ctx: Ctx, arg: str) -> list[Piece]:
    lo, hi = (1, 7) if arg == "a" else (7, 13) if arg == "b" else (1, 13)
    return fmt.month(ctx.rng, ctx.st, ctx.rng.randrange(lo, hi), xun=0.25)


@slot("YM")
def _year_month(ctx: Ctx, arg: str) -> list[Piece]:
    return fmt.month(ctx.rng, ctx.st, ctx.rng.randrange(1, 13), y=ctx.year, xun=0.0)


@slot("DATE")
def _full_date(ctx: Ctx, arg: str) -> list[Piece]:
    m = ctx.rng.randrange(1, 13)
    return fmt.ymd(ctx.rng, ctx.st, ctx.year, m, ctx.rng.randrange(1, 29))


@slot("C")
def _count(ctx: Ctx, arg: str) -> list[Piece]:
    unit, _, mag = arg.partition(":")
    return fmt.count(ctx.rng, ctx.st, ctx.count(unit, mag or "m"), unit)


@slot("CN")
def _count_cn(ctx: Ctx, arg: str) -> list[Piece]:
    n = ctx.rng.randrange(2, 10)
    return [ent(f"{fmt.cn_int(n, liang=True)}{arg}", "COUNT", {"number": n, "unit": arg, "approx": False})]


@slot("AMT")
def _amount(ctx: Ctx, arg: str) -> list[Piece]:
    wan = round(ctx.rng.uniform(0.5, 3000.0) ** (1.0 if arg != "s" else 0.5), 2)
    return fmt.amount_wan(ctx.rng, ctx.st, wan, bare_wan=0.0)


@slot("YUAN")
def _yuan(ctx: Ctx, arg: str) -> list[Piece]:
    yuan = 0.0 if arg == "0" or ctx.rng.random() < 0.6 else float(ctx.rng.randrange(5, 3000))
    return fmt.amount_yuan(ctx.rng, ctx.st, yuan)


@slot("PCT")
def _pct(ctx: Ctx, arg: str) -> list[Piece]:
    v = ctx.rng.choice(("100", "100", "98", "95", "99.5", str(ctx.rng.randrange(60, 100))))
    return [plain(f"{v}%")]


@slot("SELF")
def _self(ctx: Ctx, arg: str) -> list[Piece]:
    return [plain(ctx.ag.self_word)]


@slot("AG")
def _agency(ctx: Ctx, arg: str) -> list[Piece]:
    return ctx.self_name()


@slot("AGS")
def _agency_short(ctx: Ctx, arg: str) -> list[Piece]:
    return [_a(ctx.ag.short)]


@slot("AGX")
def _agency_any(ctx: Ctx, arg: str) -> list[Piece]:
    r = ctx.rng.random()
    if r < 0.35:
        return ctx.self_name()
    if r < 0.6:
        return [_a(ctx.ag.short)]
    return [plain(ctx.ag.self_word)]


@slot("GOV")
def _gov(ctx: Ctx, arg: str) -> list[Piece]:
    return [_a(f"{ctx.ag.parent_word}政府")]


@slot("PARTY")
def _party(ctx: Ctx, arg: str) -> list[Piece]:
    return [_a(f"{ctx.ag.parent_word}委")]


@slot("PG")
def _party_gov(ctx: Ctx, arg: str) -> list[Piece]:
    w = ctx.ag.parent_word
    sep = ctx.rng.choice(("、", "", "和", "、"))
    return [_a(f"{w}委"), plain(sep), _a(f"{w}政府")]


@slot("UPPER")
def _upper(ctx: Ctx, arg: str) -> list[Piece]:
    if ctx.ag.upper:
        return [_a(ctx.ag.upper)]
    return [plain(ctx.rng.choice(("上级主管部门", "上级部门")))]


@slot("OFF")
def _office(ctx: Ctx, arg: str) -> list[Piece]:
    w = ctx.ag.parent_word
    return [
        _a(ctx.rng.choice((f"{w}政务公开办", f"{w}政府办公室", f"{w}政务服务管理局", f"{w}政务公开办公室")))
    ]


@slot("UNIT")
def _unit(ctx: Ctx, arg: str) -> list[Piece]:
    unit = ctx.rng.choice(ctx.ag.units)
    if unit.endswith("办公室") and len(unit) <= 4 or ctx.rng.random() < 0.3:
        return unit_of(ctx, unit)
    return [_a(unit)]


def unit_of(ctx: Ctx, unit: str) -> list[Piece]:
    """A named internal unit written with the agency's full name: 蚌埠市公安局指挥中心 (one AGENCY)."""
    if ctx.agency_marked:
        return [_a(ctx.ag.name + unit)]
    ctx.agency_marked = True
    return wrap(ENT, ("AGENCY", None), [*field_pieces("agency", [plain(ctx.ag.name)]), plain(unit)])


@slot("LEAD")
def _lead_group(ctx: Ctx, arg: str) -> list[Piece]:
    name = ctx.rng.choice(("政务公开工作领导小组", "政府信息公开工作领导小组", "政务公开领导小组"))
    if ctx.rng.random() < 0.4:
        return [_a(ctx.ag.short + name)]
    return [_a(name)]


@slot("SITE")
def _site(ctx: Ctx, arg: str) -> list[Piece]:
    r = ctx.rng.random()
    if r < 0.3:
        return [*ctx.self_name(), plain(ctx.rng.choice(("门户网站", "网站", "官方网站")))]
    if r < 0.5:
        return [_a(f"{ctx.ag.parent_word}政府"), plain(ctx.rng.choice(("门户网站", "网站")))]
    if r < 0.6:
        return [plain(f"“{ctx.ag.name}”门户网站")]
    return [plain(ctx.rng.choice(("政府门户网站", "政府信息公开专栏", "政府网站信息公开平台", "门户网站")))]


@slot("URL")
def _url(ctx: Ctx, arg: str) -> list[Piece]:
    return field_pieces("website", [plain(ctx.ag.website)])


@slot("WECHAT")
def _wechat(ctx: Ctx, arg: str) -> list[Piece]:
    place = (ctx.ag.county or ctx.ag.city or ctx.ag.province).short.split("/")[0]
    body = ctx.ag.body.work[0][:2] if ctx.ag.body else "发布"
    return [plain(f"“{place}{ctx.rng.choice((body, '发布', '政务', '在线'))}”")]


@slot("HOT")
def _hotline(ctx: Ctx, arg: str) -> list[Piece]:
    return [
        plain(ctx.rng.choice(("12345政务服务便民热线", "12345热线", "12345市民热线", "12345政府服务热线")))
    ]


@slot("WORK")
def _work(ctx: Ctx, arg: str) -> list[Piece]:
    work = ctx.ag.body.work if ctx.ag.body else ("乡村振兴", "人居环境整治", "民生保障", "基层治理")
    return [plain(ctx.rng.choice(work))]


@slot("DOC")
def _doc_title(ctx: Ctx, arg: str) -> list[Piece]:
    r = ctx.rng.random()
    if r < 0.35:
        what = ctx.rng.choice(("政务公开工作要点", "政务公开重点工作任务清单", "政务公开工作任务分解表"))
        return [plain("《"), *fmt.year(ctx.rng, ctx.st, ctx.year, nian_du=0.0), plain(f"{what}》")]
    if r < 0.7:
        what = ctx.rng.choice(
            ("政府信息公开指南", "政务公开工作制度", "政府信息公开保密审查制度", "依申请公开工作规程")
        )
        return [plain("《"), *ctx.self_name(), plain(f"{what}》")]
    return [
        plain(
            ctx.rng.choice(
                ("《政府信息公开信息处理费管理办法》", "《政务公开工作考核办法》", "《信息发布审核制度》")
            )
        )
    ]


# Slots tied to the tables: they write the table's figure, or, once, a contradicting one.


def _linked(ctx: Ctx, table: str, keys: tuple[str, ...], unit: str, what: str) -> list[Piece]:
    vals = ctx.values.get(table) or {}
    if not vals:  # legacy: no template table, any plausible figure
        n = ctx.count(unit, "s" if ctx.rng.random() < 0.6 else "m")
    else:
        n = int(sum(vals.get(k) or 0 for k in keys))
    if ctx.mismatch and vals:
        ctx.mismatch = False
        wrong = n + ctx.rng.choice((1, 2, 3, -1, 10)) if n > 3 else n + ctx.rng.randrange(1, 6)
        cells = "+".join(f"{table}.{k}" for k in keys)
        ctx.findings.append(
            {
                "code": "narrative.table_mismatch",
                "detail": f"Section {'一二三四五六'[ctx.section - 1]} states {what} as {wrong}{unit}, "
                f"but {cells} is {n}.",
            }
        )
        n = wrong
    return fmt.count(ctx.rng, ctx.st, n, unit, exact=True, cn=n <= 10)


_REQ_GROUPS = {
    "withheld": WITHHELD_ROWS,
    "unable": UNABLE_ROWS,
    "rejected": REJECTED_ROWS,
    "other": ("other", "other_no_correction", "other_no_fee", "other_misc"),
}


@slot("REQ")
def _req(ctx: Ctx, arg: str) -> list[Piece]:
    row, _, unit = arg.partition(":")
    rows = _REQ_GROUPS.get(row, (row,))
    return _linked(ctx, "requests", tuple(f"{r}.total" for r in rows), unit or "件", _REQ_WORDS.get(row, row))


@slot("ACT")
def _act(ctx: Ctx, arg: str) -> list[Piece]:
    key, _, unit = arg.partition(":")
    return _linked(ctx, "active", (key,), unit or "件", key)


@slot("APP")
def _app(ctx: Ctx, arg: str) -> list[Piece]:
    return _linked(ctx, "appeals", (f"{arg}.total",), "件", arg)


_REQ_WORDS = {
    "new": "new requests",
    "carried_over": "carried-over requests",
    "granted": "granted",
    "partly_granted": "partly granted",
    "results_total": "requests handled",
    "withheld": "withheld",
    "unable": "unable to provide",
    "rejected": "not processed",
    "carried_forward": "carried forward",
}
