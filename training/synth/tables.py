"""The three template tables as logical grids, with the labels real reports print.

A grid is a list of rows of `TCell`s. Header and label cells carry template text (with the
wording variants seen in real reports); value cells carry the written figure as a CELL-marked
piece (an AMOUNT entity around it when the unit is written in the cell). `render` turns a grid
into text in one of several layouts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from random import Random

from extraction.labels_zh import REQUEST_ROWS as _ZH_REQUEST_ROWS
from extraction.schema import APPEAL_COLS, APPEAL_GROUPS, REQUEST_COLS, RESULT_ROWS
from training.synth.fmt import Piece, plain, wrap
from training.synth.marks import CELL, ENT


@dataclass
class TCell:
    """One cell: its pieces, how many columns it spans, whether it is a label."""

    pieces: list[Piece]
    span: int = 1
    head: bool = False
    group: bool = False  # a row-group label (三、本年度办理结果) that spans rows
    text: str = field(init=False)

    def __post_init__(self) -> None:
        self.text = "".join(p[0] for p in self.pieces)


@dataclass
class Grid:
    rows: list[list[TCell]] = field(default_factory=list)
    header_rows: int = 0  # leading rows that are column headers


def label(text: str, span: int = 1, group: bool = False) -> TCell:
    return TCell([plain(text)], span=span, head=True, group=group)


def empty(span: int = 1) -> TCell:
    return TCell([], span=span, head=True)


@dataclass
class CellStyle:
    """How a table writes its figures."""

    thousands: bool  # 1,084,887
    signed: str  # "minus" (-17), "word" (减 17), "plus" (+2 / -17)
    unit_in_cell: bool  # 10709.63 万元 written in the cell
    decimals: bool  # amounts always with two decimals

    @classmethod
    def draw(cls, rng: Random) -> CellStyle:
        return cls(
            thousands=rng.random() < 0.04,
            signed=rng.choice(("minus", "minus", "word", "plus")),
            unit_in_cell=rng.random() < 0.25,
            decimals=rng.random() < 0.6,
        )


def value_cell(rng: Random, cs: CellStyle, table: str, key: str, value: int | float | None) -> TCell:
    """A value cell; the CELL mark covers the written figure (sign included, unit excluded)."""
    full = f"{table}.{key}"
    if value is None:
        return TCell([("", CELL, full)])
    col = key.split(".")[1]
    if col == "amount":
        text = f"{value:.2f}" if cs.decimals or value != int(value) else str(int(value))
        if cs.unit_in_cell and value:
            unit = rng.choice(("万元", " 万元", "万"))
            yuan = float(round(float(text) * 10000, 2))
            return TCell(wrap(ENT, ("AMOUNT", {"yuan": yuan}), [(text, CELL, full), plain(unit)]))
        return TCell([(text, CELL, full)])
    n = int(value)
    if col == "change" and n:
        if cs.signed == "word":
            text = f"{'增' if n > 0 else '减'}{rng.choice(('', ' '))}{abs(n)}"
        else:
            text = f"+{n}" if n > 0 and cs.signed == "plus" else str(n)
    else:
        text = f"{n:,}" if cs.thousands and abs(n) >= 1000 else str(n)
    return TCell([(text, CELL, full)])


# --- active ------------------------------------------------------------------------------

_ART = {"一": "第二十条第（一）项", "五": "第二十条第（五）项", "六": "第二十条第（六）项", "八": "第二十条第（八）项",
        "九": "第二十条第（九）项"}  # fmt: skip
_ART_LONG = {
    "一": "行政法规、规章和规范性文件",
    "五": "办理行政许可和其他对外管理服务事项的依据、条件、程序以及办理结果",
    "六": "实施行政处罚、行政强制的依据、条件、程序以及本行政机关认为具有一定社会影响的行政处罚决定",
    "八": "行政事业性收费项目及其依据、标准",
    "九": "政府集中采购项目的目录、标准及实施情况",
}
_ACTIVE_2019 = (
    ("一", (("本年新制作数量", "本年新 制作数量", "本年新"), ("本年新公开数量", "本年新 公开数量", "本年新"),
            ("对外公开总数量",)), (("regulations", "规章"), ("normative_documents", "规范性文件"))),
    ("五", (("上一年项目数量",), ("本年增/减", "本年增减", "本年增（减）"), ("处理决定数量",)),
     (("licensing", "行政许可"), ("other_services", "其他对外管理服务事项"))),
    ("六", (("上一年项目数量",), ("本年增/减", "本年增减"), ("处理决定数量",)),
     (("penalty", "行政处罚"), ("coercion", "行政强制"))),
    ("八", (("上一年项目数量",), ("本年增/减", "本年增减")), (("fees", "行政事业性收费"),)),
    ("九", (("采购项目数量",), ("采购总金额", "采购总金额（万元）", "采购总金额(万元)")), (("procurement", "政府集中采购"),)),
)  # fmt: skip
_ACTIVE_2021 = (
    ("一", (("本年制发件数",), ("本年废止件数",), ("现行有效件数",)),
     (("regulations", "规章"), ("normative_documents", "行政规范性文件"))),
    ("五", (("本年处理决定数量",),), (("licensing", "行政许可"),)),
    ("六", (("本年处理决定数量",),), (("penalty", "行政处罚"), ("coercion", "行政强制"))),
    ("八", (("本年收费金额（单位：万元）", "本年收费金额(单位:万元)"),), (("fees", "行政事业性收费"),)),
)  # fmt: skip


def active_grid(rng: Random, version: str, vals: dict, cs: CellStyle) -> Grid:
    """The 主动公开 table: one block per article item, each with its own header row."""
    blocks = _ACTIVE_2019 if version == "2019" else _ACTIVE_2021
    long_titles = version == "2019" and rng.random() < 0.25
    width = 4
    g = Grid()
    cols_of = {
        r: [k.split(".")[1] for k in vals if k.startswith(r + ".")] for r in {k.split(".")[0] for k in vals}
    }
    for art, headers, rows in blocks:
        g.rows.append([label(_ART_LONG[art] if long_titles else _ART[art], span=width)])
        head = [label("信息内容")] + [label(rng.choice(h)) for h in headers]
        g.rows.append(head + [empty() for _ in range(width - len(head))])
        for row, name in rows:
            cells = [label(name)] + [
                value_cell(rng, cs, "active", f"{row}.{c}", vals[f"{row}.{c}"]) for c in cols_of[row]
            ]
            g.rows.append(cells + [TCell([]) for _ in range(width - len(cells))])
    return g


# --- requests ----------------------------------------------------------------------------

_NOTE = (
    "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）",
    "(本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和)",
)
# The leaf label of each request row (the group prefix, e.g. 三、本年度办理结果, is written apart):
# derived from the one table of Chinese row labels, extraction/labels_zh.py.
_ROW_LABELS = {row: label.split(" ")[-1] for row, label in _ZH_REQUEST_ROWS.items()}
_SUBGROUPS = {
    "withheld": "（三）不予公开",
    "unable": "（四）无法提供",
    "rejected": "（五）不予处理",
    "other": "（六）其他处理",
}
_PAREN = str.maketrans("（）", "()")


def _row_label(rng: Random, row: str, half_parens: bool) -> str:
    text = _ROW_LABELS[row]
    if rng.random() < 0.15:
        text = text.replace(".", ". ", 1)  # 1. 属于国家秘密
    return text.translate(_PAREN) if half_parens else text


def requests_grid(rng: Random, version: str, vals: dict, cs: CellStyle) -> Grid:
    """The 收到和处理申请 table: three header rows, then rows with group cells (三、…, （三）…)."""
    half = rng.random() < 0.3
    total_word = rng.choice(("总计", "总计", "合计"))
    g = Grid(header_rows=3)
    g.rows.append([label(rng.choice(_NOTE), span=3), label("申请人情况", span=7)])
    g.rows.append([empty(3), label("自然人"), label("法人或其他组织", span=5), label(total_word)])
    g.rows.append(
        [
            empty(3),
            empty(),
            *(label(t) for t in ("商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他")),
            empty(),
        ]
    )
    results = RESULT_ROWS[version]
    for row in ("new", "carried_over", *results, "results_total", "carried_forward"):
        values = [value_cell(rng, cs, "requests", f"{row}.{c}", vals[f"{row}.{c}"]) for c in REQUEST_COLS]
        if row in ("new", "carried_over", "carried_forward"):
            g.rows.append([label(_row_label(rng, row, half), span=3), *values])
            continue
        sub = row.split("_")[0] if row.startswith(("withheld", "unable", "rejected")) else None
        if version == "2021" and row.startswith("other_"):
            sub = "other"
        first_of_results = row == results[0]
        group1 = label("三、本年度办理结果" if first_of_results else "", group=True)
        if sub:
            first_sub = row == next(r for r in results if r.startswith(sub if sub != "other" else "other_"))
            group2 = label(
                (_SUBGROUPS[sub].translate(_PAREN) if half else _SUBGROUPS[sub]) if first_sub else "",
                group=True,
            )
            g.rows.append([group1, group2, label(_row_label(rng, row, half)), *values])
        else:
            g.rows.append([group1, label(_row_label(rng, row, half), span=2), *values])
    return g


# --- appeals -----------------------------------------------------------------------------


def appeals_grid(rng: Random, vals: dict, cs: CellStyle) -> Grid:
    """The 行政复议、行政诉讼 table: three header rows and one row of 15 figures."""
    names = ("结果维持", "结果纠正", "其他结果", "尚未审结", "总计")
    g = Grid(header_rows=3)
    g.rows.append([label("行政复议", span=5), label("行政诉讼", span=10)])
    g.rows.append(
        [*(label(n) for n in names), label("未经复议直接起诉", span=5), label("复议后起诉", span=5)]
    )
    g.rows.append([*(empty() for _ in names), *(label(n) for n in names * 2)])
    g.rows.append(
        [
            value_cell(rng, cs, "appeals", f"{grp}.{c}", vals[f"{grp}.{c}"])
            for grp in APPEAL_GROUPS
            for c in APPEAL_COLS
        ]
    )
    return g
