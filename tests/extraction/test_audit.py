"""The audit: identities, version, sections, blanks and narrative figures, on hand-built records."""

from __future__ import annotations

import json
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from extraction.audit import audit
from extraction.normalize import normalize
from extraction.schema import (
    APPLICANT_COLS,
    RESULT_ROWS,
    SECTION_NUMERALS,
    SECTIONS,
    TABLES,
    Cell,
    Record,
    cell_keys,
)
from extraction.sections import find_sections

BODY = "本机关认真落实条例要求，全面推进政务公开工作，各项工作取得新进展。"


def make_text(present: tuple[int, ...] = (1, 2, 3, 4, 5, 6), narrative: str = "", end: str = "无。") -> str:
    parts = ["青山县示例局2020年政府信息公开工作年度报告", ""]
    for n, title, _ in SECTIONS:
        if n in present:
            parts += [f"{SECTION_NUMERALS[n - 1]}、{title}", BODY + (narrative if n == 1 else ""), ""]
    return "\n".join(parts).rstrip() + end


def zero_cells(version: str, fill: float | None = 0) -> dict[str, dict[str, Cell]]:
    return {t: {k: Cell(t, k, fill) for k in cell_keys(t, version)} for t in TABLES}


def make_record(text: str, cells=None, version: str = "2019", year: int = 2020) -> tuple[Record, object]:
    norm = normalize(text)
    rec = Record(source="x.txt", doc="x.txt", year=year, format_version=version)
    rec.cells = zero_cells(version) if cells is None else cells
    rec.sections = find_sections(norm)
    return rec, norm


def codes(findings) -> Counter:
    return Counter(f.code for f in findings)


def set_requests(cells, version: str, new: dict[str, int], results: dict[str, dict[str, int]]) -> None:
    """Fill the requests table consistently: results per row and column, totals computed."""
    rq = cells["requests"]
    for c in APPLICANT_COLS:
        rq[f"new.{c}"].value = new.get(c, 0)
    for r, by_col in results.items():
        for c in APPLICANT_COLS:
            rq[f"{r}.{c}"].value = by_col.get(c, 0)
    for c in APPLICANT_COLS:
        rq[f"results_total.{c}"].value = sum(rq[f"{r}.{c}"].value or 0 for r in RESULT_ROWS[version])
        rq[f"carried_forward.{c}"].value = (rq[f"new.{c}"].value or 0) - rq[f"results_total.{c}"].value
    for r, _ in {k.split(".")[0]: 0 for k in rq}.items():
        rq[f"{r}.total"].value = sum(rq[f"{r}.{c}"].value or 0 for c in APPLICANT_COLS)


@pytest.mark.parametrize("version", ["2019", "2021"])
def test_audit_consistent_report_has_no_findings(version: str) -> None:
    rec, norm = make_record(make_text(), version=version, year=2020 if version == "2019" else 2022)
    set_requests(
        rec.cells, version, {"natural_person": 5, "commercial": 1}, {"granted": {"natural_person": 4}}
    )
    assert audit(rec, norm, version, {"requests": (0, 1)}) == []


@pytest.mark.parametrize(
    ("key", "code", "n"),
    [
        ("new.natural_person", "identity.requests.balance", 1),  # also breaks the row total
        ("results_total.research", "identity.requests.balance", 1),
        ("granted.commercial", "identity.requests.results_total", 1),
        ("carried_forward.total", "identity.requests.balance", 1),
        ("partly_granted.total", "identity.requests.row_total", 1),
    ],
)
def test_audit_identity_failure_names_its_cells(key: str, code: str, n: int) -> None:
    rec, norm = make_record(make_text())
    rec.cells["requests"][key].value = 7
    found = [f for f in audit(rec, norm, "2019", {}) if f.code == code]
    assert len(found) == n
    assert f"requests.{key}" in found[0].cells
    assert "7" in found[0].detail


def test_audit_appeals_total_one_finding_per_group() -> None:
    rec, norm = make_record(make_text())
    rec.cells["appeals"]["review.upheld"].value = 2
    rec.cells["appeals"]["litigation_direct.total"].value = 3
    found = [f for f in audit(rec, norm, "2019", {}) if f.code == "identity.appeals.total"]
    assert sorted(f.cells[0].split(".")[1] for f in found) == ["litigation_direct", "review"]


@settings(max_examples=40, deadline=None)
@given(
    data=st.dictionaries(
        st.sampled_from(RESULT_ROWS["2019"]),
        st.dictionaries(st.sampled_from(APPLICANT_COLS), st.integers(0, 50), max_size=3),
        max_size=5,
    ),
    extra=st.dictionaries(st.sampled_from(APPLICANT_COLS), st.integers(0, 20), max_size=3),
    bump=st.integers(1, 9),
    where=st.sampled_from(["new", "results_total", "carried_forward", "granted"]),
    col=st.sampled_from(APPLICANT_COLS),
)
def test_audit_property_identities_hold_until_a_cell_changes(data, extra, bump, where, col) -> None:
    rec, norm = make_record(make_text())
    new = {c: sum(by.get(c, 0) for by in data.values()) + extra.get(c, 0) for c in APPLICANT_COLS}
    set_requests(rec.cells, "2019", new, data)
    assert not [f for f in audit(rec, norm, "2019", {}) if f.code.startswith("identity.")]
    rec.cells["requests"][f"{where}.{col}"].value += bump
    assert [f for f in audit(rec, norm, "2019", {}) if f.code.startswith("identity.")]


@pytest.mark.parametrize(
    ("evidence", "year", "mismatch"),
    [
        ("2019", 2022, True),
        ("2021", 2020, True),
        ("2019", 2017, True),
        ("2021", 2023, False),
        (None, 2022, False),
    ],
)
def test_audit_version_mismatch(evidence, year, mismatch) -> None:
    rec, norm = make_record(make_text(), version=evidence or "2021", year=year)
    found = [
        f for f in audit(rec, norm, evidence, {"requests": (5, 9)}) if f.code == "format.version_mismatch"
    ]
    assert bool(found) == mismatch
    if found:
        assert found[0].spans == [[5, 9]]


def test_audit_table_blank_once_per_table() -> None:
    rec, norm = make_record(make_text())
    for k in ("new.commercial", "carried_over.total", "granted.research"):
        rec.cells["requests"][k].value = None
    rec.cells["appeals"]["review.upheld"].value = None
    found = [f for f in audit(rec, norm, "2019", {"requests": (10, 20)}) if f.code == "table.blank"]
    assert len(found) == 2
    req = next(f for f in found if "requests" in f.detail)
    assert sorted(req.cells) == [
        "requests.carried_over.total",
        "requests.granted.research",
        "requests.new.commercial",
    ]
    assert req.spans == [[10, 20]]


def test_audit_fully_blank_table_needs_a_located_region() -> None:
    cells = zero_cells("2019")
    cells["requests"] = {k: Cell("requests", k, None) for k in cell_keys("requests", "2019")}
    rec, norm = make_record(make_text(), cells=cells)
    assert codes(audit(rec, norm, "2019", {}))["table.blank"] == 0  # not located: absent, not blank
    assert codes(audit(rec, norm, "2019", {"requests": (0, 5)}))["table.blank"] == 1


@pytest.mark.parametrize(
    ("present", "end", "missing"),
    [
        ((1, 2, 3, 4, 5, 6), "无。", 0),
        ((1, 2, 3, 4, 5), "改进工作。", 1),  # a finished report without 六 (seed 001)
        ((1, 2, 3, 4, 5), "下一步将继续加强政务公开工作并进一", 0),  # cut off mid-sentence: a fragment
        ((1, 2), "改进工作。", 0),  # a beginning only
        ((1, 3, 4, 5, 6), "无。", 1),  # a gap
        ((2, 3, 4, 5, 6), "无。", 1),  # starts after 一
    ],
)
def test_audit_section_missing(present, end, missing) -> None:
    rec, norm = make_record(make_text(present, end=end))
    found = [f for f in audit(rec, norm, "2019", {}) if f.code == "section.missing"]
    assert len(found) == missing
    for f in found:
        s, e = f.spans[0]
        assert 0 <= s <= e <= len(norm.original)


def test_audit_no_section_findings_without_sections_or_for_legacy() -> None:
    rec, norm = make_record("绿水市统计局2020年政府信息公开工作年度报告\n本机关认真落实条例要求。")
    assert audit(rec, norm, None, {}) == []
    rec, norm = make_record(make_text((1, 3)), cells={t: {} for t in TABLES}, version="legacy", year=2015)
    rec.cells["requests"] = {"new.total": Cell("requests", "new.total", None)}
    assert audit(rec, norm, None, {}) == []


def test_audit_title_mismatch_span_is_the_heading() -> None:
    text = make_text().replace("六、其他需要报告的事项", "六、下一步工作打算")
    rec, norm = make_record(text)
    found = [f for f in audit(rec, norm, "2019", {}) if f.code == "section.title_mismatch"]
    assert len(found) == 1
    s, e = found[0].spans[0]
    assert text[s:e] == "六、下一步工作打算"


@pytest.mark.parametrize(
    ("narrative", "cells", "n"),
    [
        ("2020年，共收到政府信息公开申请23件。", {"new.natural_person": 23, "new.total": 23}, 0),
        ("2020年，共收到政府信息公开申请23件。", {"new.natural_person": 20, "new.total": 20}, 1),
        ("共收到政府信息公开申请23件(含上年结转3件)。", {"new.total": 20, "carried_over.total": 3}, 0),
        (
            "其中，予以公开1件；不予公开14件。",
            {"granted.total": 1, "withheld_state_secret.total": 10, "withheld_internal.total": 4},
            0,
        ),
        ("其中，予以公开1件；不予公开14件。", {"granted.total": 1, "withheld_state_secret.total": 10}, 1),
        (
            "共收到政府信息公开申请5件，其中收到书面政府信息公开申请4件。",
            {"new.total": 5},
            0,
        ),  # a subset of those received
        ("本年度予以公开5件。", {"granted.total": 1}, 1),
        ("本年度部分公开两件。", {"partly_granted.total": 3}, 1),
        ("本年度不予以公开5件。", {"granted.total": 1}, 0),  # not 予以公开
        ("予以公开或部分公开4件。", {"granted.total": 1, "partly_granted.total": 3}, 0),  # two categories
        (
            "收到有关政府信息公开的行政复议申请2件。",
            {"new.total": 0, "review.total": 2},
            0,
        ),  # a review, no request
        ("收到申请同比增加5件。", {"new.total": 1}, 0),  # a comparison
        ("2019年共收到政府信息公开申请9件。", {"new.total": 1}, 0),  # another year
        ("共收到政府信息公开申请30余件。", {"new.total": 1}, 0),  # approximate
        ("共收到咨询申请100件。", {"new.total": 1}, 0),  # not a disclosure request
        ("发生政府信息公开行政复议2件。", {"review.total": 0}, 1),
        ("办理行政复议案件120件。", {"review.total": 0}, 0),  # not about disclosure
    ],
)
def test_audit_narrative_table_mismatch(narrative: str, cells: dict[str, int], n: int) -> None:
    rec, norm = make_record(make_text(narrative=narrative))
    for key, value in cells.items():
        table = "appeals" if key.startswith("review") else "requests"
        rec.cells[table][key].value = value
    found = [f for f in audit(rec, norm, "2019", {}) if f.code == "narrative.table_mismatch"]
    assert len(found) == n
    for f in found:
        s, e = f.spans[0]
        assert norm.original[s:e] in narrative
        assert f.cells


def test_audit_narrative_skips_text_inside_tables_and_blank_tables() -> None:
    narrative = "共收到政府信息公开申请23件。"
    text = make_text(narrative=narrative)
    cells = zero_cells("2019")
    cells["requests"]["new.total"].value = 5
    rec, norm = make_record(text, cells=cells)
    at = text.find(narrative)
    assert codes(audit(rec, norm, "2019", {}))["narrative.table_mismatch"] == 1
    assert (
        codes(audit(rec, norm, "2019", {"requests": (at, at + len(narrative))}))["narrative.table_mismatch"]
        == 0
    )
    cells["requests"] = {k: Cell("requests", k, None) for k in cell_keys("requests", "2019")}
    rec, norm = make_record(text, cells=cells)
    assert codes(audit(rec, norm, "2019", {}))["narrative.table_mismatch"] == 0


def test_audit_seeds_findings_match_gold(shared) -> None:
    """End to end on the seeds: findings precision and recall >= 0.8 (codes as a multiset)."""
    pipeline = pytest.importorskip("extraction.pipeline")
    tp = fp = fn = 0
    for path in sorted((shared / "seeds").glob("*.txt")):
        gold = json.loads((shared / "gold" / f"{path.stem}.json").read_text(encoding="utf-8"))
        rec = pipeline.extract_text(path.read_text(encoding="utf-8"), source=str(path))
        got, want = codes(rec.findings), Counter(f["code"] for f in gold["findings"])
        tp += sum((got & want).values())
        fp += sum((got - want).values())
        fn += sum((want - got).values())
        for f in rec.findings:
            assert f.cells or f.spans, f
            for s, e in f.spans:
                assert 0 <= s <= e <= rec.chars
    assert tp / max(1, tp + fp) >= 0.8
    assert tp / max(1, tp + fn) >= 0.8
