"""Value normalizers shared by tables, entities, audit and the NER model: one set of parsers.

Every function takes the text of a span (spaces and full-width digits allowed, as in the
original text) and returns the spec's normalized value, or None when the text is not one:

- `parse_number`: "1,234" -> 1234, "12.36" -> 12.36, "一千三百" -> 1300, "两" -> 2,
  "二〇二〇" -> 2020 (a digit string), "12.36万" -> 123600.
- `count_value`: "1300余条" -> {"number": 1300, "unit": "条", "approx": True}.
- `amount_value`: "10709.63 万元" -> {"yuan": 107096300.0}.
- `date_value`: "2020 年 1 月 1 日" -> "2020-01-01", "12月31日" -> "XXXX-12-31", "10月中旬" -> "XXXX-10".
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

# Chinese digits, including the financial forms (壹贰叁) and the circle zero of year strings.
CN_DIGITS = {
    "零": 0, "〇": 0, "○": 0, "Ｏ": 0, "0": 0,
    "一": 1, "壹": 1, "二": 2, "贰": 2, "貳": 2, "两": 2, "兩": 2, "三": 3, "叁": 3, "參": 3,
    "四": 4, "肆": 4, "五": 5, "伍": 5, "六": 6, "陆": 6, "陸": 6, "七": 7, "柒": 7,
    "八": 8, "捌": 8, "九": 9, "玖": 9,
}  # fmt: skip
CN_SMALL_UNITS = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
CN_BIG_UNITS = {"万": 10_000, "萬": 10_000, "亿": 100_000_000, "億": 100_000_000}
CN_NUMERAL_CHARS = "".join(CN_DIGITS) + "".join(CN_SMALL_UNITS) + "".join(CN_BIG_UNITS)

# Multipliers written after an Arabic number: 56万, 5亿, 1.2千万.
MULTIPLIERS = {"十": 10, "百": 100, "千": 1000, "万": 10_000, "亿": 100_000_000}

# Words around a count that make it approximate. 余/多 sit inside the span (1300余条); the
# others outside it (约 756 条, 67000件以上).
APPROX_INSIDE = ("余", "多")
APPROX_BEFORE = ("约", "近", "大约", "将近", "接近", "超过", "逾", "大概")
APPROX_AFTER = ("以上", "左右", "上下", "余", "多")

# One translation: full-width to ASCII, and every kind of space removed.
_CLEAN_TABLE: dict[int, str | None] = {cp: chr(cp - 0xFEE0) for cp in range(0xFF01, 0xFF5F)}
_CLEAN_TABLE.update({ord(ch): None for ch in " \t\n\r\f\v\u3000\u00a0\u2002\u2003\u2009\u200b\u202f"})
_ARABIC_RE = re.compile(r"([+-]?)(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?")
_ARABIC_MULT_RE = re.compile(r"([+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?)\s*((?:[十百千]?[万亿])|[十百千])?")
_CN_RE = re.compile(f"[{CN_NUMERAL_CHARS}]+")
_NUM = r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?"
_MULT = r"[十百千]?[万亿]|[十百千]"
# A count: Arabic number, 余/多, multiplier, 余/多, measure word; or a Chinese numeral (its
# multipliers are part of it: 十二万), 余/多, measure word.
_COUNT_SPLIT_RE = re.compile(
    rf"^(?:(?P<num>{_NUM})(?P<a1>[余多]?)(?P<mult>{_MULT})?|(?P<cn>[{CN_NUMERAL_CHARS}]+))(?P<a2>[余多]?)(?P<unit>[\u3400-\u9fff]+)$"
)
_AMOUNT_SPLIT_RE = re.compile(
    rf"^(?:人民币)?(?:(?P<num>{_NUM})[余多]?(?P<mult>{_MULT})?|(?P<cn>[{CN_NUMERAL_CHARS}]+))[余多]?(?P<yuan>元)?$"
)


# OCR confusables inside an Arabic number (2O20, l8, 2〇22): read as the digits they stand for.
# Only next to a digit: "二〇二〇" is a Chinese numeral and "Office" is a word.
_CONFUSABLE_DIGIT_RE = re.compile(r"(?<=[0-9])[OoIl〇]+|[OoIl〇]+(?=[0-9])")
_CONFUSABLE_DIGITS = str.maketrans("OoIl〇", "00110")


def _clean(s: str) -> str:
    t = s.translate(_CLEAN_TABLE)
    if t.isascii() and t.isdigit():
        return t
    if any(c in t for c in "OoIl〇"):
        t = _CONFUSABLE_DIGIT_RE.sub(lambda m: m.group().translate(_CONFUSABLE_DIGITS), t)
    return t


def _to_python(d: Decimal) -> int | float:
    """An int when the value is integral, otherwise a float."""
    if d == d.to_integral_value():
        return int(d)
    return float(d)


def _parse_cn_section(s: str) -> int | None:
    """Parse a Chinese numeral below 10,000 (一千三百, 十五, 三百五 = 350)."""
    total = 0
    digit: int | None = None
    last_unit = 1
    zero_seen = False
    for ch in s:
        if ch in CN_DIGITS:
            if digit is not None:
                return None  # two digits in a row: not a positional numeral
            digit = CN_DIGITS[ch]
            if digit == 0:
                zero_seen = True
                digit = None
        elif ch in CN_SMALL_UNITS:
            unit = CN_SMALL_UNITS[ch]
            if unit >= last_unit and total:
                return None  # units must decrease: 三百二千 is not a number
            total += (1 if digit is None else digit) * unit
            digit = None
            last_unit = unit
        else:
            return None
    if digit is not None:
        # A trailing digit right after a unit is the next lower place: 三百五 = 350.
        total += digit * (last_unit // 10 if last_unit >= 100 and not zero_seen else 1)
    return total


def parse_chinese_number(s: str) -> int | None:
    """Parse a Chinese numeral: 一千三百 -> 1300, 两 -> 2, 十二万 -> 120000, 二〇二〇 -> 2020."""
    s = _clean(s)
    if not s or any(ch not in CN_DIGITS and ch not in CN_SMALL_UNITS and ch not in CN_BIG_UNITS for ch in s):
        return None
    if len(s) > 1 and all(ch in CN_DIGITS for ch in s):
        # A digit string, as in years: 二〇二〇 -> 2020. 两 is not used in digit strings.
        if any(ch in "两兩" for ch in s):
            return None
        return int("".join(str(CN_DIGITS[ch]) for ch in s))
    total = 0
    rest = s
    for big_char, big in sorted(CN_BIG_UNITS.items(), key=lambda kv: -kv[1]):
        if big_char in rest:
            head, _, rest = rest.partition(big_char)
            if big_char in rest:
                return None
            value = _parse_cn_section(head) if head else 1
            if value is None:
                return None
            total += value * big
    if rest:
        value = _parse_cn_section(rest)
        if value is None:
            return None
        total += value
    return total


def parse_number(s: str) -> int | float | None:
    """Parse an Arabic or Chinese number, with an optional 十/百/千/万/亿 multiplier.

    Args:
        s: the number as written: "1,234", "12.36", "-17", "56万", "一千三百", "两", "二〇二〇".

    Returns:
        An int when the value is integral, a float otherwise; None when `s` is not a number.
    """
    t = _clean(s)
    if not t:
        return None
    m = _ARABIC_MULT_RE.fullmatch(t)
    if m:
        try:
            value = Decimal(m.group(1).replace(",", ""))
        except InvalidOperation:
            return None
        for ch in m.group(2) or "":
            value *= MULTIPLIERS[ch]
        return _to_python(value)
    return parse_chinese_number(t)


def _approx_context(before: str, after: str) -> bool:
    before = _clean(before)
    after = _clean(after)
    return before.endswith(APPROX_BEFORE) or after.startswith(APPROX_AFTER)


def count_value(span_text: str, before: str = "", after: str = "") -> dict | None:
    """The value of a COUNT span: number, measure word, and whether it is approximate.

    Args:
        span_text: the span, from the first numeral to the measure word ("1300余条", "56万人次").
        before: text just before the span (约, 近 make the count approximate).
        after: text just after the span (以上, 左右 make the count approximate).

    Returns:
        {"number": int | float, "unit": str, "approx": bool}, or None when not a count.
    """
    t = _clean(span_text)
    m = _COUNT_SPLIT_RE.match(t)
    if not m:
        return None
    number = parse_number(m["num"] + (m["mult"] or "")) if m["num"] else parse_chinese_number(m["cn"])
    if number is None:
        return None
    approx = bool(m["a1"] or m["a2"]) or _approx_context(before, after)
    return {"number": number, "unit": m["unit"], "approx": approx}


def amount_value(span_text: str) -> dict | None:
    """The value of an AMOUNT span in yuan: "10709.63 万元" -> {"yuan": 107096300.0}.

    A bare 万 without 元 ("348.47万") is read as 万元: the caller decides that the context is money.
    """
    t = _clean(span_text)
    m = _AMOUNT_SPLIT_RE.match(t)
    if not m:
        return None
    if m["num"]:
        if not (m["mult"] or m["yuan"]):
            return None  # a bare number is a table cell, not money
        value = Decimal(m["num"].replace(",", ""))
        for ch in m["mult"] or "":
            value *= MULTIPLIERS[ch]
    else:
        cn = parse_chinese_number(m["cn"])
        if cn is None or not (m["yuan"] or m["cn"][-1] in CN_BIG_UNITS):
            return None
        value = Decimal(cn)
    return {"yuan": float(value)}


# --- dates ------------------------------------------------------------------------------------

_CN_DATE_NUM = f"[{''.join(CN_DIGITS)}十]"
_DATE_RE = re.compile(
    rf"^(?:(?P<y>\d{{4}}|{_CN_DATE_NUM}{{4}})年度?)?"
    rf"(?:(?P<m>\d{{1,2}}|{_CN_DATE_NUM}{{1,2}})月(?:份|上旬|中旬|下旬|初|底|末|中)?)?"
    rf"(?:(?P<d>\d{{1,2}}|{_CN_DATE_NUM}{{1,3}})[日号])?$"
)
_NUMERIC_DATE_RE = re.compile(r"^(?P<y>\d{4})[-./](?P<m>\d{1,2})(?:[-./](?P<d>\d{1,2}))?$")
YEAR_MIN, YEAR_MAX = 1949, 2099


def _date_part(s: str | None) -> int | None:
    if s is None:
        return None
    if s.isdigit():
        return int(s)
    return parse_chinese_number(s)


def date_value(span_text: str) -> str | None:
    """ISO value of a DATE span, unknown parts written X.

    "2020 年 1 月 1 日" -> "2020-01-01", "12月31日" -> "XXXX-12-31", "10月中旬" -> "XXXX-10",
    "2019 年度" -> "2019", "二〇二〇年" -> "2020", "2020.1.1" -> "2020-01-01". None when the text is
    not a calendar expression or a part is out of range (13月, 2020年32日).
    """
    t = _clean(span_text)
    m = _DATE_RE.match(t) or _NUMERIC_DATE_RE.match(t)
    if not m or not any(m.group(k) for k in ("y", "m", "d")):
        return None
    year, month, day = (_date_part(m.group(k)) for k in ("y", "m", "d"))
    if m.group("y") and (year is None or not YEAR_MIN <= year <= YEAR_MAX):
        return None
    if m.group("m") and (month is None or not 1 <= month <= 12):
        return None
    if m.group("d") and (day is None or not 1 <= day <= 31 or month is None):
        return None
    if year is None and month is None:
        return None
    out = f"{year:04d}" if year is not None else "XXXX"
    if month is not None:
        out += f"-{month:02d}"
        if day is not None:
            out += f"-{day:02d}"
    return out


def entity_value(label: str, text: str, start: int, end: int) -> object:
    """The spec's normalized value of an entity span `text[start:end]` (None for AGENCY and where
    none parses); a COUNT looks at 4 characters on each side (约/余/以上)."""
    span = text[start:end]
    if label == "COUNT":
        return count_value(span, before=text[max(0, start - 4) : start], after=text[end : end + 4])
    if label == "AMOUNT":
        return amount_value(span)
    if label == "DATE":
        return date_value(span)
    return None
