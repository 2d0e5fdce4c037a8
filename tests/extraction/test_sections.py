"""Sections and the template version: heading variants on invented reports, offsets, the seeds."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from extraction.normalize import normalize
from extraction.schema import SECTION_NUMERALS, SECTIONS
from extraction.sections import decide_version, find_sections, title_names

BODY = "本机关认真落实条例要求，全面推进政务公开工作，各项工作取得新进展，群众满意度持续提升。"
CANON = [f"{SECTION_NUMERALS[n - 1]}、{title}" for n, title, _ in SECTIONS]
TABLE_ROWS = "一、本年新收政府信息公开申请数量\t3\t\t\t\t\t\t3\n二、上年结转政府信息公开申请数量\t0\t0\t0\t0\t0\t0\t0\n三、本年度办理结果\t(一)予以公开\t2\n四、结转下年度继续办理\t1\t\t\t\t\t\t1\n"


def report(headings: list[str], title: str = "青山县示例局2020年政府信息公开工作年度报告") -> str:
    """An invented report: a title, then each heading followed by a short body."""
    parts = [title, ""]
    for h in headings:
        parts += [h, BODY, ""]
    return "\n".join(parts)


def numbers(text: str) -> list[int]:
    return [s.number for s in find_sections(normalize(text))]


@pytest.mark.parametrize(
    "headings",
    [
        CANON,
        [h.replace("、", " 、", 1) for h in CANON],  # 一 、总体情况
        [h.replace("、", "．", 1) for h in CANON],
        [f"## {h}" for h in CANON],  # markdown
        [f"**{h}**" for h in CANON],
        [f"第{h[0]}部分 {h[2:]}" for h in CANON],
        [*CANON[:5], "6、其他需要报告的事项"],  # Arabic numeral on one heading (seed 002)
        [*CANON[:5], "其他需要报告的事项"],  # number missing
        [
            "一、總體情況",
            "二、主動公開政府信息情況",
            "三、收到和處理政府信息公開申請情況",
            *CANON[3:],
        ],  # traditional
        ["一、概述", "二、主动公开政府信息的情况", "三、收到和处理政府信息公开申请的情况", *CANON[3:]],
    ],
)
def test_sections_heading_variants_find_all_six(headings: list[str]) -> None:
    text = report(headings)
    assert numbers(text) == [1, 2, 3, 4, 5, 6]
    assert all(s.title_ok for s in find_sections(normalize(text)))


def test_sections_heading_split_across_lines() -> None:
    text = report([CANON[0], "二、\n主要公开政府信息情况", *CANON[2:]])
    secs = find_sections(normalize(text))
    assert [s.number for s in secs] == [1, 2, 3, 4, 5, 6]
    assert secs[1].heading == "二、\n主要公开政府信息情况"
    assert text[secs[1].body_start :].startswith(BODY)


@pytest.mark.parametrize(
    "noise",
    [
        "（一）主动公开政府信息情况",  # a subsection
        "(二)收到和处理政府信息公开申请情况",
        "一是主动公开政府信息情况良好。",  # 一是 is no heading
        "1、主动公开情况",  # Arabic sub-item naming another section
        TABLE_ROWS,  # table row labels numbered like headings
    ],
)
def test_sections_subsections_and_table_rows_are_not_headings(noise: str) -> None:
    text = report([CANON[0], noise, *CANON[1:]])
    assert numbers(text) == [1, 2, 3, 4, 5, 6]


def test_sections_table_of_contents_loses_to_real_headings() -> None:
    # (六's title holds 报告, and normalization drops a repeated line with 报告 as a running header,
    # so the contents list here stops at 五.)
    toc = "目录\n" + "\n".join(CANON[:5]) + "\n"
    text = report(CANON, title="青山县示例局2020年政府信息公开工作年度报告\n" + toc)
    secs = find_sections(normalize(text))
    assert [s.number for s in secs] == [1, 2, 3, 4, 5, 6]
    assert secs[0].start > text.find(CANON[4])  # after the contents list


@pytest.mark.parametrize(
    "line",
    ["| 二、主动公开政府信息情况 |", "二、主动公开政府信息情况\t第二十条第（一）项\t\t"],
)
def test_sections_heading_in_table_rendering(line: str) -> None:
    assert numbers(report([CANON[0], line, *CANON[2:]])) == [1, 2, 3, 4, 5, 6]


def test_sections_wrong_title_keeps_number_and_names_other_section() -> None:
    text = report([*CANON[:2], "三、主动公开政府信息情况", *CANON[3:]])
    secs = find_sections(normalize(text))
    assert [s.number for s in secs] == [1, 2, 3, 4, 5, 6]
    third = secs[2]
    assert (third.title_ok, third.named) == (False, 2)
    assert [s.title_ok for s in secs].count(False) == 1


def test_sections_unknown_title_is_a_mismatch_naming_none() -> None:
    secs = find_sections(normalize(report([*CANON[:5], "六、下一步工作打算"])))
    assert secs[-1].number == 6
    assert (secs[-1].title_ok, secs[-1].named) == (False, None)


def test_sections_wrong_numeral_with_right_title_is_renumbered() -> None:
    # 三 written twice: the first one's words name section 二, so it is taken as 二 (title right).
    text = report([CANON[0], "三、主动公开政府信息情况", *CANON[2:]])
    secs = find_sections(normalize(text))
    assert [s.number for s in secs] == [1, 2, 3, 4, 5, 6]
    assert all(s.title_ok for s in secs)


def test_sections_missing_section_is_not_listed() -> None:
    assert numbers(report(CANON[:5])) == [1, 2, 3, 4, 5]
    assert numbers(report([CANON[0], *CANON[2:]])) == [1, 3, 4, 5, 6]


def test_sections_offsets_point_into_original() -> None:
    headings = [f"## {CANON[0]}", "二 、主动公开政府信息情况", *CANON[2:]]
    text = "\ufeff" + report(headings).replace("\n", "\r\n")
    secs = find_sections(normalize(text))
    assert [s.number for s in secs] == [1, 2, 3, 4, 5, 6]
    for a, b in zip(secs, secs[1:], strict=False):
        assert a.end == b.start
    assert secs[-1].end == len(text)
    for s in secs:
        assert text[s.start : s.start + len(s.heading)] == s.heading
        assert s.start < s.body_start <= s.end
        assert s.heading.lstrip("#* ").startswith(SECTION_NUMERALS[s.number - 1])


@settings(max_examples=40, deadline=None)
@given(
    drop=st.sets(st.integers(min_value=1, max_value=6), max_size=3),
    pad=st.lists(st.sampled_from(["", " ", "\u3000", "  "]), min_size=6, max_size=6),
    blank=st.booleans(),
)
def test_sections_property_found_numbers_are_the_present_ones(
    drop: set[int], pad: list[str], blank: bool
) -> None:
    headings = [pad[i] + h for i, h in enumerate(CANON) if i + 1 not in drop]
    text = report(headings).replace("\n\n", "\n\n\n" if blank else "\n\n")
    assert numbers(text) == [n for n in range(1, 7) if n not in drop]


@pytest.mark.parametrize(
    ("title", "named"),
    [
        ("总体情况", 1),
        ("政府信息公开工作存在的主要问题及改进情况", 5),
        ("因政府信息公开工作被申请行政复议、提起行政诉讼情况", 4),
        ("其他需要报告事项", 6),
        ("下一步工作打算", None),
        ("本年新收政府信息公开申请数量", None),
    ],
)
def test_sections_title_names(title: str, named: int | None) -> None:
    assert title_names(title)[0] == named


@pytest.mark.parametrize(
    ("year", "evidence", "want"),
    [
        (2020, None, "2019"),
        (2022, None, "2021"),
        (2015, None, "legacy"),
        (None, None, "unknown"),
        (2022, "2019", "2019"),  # the tables decide; the audit reports the mismatch
        (None, "2021", "2021"),
        (2017, "legacy", "legacy"),
    ],
)
def test_sections_decide_version(year: int | None, evidence: str | None, want: str) -> None:
    assert decide_version(year, evidence) == want


def test_sections_seeds_agree_with_gold_findings(shared) -> None:
    """Each seed has all six sections except those the gold calls missing, and exactly as many
    wrong headings as the gold has title mismatches."""
    seeds = sorted((shared / "seeds").glob("*.txt"))
    for path in seeds:
        gold = json.loads((shared / "gold" / f"{path.stem}.json").read_text(encoding="utf-8"))
        codes = [f["code"] for f in gold["findings"]]
        text = path.read_text(encoding="utf-8")
        secs = find_sections(normalize(text))
        assert len(secs) == 6 - codes.count("section.missing"), path.name
        assert sorted({s.number for s in secs}) == [s.number for s in secs], path.name
        assert sum(not s.title_ok for s in secs) == codes.count("section.title_mismatch"), path.name
        for s in secs:
            assert text[s.start : s.start + len(s.heading)] == s.heading
