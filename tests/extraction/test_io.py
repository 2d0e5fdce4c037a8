"""Reading inputs: encodings, HTML and .docx text, input discovery, the example reports."""

from __future__ import annotations

import importlib.util
import statistics
import sys
import time
from pathlib import Path

import docx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from extraction.io import Document, ReadError, decode_bytes, html_to_text, iter_inputs, read_document

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT / ".." / "shared"
EXAMPLES = ROOT / "examples"
INVENTED = EXAMPLES / "tunxi_agriculture_2020.txt"  # invented report with tab tables


def _load_examples():
    spec = importlib.util.spec_from_file_location("make_examples", EXAMPLES / "make_examples.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("make_examples", module)
    spec.loader.exec_module(module)
    return module


mk = _load_examples()
REPORTS = sys.modules["example_reports"].REPORTS


def _texts() -> list:
    texts = [pytest.param(INVENTED.read_text(encoding="utf-8"), id="invented")]
    for seed in sorted((SHARED / "seeds").glob("*.txt")):
        texts.append(pytest.param(seed.read_text(encoding="utf-8"), id=seed.stem[:3]))
    return texts


ENCODINGS = [
    ("utf-8", b"", "utf-8"),
    ("utf-8", b"\xef\xbb\xbf", "utf-8-sig"),
    ("gbk", b"", "gb18030"),
    ("gb18030", b"", "gb18030"),
    ("gb18030", "\ufeff".encode("gb18030"), "gb18030"),
    ("utf-16-le", b"\xff\xfe", "utf-16"),
    ("utf-16-be", b"\xfe\xff", "utf-16"),
    ("utf-16-le", b"", "utf-16-le"),
    ("utf-16-be", b"", "utf-16-be"),
]


@pytest.mark.parametrize("text", _texts())
@pytest.mark.parametrize(
    ("codec", "bom", "label"), ENCODINGS, ids=[f"{c}{'+bom' * bool(b)}" for c, b, _ in ENCODINGS]
)
def test_io_encoded_copies_read_identically(
    tmp_path: Path, text: str, codec: str, bom: bytes, label: str
) -> None:
    try:
        data = bom + text.encode(codec)
    except UnicodeEncodeError:
        pytest.skip(f"text has characters {codec} cannot encode")
    path = tmp_path / "r.txt"
    path.write_bytes(data)
    doc = read_document(path)
    assert doc == Document(str(path), text, label, "text")


def _corpus() -> list[Path]:
    return sorted((SHARED / "corpus").glob("*.txt"))


@pytest.mark.skipif(not _corpus(), reason="../shared/corpus is missing")
def test_io_corpus_reads_back_in_every_encoding() -> None:
    """Every corpus text (simplified and traditional) decodes the same from each encoding it fits."""
    wrong = []
    for path in _corpus():
        text = path.read_text(encoding="utf-8")
        for codec in ("utf-8", "gb18030", "utf-16", "utf-16-le", "utf-16-be", "cp950", "big5hkscs"):
            try:
                data = text.encode(codec)
            except UnicodeEncodeError:
                continue
            if codec == "big5hkscs" and _fits(data, "cp950"):
                continue  # the two Big5 variants read some shared bytes differently (e.g. a bullet)
            got, _ = decode_bytes(data)
            if got != data.decode(codec).lstrip("\ufeff"):
                wrong.append((path.name, codec))
    assert wrong == []


def _fits(data: bytes, codec: str) -> bool:
    try:
        data.decode(codec)
    except UnicodeDecodeError:
        return False
    return True


_CHARS = st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\ufeff") | st.sampled_from(
    "\t\n"
)


@settings(max_examples=150, deadline=None)
@given(
    body=st.text(_CHARS, max_size=200),
    codec=st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-16-be-bom"]),
)
def test_io_any_text_round_trips(body: str, codec: str) -> None:
    text = "政府信息公开工作年度报告\n" + body
    data = b"\xfe\xff" + text.encode("utf-16-be") if codec == "utf-16-be-bom" else text.encode(codec)
    got, encoding = decode_bytes(data)
    assert got == text
    assert encoding == {"utf-16-be-bom": "utf-16"}.get(codec, codec)


@pytest.mark.parametrize(
    ("raw", "text"), [(b"a\r\nb\r\n", "a\nb\n"), (b"a\rb", "a\nb"), (b"a\n\rb", "a\n\nb")]
)
def test_io_newlines_read_as_python_text_mode(raw: bytes, text: str) -> None:
    assert decode_bytes(raw + "。".encode())[0] == text + "。"


def test_io_damaged_utf8_is_read_with_a_warning(tmp_path: Path) -> None:
    data = bytearray(INVENTED.read_bytes())
    data[200] = 0xFF
    (tmp_path / "d.txt").write_bytes(bytes(data))
    doc = read_document(tmp_path / "d.txt")
    assert doc.encoding == "utf-8" and "\ufffd" in doc.text and doc.warnings


def test_io_bom_that_lies_is_undecodable(tmp_path: Path) -> None:
    path = tmp_path / "bom.txt"
    path.write_bytes(b"\xef\xbb\xbf" + "政府信息公开工作年度报告".encode("gbk"))
    with pytest.raises(
        ReadError, match=r"^\[R004\] .*bom\.txt: cannot decode \(utf-8-sig with a BOM but invalid"
    ):
        read_document(path)


def test_io_big5_text_is_not_taken_for_gbk() -> None:
    text = "本機關依據《政府資訊公開條例》辦理，全年收到申請二十三件，均已依法答覆並於網站公開。" * 2
    got, encoding = decode_bytes(text.encode("cp950"))
    assert (got, encoding) == (text, "cp950")


# --- HTML -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("markup", "expected"),
    [
        ("<p>一、总体情况</p><p>正文&nbsp;&amp;&lt;b&gt;</p>", "一、总体情况\n正文\xa0&<b>"),
        ("<div>甲<br>乙<br/>丙</div>", "甲\n乙\n丙"),
        ("<p>a\n  b</p>\n\n<p>  c </p>", "a b\nc"),
        ("<head><title>T</title><style>p{}</style></head><body><p>x</p><script>var y='<p>z</p>';</script>", "x"),
        ("<head><script>s()</script><body><p>x</p>", "x"),  # an unclosed <head> ends at <body>
        ("<pre>a  b\nc</pre>", "a  b\nc"),
        ("<p>x</p><!-- <p>comment</p> --><noscript>开启JS</noscript>", "x"),
        ("<table><tr><td> a \n b </td><td><p>c</p><p>d</p></td></tr><tr><th>e</th><td>&nbsp;</td></tr></table>",
         "a b\tc d\ne\t"),
        ("<table><tr><td colspan='2'>h</td><td>t</td></tr><tr><td>1</td><td>2</td><td>3</td></tr></table>",
         "h\t\tt\n1\t2\t3"),
        ("<table><tr><td rowspan=3>g</td><td>a</td><td>1</td></tr><tr><td>b</td><td>2</td></tr>"
         "<tr><td>c</td><td>3</td></tr><tr><td>n</td><td>x</td><td>4</td></tr></table>",
         "g\ta\t1\n\tb\t2\n\tc\t3\nn\tx\t4"),
        ("<table><tr><td>x</td><td rowspan=2>y</td></tr><tr><td>z</td></tr></table>", "x\ty\nz\t"),
        ("<table><tr><td>o</td><td><table><tr><td>i1</td><td>i2</td></tr></table></td></tr></table><p>after</p>",
         "o\ti1 i2\nafter"),
        ("<table><caption>表1</caption><tr><td>a<td>b<tr><td>c<td>d</table>", "表1\na\tb\nc\td"),
    ],
    ids=["entities", "br", "whitespace", "script", "unclosed-head", "pre", "comment", "cells", "colspan",
         "rowspan", "rowspan-last", "nested", "unclosed-cells"],
)  # fmt: skip
def test_io_html_to_text(markup: str, expected: str) -> None:
    assert html_to_text(markup) == expected


def test_io_html_file_records_encoding_and_kind(tmp_path: Path) -> None:
    path = tmp_path / "p.htm"
    path.write_bytes("<html><body><p>年度报告</p></body></html>".encode("gb18030"))
    assert read_document(path) == Document(str(path), "年度报告", "html:gb18030", "html")


def test_io_html_saved_as_txt_is_read_as_html(tmp_path: Path) -> None:
    path = tmp_path / "page.txt"
    path.write_text(
        "<!DOCTYPE html>\n<html><body><p>年度报告</p><script>x()</script></body></html>", encoding="utf-8"
    )
    assert (read_document(path).kind, read_document(path).text) == ("html", "年度报告")


# --- DOCX -------------------------------------------------------------------------------


def _docx(tmp_path: Path, build) -> Path:
    document = docx.Document()
    build(document)
    path = tmp_path / "d.docx"
    document.save(str(path))
    return path


def test_io_docx_keeps_document_order_and_merged_cells_once(tmp_path: Path) -> None:
    def build(d) -> None:
        d.add_paragraph("一、总体情况")
        t = d.add_table(rows=3, cols=4)
        t.cell(0, 0).merge(t.cell(1, 0)).text = "三、本年度办理结果"  # vertical merge
        t.cell(0, 1).merge(t.cell(0, 2)).text = "（一）予以公开"  # horizontal merge
        t.cell(0, 3).text = "1"
        t.cell(1, 1).text, t.cell(1, 2).text, t.cell(1, 3).text = "a", "b\nc", "2"
        t.cell(2, 0).merge(t.cell(2, 3)).text = "合计"
        d.add_paragraph("  二、主动公开  ")

    expected = "一、总体情况\n三、本年度办理结果\t（一）予以公开\t\t1\n\ta\tb c\t2\n合计\t\t\t\n二、主动公开"
    assert read_document(_docx(tmp_path, build)) == Document(
        str(tmp_path / "d.docx"), expected, "docx", "docx"
    )


def test_io_docx_ignores_text_left_in_vertically_merged_cells(tmp_path: Path) -> None:
    """Word shows only the first cell of a vertical merge; text left in the others is not read."""

    def build(d) -> None:
        t = d.add_table(rows=2, cols=2)
        t.cell(0, 0).merge(t.cell(1, 0)).text = "合并"
        t.cell(0, 1).text, t.cell(1, 1).text = "1", "2"
        continuation = t.rows[1]._tr.tc_lst[0]
        continuation.add_p().add_r().text = "残留"

    assert read_document(_docx(tmp_path, build)).text == "合并\t1\n\t2"


def test_io_docx_nested_table_is_flattened_into_its_cell(tmp_path: Path) -> None:
    def build(d) -> None:
        t = d.add_table(rows=1, cols=2)
        t.cell(0, 0).text = "外"
        inner = t.cell(0, 1).add_table(rows=1, cols=2)
        inner.cell(0, 0).text, inner.cell(0, 1).text = "内1", "内2"

    assert read_document(_docx(tmp_path, build)).text == "外\t内1 内2"


def test_io_docx_without_text_is_empty(tmp_path: Path) -> None:
    with pytest.raises(ReadError) as err:
        read_document(_docx(tmp_path, lambda d: d.add_paragraph("   ")))
    assert err.value.code == "R001"


# --- finding inputs ---------------------------------------------------------------------


def _tree(root: Path, names: list[str]) -> None:
    for name in names:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text("年度报告", encoding="utf-8")


def test_io_iter_inputs_recursive_sorted_and_skips_unsupported(tmp_path: Path) -> None:
    _tree(tmp_path, ["b.txt", "a/z.HTML", "a/c.docx", "a/b/x.md", "c.pdf", "a/~$c.docx", ".git/h.txt", "a/.d.txt",
                     "d.htm", "notes", "a/README.md"])  # fmt: skip
    skipped: list[Path] = []
    found = [p.relative_to(tmp_path).as_posix() for p in iter_inputs([tmp_path], skipped)]
    assert found == ["a/b/x.md", "a/c.docx", "a/z.HTML", "b.txt", "d.htm"]
    assert sorted(p.name for p in skipped) == ["README.md", "c.pdf", "notes", "~$c.docx"]


def test_io_iter_inputs_keeps_argument_order_without_duplicates(tmp_path: Path) -> None:
    _tree(tmp_path, ["d/1.txt", "d/2.txt", "z.txt"])
    found = list(iter_inputs([tmp_path / "z.txt", str(tmp_path / "d"), tmp_path / "d" / "1.txt"]))
    assert found == [tmp_path / "z.txt", tmp_path / "d" / "1.txt", tmp_path / "d" / "2.txt"]
    assert list(iter_inputs(str(tmp_path / "d"))) == [tmp_path / "d" / "1.txt", tmp_path / "d" / "2.txt"]


@pytest.mark.parametrize(("name", "code"), [("report.pdf", "R007"), ("missing.txt", "R008")])
def test_io_iter_inputs_rejects_bad_arguments_before_yielding(tmp_path: Path, name: str, code: str) -> None:
    _tree(tmp_path, ["ok.txt", "report.pdf"])
    inputs = iter_inputs([tmp_path / "ok.txt", tmp_path / name])
    with pytest.raises(ReadError) as err:
        next(inputs)
    assert err.value.code == code and name in str(err.value)


# --- speed ------------------------------------------------------------------------------


def test_io_reads_a_report_in_well_under_a_millisecond(tmp_path: Path) -> None:
    text = INVENTED.read_text(encoding="utf-8") * 3
    path = tmp_path / "r.txt"
    path.write_text(text[: len(text) * 9_000 // len(text.encode("utf-8"))], encoding="utf-8")
    assert 8_000 <= path.stat().st_size <= 10_000
    times = []
    for _ in range(200):
        start = time.perf_counter()
        read_document(path)
        times.append(time.perf_counter() - start)
    assert statistics.median(times) < 0.001


# --- the bundled examples ---------------------------------------------------------------


@pytest.mark.parametrize("report", REPORTS, ids=lambda r: r.file)
def test_io_examples_are_current_and_readable(tmp_path: Path, report) -> None:
    doc = read_document(EXAMPLES / report.file)
    rebuilt = read_document(mk.write(report, tmp_path))
    assert doc.text == rebuilt.text
    assert doc.kind == {".txt": "text", ".html": "html", ".docx": "docx"}[Path(report.file).suffix]
    assert sum(line.startswith(n + "、") for line in doc.text.splitlines() for n in "一二三四五六") >= 6


@pytest.mark.parametrize("report", REPORTS, ids=lambda r: r.file)
def test_io_html_and_docx_renderings_read_as_the_text_rendering(tmp_path: Path, report) -> None:
    """The same report as .html (colspan/rowspan) and .docx (merged cells) reads to the .txt lines."""
    lines = [line for line in mk.render_txt(report).splitlines() if line]
    (tmp_path / "r.html").write_text(mk.render_html(report, page=False), encoding="utf-8")
    mk.render_docx(report, tmp_path / "r.docx")
    assert read_document(tmp_path / "r.html").text.splitlines() == lines
    assert read_document(tmp_path / "r.docx").text.splitlines() == lines


@pytest.mark.parametrize("report", REPORTS, ids=lambda r: r.file)
def test_io_examples_satisfy_the_template_identities(report) -> None:
    rows = mk.request_values(report.version, report.requests, report.zeros)
    results = [k for _, _, keys in mk.RESULT_GROUPS[report.version] for k in keys]
    n = {k: [v or 0 for v in cells] for k, cells in rows.items()}
    for c in range(7):
        assert n["new"][c] + n["carried_over"][c] == n["results_total"][c] + n["carried_forward"][c]
        assert n["results_total"][c] == sum(n[k][c] for k in results)
    for cells in n.values():
        assert cells[6] == sum(cells[:6])
    appeals = mk.appeals_grid(report.appeals)[-1]
    values = [int(c.text) for c in appeals]
    for g in range(3):
        assert values[g * 5 + 4] == sum(values[g * 5 : g * 5 + 4])


def test_io_read_error_is_one_line_naming_file_and_code() -> None:
    err = ReadError("R004", "dir/a\nb.txt", "cannot decode (x\ny)", "re-save it")
    assert str(err) == "[R004] dir/a b.txt: cannot decode (x y); re-save it"
    assert err.to_json() == {"source": "dir/a\nb.txt", "code": "R004", "error": str(err)}
