"""HTML and .docx renderings, with gold on the text `extraction.io.read_document` extracts.

The reader turns a page or a Word file into one block per line and table rows into tab-joined
cells (whitespace collapsed, empty lines and empty rows dropped). `settle` applies exactly those
changes to the marked text as an edit list, so the marks follow; the file is then written from
the settled text (paragraphs, and tables whose rows are its tab-joined lines, merged cells as
colspan / gridSpan where a cell is followed by empty ones). Reading the file back gives the
settled text, which the tests check.
"""

from __future__ import annotations

import html
import io
import re
import zipfile
from random import Random

from training.synth.marks import REGION, Edit, Marked

_HTML_WS_RE = re.compile(r"[ \t\n\r\f]+")
_ANY_WS_RE = re.compile(r"\s+")


def _table_lines(doc: Marked) -> list[tuple[int, int]]:
    return [(m.start, m.end) for m in doc.of_kind(REGION) if m.data == "table"]


def _line_edits(text: str, s: int, e: int, ws: re.Pattern[str] | None) -> tuple[list[Edit], bool]:
    """Edits that collapse whitespace runs (if `ws`) and strip the line [s, e); and whether it is empty."""
    line = text[s:e]
    stripped = line.strip() if ws is None else ws.sub(" ", line).strip()
    if not stripped:
        return [], True
    edits: list[Edit] = []
    lead = len(line) - len(line.lstrip())
    trail = len(line.rstrip())
    if lead:
        edits.append(Edit(s, s + lead, ""))
    if ws is not None:
        for m in ws.finditer(line, lead, trail):
            if m.group() != " ":
                edits.append(Edit(s + m.start(), s + m.end(), " "))
    if trail < len(line):
        edits.append(Edit(s + trail, e, ""))
    return edits, False


def settle(doc: Marked, kind: str) -> None:
    """Make the text what the reader extracts from the `kind` ("html" | "docx") file written from it."""
    text = doc.text
    tables = _table_lines(doc)
    edits: list[Edit] = []
    pos = 0
    for line in text.split("\n"):
        s, e = pos, pos + len(line)
        pos = e + 1
        if any(a <= s < b for a, b in tables):
            line_edits: list[Edit] = []
            empty = True
            c = s
            for cell in line.split("\t"):
                cell_edits, cell_empty = _line_edits(text, c, c + len(cell), _ANY_WS_RE)
                if not cell_empty:
                    empty = False
                    line_edits.extend(cell_edits)
                elif cell:
                    line_edits.append(Edit(c, c + len(cell), ""))
                c += len(cell) + 1
        else:
            line_edits, empty = _line_edits(text, s, e, _HTML_WS_RE if kind == "html" else None)
        if not empty:
            edits.extend(line_edits)
        elif e < len(text):  # the reader drops empty lines: the line and its break go
            edits.append(Edit(s, e + 1, ""))
        else:  # an empty last line: the break before it goes
            edits.append(Edit(max(0, s - 1), e, ""))
    doc.apply(_merge(edits))
    while doc.text.endswith("\n"):  # trailing empty lines leave the break before them
        doc.apply([Edit(len(doc.text) - 1, len(doc.text), "")])
    if kind == "docx":
        _pad_rows(doc)


def _pad_rows(doc: Marked) -> None:
    """A Word table is a full grid: the reader writes every row with the table's width."""
    edits: list[Edit] = []
    run: list[tuple[int, int]] = []  # (line end, cells) of consecutive table rows

    def flush() -> None:
        if run:
            width = max(n for _, n in run)
            edits.extend(Edit(end, end, "\t" * (width - n)) for end, n in run if n < width)
            run.clear()

    for is_row, line, end in _rows_at(doc):
        if is_row:
            run.append((end, line.count("\t") + 1))
        else:
            flush()
    flush()
    doc.apply(edits)


def _merge(edits: list[Edit]) -> list[Edit]:
    """Sort edits and join overlapping deletions (an empty line after a stripped one)."""
    out: list[Edit] = []
    for ed in sorted(edits, key=lambda x: (x.a, x.b)):
        if out and (ed.a < out[-1].b or ed.a == out[-1].a):
            prev = out[-1]
            out[-1] = Edit(prev.a, max(prev.b, ed.b), prev.repl + ed.repl)
        else:
            out.append(ed)
    return out


def _rows_at(doc: Marked) -> list[tuple[bool, str, int]]:
    """The text as (is_table_row, line, line end) triples."""
    tables = _table_lines(doc)
    out, pos = [], 0
    for line in doc.text.split("\n"):
        out.append((any(a <= pos < b for a, b in tables), line, pos + len(line)))
        pos += len(line) + 1
    return out


def _rows(doc: Marked) -> list[tuple[bool, str]]:
    """The settled text as (is_table_row, line) pairs."""
    return [(is_row, line) for is_row, line, _ in _rows_at(doc)]


def _spans(cells: list[str], rng: Random, merge: bool) -> list[tuple[str, int]]:
    """Cells with colspans: a cell followed by empty ones may become one merged cell."""
    out: list[tuple[str, int]] = []
    i = 0
    while i < len(cells):
        j = i + 1
        if merge and cells[i]:
            while j < len(cells) and not cells[j]:
                j += 1
            if j - i > 1 and rng.random() < 0.3:
                j = i + 1
        out.append((cells[i], j - i))
        i = j
    return out


def to_html(doc: Marked, rng: Random, title: str) -> bytes:
    """An HTML page whose extracted text is the settled text."""
    parts = [
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>',
        html.escape(title),
        "</title><style>td{border:1px solid #000}</style><script>var _hmt=[];</script></head>\n<body>\n",
    ]
    merge = rng.random() < 0.7
    open_table = False
    for is_row, line in _rows(doc):
        if is_row:
            if not open_table:
                parts.append('<table border="1" cellspacing="0">\n')
                open_table = True
            cells = "".join(
                f"<td{f' colspan={span}' if span > 1 else ''}>{html.escape(text)}</td>"
                for text, span in _spans(line.split("\t"), rng, merge)
            )
            parts.append(f"<tr>{cells}</tr>\n")
            continue
        if open_table:
            parts.append("</table>\n")
            open_table = False
        tag = rng.choice(("p", "p", "p", "div"))
        parts.append(f"<{tag}>{html.escape(line)}</{tag}>\n")
    if open_table:
        parts.append("</table>\n")
    parts.append("</body></html>\n")
    return "".join(parts).encode("utf-8")


_W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
    "</Types>"
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="word/document.xml"/></Relationships>'
)


def _run(text: str) -> str:
    """Runs of a paragraph: tabs as <w:tab/>, text with preserved spaces."""
    out = []
    for i, piece in enumerate(text.split("\t")):
        if i:
            out.append("<w:r><w:tab/></w:r>")
        if piece:
            out.append(f'<w:r><w:t xml:space="preserve">{html.escape(piece, quote=False)}</w:t></w:r>')
    return "".join(out)


def to_docx(doc: Marked, rng: Random) -> bytes:
    """A minimal .docx whose extracted text is the settled text (paragraphs and grid tables)."""
    body: list[str] = []
    rows: list[list[str]] = []

    def flush_table() -> None:
        if not rows:
            return
        width = max(len(r) for r in rows)
        body.append('<w:tbl><w:tblPr><w:tblStyle w:val="TableGrid"/></w:tblPr><w:tblGrid>')
        body.append("<w:gridCol/>" * width + "</w:tblGrid>")
        for r in rows:
            body.append("<w:tr>")
            for text, span in _spans(r + [""] * (width - len(r)), rng, merge=True):
                pr = f'<w:tcPr><w:gridSpan w:val="{span}"/></w:tcPr>' if span > 1 else ""
                body.append(f"<w:tc>{pr}<w:p>{_run(text)}</w:p></w:tc>")
            body.append("</w:tr>")
        body.append("</w:tbl>")
        rows.clear()

    for is_row, line in _rows(doc):
        if is_row:
            rows.append(line.split("\t"))
            continue
        flush_table()
        body.append(f"<w:p>{_run(line)}</w:p>")
    flush_table()
    xml = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="{_W_NS}"><w:body>'
        + "".join(body)
        + "<w:sectPr/></w:body></w:document>"
    )
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, content in (
            ("[Content_Types].xml", _CONTENT_TYPES),
            ("_rels/.rels", _RELS),
            ("word/document.xml", xml),
        ):
            info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))  # fixed: same bytes for a seed
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, content)
    return buf.getvalue()
