"""AGENCY candidates: body-type suffixes extended to the left over a word lattice.

A name is read right to left from a body type (局, 人民政府, 领导小组...): each step takes the
longest known word that ends where the name so far begins: a function (公安, 市场监督管理),
another body (公安局 before 指挥中心…办公室), a place from the gazetteer (蚌埠市, 贵池), a level
word (市, 区, 县), or a national body or prefix (国务院, 中共). Which word may stand left of
which is the small grammar in `_allowed`. The name then starts at its first place or national
word; without one it is kept only as a named internal unit with a long enough name
(政务服务管理支队, not 交警大队).

The spec's exclusions: self-references and bare generic nouns never get a place (我局, 市局,
分局, 县（区）公安局); quoted account/platform names (“蚌埠市公安局”门户网站) and document
numbers (国务院令第711号) are dropped; compounds split where a new place starts after a
complete body (市委市政府 -> 市委 + 市政府).
"""

from __future__ import annotations

import re

from extraction.rules.agency_words import (
    AFTER_HEAD,
    FUNCTIONAL,
    LEVEL_BAN,
    LEVEL_BAN_COMMON,
    MIN_UNIT_NAME,
    NOT_AFTER_STREET,
    STANDALONE,
    SUBUNIT,
    TOWNSHIP_HEADS,
    UNIT,
    word_endings,
    word_kinds,
)
from extraction.rules.numeric import Candidate

# Words after a quoted name that make it an account or platform name: “蚌埠市公安局”门户网站.
_PLATFORM_RE = re.compile(
    r"\s*(?:门户)?(?:网站|网|微信|微博|公众号|政务号|头条|抖音|快手|客户端|APP|App|app|账号|平台|号|专栏|栏目)"
)
# A body name followed by 令 / 第N号 is part of a document number: 国务院令第711号, 国务院第711号.
_DOC_NUMBER_AFTER_RE = re.compile(r"\s?(?:令|第\s?\d)")
# A name never reaches further left than this from its body type (it stays inside its run of
# CJK characters: the words it is read from are all CJK).
_MAX_NAME = 30


def _level_ok(text: str, start: int, word: str) -> bool:
    prev = text[start - 1] if start > 0 else ""
    return not prev or (prev not in LEVEL_BAN_COMMON and prev not in LEVEL_BAN.get(word, ""))


def _left_tokens(
    text: str, pos: int, lo: int, words: dict[str, str], endings: frozenset[str], max_len: int
) -> list[tuple[int, str]]:
    """Known words ending at `pos` (not starting before `lo`), longest first, as (start, kind).

    The look-up stops at the first `text[pos - k : pos]` that is neither a word nor one of the
    `endings` of one (`word_endings()`): no longer word ends at `pos` then.
    """
    found: list[tuple[int, str]] = []
    for k in range(1, min(max_len, pos - lo) + 1):
        w = text[pos - k : pos]
        kind = words.get(w)
        if kind is None:
            if w in endings:
                continue
            break
        if kind != "L" or _level_ok(text, pos - k, w):
            found.append((pos - k, kind))
    found.reverse()
    return found


_PLACE = ("P", "T", "L", "Q")  # words a name may start with and that precede a standalone body


def _allowed(left: str, left_word: str, right: str, right_word: str, nearest: str) -> bool:
    """May a word of kind `left` stand directly before `right_word` (of kind `right`)?

    `nearest` is the nearest body type right of the left word (the one a place may name).
    """
    if right == "H":
        if left in _PLACE:
            return right_word in STANDALONE and not (
                left_word.endswith("街道") and right_word in NOT_AFTER_STREET
            )
        if left == "S":
            return right_word in SUBUNIT  # 贵池分局
        if left == "U":
            return right_word in TOWNSHIP_HEADS  # 城关派出所
        if left == "F":
            return right_word in FUNCTIONAL
        return right_word in AFTER_HEAD  # left H or N: 市政府办公室, 国务院办公厅
    if right == "F":
        return left != "U"
    if right in ("P", "T"):
        return left in ("P", "S", "Q") or (left == "H" and nearest in SUBUNIT)  # 安徽省蚌埠市, 公安局XX区分局
    if right in ("S", "U"):
        # 池州市公安贵池分局, 池州市公安局贵池分局, 某县城关派出所
        return left in ("P", "S", "T", "Q", "F") or (left == "H" and nearest in SUBUNIT)
    if right == "L":
        return left in ("S", "Q")  # 黔东南州, 中共市委
    return False  # right N: a complete national body starts its name


def _chain(text: str, hs: int, head: str, lo: int) -> list[tuple[int, int, str, str]]:
    """Words (start, end, kind, word) of the longest name ending with the body at `hs`."""
    words, max_len, _, national = word_kinds()
    endings = word_endings()
    kind = "N" if head in national else "H"
    toks = [(hs, hs + len(head), kind, head)]
    pos = hs
    nearest_head = head  # the body right of the current position: a place may name it (…局贵池分局)
    while pos > lo:
        right = toks[-1]
        found = None
        for t in _left_tokens(text, pos, lo, words, endings, max_len):
            if _allowed(t[1], text[t[0] : pos], right[2], right[3], nearest_head):
                found = t
                break
        if found is None and right[2] == "F" and text[pos - 1] in "和与" and pos - 1 > lo:
            # 自然资源和规划局, 政府信息与政务公开办公室: a function joined to another function.
            inner = next(
                (t for t in _left_tokens(text, pos - 1, lo, words, endings, max_len) if t[1] == "F"), None
            )
            if inner is not None:
                toks.append((pos - 1, pos, "F", text[pos - 1]))
                pos -= 1
                found = inner
        if found is None:
            break
        start, kind = found
        toks.append((start, pos, kind, text[start:pos]))
        if kind == "H":
            nearest_head = text[start:pos]
        pos = start
    toks.reverse()
    return toks


def _name_start(toks: list[tuple[int, int, str, str]]) -> int | None:
    """Where the name starts: its first place or national word; None if it is not a name."""
    for s, _, kind, _ in toks:
        if kind in "PSTULQN":
            return s
    if toks[-1][3] not in UNIT:
        return None
    # A named internal unit: the function words right before the unit, after any other body.
    i = len(toks) - 1
    while i > 0 and toks[i - 1][2] == "F":
        i -= 1
    if i == len(toks) - 1 or toks[-1][0] - toks[i][0] < MIN_UNIT_NAME:
        return None
    return toks[i][0]


def _quoted_platform(text: str, start: int, end: int) -> bool:
    """A quoted account or platform name: “蚌埠市公安局”门户网站, “蚌埠市公安局”, "某局"网站."""
    line_start = text.rfind("\n", 0, start) + 1
    left = text[max(line_start, start - 20) : start]
    for open_, close in (("“", "”"), ("「", "」"), ('"', '"')):
        i = left.rfind(open_)
        if i < 0 or (close != open_ and close in left[i:]):
            continue
        if open_ == '"' and text.count('"', line_start, start) % 2 == 0:
            continue  # that " closes an earlier quote
        j = text.find(close, end, end + 20)
        if j < 0 or "\n" in text[end:j]:
            continue
        if (i == len(left) - 1 and j == end) or _PLATFORM_RE.match(text, j + 1):
            return True
    return False


def agency_candidates(text: str) -> list[Candidate]:
    """AGENCY candidates of a normalized text (they may overlap; the longest wins later)."""
    _, _, head_re, _ = word_kinds()
    out: list[Candidate] = []
    for m in head_re.finditer(text):
        hs, he = m.span(1)
        toks = _chain(text, hs, m.group(1), max(0, hs - _MAX_NAME))
        if len(toks) == 1 and toks[0][2] != "N":
            continue  # a body type alone is no name (政府, 办公室)
        start = _name_start(toks)
        if start is None:
            continue
        if _DOC_NUMBER_AFTER_RE.match(text, he) or _quoted_platform(text, start, he):
            continue
        out.append(Candidate("AGENCY", start, he, None, 0))
    return out
