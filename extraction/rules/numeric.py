"""COUNT, AMOUNT and DATE candidates by compiled regexes on the normalized text.

Everything here works in normalized offsets; `extraction.entities` maps them back. The spec's
exclusions are applied here: ordinals (第四届), numbers inside book titles (《…25个试点领域…》),
contact data and document numbers (0552-2089129, 〔2019〕60号), durations (15个工作日),
percentages and bare table numbers (they have no measure word, so no pattern takes them).
"""

from __future__ import annotations

import re
from typing import Any, NamedTuple

from extraction.numbers import amount_value, count_value, date_value
from extraction.rules.fast_regex import non_overlapping, scan_pattern, trie_alternation

CN_NUM = "〇零一二三四五六七八九十百千万亿两"
_CN_DIGIT = "一二三四五六七八九两十"

# Measure words of a COUNT, each with the characters that must not follow it (the unit is then
# the start of another word: 条例, 部门, 处理, 起诉...). Longer units first.
UNITS: tuple[tuple[str, str], ...] = (
    ("人次", ""), ("件次", ""), ("条次", ""), ("场次", ""), ("批次", ""), ("户次", ""), ("家次", ""),
    ("部分", ""), ("余人", ""),
    ("条", "例款目线件"), ("件", "事"), ("篇", ""), ("项", "目"), ("个", ""), ("名", "称单义额"),
    ("人", "民员大才身格口事力类"), ("次", "数日序要生级"), ("期", "间限刊末初中满待望盼货"),
    ("家", "庭属长里乡园人"), ("场", "所景地馆合面"), ("份", "额"), ("位", "置于列次居"),
    ("批", "复准示评办件"), ("张", "贴"), ("所", "有属在以得需述涉谓长"), ("起", "诉草止至算点到来步"),
    ("户", "籍口外型"), ("套", "餐"), ("辆", ""), ("台", "账帐风湾"), ("块", "钱"), ("幅", "度"),
    ("册", "子"), ("本", "年月日级机单部局人市区县省次期届地系身着报"), ("例", "如外行"),
    ("宗", "教旨"), ("封", "闭锁控面"), ("页", "面"), ("部", "门署分长位队委件属"), ("处", "理罚置室长于在级分所"),
    ("座", "谈"), ("种", "类植子养草"), ("类", "型别似"), ("轮", ""), ("支", "队持出付部撑"),
)  # fmt: skip
# Units that only count with an Arabic number: 三类 / 四类 are template wording (三类内部事务信息).
ARABIC_ONLY_UNITS = {"类", "支", "轮", "本", "台", "处", "起", "所", "部", "宗"}
# What makes 个 a duration or a ratio, not a count: 15个工作日, 3个月, 2个百分点.
_DURATION_AFTER_GE_RE = re.compile("月|工作日|自然日|小时|季度|星期|周|年|百分点|学时|课时|世纪|时辰|钟头")
# A numbered session, not a count: 九届十一次全会, 十三届全国人大二次会议 (召开3次会议 counts).
_SESSION_RE = re.compile(r"全会|全委会|党代会")
_MEETING_RE = re.compile(r"会议|代表大会|常委会|全体会议")
# Chinese-numeral phrases that are names of slogans or rules, not counts: 两个维护, 八项规定.
_CN_IDIOM_AFTER = re.compile(
    r"(?:个(?:维护|确立|意识|自信|全面|务必|代表|坚持|没有|一以贯之|必须|离不开|着力|统筹|倒逼|结合|服务|机制|转变|体系|关键|重要)"
    r"|项(?:规定|制度|原则|要求|基本)|件事|次全会|条(?:禁令|规定|措施|意见))"
)

# Atomic: a number never gives back digits (what may follow it never starts with a digit, a
# comma or a point), so a failed match is abandoned at once instead of retried digit by digit.
_AR_NUM = r"(?>(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?)"
_MULT = r"(?:[十百千]?[万亿]|[十百千])"


def _unit_alternation(units: tuple[tuple[str, str], ...]) -> str:
    """The measure words as a prefix tree, each with its excluded next characters."""
    first = "".join(sorted({unit[0] for unit, _ in units}))
    tree = trie_alternation([(unit, f"(?![{forbidden}])" if forbidden else "") for unit, forbidden in units])
    return f"(?=[{first}]){tree}"


_UNIT_FIRST = "".join(sorted({unit[0] for unit, _ in UNITS}))

# The patterns are compiled with `scan_pattern` (a fast scan to their possible first
# characters) and read with `non_overlapping`; group "m" is the match. Each guard is what must
# follow the first character of a match: a number's digits (or numerals) end where a measure
# word, 余/多, a multiplier, 元, 年, 月... follows, so a table cell `\t12\t` is passed over at once.
_COUNT_RE = scan_pattern(
    rf"\d{_CN_DIGIT}",
    rf"(?<![\d.A-Za-z@_/#%\-{CN_NUM}])(?<!\d,)"
    rf"(?:(?P<ar>{_AR_NUM}) ?[余多]?{_MULT}?[余多]?|(?P<cn>[{_CN_DIGIT}][{CN_NUM}]*)[余多]?)"
    rf" ?(?P<unit>{_unit_alternation(UNITS)})",
    guard=rf"(?<=\d)[\d,.]*+[ 余多十百千万亿{_UNIT_FIRST}]|(?<=[{_CN_DIGIT}])[{CN_NUM}]*+[ 余多{_UNIT_FIRST}]",
)
_AMOUNT_RE = scan_pattern(
    r"\d人",
    rf"(?<![\d.A-Za-z@_/#%\-])(?<!\d,)(?:人民币)?(?P<num>{_AR_NUM}) ?[余多]?(?:(?P<mult>{_MULT})[余多]?)? ?(?:元(?![旦素宵月])|"
    rf"(?<=万)(?P<bare>)(?=[\s|,，;；。)）]|$))",
    guard=r"(?<=人)民币|(?<=\d)[\d,.]*+[ 余多十百千万亿元]",
)
_CN_AMOUNT_RE = scan_pattern(
    _CN_DIGIT,
    rf"(?<![{CN_NUM}])(?P<num>[{_CN_DIGIT}][{CN_NUM}]*[万亿])[余多]?元",
    guard=rf"[{CN_NUM}]*+[余多]?元",
)
# Money words that make a bare 万 an amount (a table row or header nearby names money).
_MONEY_CONTEXT_RE = re.compile(r"金额|采购|收费|资金|经费|费用|预算|决算|支出|投入|拨付|万元|元")

_Y = r"(?:19[4-9]\d|20\d\d)"
_M = r"(?:1[0-2]|0?[1-9])"
_D = r"(?:3[01]|[12]\d|0?[1-9])"
_CN_Y = r"[一二三四五六七八九〇零○]{4}"
_CN_M = r"(?:十[一二]?|[一二三四五六七八九])"
_CN_D = r"(?:三十一?|二?十[一二三四五六七八九]?|[一二三四五六七八九])"
_MONTH_PART = r"(?:份|上旬|中旬|下旬|初|底|末)?"
_DATE_RE = scan_pattern(
    r"\d一二三四五六七八九十〇零○",
    r"(?:(?<![\d\-/A-Za-z])(?:"
    rf"{_Y} ?年 ?{_M} ?月 ?{_D} ?[日号]|{_Y} ?年 ?{_M} ?月{_MONTH_PART}|{_Y} ?年(?:度)?"
    rf"|{_Y}(?:-{_M}-|\.{_M}\.|/{_M}/){_D}(?![\d])"  # one separator throughout: 2020-1-1, 2020.1.1
    rf")"
    rf"|(?<![\d./A-Za-z个])(?:{_M} ?月 ?{_D} ?[日号]|{_M} ?月{_MONTH_PART})(?![\d])"
    rf"|(?<![{CN_NUM}])(?:{_CN_Y}年(?:{_CN_M}月(?:{_CN_D}[日号])?)?(?:度)?|{_CN_M}月{_CN_D}日))",
    # a year's other three digits; a month's second digit; a Chinese year's or month's rest
    guard=r"\d{3}[ 年\-./]|\d?[ 月]|[一二三四五六七八九〇零○]{3}年|[一二]?月",
)

# Spans whose digits are never counts or dates: web and mail addresses, phone numbers,
# document numbers (〔2019〕60号, [2020]3号).
_PROTECTED_RE = scan_pattern(
    r"A-Za-z0-9(〔\[［【（",
    r"(?:(?:https?://|www\.)[A-Za-z0-9\-._~:/?#\[\]@!$&'*+;=%]+"
    r"|[A-Za-z0-9\-_]+(?:\.[A-Za-z0-9\-_]+)+\.(?:cn|com|net|org|gov)(?:/[A-Za-z0-9\-._~:/?#=&%]*)?"
    r"|[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+"
    r"|\(?0\d{2,3}\)?[-—]\d{7,8}(?:-\d{1,4})?|(?<!\d)1[3-9]\d{9}(?!\d)|(?<!\d)400-?\d{3}-?\d{4}(?!\d)"
    r"|[〔\[［【(（] ?(?:19|20)\d{2} ?[〕\]］】)）] ?第? ?\d+ ?号)",
    # an address or mail name up to its first . or @; the rest of http://, a phone, a mobile
    # or 400 number; a bracketed year
    guard=r"[A-Za-z0-9_%+\-]*+[.@]|ttps?://|0?\d{2,3}\)?[-—]|[3-9]\d{9}|00| ?(?:19|20)",
)
_ORDINAL_BEFORE = ("第", "第 ", "初", "周", "星期", "届", "No.", "NO.", "no.")
_QUOTES = {"《": "》", "“": "”", "「": "」", "〈": "〉", "<": ">"}


_OPEN_QUOTE_RE = re.compile("[" + "".join(_QUOTES) + "]")


class Candidate(NamedTuple):
    """A rule match in normalized offsets (a named tuple: hundreds are made per report)."""

    label: str
    start: int
    end: int
    value: Any
    priority: int = 0


def _protected(text: str) -> list[tuple[int, int]]:
    return [m.span(1) for m in non_overlapping(_PROTECTED_RE, text)]


def _inside(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    for s, e in spans:
        if s < end and start < e:
            return True
    return False


def enclosing_quote(text: str, start: int, end: int, window: int = 60) -> str | None:
    """The opening quote mark (《 “ 「 〈 <) enclosing `[start, end)` on its line, if any."""
    lo = max(0, start - window)
    if _OPEN_QUOTE_RE.search(text, lo, start) is None:
        return None  # most spans: no opening quote within the window
    left = text[lo:start]
    nl = left.rfind("\n")
    if nl >= 0:
        left = left[nl + 1 :]
    best: tuple[int, str] | None = None
    for open_, close in _QUOTES.items():
        i = left.rfind(open_)
        if i < 0 or close in left[i + 1 :]:
            continue
        right = text[end : end + window]
        j = right.find(close)
        if j < 0 or "\n" in right[:j] or open_ in right[:j]:
            continue
        if best is None or i > best[0]:
            best = (i, open_)
    return best[1] if best else None


def _ordinal(text: str, start: int) -> bool:
    return text[max(0, start - 4) : start].endswith(_ORDINAL_BEFORE)


def _session(text: str, start: int, end: int, unit: str) -> bool:
    if unit != "次":
        return False
    if _SESSION_RE.match(text, end):
        return True
    return _MEETING_RE.match(text, end) is not None and "届" in text[max(0, start - 12) : start]


def count_candidates(text: str, protected: list[tuple[int, int]]) -> list[Candidate]:
    """COUNT candidates: a number with a measure word (756条, 1300余条, 56万人次, 两个)."""
    out: list[Candidate] = []
    for m in non_overlapping(_COUNT_RE, text):
        s, e = m.span(1)
        unit = m.group("unit")
        cn = m.group("cn")
        if cn is not None:
            if (
                cn in ("一", "十")
                or unit in ARABIC_ONLY_UNITS
                or _CN_IDIOM_AFTER.match(text, m.start("unit"))
            ):
                continue
            if len(cn) > 1 and not any(ch in "十百千万亿" for ch in cn):
                continue  # a digit string is a name or an address (东四六条), not a count
        if unit == "个" and _DURATION_AFTER_GE_RE.match(text, e):
            continue
        if _ordinal(text, s) or (protected and _inside(protected, s, e)) or _session(text, s, e, unit):
            continue
        if unit in ("条", "项", "款") and text[max(0, s - 1) : s] == "》":
            continue  # an article of a law: 《条例》二十条
        quote = enclosing_quote(text, s, e)
        if quote in ("《", "〈", "<") or (quote and cn is not None):
            continue  # counts inside names and titles: 《…25个试点领域标准目录》, “两个维护”
        value = count_value(text[s:e], text[max(0, s - 3) : s], text[e : e + 3])
        if value is not None:
            out.append(Candidate("COUNT", s, e, value, 1))
    return out


def amount_candidates(text: str, protected: list[tuple[int, int]]) -> list[Candidate]:
    """AMOUNT candidates: 10709.63万元, 5亿元, and a bare 348.47万 where money is the topic."""
    out: list[Candidate] = []
    if "元" not in text and "万" not in text:
        return out  # every amount ends with 元 or a bare 万
    for m in non_overlapping(_AMOUNT_RE, text):
        s, e = m.span(1)
        if m.group("bare") is not None:
            if m.group("mult") != "万":
                continue
            if not _MONEY_CONTEXT_RE.search(text, max(0, s - 150), s):
                continue
        if (
            _ordinal(text, s)
            or (protected and _inside(protected, s, e))
            or enclosing_quote(text, s, e) in ("《", "〈")
        ):
            continue
        value = amount_value(text[s:e])
        if value is not None:
            out.append(Candidate("AMOUNT", s, e, value, 2))
    for m in non_overlapping(_CN_AMOUNT_RE, text):
        s, e = m.span(1)
        value = amount_value(text[s:e])
        if value is not None and not _ordinal(text, s):
            out.append(Candidate("AMOUNT", s, e, value, 2))
    return out


def date_candidates(text: str, protected: list[tuple[int, int]]) -> list[Candidate]:
    """DATE candidates: 2020年, 2020年1月1日, 12月31日, 10月中旬, 2019年度, 二〇二〇年, 2020.1.1."""
    out: list[Candidate] = []
    for m in non_overlapping(_DATE_RE, text):
        s, e = m.span(1)
        if (protected and _inside(protected, s, e)) or _ordinal(text, s):
            continue
        value = date_value(text[s:e])
        if value is not None:
            out.append(Candidate("DATE", s, e, value, 3))
    return out


def numeric_candidates(text: str) -> list[Candidate]:
    """All COUNT, AMOUNT and DATE candidates of a normalized text (they may overlap)."""
    protected = _protected(text)
    return (
        date_candidates(text, protected)
        + amount_candidates(text, protected)
        + count_candidates(text, protected)
    )
