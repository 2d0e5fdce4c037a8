"""Normalization keeps an exact map from every normalized character back to the original."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from extraction.normalize import _translation, normalize

# Characters that exercise every step: CJK (simplified and traditional), full-width digits and
# punctuation, spaces, tabs, newlines, pinyin letters, markdown, page furniture pieces.
ALPHABET = st.sampled_from(
    list(
        "政府信息公开年报告處理與國務院辦公廳0123456789０１２３４５６７８９（）()，。：、 \t\n\u3000-—|*#[]bookmarkàáǎ第页共"
    )
)


def _check_map(original: str) -> None:
    norm = normalize(original)
    assert len(norm.index) == len(norm.text) + 1
    assert norm.index[-1] == len(original)
    table = _translation()
    prev = -1
    for i, ch in enumerate(norm.text):
        j = norm.index[i]
        assert j > prev, "map must be strictly increasing"
        prev = j
        assert original[j].translate(table) == ch


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=ALPHABET, max_size=200))
def test_normalize_offset_map_is_exact(original: str) -> None:
    _check_map(original)


@pytest.mark.parametrize(
    ("original", "expected"),
    [
        ("本報(bào)告依據(jù)", "本报告依据"),
        ("共收到申请２３件", "共收到申请23件"),
        ("尚 未 审 结", "尚未审结"),
        ("2020 年 1 月 1 日", "2020年1月1日"),
        ("[bookmark: _GoBack]一是做好", "一是做好"),
        ("**（一）主动公开情况**。", "(一)主动公开情况。"),
        ("## 一、总体情况", "一、总体情况"),
        ("规章    0    0    0", "规章    0    0    0"),  # column gaps survive
        ("减 17", "减17"),
    ],
)
def test_normalize_cases(original: str, expected: str) -> None:
    norm = normalize(original)
    assert norm.text == expected
    _check_map(original)


def test_normalize_joins_words_broken_across_pages() -> None:
    para = "我局认真落实各项工作要求，主动公开政府信息，推动人大代"
    original = f"{para}\n\n- 3 -\n\n表建议和政协委员提案办理结果公开。"
    norm = normalize(original)
    assert "人大代表建议" in norm.text
    assert "- 3 -" not in norm.text
    i = norm.text.index("代表")
    s, e = norm.span(i, i + 2)
    assert original[s:e].startswith("代") and original[s:e].endswith("表")


def test_normalize_keeps_titles_and_table_lines_apart() -> None:
    original = "某某县财政局2021年政府信息公开工作年度报告\n本报告依据条例编制。\n信息内容\n本年制发件数\n"
    norm = normalize(original)
    assert "年度报告\n本报告" in norm.text
    assert "信息内容\n本年制发件数" in norm.text


def test_normalize_drops_running_headers_but_keeps_the_title() -> None:
    title = "某某市民政局2020年政府信息公开工作年度报告"
    body = "一、总体情况\n" + "我局认真贯彻落实条例要求，做好政府信息公开工作。\n" * 3
    original = f"{title}\n{body}\n{title}\n{body}\n{title}\n二、主动公开政府信息情况\n"
    norm = normalize(original)
    assert norm.text.count(title) == 1
    assert norm.text.startswith(title)


def test_normalize_span_maps_back_to_original() -> None:
    original = "统计期限为 2020 年 1 月 1 日至 2020 年 12 月 31 日。"
    norm = normalize(original)
    i = norm.text.index("2020年1月1日")
    s, e = norm.span(i, i + len("2020年1月1日"))
    assert original[s:e] == "2020 年 1 月 1 日"


def test_normalize_dropped_gives_the_original_ranges_of_page_furniture() -> None:
    header = "绿水市审计局2020年政府信息公开工作年度报告"
    text = f"{header}\n一、总体情况\n- 1 -\n正文一。\n{header}\n正文二。\n{header}\n正文三。\n"
    n = normalize(text)
    dropped = [text[a:b] for a, b in n.dropped(6)]
    assert dropped == ["- 1 -\n", header + "\n", header + "\n"]  # the first header is the title
    assert all(len(text[a:b]) < 6 for a, b in n.dropped(1) if (a, b) not in n.dropped(6))
