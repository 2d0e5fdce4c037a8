"""Tests of the shared value normalizers (extraction/numbers.py)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from extraction.numbers import amount_value, count_value, date_value, parse_chinese_number, parse_number

_CN_DIGITS = "零一二三四五六七八九"


def to_chinese(n: int) -> str:
    """Write 0 <= n < 10**12 as a Chinese numeral (一千三百, 十二万零五): the test's own writer."""

    def section(x: int) -> str:
        out = ""
        zero = False
        for value, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
            d, x = divmod(x, value)
            if d:
                if zero and out:
                    out += "零"
                out += _CN_DIGITS[d] + unit
                zero = False
            elif out:
                zero = True
        return out

    if n == 0:
        return "零"
    parts = []
    for big, unit in ((10**8, "亿"), (10**4, "万"), (1, "")):
        d, n = divmod(n, big)
        if d:
            if parts and d < 1000:
                parts.append("零")
            parts.append(section(d) + unit)
        elif parts and n:
            parts.append("零")
    text = "".join(parts)
    text = text.replace("零零", "零")
    return text[1:] if text.startswith("一十") else text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1,234", 1234),
        ("12.36", 12.36),
        ("0", 0),
        ("-17", -17),
        ("+1", 1),
        ("１２３", 123),
        ("38万", 380000),
        ("4.27万", 42700),
        ("5亿", 500000000),
        ("一千三百", 1300),
        ("两", 2),
        ("两百", 200),
        ("十五", 15),
        ("三百五", 350),
        ("一万二千", 12000),
        ("三千零五", 3005),
        ("二〇二〇", 2020),
        ("二零一九", 2019),
    ],
)
def test_numbers_parse_number_values(text: str, expected: int | float) -> None:
    assert parse_number(text) == expected
    assert type(parse_number(text)) is type(expected)


@pytest.mark.parametrize("text", ["", "abc", "1.2.3", "三百二千", "两零二零", "12a", "万万"])
def test_numbers_parse_number_rejects(text: str) -> None:
    assert parse_number(text) is None


@given(st.integers(min_value=0, max_value=10**12 - 1))
def test_numbers_parse_chinese_round_trip(n: int) -> None:
    assert parse_chinese_number(to_chinese(n)) == n


@given(st.integers(min_value=0, max_value=10**9), st.booleans())
def test_numbers_parse_arabic_round_trip(n: int, commas: bool) -> None:
    assert parse_number(f"{n:,}" if commas else str(n)) == n


@given(st.integers(min_value=1949, max_value=2099))
def test_numbers_parse_digit_string_year(year: int) -> None:
    text = "".join("〇一二三四五六七八九"[int(d)] for d in str(year))
    assert parse_number(text) == year


@given(st.integers(min_value=0, max_value=10**7), st.integers(min_value=0, max_value=99))
def test_numbers_parse_decimal_wan(whole: int, cents: int) -> None:
    text = f"{whole}.{cents:02d}万"
    assert parse_number(text) == pytest.approx((whole + cents / 100) * 10000)


@pytest.mark.parametrize(
    ("span", "before", "after", "expected"),
    [
        ("683 条", "", "", {"number": 683, "unit": "条", "approx": False}),
        ("2400余条", "", "", {"number": 2400, "unit": "条", "approx": True}),
        ("4210 余件", "共计 ", "", {"number": 4210, "unit": "件", "approx": True}),
        ("38万人次", "", "", {"number": 380000, "unit": "人次", "approx": False}),
        ("4.27万条", "", "", {"number": 42700, "unit": "条", "approx": False}),
        ("52000件", "达到", "以上。", {"number": 52000, "unit": "件", "approx": True}),
        ("30个", "约", "", {"number": 30, "unit": "个", "approx": True}),
        ("30个", "近", "", {"number": 30, "unit": "个", "approx": True}),
        ("30个", "共", "", {"number": 30, "unit": "个", "approx": False}),
        ("8 场", "", "左右", {"number": 8, "unit": "场", "approx": True}),
        ("两个", "", "", {"number": 2, "unit": "个", "approx": False}),
        ("六部分", "", "", {"number": 6, "unit": "部分", "approx": False}),
        ("2期", "", "", {"number": 2, "unit": "期", "approx": False}),
        ("一千三百余条", "", "", {"number": 1300, "unit": "条", "approx": True}),
        ("10多万人", "", "", {"number": 100000, "unit": "人", "approx": True}),
    ],
)
def test_numbers_count_value(span: str, before: str, after: str, expected: dict) -> None:
    assert count_value(span, before, after) == expected


@pytest.mark.parametrize("span", ["", "条", "abc条", "12"])
def test_numbers_count_value_rejects(span: str) -> None:
    assert count_value(span) is None


@pytest.mark.parametrize(
    ("span", "yuan"),
    [
        ("8812.07 万元", 88120700.0),
        ("215.5万", 2155000.0),
        ("4136.58万元", 41365800.0),
        ("5亿元", 500000000.0),
        ("3000元", 3000.0),
        ("1,200元", 1200.0),
        ("1.2千万元", 12000000.0),
        ("五万元", 50000.0),
        ("人民币20万元", 200000.0),
    ],
)
def test_numbers_amount_value(span: str, yuan: float) -> None:
    assert amount_value(span) == {"yuan": yuan}


@pytest.mark.parametrize("span", ["4136.58", "元", "abc元", "五"])
def test_numbers_amount_value_rejects_bare_numbers(span: str) -> None:
    assert amount_value(span) is None


@pytest.mark.parametrize(
    ("span", "iso"),
    [
        ("2020 年 1 月 1 日", "2020-01-01"),
        ("2020年12月31日", "2020-12-31"),
        ("12月31日", "XXXX-12-31"),
        ("9月下旬", "XXXX-09"),
        ("5 月", "XXXX-05"),
        ("6月份", "XXXX-06"),
        ("2019 年度", "2019"),
        ("2020年", "2020"),
        ("2020年12月", "2020-12"),
        ("二〇二〇年", "2020"),
        ("二〇二一年一月十八日", "2021-01-18"),
        ("十二月三十一日", "XXXX-12-31"),
        ("2020.1.1", "2020-01-01"),
        ("2020-01-01", "2020-01-01"),
        ("2021/1/18", "2021-01-18"),
    ],
)
def test_numbers_date_value(span: str, iso: str) -> None:
    assert date_value(span) == iso


@pytest.mark.parametrize("span", ["13月", "2020年32日", "1800年", "32日", "今年", "", "2020年2月40日"])
def test_numbers_date_value_rejects(span: str) -> None:
    assert date_value(span) is None


@given(
    st.integers(min_value=1949, max_value=2099),
    st.integers(min_value=1, max_value=12),
    st.integers(min_value=1, max_value=31),
    st.sampled_from(["", " "]),
)
def test_numbers_date_value_round_trip(year: int, month: int, day: int, sp: str) -> None:
    text = f"{year}{sp}年{sp}{month}{sp}月{sp}{day}{sp}日"
    assert date_value(text) == f"{year:04d}-{month:02d}-{day:02d}"
    assert date_value(f"{month}月{day}日") == f"XXXX-{month:02d}-{day:02d}"
