"""Generate the bad-input suite (and good renderings of the same report) into a directory.

    from tests.make_bad_inputs import make_bad_inputs, EXPECTED_CODES, SAME_TEXT
    files = make_bad_inputs(tmp_dir, report_text)

Every file is generated from the text given (a seed report or an invented one); nothing is
copied into the repository. `EXPECTED_CODES[name]` is the ReadError code `read_document` must
raise for `files[name]`, or None when the file must read; the names in `SAME_TEXT` must read to
exactly `report_text` (with "\\r\\n" read as "\\n"). Every file has a supported suffix, so a
batch over the directory puts each one either in the records or in the errors.
"""

from __future__ import annotations

import html
import io
import random
from pathlib import Path

EXPECTED_CODES: dict[str, str | None] = {
    "utf8": None,
    "utf8_bom": None,
    "gbk": None,
    "utf16": None,
    "utf16be": None,
    "utf16le_nobom": None,
    "crlf": None,
    "good_html": None,
    "good_docx": None,
    "empty": "R001",
    "whitespace": "R001",
    "random": "R002",
    "pdf_as_txt": "R002",
    "huge": "R003",
    "truncated_docx": "R005",
    "doc_as_docx": "R005",
    "html_scripts": "R006",
}
SAME_TEXT = frozenset({"utf8", "utf8_bom", "gbk", "utf16", "utf16be", "utf16le_nobom", "crlf"})
# Text that only the scripts and styles of the generated pages contain.
SCRIPT_MARKERS = ("trackPageView", "window.__REPORT_STATE__", "font-family", "请开启浏览器的JavaScript")

_SUFFIX = {"good_html": ".html", "html_scripts": ".html"}
_SUFFIX |= dict.fromkeys(("good_docx", "truncated_docx", "doc_as_docx"), ".docx")


def make_bad_inputs(directory: Path, seed_text: str, huge_bytes: int = 50_000_000) -> dict[str, Path]:
    """Write every input of the suite into `directory`; return `{name: path}`.

    Args:
        directory: where to write (created if missing).
        seed_text: a report text (no "\\r"); the encoded copies and renderings are made of it.
        huge_bytes: size of `huge.txt` (a repeated copy of the text); 0 leaves it out.
    """
    directory.mkdir(parents=True, exist_ok=True)
    data: dict[str, bytes] = {
        "utf8": seed_text.encode("utf-8"),
        "utf8_bom": seed_text.encode("utf-8-sig"),
        # GB18030 writes GBK's bytes for every GBK character and also encodes the rest (e.g. U+00A0).
        "gbk": seed_text.encode("gb18030"),
        "utf16": seed_text.encode("utf-16"),  # BOM + little-endian
        "utf16be": b"\xfe\xff" + seed_text.encode("utf-16-be"),
        "utf16le_nobom": seed_text.encode("utf-16-le"),
        "crlf": seed_text.replace("\n", "\r\n").encode("utf-8"),
        "good_html": report_html(seed_text).encode("utf-8"),
        "good_docx": report_docx(seed_text),
        "empty": b"",
        "whitespace": b" \n\t\n\xe3\x80\x80\n",
        "random": random.Random(20240601).randbytes(64 * 1024),
        "pdf_as_txt": b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n",
        "html_scripts": _SCRIPT_PAGE.encode("utf-8"),
        "doc_as_docx": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504),
    }
    docx_bytes = data["good_docx"]
    data["truncated_docx"] = docx_bytes[: len(docx_bytes) // 2]
    paths = {}
    for name, payload in data.items():
        paths[name] = directory / f"{name}{_SUFFIX.get(name, '.txt')}"
        paths[name].write_bytes(payload)
    if huge_bytes:
        paths["huge"] = directory / "huge.txt"
        _write_repeated(paths["huge"], seed_text.encode("utf-8"), huge_bytes)
    return paths


def _write_repeated(path: Path, chunk: bytes, size: int) -> None:
    block = chunk * max(1, (1 << 20) // max(len(chunk), 1))
    with path.open("wb") as f:
        written = 0
        while written < size:
            written += f.write(block[: size - written])


def table_blocks(text: str) -> list[str | list[list[str]]]:
    """The non-blank lines of a text, runs of tab-separated lines grouped as tables (rows of cells)."""
    blocks: list[str | list[list[str]]] = []
    for line in text.split("\n"):
        if "\t" in line:
            if not blocks or isinstance(blocks[-1], str):
                blocks.append([])
            blocks[-1].append(line.split("\t"))
        elif line.strip():
            blocks.append(line.strip())
    return blocks


def report_html(text: str) -> str:
    """The text as a web page: <p> per line, tab lines as table rows, plus scripts and styles."""
    parts = []
    for block in table_blocks(text):
        if isinstance(block, str):
            parts.append(f"<p>{html.escape(block)}</p>")
        else:
            rows = ("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in block)
            parts.append("<table>\n" + "\n".join(rows) + "\n</table>")
        if len(parts) == 3:
            parts.append('<script>trackPageView("report");</script><style>p { font-family: serif; }</style>')
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>年度报告</title>"
        "<style>body { font-family: sans-serif; }</style></head><body>\n"
        + "\n".join(parts)
        + "\n</body></html>"
    )


def report_docx(text: str) -> bytes:
    """The text as a .docx: a paragraph per line, tab lines as tables (ragged rows padded)."""
    import docx

    document = docx.Document()
    for block in table_blocks(text):
        if isinstance(block, str):
            document.add_paragraph(block)
            continue
        width = max(len(row) for row in block)
        table = document.add_table(rows=len(block), cols=width)
        for row, texts in zip(table.rows, block, strict=True):
            for cell, cell_text in zip(row.cells, texts, strict=False):  # row.cells: once per row
                cell.text = cell_text
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


_SCRIPT_PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>加载中</title>
<style>#app { font-family: sans-serif; }</style>
<script src="/static/js/app.3f9c.js"></script>
<script>window.__REPORT_STATE__ = {"title": "政府信息公开工作年度报告", "rows": [1, 2, 3]};</script>
</head>
<body>
<noscript>请开启浏览器的JavaScript功能后访问本页</noscript>
<div id="app"></div>
<script>trackPageView("annual-report"); document.getElementById("app").innerText = "年度报告";</script>
</body></html>
"""
