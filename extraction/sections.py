"""The six template sections of a report, and the template version it follows.

Headings are found line by line on the normalized text (markdown `#` and `**` are already gone,
traditional script is already simplified). A line is a heading candidate when it starts with a
section numeral (一、 一 、 二．, a lone 二、 whose title sits on the next line, 第三部分, 6、) or,
without a numeral, when the whole line is a section's canonical title. Candidates are then chosen as
the best-scoring chain with strictly increasing section numbers, so sub-lists numbered 一、二、 inside a
section, table row labels (一、本年新收…, 四、结转下年度继续办理) and tables of contents lose against
the real headings.

A heading whose words name another section (seed 000 heads 三 with 二's title) or no section (六、下一步
工作打算) keeps the number it is written with and gets `title_ok=False`; `named` is the section its
words name. Only when the written numeral cannot be right (一、总体情况 / 三、主动公开政府信息情况 / 三、收到
和处理…) does the chain take the heading as the section its words name, with `title_ok=True`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from extraction.normalize import Normalized
from extraction.schema import SECTION_NUMERALS, Section, version_for_year

# --- what a title names ----------------------------------------------------------------------

# Canonical wordings (2019/2021 template) and their common variants. A strong match may stand on
# a line without a numeral; a weak match only names the section of a numbered heading.
_STRONG = (
    (
        1,
        re.compile(
            r"^(?:政府信息公开(?:工作)?)?(?:总体情况|总体概述|概述|工作概况|工作概述|基本情况|工作基本情况)$"
        ),
    ),
    (2, re.compile(r"^(?:行政机关)?(?:主[动要]公开政府信息(?:的)?情况|政府信息主动公开情况)$")),
    (3, re.compile(r"^(?:行政机关)?收到和处理政府信息公开申请(?:的)?情况$")),
    (
        4,
        re.compile(
            r"^(?:因)?政府信息公开(?:工作被申请)?(?:行政复议|申请行政复议)[、和及,]?(?:提起)?行政诉讼(?:的)?情况$"
        ),
    ),
    (5, re.compile(r"^(?:政府信息公开)?(?:工作)?存在(?:的)?(?:主要)?问题(?:及|和|与)改进(?:情况|措施)$")),
    (6, re.compile(r"^其[他它]需要报告的?事项$")),
)
# Weak keywords, tried in this order: 复议/诉讼 before 申请 (4's title mentions 申请 in legacy
# wordings), 问题/改进 before 公开 (5's title starts with 政府信息公开工作).
_WEAK = (
    (4, re.compile(r"复议|诉讼")),
    (5, re.compile(r"存在.{0,6}问题|问题.{0,4}(?:改进|措施|打算)|改进(?:情况|措施)")),
    (6, re.compile(r"其[他它].{0,6}(?:报告|事项)|需要报告")),
    (3, re.compile(r"收到.{0,4}处理|依申请公开|公开申请")),
    (2, re.compile(r"主[动要]公开")),
    (1, re.compile(r"总体|概述|概况|基本|综述")),
)
# Row labels of the requests table, numbered like headings but never headings.
_TABLE_LABEL_RE = re.compile(r"本年新收|上年结转|本年度办理结果|办理结果|结转下年度|继续办理|申请数量")

_CN = {c: i + 1 for i, c in enumerate(SECTION_NUMERALS)}
_CN_ALL = "一二三四五六七八九十"
# 一、 二. 三． 四, 五: and also "一 、总体情况", "一 总体情况", 第一部分 总体情况; never 一是 / 一要.
_CN_HEAD_RE = re.compile(
    rf"^(?:第([{_CN_ALL}])部分[ \t、.．,，:：]*|([{_CN_ALL}])[ \t]*(?:[、.．,，:：][ \t]*|[ \t]+|(?=$)))"
)
# A numeral glued to its title (一总体情况, as normalization leaves "一 总体情况"): only with a
# canonical title of the same section.
_CN_GLUED_RE = re.compile(rf"^([{SECTION_NUMERALS}])(?=[^\s是要])")
_AR_HEAD_RE = re.compile(r"^([1-9])[ \t]*[、.．][ \t]*")
_TITLE_CUT_RE = re.compile(r"[。:：；;,，\t|]")
_SPACE_RE = re.compile(r"[ \t]+")

_MAX_TITLE = 30


def title_names(title: str) -> tuple[int | None, bool]:
    """The section a heading's words name, and whether the wording is a strong (canonical) match.

    Args:
        title: heading text without its numeral.

    Returns:
        `(number, strong)`; `(None, False)` when the words name no section.
    """
    t = _SPACE_RE.sub("", title).rstrip("。.:：")
    for n, rx in _STRONG:
        if rx.match(t):
            return n, True
    if _TABLE_LABEL_RE.search(t):
        return None, False
    hits = _weak_hits(t)
    return (hits[0] if hits else None), False


def _weak_hits(title: str) -> list[int]:
    """Every section a title's keywords point to (二、主动公开、依申请公开工作情况 -> [3, 2])."""
    return [n for n, rx in _WEAK if rx.search(title)]


# --- candidates ---------------------------------------------------------------------------


@dataclass
class _Option:
    pos: int  # normalized start of the heading
    head_end: int  # normalized end of the heading text
    body: int  # normalized start of the body
    number: int
    named: int | None
    title_ok: bool
    score: float


# Lines worth a closer look: a numeral at the start, or a short line ending like a section title.
_CAND_RE = re.compile(
    rf"^[ \t\u3000|]*(?:第?[{_CN_ALL}]|[1-9][ \t]*[、.．]|[^\n]{{0,{_MAX_TITLE}}}(?:情况|概述|概况|事项|措施)[ \t。.:：|]*$)",
    re.M,
)


def _line_at(text: str, s: int) -> tuple[int, int]:
    """`(start, end)` of the line starting at `s`, end excluding the newline."""
    e = text.find("\n", s)
    return s, (len(text) if e < 0 else e)


def _next_line(text: str, e: int) -> tuple[int, int] | None:
    """The line after the one ending at `e`, or None at the end of the text."""
    return _line_at(text, e + 1) if e < len(text) else None


def _strip(text: str, s: int, e: int) -> tuple[int, int]:
    while s < e and text[s] in " \t\u3000|":
        s += 1
    while e > s and text[e - 1] in " \t\u3000|":
        e -= 1
    return s, e


def _title_span(text: str, s: int, e: int) -> tuple[int, int, bool]:
    """The title part of `[s, e)`: the whole rest of the line, or its first clause when the line
    carries body text after the title. Returns `(start, end, whole_line)`."""
    if e - s <= _MAX_TITLE and not _TITLE_CUT_RE.search(text, s, e - 1):
        return s, e, True
    m = _TITLE_CUT_RE.search(text, s, e)
    cut = m.start() if m else min(e, s + _MAX_TITLE)
    return s, cut, False


def _options_for_line(text: str, ls: int, le: int) -> list[_Option]:
    s, e = _strip(text, ls, le)
    if s >= e:
        return []
    line = text[s:e]
    tabular = "\t" in line or "|" in line
    nxt = _next_line(text, le)
    next_start = nxt[0] if nxt else len(text)
    m = _CN_HEAD_RE.match(line)
    if m is None and (g := _CN_GLUED_RE.match(line)) and title_names(line[1:]) == (_CN[g.group(1)], True):
        m = g
    if m:
        ch = m.group(1) or m.group(2)
        num = _CN.get(ch)
        ts, te = s + m.end(), e
        if ts >= te:  # "二、" alone: the title is on the next non-empty line (corpus r0181)
            while nxt is not None and not text[nxt[0] : nxt[1]].strip():
                nxt = _next_line(text, nxt[1])
            if nxt is None:
                return []
            ts, te = _strip(text, *nxt)
            after = _next_line(text, nxt[1])
            next_start = after[0] if after else len(text)
        if num is None:  # 七、八、: legacy reports have more parts; never one of the six
            return []
        ts, te, whole = _title_span(text, ts, te)
        title = text[ts:te]
        if not title or _TABLE_LABEL_RE.search(title):
            return []
        named, strong = title_names(title)
        if named is not None and named != num and not strong and num in _weak_hits(_SPACE_RE.sub("", title)):
            named = num  # a combined title that also names its own section
        body = next_start if whole else te
        if not whole and not strong:
            return []
        if named == num:
            return [_Option(s, te, body, num, named, True, 5.0 if strong else 4.0)]
        if tabular or not whole:
            return []
        if named is None:
            # 六、下一步工作打算: a numbered short line is a heading even when its words fit no section.
            return [_Option(s, te, body, num, None, False, 1.5)]
        return [
            _Option(s, te, body, num, named, False, 2.0),  # the numeral is right, the title wrong
            _Option(s, te, body, named, named, True, 1.5),  # the title is right, the numeral wrong
        ]
    m = _AR_HEAD_RE.match(line)
    if m:
        # 6、其他需要报告的事项 (seed 002). Arabic numbers mostly number sub-items, so the words
        # must name the same section.
        ts, te, whole = _title_span(text, s + m.end(), e)
        named, strong = title_names(text[ts:te])
        num = int(m.group(1))
        if named != num or tabular:
            return []
        return [_Option(s, te, next_start if whole else te, num, named, True, 2.5 if strong else 2.0)]
    if len(line) <= _MAX_TITLE and not tabular:
        named, strong = title_names(line)
        if named is not None and strong:
            return [_Option(s, e, next_start, named, named, True, 2.0)]
    return []


def _best_chain(options: list[_Option], text_len: int) -> list[_Option]:
    """The highest-scoring chain of options in text order with strictly increasing numbers.

    A small bonus for a longer body makes a real heading win over a table-of-contents line with
    the same score. Linear in the options: the best chain so far is kept per last number (1..6).
    """
    if not options:
        return []
    starts = sorted({o.pos for o in options})
    nxt_start = {p: (starts[i + 1] if i + 1 < len(starts) else text_len) for i, p in enumerate(starts)}
    # best_end[k]: (score, option index) of the best chain so far whose last number is k
    best_end: list[tuple[float, int]] = [(0.0, -1)] * 7
    prev = [-1] * len(options)
    score = [0.0] * len(options)
    i = 0
    while i < len(options):
        j = i
        while j < len(options) and options[j].pos == options[i].pos:  # one line's alternatives
            j += 1
        for k in range(i, j):
            o = options[k]
            gain = o.score + min(nxt_start[o.pos] - o.body, 400) / 4000
            base, at = max(best_end[: o.number], key=lambda t: t[0])
            score[k], prev[k] = base + gain, at
        for k in range(i, j):
            if score[k] > best_end[options[k].number][0]:
                best_end[options[k].number] = (score[k], k)
        i = j
    k = max(range(1, 7), key=lambda n: best_end[n][0])
    chain = []
    at = best_end[k][1]
    while at >= 0:
        chain.append(options[at])
        at = prev[at]
    return chain[::-1]


def find_sections(norm: Normalized) -> list[Section]:
    """Find the six template sections.

    Args:
        norm: the normalized report.

    Returns:
        The sections found, in text order, with ORIGINAL offsets. A section ends where the next one
        starts (the last at the end of the text). Absent sections are simply not listed.
    """
    text = norm.text
    options = [
        o for m in _CAND_RE.finditer(text) for o in _options_for_line(text, *_line_at(text, m.start()))
    ]
    chain = _best_chain(options, len(text))
    out: list[Section] = []
    n_orig = len(norm.original)
    for k, o in enumerate(chain):
        start, head_end = norm.span(o.pos, o.head_end)
        b = o.body
        while b < len(text) and text[b] in " \t\n\u3000":  # the body starts at its first character
            b += 1
        body = norm.pos(b) if b < len(text) else n_orig
        end = norm.pos(chain[k + 1].pos) if k + 1 < len(chain) else n_orig
        out.append(
            Section(
                number=o.number,
                heading=norm.original[start:head_end],
                start=start,
                body_start=min(max(body, head_end), end),
                end=end,
                title_ok=o.title_ok,
                named=o.named,
            )
        )
    return out


def decide_version(year: int | None, table_evidence: str | None) -> str:
    """The report's template version: the tables' own evidence first, else the year's template.

    Args:
        year: the statistics year, if known.
        table_evidence: "2019" / "2021" when the table text shows a template's row labels (e.g.
            2021's 本年制发件数 or （六）其他处理 1.申请人无正当理由逾期不补正), "legacy" for free-form
            tables, None when there is no table text.

    Returns:
        "2019", "2021", "legacy" or "unknown". A version that does not fit the year is kept (the
        tables follow it); the audit reports the mismatch.
    """
    if table_evidence in ("2019", "2021", "legacy"):
        return table_evidence
    by_year = version_for_year(year)
    return by_year if by_year is not None else "unknown"
