"""Helpers shared by the document-field extractors (`fields`, `contact`).

Field values are found on the normalized text but read back from the ORIGINAL text as written,
less rendering damage: full-width digits and letters become ASCII and PDF spacing between CJK
characters goes (蚌 埠 市 -> 蚌埠市). `clean_agency` decides whether a string is a publishing
body's name at all.
"""

from __future__ import annotations

import re

from extraction.normalize import Normalized, t2s_table

# The subject "we / this office" (我局, 本单位): the body speaks of itself without its name.
SELF_REF = re.compile(r"^(?:我|本)(?:局|厅|委|办|部|院|署|机关|单位|县|市|区|镇|乡|街道|中心|们)")
_AGENCY_TAIL = re.compile(
    r"(?:局|厅|委员会|委|人民政府|政府|办公室|办公厅|办事处|署|部|院|中心|镇|乡|街道|苏木|县|市|区|州|省|盟|旗|"
    r"支队|大队|所|站|处|总局|分局|管委会|管理委员会|集团|公司)$"
)
# Generic nouns that are no name: 分局, 市局, 县政府 (conventions: not AGENCY).
_GENERIC = re.compile(
    r"^[市县区省州镇乡]?(?:公安)?(?:分局|局|厅|委|政府|人民政府|办公室|中心|机关|部门|单位|街道)$"
)
_BAD_AGENCY = re.compile(
    r"[，。；:：!?！？《》“”\"<>|,;、./A-Za-z]|政府信息公开|报告|年报|^关于|^由|在|按照|根据|依据|未|没有|全[县市区省镇乡]|我|本级"
    r"|进行|梳理|建立|收到|开展|发生|新增|公开|实际|要求|精神|文件|领导|以来|工作(?!委员会)|各级|各部门|各单位|^各"
)

_FULLWIDTH = {cp: chr(cp - 0xFEE0) for cp in range(0xFF01, 0xFF5F)} | {0x3000: " ", 0xA0: " "}
_CJK_GAP_RE = re.compile(r"(?<=[\u3400-\u9fff])\s+(?=[\u3400-\u9fff])")
_SPACE_RUN_RE = re.compile(r"\s+")


def clean_value(value: str, spaces: bool = False) -> str:
    """A value less rendering damage: full-width characters as ASCII, traditional script as
    simplified (a field is data to join on: 宿遷市公安局 is 宿迁市公安局), PDF spacing gone.

    Spaces between two CJK characters always go (蚌 埠 市); with `spaces`, the other spaces stay
    as written, one each ("南湖路 600 号"), else all whitespace goes (names, phone numbers).
    """
    value = value.translate(_FULLWIDTH).translate(t2s_table())
    if spaces:
        return _SPACE_RUN_RE.sub(" ", _CJK_GAP_RE.sub("", value)).strip()
    return _SPACE_RUN_RE.sub("", value)


def orig_value(norm: Normalized, s: int, e: int, spaces: bool = False) -> str:
    """The value under a normalized span as the original writes it, passed through `clean_value`.

    A value broken across lines is taken from the normalized text.
    """
    o = norm.orig_text(s, e)
    if "\n" in o or "\t" in o:
        o = norm.text[s:e]
    return clean_value(o, spaces)


def clean_agency(s: str) -> str | None:
    """`s` as an agency name (quotes, brackets and 关于 / 标题: cut off), or None if it is none."""
    s = s.strip(" \t\u3000()（）[]【】“”\"'")
    s = re.sub(r"^(?:关于|标题|名称)[:：]?|关于$", "", s).strip()
    if not (2 <= len(s) <= 40) or _BAD_AGENCY.search(s) or SELF_REF.match(s) or _GENERIC.match(s):
        return None
    if not _AGENCY_TAIL.search(s):
        return None
    if re.search(r"\d", s):
        return None
    return s


def trim_span(text: str, s: int, e: int) -> tuple[int, int]:
    """`[s, e)` less surrounding quotes, brackets and punctuation, and a 关于 / 标题: label."""
    raw = text[s:e]
    lead = len(raw) - len(raw.lstrip(" \t\u3000()（）“”\"'"))
    trail = len(raw) - len(raw.rstrip(" \t\u3000()（）“”\"'、,，;；"))
    s2, e2 = s + lead, e - trail
    m = re.match(r"(?:关于|标题|名称)[:：]?", text[s2:e2])
    if text.endswith("关于", s2, e2):
        e2 -= 2
    return (s2 + m.end() if m else s2), e2
