"""The table reader: every rendering, both template versions, blanks, signs, units, damage.

Fixture tables are invented (agency 青山县示例局, random numbers that keep the template
identities) and rendered by tests/rerender.py in each layout the reader must handle; the seeds
are read against ../shared/gold, also after tests/rerender.py has damaged them.
"""

from __future__ import annotations

import json
import random
import re
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from extraction.normalize import normalize
from extraction.schema import APPLICANT_COLS
from extraction.tables import detect_table_version, extract_tables
from extraction.tables_cells import parse_cell_number
from tests.rerender import (
    KINDS,
    RENDER_STYLES,
    apply_edits,
    random_tables,
    render_report,
    rerender,
    table_grid,
)


def _assert_tables(got, want: dict) -> None:
    for table, cells in want.items():
        assert got.cells[table], f"{table} not found"
        for key, val in cells.items():
            c = got.cells[table][key]
            assert c.value == val, f"{table}.{key}: got {c.value!r} ({c.note}), want {val!r}"


@pytest.mark.parametrize("version", ["2019", "2021"])
@pytest.mark.parametrize("style", [s for s in RENDER_STYLES if s not in ("lines", "mixed")])
@settings(max_examples=8, deadline=None)
@given(seed=st.integers(0, 10**6))
def test_tables_read_renderings_that_place_blanks(style: str, version: str, seed: int) -> None:
    # Blank cells are shown (grids, pipes, one cell a line) or placed by column x positions
    # under the headers (space-aligned).
    rng = random.Random(seed)
    want = random_tables(rng, version, blanks=True)
    text = render_report(table_grid(want, version, rng), style)
    got = extract_tables(normalize(text))
    assert got.version == version == got.version_evidence
    _assert_tables(got, want)


@pytest.mark.parametrize("version", ["2019", "2021"])
@pytest.mark.parametrize("style", ["lines", "mixed"])
@settings(max_examples=8, deadline=None)
@given(seed=st.integers(0, 10**6))
def test_tables_read_renderings_that_hide_blanks(style: str, version: str, seed: int) -> None:
    # Blank cells leave no trace (cells separated by blank lines), so the tables are filled.
    rng = random.Random(seed)
    want = random_tables(rng, version, blanks=False)
    got = extract_tables(normalize(render_report(table_grid(want, version, rng), style)))
    _assert_tables(got, want)


def test_tables_offsets_point_at_the_numbers() -> None:
    rng = random.Random(7)
    want = random_tables(rng, "2019", blanks=True)
    text = render_report(table_grid(want, "2019", rng), "pipes")
    got = extract_tables(normalize(text))
    for table, cells in got.cells.items():
        s, e = got.regions[table]
        for c in cells.values():
            if c.value is None:
                assert c.start is None and c.end is None
                continue
            assert s <= c.start < c.end <= e
            parsed = parse_cell_number(text[c.start : c.end])
            assert parsed is not None and parsed[0] == c.value, (c.key, text[c.start : c.end])
            assert text[c.start : c.end] in c.raw


# --- hand-written renderings ----------------------------------------------------------------

PIPE_STREAM_2019 = "二、主动公开政府信息情况\n| 第二十条第(一)项\n|\n|||\n| 信息内容\n|\n本年新 |\n本年新 |\n对外公开总数量\n|\n| 规章\n|\n3\n|\n0\n|\n12\n|\n| 规范性文件\n|\n1\n|\n1\n|\n9\n|\n| 第二十条第(五)项\n|\n|||\n| 信息内容\n|\n上一年项目数量\n|\n本年增/减\n|\n处理决定数量\n|\n| 行政许可\n|\n4\n|\n-1\n|\n56\n|\n"  # fmt: skip
CELLINES_2021 = "\t第二十条第（一）项\n\n\t信息内容\n\t本年制发件数\n\t本年废止件数\n\t现行有效件数\n\n\t规章\n\t0\n\t\n\t2\n\n\t行政规范性文件\n\t5\n\t1\n\t33\n\n\t第二十条第（五）项\n\n\t信息内容\n\t本年处理决定数量\n\n\t行政许可\n\t67\n\n\t第二十条第（八）项\n\n\t信息内容\n\t本年收费金额（单位：万元）\n\n\t行政事业性收费\n\t12.5\n"  # fmt: skip
WIDE_LABEL_AREA = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和） |  |  | 申请人情况 |  |  |  |  |  |  |\n |  |  | 自然人 | 法人或其他组织 |  |  |  |  | 总计 |\n |  |  |  | 商业企业 | 科研机构 | 社会公益组织 | 法律服务机构 | 其他 |  |\n一、本年新收政府信息公开申请数量 |  |  | 3 |  |  |  |  |  | 3 |\n二、上年结转政府信息公开申请数量 |  |  | 0 |  |  |  |  |  |  |\n三、本年度办理结果 | (一)予以公开 |  | 3 |  |  |  |  |  | 3 |\n"  # fmt: skip
SPACED_APPEALS = "四、政府信息公开行政复议、行政诉讼情况\n行政复议\t\t\t\t\t行政诉讼\n结果 维持\t结果 纠正\t其他 结果\t尚 未 审 结\t总 计\t未经复议直接起诉\t\t\t\t\t复议后起诉\n\t\t\t\t\t结果 维持\t结果 纠正\t其他 结果\t尚 未 审 结\t总 计\t结果 维持\t结果 纠正\t其他 结果\t尚 未 审 结\t总 计\t\t\t\n\t\t\t\t\t2\t1\t\t\t3\t\t\t\t\t\t\t\t\n"  # fmt: skip


@pytest.mark.parametrize(
    ("text", "table", "expected"),
    [
        (
            PIPE_STREAM_2019,
            "active",
            {
                "regulations.made": 3,
                "regulations.total": 12,
                "normative_documents.total": 9,
                "licensing.change": -1,
                "licensing.decisions": 56,
            },
        ),
        (
            CELLINES_2021,
            "active",
            {
                "regulations.repealed": None,
                "regulations.in_force": 2,
                "normative_documents.in_force": 33,
                "licensing.decisions": 67,
                "fees.amount": 12.5,
            },
        ),
        (
            WIDE_LABEL_AREA,  # a label area three cells wide: its empty cells are no data
            "requests",
            {
                "new.natural_person": 3,
                "new.total": 3,
                "carried_over.natural_person": 0,
                "carried_over.research": None,
                "granted.natural_person": 3,
            },
        ),
        (
            SPACED_APPEALS,
            "appeals",
            {
                "review.upheld": None,
                "litigation_direct.upheld": 2,
                "litigation_direct.corrected": 1,
                "litigation_direct.other": None,
                "litigation_direct.total": 3,
            },
        ),
    ],
)
def test_tables_read_hand_written_renderings(text: str, table: str, expected: dict) -> None:
    got = extract_tables(normalize(text), version="2021" if "制发" in text else "2019")
    for key, val in expected.items():
        assert got.cells[table][key].value == val, key


def test_tables_columns_place_space_aligned_blanks() -> None:
    # Space-aligned rows show no blank cells: `3 ... 3` is placed under the columns of the
    # complete rows; nothing is made up for the cells between.
    head = "三、收到和处理政府信息公开申请情况\n"
    rows = [("一、本年新收政府信息公开申请数量", "5      0      0      0      0      0      5"),
            ("二、上年结转政府信息公开申请数量", "3                                         3"),
            ("三、本年度办理结果    （一）予以公开", "7      0      0      0      0      0      7"),
            ("四、结转下年度继续办理", "1      0      0      0      0      0      1")]  # fmt: skip
    text = head + "".join(f"{label}      {vals}\n" for label, vals in rows)
    got = extract_tables(normalize(text), version="2019")
    req = got.cells["requests"]
    assert req["carried_over.natural_person"].value == 3
    assert req["carried_over.total"].value == 3
    assert [req[f"carried_over.{c}"].value for c in APPLICANT_COLS[1:]] == [None] * 5
    assert req["results_total.total"].value is None and req["results_total.total"].note == "row not found"


@pytest.mark.parametrize(
    ("text", "table", "expected"),
    [
        # One cell a line, blank cells not shown: `3`, `3` fits 总计 = sum only as applicant + 总计.
        ("一、本年新收政府信息公开申请数量\n\n3\n\n3\n\n二、上年结转政府信息公开申请数量\n\n0\n\n（七）总计\n\n3\n\n3\n",
         "requests", {"new.natural_person": 3, "new.commercial": None, "new.total": 3}),
        # Pipes written one cell a line collapse empty cells to the row end (`|||||`).
        ("一、本年新收政府信息公开申请数量 |\n4 |\n4 |\n|||||||\n二、上年结转政府信息公开申请数量 |\n0 |\n|||||||\n（七）总计 |\n4 |\n4 |\n|||||||\n",
         "requests", {"new.natural_person": 4, "new.commercial": None, "new.total": 4}),
        # Appeals data without blank cells: 2, 2, 4 only fits a group as 维持 + 纠正 = 总计.
        ("行政复议\n\n行政诉讼\n\n结果维持\n\n结果纠正\n\n其他结果\n\n尚未审结\n\n总计\n\n2\n\n2\n\n4\n",
         "appeals", {"review.upheld": 2, "review.corrected": 2, "review.other": None, "review.total": 4}),
    ],
)  # fmt: skip
def test_tables_identity_places_invisible_blanks(text: str, table: str, expected: dict) -> None:
    got = extract_tables(normalize(text), version="2019")
    cells = got.cells[table]
    for key, val in expected.items():
        assert cells[key].value == val, key
    assert all(c.score < 1.0 for k, c in cells.items() if k in expected)
    assert any("identit" in note for note in got.notes)


def test_tables_identity_places_blanks_of_a_padded_grid() -> None:
    # A tab grid with one cell too many (seed 001 style): 1, six empties, 1.
    text = "一、本年新收政府信息公开申请数量\t1\t\t\t\t\t\t1\n二、上年结转政府信息公开申请数量\t1\t\t\t\t\t\t\t1\t\n（七）总计\t1\t\t\t\t\t\t\t1\n"  # fmt: skip
    got = extract_tables(normalize(text), version="2019")
    for row in ("new", "carried_over", "results_total"):
        assert got.cells["requests"][f"{row}.natural_person"].value == 1
        assert got.cells["requests"][f"{row}.total"].value == 1
        assert got.cells["requests"][f"{row}.commercial"].value is None


@pytest.mark.parametrize(
    ("cell", "value", "note"),
    [
        ("减 17", -17, None),
        ("减17", -17, None),
        ("-17", -17, None),
        ("−3", -3, None),
        ("增1", 1, None),
        ("+19", 19, None),
        ("10709.63 万元", 10709.63, None),
        ("348.47万", 348.47, None),
        ("3414.41（万元）", 3414.41, None),
        ("1,084,887", 1084887, None),
        ("1O5", 105, "repaired O->0"),
        ("l2", 12, "repaired l->1"),
        ("〇", 0, "repaired 〇->0"),
        ("l", 1, "repaired l->1"),
    ],
)
def test_tables_parse_cell_number_signed_units_repairs(cell: str, value: float, note: str | None) -> None:
    parsed = parse_cell_number(normalize(cell).text)
    assert parsed is not None
    assert parsed[0] == value
    assert parsed[3] == note


@pytest.mark.parametrize("cell", ["1.", "3、", "2019年", "12,34", "O型", "", "第二十条", "ll", "IO"])
def test_tables_parse_cell_number_rejects_non_numbers(cell: str) -> None:
    assert parse_cell_number(cell) is None


def test_tables_read_other_version_by_column_headers() -> None:
    # A 2019 layout read with the 2021 keys: 本年处理决定数量 is the cell under 处理决定数量.
    text = "第二十条第（五）项\t\t\t\n信息内容\t上一年项目数量\t本年增/减\t处理决定数量\n行政许可\t31\t-2\t4406\n第二十条第（六）项\t\t\t\n信息内容\t上一年项目数量\t本年增/减\t处理决定数量\n行政处罚\t12\t0\t977\n行政强制\t3\t1\t25\n"  # fmt: skip
    got = extract_tables(normalize(text), version="2021")
    active = got.cells["active"]
    assert [active[f"{r}.decisions"].value for r in ("licensing", "penalty", "coercion")] == [4406, 977, 25]
    assert active["licensing.decisions"].note == "read by the column headers"
    assert got.version_evidence == "2019" and got.version == "2021"
    assert any("point to 2019" in n for n in got.notes)


@pytest.mark.parametrize(
    ("label", "row"),
    [
        ("一、本年新收政府信息公开申请数最", "new"),  # confusable
        ("二、上年结转政府信息公开申请", "carried_over"),  # dropped characters
        ("（一）予以以公开", "granted"),  # doubled
        ("4.保护第三方 合法权益", "withheld_third_party"),  # spaced
        ("3.危及“三安全一稳定", "withheld_security"),  # lost quote
    ],
)
def test_tables_rows_tolerate_label_noise(label: str, row: str) -> None:
    rng = random.Random(3)
    want = random_tables(rng, "2019", blanks=False)
    text = render_report(table_grid(want, "2019", rng), "tabs")
    clean = {"new": "一、本年新收政府信息公开申请数量", "carried_over": "二、上年结转政府信息公开申请数量", "granted": "（一）予以公开", "withheld_third_party": "4.保护第三方合法权益", "withheld_security": "3.危及“三安全一稳定”"}[row]  # fmt: skip
    got = extract_tables(normalize(text.replace(clean, label, 1)))
    for c in ("natural_person", "total"):
        assert got.cells["requests"][f"{row}.{c}"].value == want["requests"][f"{row}.{c}"]


def test_tables_unreadable_label_row_placed_by_order() -> None:
    text = "规章\t1\t2\t3\n规范性文件\t4\t5\t6\n信息内容\t上一年项目数量\t本年增/减\t处理决定数量\n#@\t7\t0\t80\n其他对外管理服务事项\t9\t-1\t10\n"  # fmt: skip
    got = extract_tables(normalize(text), version="2019")
    lic = got.cells["active"]["licensing.decisions"]
    assert lic.value == 80 and lic.score <= 0.6
    assert any("placed by order" in n for n in got.notes)


def test_tables_repaired_digit_lowers_score() -> None:
    text = "规章\t1O\t0\t3\n规范性文件\t2\t2\t5\n"
    got = extract_tables(normalize(text), version="2019")
    c = got.cells["active"]["regulations.made"]
    assert c.value == 10 and c.score < 1.0 and "O->0" in (c.note or "")
    assert got.cells["active"]["normative_documents.made"].score == 1.0


@pytest.mark.parametrize(
    ("text", "version"),
    [
        ("信息内容\t本年制发件数\t本年废止件数\t现行有效件数", "2021"),
        ("1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请", "2021"),
        ("信息内容\t本年新制作数量\t本年新公开数量\t对外公开总数量", "2019"),
        ("信息内容 | 上一年项目数量 | 本年增/减 | 处理决定数量", "2019"),
        ("本报告由总体情况等六部分组成。", None),
    ],
)
def test_tables_detect_version_from_labels(text: str, version: str | None) -> None:
    assert detect_table_version(normalize(text)) == version


def test_tables_no_tables_in_prose() -> None:
    text = "一、总体情况\n本年度共收到政府信息公开申请3件，予以公开2件，行政许可办理56件，均按时答复。\n"
    got = extract_tables(normalize(text))
    assert got.cells == {"active": {}, "requests": {}, "appeals": {}}
    assert got.regions == {}


# --- seeds against gold -------------------------------------------------------------------


def _seeds(shared) -> list[tuple[str, str, dict]]:
    out = []
    for path in sorted((shared / "seeds").glob("*.txt")):
        gold = json.loads((shared / "gold" / f"{path.stem}.json").read_text(encoding="utf-8"))
        out.append((path.stem, path.read_text(encoding="utf-8"), gold))
    if not out:
        pytest.skip("no seeds in ../shared/seeds")
    return out


def _score(text: str, gold: dict) -> tuple[int, int, int]:
    got = extract_tables(normalize(text))
    total = loose = strict = 0
    for table, cells in gold["tables"].items():
        for key, want in cells.items():
            c = got.cells.get(table, {}).get(key)
            total += 1
            if c is not None and (c.value or 0) == (want or 0):
                loose += 1
            if c is not None and c.value == want:
                strict += 1
    return total, loose, strict


def test_tables_seeds_match_gold(shared) -> None:
    total = loose = strict = 0
    for _, text, gold in _seeds(shared):
        n, lo, st_ = _score(text, gold)
        total, loose, strict = total + n, loose + lo, strict + st_
    assert loose == total, f"blank≡0: {loose}/{total}"
    assert strict / total >= 0.995, f"strict: {strict}/{total}"


@pytest.mark.parametrize("kind", KINDS)
def test_tables_rerendered_seeds_match_gold(shared, kind: str) -> None:
    total = loose = 0
    for _, text, gold in _seeds(shared):
        new_text, new_gold = rerender(text, gold, kind)
        n, lo, _ = _score(new_text, new_gold)
        total, loose = total + n, loose + lo
    assert loose / total >= 0.98, f"{kind}: {loose}/{total}"


def test_tables_speed_on_seeds(shared) -> None:
    norms = [normalize(text) for _, text, _ in _seeds(shared)]
    for norm in norms:
        extract_tables(norm)
    t0 = time.process_time()
    for _ in range(5):
        for norm in norms:
            extract_tables(norm)
    per_report = (time.process_time() - t0) / (5 * len(norms))
    # ~2 ms on a quiet core; the bound leaves room for a loaded CI machine.
    assert per_report < 0.02, f"{per_report * 1000:.1f} ms per report"


# --- tests/rerender.py --------------------------------------------------------------------

_ENTITY_TEXT = st.text(
    alphabet=st.sampled_from(list("政府公安局市县2019年0123456789万元条")), min_size=1, max_size=8
)
_FILLER = st.text(alphabet=st.sampled_from(list("报告信息\t\n 一二三。，|0123456789")), max_size=12)


@st.composite
def _doc(draw) -> tuple[str, dict]:
    parts: list[str] = [draw(st.sampled_from(["某某局政府信息公开工作年度报告\n", "", "一、总体情况\n"]))]
    entities = []
    for _ in range(draw(st.integers(0, 6))):
        parts.append(draw(_FILLER))
        ent = draw(_ENTITY_TEXT)
        start = sum(len(p) for p in parts)
        parts.append(ent)
        entities.append(
            {"label": "COUNT", "start": start, "end": start + len(ent), "text": ent, "value": None}
        )
    parts.append(draw(_FILLER))
    text = "".join(parts) + ("\n" * 3 + "一\t二\n") * draw(st.integers(0, 3))
    return text, {"agency": "某某局", "tables": {}, "entities": entities}


def _alone(text: str, kind: str) -> str:
    """An entity's own text after the transformation (entities hold no tab or newline)."""
    if kind == "fullwidth_digits":
        return re.sub(r"[0-9]", lambda m: chr(ord(m.group()) + 0xFEE0), text)
    if kind == "spaced_chars":
        return re.sub(r"(?<=[\u4e00-\u9fff])(?=[\u4e00-\u9fff])", " ", text)
    return text


@pytest.mark.parametrize("kind", [k for k in KINDS if k != "all"])
@settings(max_examples=60, deadline=None)
@given(doc=_doc())
def test_rerender_offsets_stay_exact(kind: str, doc: tuple[str, dict]) -> None:
    text, gold = doc
    new_text, new_gold = rerender(text, gold, kind)
    assert len(new_gold["entities"]) == len(gold["entities"])
    for old, new in zip(gold["entities"], new_gold["entities"], strict=True):
        assert new_text[new["start"] : new["end"]] == new["text"] == _alone(old["text"], kind)


@settings(max_examples=40, deadline=None)
@given(doc=_doc())
def test_rerender_all_keeps_every_entity(doc: tuple[str, dict]) -> None:
    text, gold = doc
    new_text, new_gold = rerender(text, gold, "all")
    assert [e["label"] for e in new_gold["entities"]] == [e["label"] for e in gold["entities"]]
    for old, e in zip(gold["entities"], new_gold["entities"], strict=True):
        assert new_text[e["start"] : e["end"]] == e["text"]
        # Normalization undoes what `all` does inside an entity (full-width digits, spacing).
        assert normalize(e["text"]).text == normalize(old["text"]).text


def test_rerender_seed_entities_follow_the_text(shared) -> None:
    for _, text, gold in _seeds(shared):
        for kind in KINDS:
            new_text, new_gold = rerender(text, gold, kind)
            assert len(new_gold["entities"]) == len(gold["entities"])
            assert all(new_text[e["start"] : e["end"]] == e["text"] for e in new_gold["entities"])
            assert new_gold["tables"] == gold["tables"]


@pytest.mark.parametrize(
    ("edits", "expected"),
    [
        ([(1, 2, " | ")], "a | b"),
        ([(1, 1, "X")], "aX\tb"),
        ([(0, 0, "<"), (3, 3, ">")], "<a\tb>"),
    ],
)
def test_rerender_apply_edits(edits: list, expected: str) -> None:
    new, start_of, end_of = apply_edits("a\tb", edits)
    assert new == expected
    assert new[start_of[0] : end_of[0]] == "a"
    assert new[start_of[2] : end_of[2]] == "b"


def test_rerender_rejects_unknown_kind() -> None:
    with pytest.raises(ValueError, match="R002"):
        rerender("x", {"entities": []}, "rotate")


_TABLEISH = st.sampled_from(
    list(
        "规章规范性文件行政许可处罚本年新收上年结转予以公开总计其他维持纠正复议诉讼0123456789０１ OlI.-减增万元\t\t|||\n\n\n "
    )
)


@settings(max_examples=150, deadline=None)
@given(text=st.text(alphabet=_TABLEISH, max_size=300))
def test_tables_never_fail_and_point_into_the_text(text: str) -> None:
    norm = normalize(text)
    got = extract_tables(norm)
    for cells in got.cells.values():
        for c in cells.values():
            if c.value is None:
                continue
            assert 0 <= c.start < c.end <= len(text)
            assert text[c.start : c.end] in c.raw
            parsed = parse_cell_number(normalize(text[c.start : c.end]).text)
            assert parsed is not None and abs(parsed[0] - c.value) < 1e-9
    for s, e in got.regions.values():
        assert 0 <= s <= e <= len(text)
