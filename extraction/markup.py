"""Text of marked-up inputs: .docx (paragraphs and tables in document order) and HTML pages.

Tables become rows of tab-joined cells on the table's layout grid: a merged cell's text appears
once and the other grid positions it covers are empty cells, so the rows of a table line up.
Errors are `MarkupError`s carrying the `ReadError` code that `extraction.io` reports.
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser

_WS_RE = re.compile(r"\s+")
_HTML_WS_RE = re.compile(r"[ \t\n\r\f]+")
_READABLE_RE = re.compile(r"[\w\u3400-\u9fff]")


class MarkupError(ValueError):
    """A .docx or HTML input whose text cannot be extracted; `code` is the ReadError code."""

    def __init__(self, code: str, problem: str, hint: str) -> None:
        super().__init__(f"[{code}] {problem}; {hint}")
        self.code, self.problem, self.hint = code, problem, hint


def docx_to_text(data: bytes, max_unpacked: int = 100_000_000) -> str:
    """Paragraphs and tables of a .docx body in document order (not headers or footers).

    Table rows are tab-joined cells on the table's grid: a merged cell's text once, the other
    grid positions it covers empty (python-docx's `row.cells` would repeat its text).

    Raises:
        MarkupError: R005 truncated or corrupt package, R003 unpacking to more than
            `max_unpacked` bytes, R001 no text.
    """
    from docx import Document as open_docx  # heavy (lxml); only .docx inputs need it
    from docx.opc.exceptions import PackageNotFoundError
    from lxml.etree import XMLSyntaxError

    if not data.startswith(b"PK"):
        legacy = data.startswith(b"\xd0\xcf\x11\xe0")
        raise _corrupt_docx("a legacy Word .doc file" if legacy else "not a ZIP package")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            size = sum(i.file_size for i in package.infolist() if i.filename.startswith("word/"))
        if size > max_unpacked:
            raise MarkupError("R003", f"too large ({size:,} bytes of document XML)", "split it")
        lines = list(_docx_blocks(open_docx(io.BytesIO(data)).element.body))
    except (zipfile.BadZipFile, zlib.error, KeyError, ValueError, EOFError, PackageNotFoundError,
            XMLSyntaxError) as err:  # fmt: skip
        if isinstance(err, MarkupError):
            raise
        raise _corrupt_docx(f"{type(err).__name__}: {err}") from err
    text = "\n".join(line for line in lines if line)
    if not _READABLE_RE.search(text):
        raise MarkupError("R001", "no text in the document body", "check the export, or save it as text")
    return text


def _corrupt_docx(problem: str) -> MarkupError:
    return MarkupError("R005", f"not a readable .docx ({problem})", "re-save it from Word, or as text")


_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_W_P, _W_TBL, _W_TR, _W_TC, _W_SDT, _W_SDT_CONTENT, _W_R, _W_VAL = (
    f"{_W}{t}" for t in ("p", "tbl", "tr", "tc", "sdt", "sdtContent", "r", "val")
)
_W_GRID_BEFORE, _W_GRID_SPAN, _W_VMERGE = (
    f"{_W}{a}/{_W}{b}" for a, b in (("trPr", "gridBefore"), ("tcPr", "gridSpan"), ("tcPr", "vMerge"))
)
# Run children that are text; w:delText (deleted text) is not among them.
_W_RUN_TEXT = {f"{_W}t": None, f"{_W}tab": "\t", f"{_W}br": "\n", f"{_W}cr": "\n"}


def _docx_blocks(parent) -> Iterator[str]:
    for child in parent.iterchildren():
        if child.tag == _W_P:
            yield _paragraph_text(child).strip()
        elif child.tag == _W_TBL:
            yield from _docx_rows(child)
        elif child.tag == _W_SDT:  # a content control: its blocks sit in w:sdtContent
            for content in child.iterchildren(_W_SDT_CONTENT):
                yield from _docx_blocks(content)


def _paragraph_text(p) -> str:
    """A paragraph's runs (hyperlinks and tracked insertions included); faster than `CT_P.text`."""
    parts = []
    for run in p.iter(_W_R):
        for el in run.iterchildren():
            if el.tag in _W_RUN_TEXT:
                parts.append(_W_RUN_TEXT[el.tag] or el.text or "")
    return "".join(parts)


def _docx_rows(tbl) -> Iterator[str]:
    for tr in tbl.iterchildren(_W_TR):
        cells = [""] * _int_val(tr.find(_W_GRID_BEFORE), 0)
        for tc in tr.iterchildren(_W_TC):
            # A cell spanning columns has w:gridSpan; the cells below the first of a vertical
            # merge have w:vMerge without val="restart": their text (if any) is not shown.
            vmerge = tc.find(_W_VMERGE)
            hidden = vmerge is not None and vmerge.get(_W_VAL, "continue") == "continue"
            text = "" if hidden else " ".join(_paragraph_text(p) for p in tc.iter(_W_P))
            cells += [_WS_RE.sub(" ", text).strip()] + [""] * (_int_val(tc.find(_W_GRID_SPAN), 1) - 1)
        if any(cells):
            yield "\t".join(cells)


def _int_val(el, default: int) -> int:
    value = el.get(_W_VAL, "") if el is not None else ""
    return int(value) if value.isdigit() else default


# --- HTML -----------------------------------------------------------------------------------

_SKIP_TAGS = frozenset({"script", "style", "head", "title", "noscript", "template", "svg", "select"})
_BLOCK_TAGS = frozenset(
    "address article aside blockquote body caption center dd details div dl dt fieldset figcaption "
    "figure footer form h1 h2 h3 h4 h5 h6 header hr li main nav ol p pre section summary ul".split()
)


class _HTMLText(HTMLParser):
    """Collects readable text: blocks on their own lines, table rows as tab-joined grid cells.

    Only the outermost table makes rows; a table nested in a cell is flattened into that cell.
    """

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self.line: list[str] = []
        self.skip: dict[str, int] = {}
        self.pre = 0
        self.table: _Table | None = None  # the outermost open table
        self.depth = 0  # open <table> elements

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP_TAGS:
            self.skip[tag] = self.skip.get(tag, 0) + 1
        elif tag == "body":
            self.skip.pop("head", None)  # an unclosed <head> ends at <body>
        if self.skip:
            return
        if tag == "table":
            self.depth += 1
            if self.depth == 1:
                self.flush()
                self.table = _Table()
            else:
                self.write(" ")
        elif self.depth == 1 and tag == "tr":
            self.end_row()
            self.table.started = True
        elif self.depth == 1 and tag in ("td", "th"):
            self.table.open_cell(_span(attrs, "colspan", 1000), _span(attrs, "rowspan", 65534))
        elif tag == "br" or tag in _BLOCK_TAGS or tag in ("tr", "td", "th"):
            self.pre += tag == "pre"
            self.write("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP_TAGS:
            if self.skip.get(tag, 0) > 1:
                self.skip[tag] -= 1
            else:
                self.skip.pop(tag, None)
            return
        if self.skip:
            return
        if tag == "table" and self.depth:
            self.depth -= 1
            if self.depth == 0:
                self.end_row()
                self.table = None
            else:
                self.write(" ")
        elif self.depth == 1 and tag == "tr":
            self.end_row()
        elif self.depth == 1 and tag in ("td", "th"):
            self.table.close_cell()
        elif tag in _BLOCK_TAGS:
            self.pre -= tag == "pre" and self.pre > 0
            self.write("\n")

    def handle_data(self, data: str) -> None:
        if self.skip or (self.table is not None and self.table.cell is None and not data.strip()):
            return
        self.write(data if self.pre else _HTML_WS_RE.sub(" ", data))

    def write(self, data: str) -> None:
        """Append text; inside a cell line breaks become spaces, outside "\\n" ends the line."""
        if self.table is not None:
            if self.table.cell is not None:
                self.table.cell.append(data)
                return
            self.end_row()  # text between rows (a caption, stray text) stands on its own line
        first, *rest = data.split("\n")
        self.line.append(first)
        for piece in rest:
            self.flush()
            self.line.append(piece)

    def flush(self) -> None:
        """End the current line of running text."""
        line = "".join(self.line).strip()
        self.line = []
        if line:
            self.lines.append(line)

    def end_row(self) -> None:
        """Emit the open row of the outermost table, if any."""
        row = self.table.end_row() if self.table is not None else None
        if row is not None:
            self.flush()
            self.lines.append(row)


@dataclass
class _Table:
    """The open row of an HTML table, with the grid columns that rowspans from above cover."""

    row: list[str] = field(default_factory=list)
    cell: list[str] | None = None
    span: tuple[int, int] = (1, 1)
    covered: dict[int, int] = field(default_factory=dict)  # grid column -> rows it still covers
    new_spans: dict[int, int] = field(default_factory=dict)  # rowspans opened in this row
    started: bool = False

    def open_cell(self, colspan: int, rowspan: int) -> None:
        self.close_cell()
        self.started = True
        while len(self.row) in self.covered:
            self.row.append("")
        self.cell, self.span = [], (colspan, rowspan)

    def close_cell(self) -> None:
        if self.cell is None:
            return
        colspan, rowspan = self.span
        start = len(self.row)
        self.row.append(_WS_RE.sub(" ", "".join(self.cell)).strip())
        self.row.extend([""] * (colspan - 1))
        if rowspan > 1:
            self.new_spans.update(dict.fromkeys(range(start, start + colspan), rowspan - 1))
        self.cell = None

    def end_row(self) -> str | None:
        self.close_cell()
        if not self.started:
            return None
        for col in sorted(c for c in self.covered if c >= len(self.row)):
            self.row.extend([""] * (col + 1 - len(self.row)))
        row = self.row
        self.covered = {c: n - 1 for c, n in self.covered.items() if n > 1} | self.new_spans
        self.row, self.new_spans, self.started = [], {}, False
        return "\t".join(row) if any(row) else None


def _span(attrs: list[tuple[str, str | None]], name: str, cap: int) -> int:
    value = dict(attrs).get(name) or ""
    digits = re.match(r"\s*(\d+)", value)
    return min(max(int(digits.group(1)), 1), cap) if digits else 1


def html_to_text(markup: str) -> str:
    """The readable text of an HTML page (no script/style/head), one block per line.

    Table rows are tab-joined cells on the table's grid: a cell spanning columns or rows is
    written once, the grid positions it also covers are empty cells.
    """
    parser = _HTMLText()
    parser.feed(markup)
    parser.close()
    parser.end_row()
    parser.flush()
    return "\n".join(parser.lines)
