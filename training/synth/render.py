"""Table layouts: how a grid reaches the text after copying from a web page, PDF or Word file.

Layouts: tab-separated (Word/HTML copy), pipe rows (web scrapes), markdown, one cell per line
(seed 002), blank-line-separated cells, and space-aligned columns (pdftotext -layout). Each
layout has the quirks real copies show: merged cells padded with empty cells or collapsed, row
group cells kept, repeated or dropped (rows shifted left), header cells split over two lines,
long labels wrapped with spaces.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from random import Random

from training.synth.fmt import Piece, plain
from training.synth.tables import Grid

LAYOUTS = ("tab", "pipe", "markdown", "cell_lines", "blank_sep", "aligned")
# Web copies (all of ../shared/corpus) give pipe rows or one cell per line, never tabs; tabs and
# aligned columns come from Word and PDF copies (the seeds).
LAYOUT_WEIGHTS = (20, 30, 3, 17, 20, 10)


@dataclass
class TableStyle:
    """The layout of one table and its quirks."""

    layout: str
    pad_merged: bool  # a cell spanning k columns is followed by k-1 empty cells
    groups: str  # row-group cells: "first" (then empty), "repeat", "drop" (rows shift left)
    split_header: bool  # short header rows printed over two lines
    wrap_labels: float  # probability of wrapping a long label with spaces / line breaks
    cell_prefix: str  # cell_lines: "\t" (seed 002) or ""
    cell_suffix: str  # cell_lines: " |" or ""
    pipe_lead: bool  # pipe: "| a | b |" rather than "a | b |"
    stray_blank: float  # probability of a stray blank line after a row

    @classmethod
    def draw(cls, rng: Random, layout: str | None = None) -> TableStyle:
        layout = layout or rng.choices(LAYOUTS, weights=LAYOUT_WEIGHTS)[0]
        aligned = layout == "aligned"  # a PDF page: every cell keeps its column position
        return cls(
            layout=layout,
            pad_merged=aligned or rng.random() < (0.2 if layout in ("cell_lines", "blank_sep") else 0.6),
            groups="first"
            if aligned
            else rng.choices(("first", "repeat", "drop", "mixed"), weights=(6, 2, 2, 1))[0],
            split_header=layout in ("tab", "aligned", "pipe") and rng.random() < 0.3,
            wrap_labels=rng.choice((0.0, 0.0, 0.0, 0.15, 0.4)),
            cell_prefix="\t" if rng.random() < 0.25 else "",
            cell_suffix=" |" if rng.random() < 0.4 else "",
            pipe_lead=rng.random() < 0.3,
            stray_blank=rng.choice((0.0, 0.0, 0.03, 0.1)),
        )


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _wrap(rng: Random, text: str, sep: str) -> str:
    """Break a long label every few characters: 5.要求行政 机关确认或 重新出具已 获取信息."""
    out, i = [], 0
    while i < len(text):
        step = rng.randrange(4, 9)
        out.append(text[i : i + step])
        i += step
    return sep.join(out)


def _flatten(rng: Random, grid: Grid, ts: TableStyle) -> list[list[list[Piece]]]:
    """Rows of cells (each a piece list) after merged-cell and group-cell handling."""
    rows: list[list[list[Piece]]] = []
    last_group: dict[int, str] = {}
    wrap_sep = "\n" if ts.layout in ("cell_lines", "blank_sep") else " "
    for r, row in enumerate(grid.rows):
        policy = rng.choice(("first", "repeat", "drop")) if ts.groups == "mixed" else ts.groups
        cells: list[list[Piece]] = []
        for c, cell in enumerate(row):
            text = cell.text
            if cell.group:
                if text:
                    last_group[c] = text
                elif policy == "drop":
                    continue
                elif policy == "repeat":
                    cells.append([plain(last_group.get(c, ""))])
                    continue
            if cell.head and not text and not ts.pad_merged and r < grid.header_rows:
                continue  # collapsed empty header cell
            pieces = cell.pieces
            if cell.head and len(text) > 10 and rng.random() < ts.wrap_labels:
                pieces = [plain(_wrap(rng, text, wrap_sep))]
            cells.append(list(pieces))
            if ts.pad_merged and cell.span > 1:
                cells.extend([] for _ in range(cell.span - 1))
        rows.append(cells)
    return rows


def _split_row(cells: list[list[Piece]]) -> list[list[list[Piece]]] | None:
    """A short header row printed over two lines (结果 / 维持), or None if it does not qualify."""
    texts = ["".join(p[0] for p in c) for c in cells]
    if not all(all(p[1] is None for p in c) for c in cells):
        return None
    if sum(1 for t in texts if len(t) >= 4) < 2 or any(len(t) > 8 for t in texts):
        return None
    top = [[plain(t[: (len(t) + 1) // 2] if len(t) >= 4 else t)] for t in texts]
    bottom = [[plain(t[(len(t) + 1) // 2 :] if len(t) >= 4 else "")] for t in texts]
    return [top, bottom]


def render(rng: Random, grid: Grid, ts: TableStyle) -> list[Piece]:
    """The grid as text pieces in the given layout (ends with a newline)."""
    rows = _flatten(rng, grid, ts)
    lines: list[list[list[Piece]]] = []
    for r, cells in enumerate(rows):
        split = _split_row(cells) if ts.split_header and r < grid.header_rows else None
        lines.extend(split or [cells])
    out: list[Piece] = []
    if ts.layout in ("cell_lines", "blank_sep"):
        for cells in lines:
            for cell in cells:
                out.append(plain(ts.cell_prefix if ts.layout == "cell_lines" else ""))
                out.extend(cell)
                out.append(plain((ts.cell_suffix if ts.layout == "cell_lines" else "") + "\n"))
                if ts.layout == "blank_sep":
                    out.append(plain("\n"))
            out.append(plain("\n" if ts.layout == "cell_lines" else ""))
        return out
    if ts.layout == "aligned":
        return _aligned(rng, rows, ts)
    ncols = max(len(c) for c in lines)
    for li, cells in enumerate(lines):
        if ts.layout == "markdown":
            cells = cells + [[] for _ in range(ncols - len(cells))]
        for i, cell in enumerate(cells):
            if ts.layout == "tab":
                if i:
                    out.append(plain("\t"))
                out.extend(cell)
            else:  # pipe, markdown
                lead = ts.layout == "markdown" or ts.pipe_lead
                out.append(plain(("| " if i == 0 and lead else "") if i == 0 else " | "))
                out.extend(cell)
        if ts.layout in ("pipe", "markdown"):
            out.append(plain(" |"))
        out.append(plain("\n"))
        if ts.layout == "markdown" and li == 0:
            out.append(plain("|" + "---|" * ncols + "\n"))
        if rng.random() < ts.stray_blank:
            out.append(plain("\n"))
    return out


def _chunks(text: str, cap: int) -> list[str]:
    """A label wrapped inside its cell, at most `cap` display columns per line."""
    out, line, w = [], [], 0
    for ch in text:
        cw = 2 if unicodedata.east_asian_width(ch) in "WF" else 1
        if line and w + cw > cap:
            out.append("".join(line))
            line, w = [], 0
        line.append(ch)
        w += cw
    out.append("".join(line))
    return out


def _aligned(rng: Random, rows: list[list[list[Piece]]], ts: TableStyle) -> list[Piece]:
    """pdftotext -layout: columns at fixed positions, long labels wrapped within their cells,
    figures on the first line of a wrapped row or on its middle line."""
    cap = rng.choice((14, 18, 22, 26))
    middle = rng.random() < 0.4
    gap = rng.choice((2, 3, 4))
    split: list[list[list[list[Piece]]]] = []  # row -> cell -> line chunks (piece lists)
    widths: list[int] = []
    for cells in rows:
        row = []
        for i, cell in enumerate(cells):
            text = "".join(p[0] for p in cell)
            if all(p[1] is None for p in cell) and _width(text) > cap:
                parts = [[plain(c)] for c in _chunks(text, cap)]
            else:
                parts = [cell]
            row.append(parts)
            w = max(_width("".join(p[0] for p in part)) for part in parts)
            if i >= len(widths):
                widths.append(w)
            else:
                widths[i] = max(widths[i], w)
        split.append(row)
    out: list[Piece] = []
    for row in split:
        height = max((len(parts) for parts in row), default=1)
        for j in range(height):
            line: list[Piece] = []
            pending = 0  # spaces owed before the next non-empty chunk
            for i, parts in enumerate(row):
                at = (height - 1) // 2 if middle and len(parts) == 1 else 0
                chunk = parts[j - at] if 0 <= j - at < len(parts) else []
                text = "".join(p[0] for p in chunk)
                if text or any(p[1] is not None for p in chunk):
                    if pending:
                        line.append(plain(" " * pending))
                    line.extend(chunk)
                    pending = widths[i] - _width(text) + gap
                else:
                    pending += widths[i] + gap
            out.extend(line)
            out.append(plain("\n"))
        if rng.random() < ts.stray_blank:
            out.append(plain("\n"))
    return out
