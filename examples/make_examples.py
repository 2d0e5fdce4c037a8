"""Build the example reports in this folder from the texts and figures in `example_reports.py`.

    .venv/bin/python examples/make_examples.py            # rewrites the three example files
    .venv/bin/python examples/make_examples.py OUT_DIR    # writes them elsewhere

Each table is laid out once, as a grid of cells with their column and row spans, in the
national template's shape, and rendered three ways: tab-separated rows (.txt), an HTML table
with colspan/rowspan (.html) and a Word table with merged cells (.docx). Totals are computed
here, so every example satisfies the template's identities.
"""

from __future__ import annotations

import html
import sys
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from example_reports import REPORTS, Report  # noqa: E402

__all__ = ["GridCell", "grid_rows", "render_docx", "render_html", "render_txt", "tables_of", "main"]


@dataclass(frozen=True)
class GridCell:
    """A table cell as laid out in the template: its text and how far it spans."""

    text: str
    colspan: int = 1
    rowspan: int = 1


Grid = list[list[GridCell]]


def _num(v: int | float | None) -> str:
    if v is None:
        return ""
    return f"{v:.2f}" if isinstance(v, float) else str(v)


def _signed(v: int | None) -> str:
    return "" if v is None else (f"+{v}" if v > 0 else str(v))


def _values(values: list) -> list[GridCell]:
    return [GridCell(_num(v)) for v in values]


def active_grid(version: str, a: dict) -> Grid:
    """二、主动公开政府信息情况 in the 2019 or 2021 template (4 grid columns)."""
    g: Grid = []

    def item(article: str, header: list[str], rows: list[tuple[str, list[GridCell]]]) -> None:
        g.append([GridCell(article, colspan=4)])
        head = [GridCell("信息内容")] + [GridCell(h) for h in header]
        if len(header) < 3:  # the last header cell fills the remaining columns
            head[-1] = GridCell(header[-1], colspan=4 - len(header))
        g.append(head)
        for label, cells in rows:
            if len(cells) < 3:
                cells = cells[:-1] + [GridCell(cells[-1].text, colspan=4 - len(cells))]
            g.append([GridCell(label), *cells])

    if version == "2019":
        item(
            "第二十条第（一）项",
            ["本年新制作数量", "本年新公开数量", "对外公开总数量"],
            [("规章", _values(a["regulations"])), ("规范性文件", _values(a["normative_documents"]))],
        )

        def changes(row: list) -> list[GridCell]:
            return [GridCell(_num(row[0])), GridCell(_signed(row[1])), *_values(row[2:])]

        item(
            "第二十条第（五）项",
            ["上一年项目数量", "本年增/减", "处理决定数量"],
            [("行政许可", changes(a["licensing"])), ("其他对外管理服务事项", changes(a["other_services"]))],
        )
        item(
            "第二十条第（六）项",
            ["上一年项目数量", "本年增/减", "处理决定数量"],
            [("行政处罚", changes(a["penalty"])), ("行政强制", changes(a["coercion"]))],
        )
        item("第二十条第（八）项", ["上一年项目数量", "本年增/减"], [("行政事业性收费", changes(a["fees"]))])
        item(
            "第二十条第（九）项",
            ["采购项目数量", "采购总金额"],
            [("政府集中采购", _values(a["procurement"]))],
        )
    else:
        item(
            "第二十条第（一）项",
            ["本年制发件数", "本年废止件数", "现行有效件数"],
            [("规章", _values(a["regulations"])), ("行政规范性文件", _values(a["normative_documents"]))],
        )
        item("第二十条第（五）项", ["本年处理决定数量"], [("行政许可", _values(a["licensing"]))])
        item(
            "第二十条第（六）项",
            ["本年处理决定数量"],
            [("行政处罚", _values(a["penalty"])), ("行政强制", _values(a["coercion"]))],
        )
        item("第二十条第（八）项", ["本年收费金额（单位：万元）"], [("行政事业性收费", _values(a["fees"]))])
    return g  # fmt: skip


WITHHELD = ["1.属于国家秘密", "2.其他法律行政法规禁止公开", "3.危及“三安全一稳定”", "4.保护第三方合法权益",
            "5.属于三类内部事务信息", "6.属于四类过程性信息", "7.属于行政执法案卷", "8.属于行政查询事项"]  # fmt: skip
UNABLE = ["1.本机关不掌握相关政府信息", "2.没有现成信息需要另行制作", "3.补正后申请内容仍不明确"]
REJECTED = ["1.信访举报投诉类申请", "2.重复申请", "3.要求提供公开出版物", "4.无正当理由大量反复申请",
            "5.要求行政机关确认或重新出具已获取信息"]  # fmt: skip
OTHER_2021 = ["1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
              "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请", "3.其他"]  # fmt: skip
# The result rows of the requests table in template order: (group label, item labels, row keys).
RESULT_GROUPS = {
    "2019": [
        ("（一）予以公开", [], ["granted"]),
        ("（二）部分公开（区分处理的，只计这一情形，不计其他情形）", [], ["partly_granted"]),
        ("（三）不予公开", WITHHELD, [f"withheld_{k}" for k in ("state_secret", "prohibited", "security",
                                   "third_party", "internal", "process", "enforcement", "inquiry")]),
        ("（四）无法提供", UNABLE, ["unable_not_held", "unable_needs_creation", "unable_unclear"]),
        ("（五）不予处理", REJECTED, [f"rejected_{k}" for k in ("petition", "duplicate", "publication",
                                   "excessive", "confirmation")]),
        ("（六）其他处理", [], ["other"]),
    ],
}  # fmt: skip
RESULT_GROUPS["2021"] = RESULT_GROUPS["2019"][:5] + [
    ("（六）其他处理", OTHER_2021, ["other_no_correction", "other_no_fee", "other_misc"])
]


def request_values(version: str, given: dict[str, list], zeros: bool) -> dict[str, list]:
    """Every row's seven values: rows not given are blank; the 总计 column, （七）总计 and
    四、结转下年度 are computed, so the template identities hold. `zeros` writes 0 for blanks."""

    def total(cells: list) -> int | None:
        filled = [v for v in cells if v is not None]
        return sum(filled) if filled else None

    def carried_forward(c: int) -> int | None:
        incoming = total([rows["new"][c], rows["carried_over"][c]])
        left = (incoming or 0) - (rows["results_total"][c] or 0)
        if left < 0:
            raise ValueError(f"[X001] more results than applications in column {c}: {given!r}")
        return left or None

    keys = [k for _, _, ks in RESULT_GROUPS[version] for k in ks]
    rows = {k: list(given.get(k, [None] * 6)) for k in ["new", "carried_over", *keys]}
    rows["results_total"] = [total([rows[k][c] for k in keys]) for c in range(6)]
    rows["carried_forward"] = [carried_forward(c) for c in range(6)]
    for k, cells in rows.items():
        cells = [0 if v is None and zeros else v for v in cells]
        rows[k] = cells + [total(cells)]
    return rows


def requests_grid(version: str, given: dict[str, list], zeros: bool) -> Grid:
    """三、收到和处理政府信息公开申请情况 (3 label columns + 7 value columns)."""
    v = request_values(version, given, zeros)
    groups = RESULT_GROUPS[version]
    g: Grid = [
        [GridCell("（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）", 3, 3),
         GridCell("申请人情况", 7)],
        [GridCell("自然人", 1, 2), GridCell("法人或其他组织", 5), GridCell("总计", 1, 2)],
        [GridCell(t) for t in ("商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他")],
        [GridCell("一、本年新收政府信息公开申请数量", 3), *_values(v["new"])],
        [GridCell("二、上年结转政府信息公开申请数量", 3), *_values(v["carried_over"])],
    ]  # fmt: skip
    span = sum(max(len(items), 1) for _, items, _ in groups) + 1
    first = True
    for label, items, keys in groups:
        lead = [GridCell("三、本年度办理结果", 1, span)] if first else []
        first = False
        if not items:
            g.append([*lead, GridCell(label, 2), *_values(v[keys[0]])])
            continue
        for i, (item, key) in enumerate(zip(items, keys, strict=True)):
            group = [GridCell(label, 1, len(items))] if i == 0 else []
            g.append([*(lead if i == 0 else []), *group, GridCell(item), *_values(v[key])])
    g.append([GridCell("（七）总计", 2), *_values(v["results_total"])])
    g.append([GridCell("四、结转下年度继续办理", 3), *_values(v["carried_forward"])])
    return g


def appeals_grid(groups: dict[str, list[int]]) -> Grid:
    """四、政府信息公开行政复议、行政诉讼情况 (15 value columns)."""
    results = ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"]
    values = []
    for key in ("review", "litigation_direct", "litigation_after_review"):
        values += [*groups[key], sum(groups[key])]
    return [
        [GridCell("行政复议", 5), GridCell("行政诉讼", 10)],
        [*(GridCell(t, 1, 2) for t in results), GridCell("未经复议直接起诉", 5), GridCell("复议后起诉", 5)],
        [GridCell(t) for t in results * 2],
        _values(values),
    ]


def tables_of(report: Report) -> dict[str, Grid]:
    """The three statistical tables of a report."""
    return {
        "active": active_grid(report.version, report.active),
        "requests": requests_grid(report.version, report.requests, report.zeros),
        "appeals": appeals_grid(report.appeals),
    }


def placed(grid: Grid) -> list[tuple[int, int, GridCell]]:
    """`(row, column, cell)` of every cell on the grid, columns shifted past rowspans from above."""
    covered: set[tuple[int, int]] = set()
    out = []
    for r, row in enumerate(grid):
        c = 0
        for cell in row:
            while (r, c) in covered:
                c += 1
            out.append((r, c, cell))
            covered |= {(r + i, c + j) for i in range(cell.rowspan) for j in range(cell.colspan)}
            c += cell.colspan
    return out


def grid_rows(grid: Grid) -> list[str]:
    """Tab-joined rows on the grid: a merged cell's text once, the positions it covers empty."""
    width = max(c + cell.colspan for _, c, cell in placed(grid))
    rows = [[""] * width for _ in grid]
    for r, c, cell in placed(grid):
        rows[r][c] = cell.text
    return ["\t".join(row) for row in rows]


def _blocks(report: Report) -> list[str | Grid]:
    tables = tables_of(report)
    return [tables[b[1:]] if b.startswith("@") else b for b in report.blocks]


def render_txt(report: Report) -> str:
    """Plain text: one paragraph per line, tables as tab-separated rows, blank lines between."""
    parts = ["\n".join(grid_rows(b)) if isinstance(b, list) else b for b in _blocks(report)]
    return "\n\n".join(parts) + "\n"


def render_html(report: Report, page: bool = True) -> str:
    """An HTML page; with `page`, the report's site furniture (navigation, scripts, footer) around it."""
    body = []
    for i, block in enumerate(_blocks(report)):
        if isinstance(block, str):
            tag = "h1" if i == 0 else "p"
            body.append(f'<{tag} style="text-indent:2em">{html.escape(block, quote=False)}</{tag}>')
            continue
        rows = []
        for row in block:
            cells = "".join(
                "<td"
                + (f' colspan="{c.colspan}"' if c.colspan > 1 else "")
                + (f' rowspan="{c.rowspan}"' if c.rowspan > 1 else "")
                + f"><p>{html.escape(c.text, quote=False) or '&nbsp;'}</p></td>"
                for c in row
            )
            rows.append(f"  <tr>{cells}</tr>")
        body.append(
            '<table border="1" cellspacing="0">\n<tbody>\n' + "\n".join(rows) + "\n</tbody>\n</table>"
        )
    article = "\n".join(body)
    if not (page and report.page):
        return f"<html><body>\n{article}\n</body></html>\n"
    return report.page.format(title=html.escape(report.blocks[0]), article=article)


def render_docx(report: Report, path: Path) -> None:
    """A Word document: paragraphs and tables with merged cells, in report order."""
    import docx  # python-docx, a project dependency

    document = docx.Document()
    for i, block in enumerate(_blocks(report)):
        if isinstance(block, str):
            document.add_heading(block, level=1) if i == 0 else document.add_paragraph(block)
            continue
        cells = placed(block)
        width = max(c + cell.colspan for _, c, cell in cells)
        table = document.add_table(rows=len(block), cols=width)
        table.style = "Table Grid"
        # `table.cell()` rescans the whole table on every call; take the cells once and merge from
        # the bottom right, so that no merge removes a cell a later merge still needs.
        grid = [row.cells for row in table.rows]
        for r, c, cell in reversed(cells):
            target = grid[r][c]
            if cell.colspan > 1 or cell.rowspan > 1:
                target = target.merge(grid[r + cell.rowspan - 1][c + cell.colspan - 1])
            target.text = cell.text
    document.save(str(path))


def write(report: Report, out_dir: Path) -> Path:
    """Write one report in its format; return the path written."""
    path = out_dir / report.file
    if path.suffix == ".docx":
        render_docx(report, path)
    elif path.suffix == ".html":
        path.write_text(render_html(report), encoding="utf-8")
    else:
        path.write_text(render_txt(report), encoding="utf-8")
    return path


def main(argv: list[str]) -> None:
    """Write every example report into `argv[0]` (default: this folder)."""
    out_dir = Path(argv[0]) if argv else HERE
    out_dir.mkdir(parents=True, exist_ok=True)
    for report in REPORTS:
        write(report, out_dir)


if __name__ == "__main__":
    main(sys.argv[1:])
