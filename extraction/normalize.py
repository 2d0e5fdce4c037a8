"""Normalization of messy report text, with an offset map back into the original.

Every later stage works on `Normalized.text` and converts its spans back with
`Normalized.span(start, end)`, so every offset in the output points into the text as decoded.

Each step is either a 1:1 character translation (the map is unchanged) or a deletion of
character ranges (the map drops those positions). No step inserts characters, so every
normalized character has exactly one original position.
"""

from __future__ import annotations

import re
from array import array
from dataclasses import dataclass
from functools import lru_cache

CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CJK_RE = f"[{CJK}]"
# Sentence-final or clause punctuation after which a line break is a real break.
_PUNCT_END = set("。；;！!？?：:，,、）)】]》”\"'…—-|")


@dataclass(frozen=True)
class Normalized:
    """Normalized text plus the original index of each of its characters.

    `index[i]` is the original offset of normalized character `i`; `index[len(text)]` is
    `len(original)`.
    """

    original: str
    text: str
    index: array

    def pos(self, i: int) -> int:
        """Original offset of normalized position `i` (a start position)."""
        return self.index[i]

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Original `[start, end)` of the normalized span `[start, end)`."""
        if end <= start:
            o = self.index[start]
            return o, o
        return self.index[start], self.index[end - 1] + 1

    def dropped(self, min_len: int = 1) -> list[tuple[int, int]]:
        """Original ranges of at least `min_len` characters that normalization dropped (page
        numbers and running headers are whole lines; a space inside a word is one character)."""
        out, prev = [], 0
        for i in range(len(self.index)):
            o = self.index[i]
            if o - prev >= min_len:
                out.append((prev, o))
            prev = o + 1
        return out

    def orig_text(self, start: int, end: int) -> str:
        """The original text under the normalized span `[start, end)`."""
        s, e = self.span(start, end)
        return self.original[s:e]


# --- character translations (1:1) ----------------------------------------------------------


def _fullwidth_table() -> dict[int, str]:
    table = {cp: chr(cp - 0xFEE0) for cp in range(0xFF01, 0xFF5F)}
    for cp in (
        0x3000,
        0x00A0,
        0x2002,
        0x2003,
        0x2004,
        0x2005,
        0x2006,
        0x2007,
        0x2008,
        0x2009,
        0x200A,
        0x202F,
    ):
        table[cp] = " "
    # Chinese quotes and brackets are kept: they carry meaning for AGENCY (quoted names are not
    # agencies). Only the ideographic full stop variants are unified.
    table[0xFF61] = "。"
    table[ord("\u2014")] = "—"
    return table


@lru_cache(maxsize=1)
def t2s_table() -> dict[int, str]:
    """Traditional → simplified, character by character (opencc's TSCharacters, first choice).

    Character-level conversion keeps the offset map 1:1; phrase-level conversion would not.
    """
    from importlib import resources

    out: dict[int, str] = {}
    try:
        data = resources.files("opencc").joinpath("dictionary/TSCharacters.txt").read_text(encoding="utf-8")
    except (ModuleNotFoundError, FileNotFoundError):  # pragma: no cover - dependency is pinned
        return out
    for line in data.splitlines():
        parts = line.split("\t")
        if len(parts) != 2:
            continue
        src, dst = parts[0], parts[1].split(" ")[0]
        if len(src) == 1 and len(dst) == 1 and src != dst:
            out[ord(src)] = dst
    return out


@lru_cache(maxsize=1)
def _translation() -> dict[int, str]:
    table = dict(t2s_table())
    table.update(_fullwidth_table())
    return table


@lru_cache(maxsize=1)
def _translation_list() -> list[str]:
    """`_translation()` for the Basic Multilingual Plane, as a list indexed by code point
    (identity where nothing changes): `str.translate` indexes a list about twice as fast as it
    looks up a dict (measured: 1.5 M vs 2.7 M instructions for a 3,700-character report); ~5 MB."""
    out = [chr(i) for i in range(0x10000)]
    for k, v in _translation().items():
        if k < 0x10000:
            out[k] = v
    return out


_ASTRAL_RE = re.compile("[\U00010000-\U0010ffff]")


# --- deletions ------------------------------------------------------------------------------


def _line_start_patterns(inner: str) -> tuple[re.Pattern[str], re.Pattern[str]]:
    """A pattern that matches at line starts (`^`, multiline), compiled for a fast scan: as is
    for the first line, and after a literal line break for the others (its match is group
    "line"). A `^`-first pattern is otherwise entered at every position of the text."""
    return re.compile(inner, re.M), re.compile(rf"\n(?=(?P<line>{inner}))", re.M)


def _line_start_matches(patterns: tuple[re.Pattern[str], re.Pattern[str]], text: str) -> list[re.Match[str]]:
    """The matches `finditer` of the multiline pattern would give, for patterns that never
    reach past their line's break (the match of a line ends before the next line starts)."""
    first, rest = patterns
    m = first.match(text)
    out = [m] if m else []
    out += rest.finditer(text)
    return out


def _span(m: re.Match[str]) -> tuple[int, int]:
    return m.span("line") if "line" in m.re.groupindex else m.span()


_PINYIN = "a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüńňǹ"
# Inline pinyin after a character: 報(bào)告 -> 報告. Only lowercase pinyin letters, 1-7 long.
_PINYIN_RE = re.compile(
    rf"\((?<={_CJK_RE}\()([{_PINYIN}]{{1,7}}[1-5]?)\)"
)  # starts with its "(": a fast scan
_ARTIFACT_RE = re.compile(r"\[bookmark:[^\]\n]{0,80}\]|\u200b|\u200c|\u200d|\ufeff|\r|\*\*|\f")
_MD_HEADING_RE = _line_start_patterns(r"^[ \t]*#{1,6}[ \t]*")
# Page furniture: "- 3 -", "第 3 页", "第3页 共10页", "3/10", "— 3 —".
_PAGE_RE = _line_start_patterns(
    r"^[ \t]*(?:[-—–]+[ \t]*\d{1,3}[ \t]*[-—–]+|第[ \t]*\d{1,3}[ \t]*页(?:[ \t]*[,，]?[ \t]*共[ \t]*\d{1,3}[ \t]*页)?"
    r"|\d{1,3}[ \t]*/[ \t]*\d{1,3}|[Pp]age[ \t]*\d{1,3}(?:[ \t]*of[ \t]*\d{1,3})?)[ \t]*\n"
)
_BARE_NUM_LINE_RE = _line_start_patterns(r"^[ \t]*(\d{1,3})[ \t]*\n")
# One space (or two) between CJK characters, or between a number and a CJK character, is an
# artifact of PDF/OCR export: 尚 未 审 结, 2020 年. Runs of 3+ spaces separate columns.
# Both patterns start with the literal space (fast scan); the character before is checked after.
_INNER_SPACE_RE = re.compile(rf"[ ]{{1,2}}(?=[{CJK}“”《》（）()])")
_INNER_SPACE_BEFORE_RE = re.compile(rf"[{CJK}“”《》（）()、，。：,:]")
_NUM_CJK_SPACE_RE = re.compile(rf"[ ](?=[{CJK}0-9])")
_CJK_CHAR_RE = re.compile(_CJK_RE)
_NUMBERING_RE = re.compile(
    r"^[ \t]*(?:[一二三四五六七八九十]+[、.．]|[(（][一二三四五六七八九十0-9]+[)）]|\d+[、.．])"
)
_REPORT_LINE_RE = _line_start_patterns(r"^(?P<key>[^\n]*报告[^\n]*)(?:\n|$)")
_CJK_SEARCH = re.compile(_CJK_RE)
_SENTENCE_PUNCT_RE = re.compile(r"[。，,；;]")
_TITLE_END_RE = re.compile(r"(报告|情况|事项|打算|措施|问题|目录|说明)[ \t]*$")


def _apply_deletions(text: str, index: array, ranges: list[tuple[int, int]]) -> tuple[str, array]:
    """Drop the `[start, end)` ranges (sorted, non-overlapping) from text and index."""
    if not ranges:
        return text, index
    parts: list[str] = []
    new_index = array("i")
    prev = 0
    for s, e in ranges:
        if s < prev:
            s = prev
        if e <= s:
            continue
        parts.append(text[prev:s])
        new_index.extend(index[prev:s])
        prev = e
    parts.append(text[prev:])
    new_index.extend(index[prev:])
    return "".join(parts), new_index


def merge_ranges(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sorted union of `[start, end)` ranges (overlapping or touching ones joined)."""
    out: list[tuple[int, int]] = []
    for s, e in sorted(ranges):
        if out and s <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], e))
        else:
            out.append((s, e))
    return out


def _is_prose(line: str) -> bool:
    """A sentence of narrative (not a table label, which has no sentence punctuation)."""
    return (
        len(line.strip()) >= 15
        and "\t" not in line
        and "|" not in line
        and _CJK_SEARCH.search(line) is not None
        and _SENTENCE_PUNCT_RE.search(line) is not None
    )


def _neighbour_line(text: str, start: int, end: int, forward: bool) -> str:
    """The nearest non-blank line before `start` (or after `end`)."""
    if forward:
        pos = end
        while pos < len(text):
            nxt = text.find("\n", pos)
            nxt = len(text) if nxt < 0 else nxt
            if text[pos:nxt].strip():
                return text[pos:nxt]
            pos = nxt + 1
        return ""
    pos = start - 1
    while pos > 0:
        prv = text.rfind("\n", 0, pos)
        if text[prv + 1 : pos].strip():
            return text[prv + 1 : pos]
        pos = prv
    return ""


def _page_furniture(text: str) -> list[tuple[int, int]]:
    """Ranges of page-number lines and running headers."""
    ranges = [_span(m) for m in _line_start_matches(_PAGE_RE, text)]
    # A bare 1-3 digit line between two prose lines is a page number (inside a table it is a
    # cell, and its neighbours are cells, not prose).
    for m in _line_start_matches(_BARE_NUM_LINE_RE, text):
        s, e = _span(m)
        before = _neighbour_line(text, s, e, forward=False)
        after = _neighbour_line(text, s, e, forward=True)
        if before and after and _is_prose(before) and _is_prose(after):
            ranges.append((s, e))
    # Running headers: the same short line containing 报告 repeated on several pages. The first
    # occurrence is kept (it is usually the title).
    seen: dict[str, int] = {}
    for m in _line_start_matches(_REPORT_LINE_RE, text):
        key = m.group("key").strip()
        if (
            6 <= len(key) <= 60
            and "。" not in key
            and "\t" not in key
            and "|" not in key
            and not _NUMBERING_RE.match(key)  # a numbered heading (六、其他需要报告的事项) is not a header
        ):
            seen[key] = seen.get(key, 0) + 1
            if seen[key] >= 2:
                ranges.append(_span(m))
    return ranges


# A line break (with the spaces around it) between two CJK characters. It starts with the
# literal space, tab or line break (a fast scan) and checks the CJK character before it after.
_LINE_BREAK_RE = re.compile(
    rf"(?: (?<={_CJK_RE} )[ \t]*\n|\t(?<={_CJK_RE}\t)[ \t]*\n|\n(?<={_CJK_RE}\n))[ \t\n]*(?={_CJK_RE})"
)


def _line_joins(text: str) -> list[tuple[int, int]]:
    """Ranges of line breaks inside a word: prose broken across lines or pages."""
    out: list[tuple[int, int]] = []
    for m in _LINE_BREAK_RE.finditer(text):
        brk_start = m.start()
        line_start = text.rfind("\n", 0, brk_start) + 1
        prev_line = text[line_start:brk_start]
        # Lines with column gaps (two spaces) are table rows of a space-aligned table.
        if "\t" in prev_line or "|" in prev_line or len(prev_line.strip()) < 20 or "  " in prev_line.strip():
            continue
        # A title or heading ends a line on purpose: 年度报告, 情况, 事项.
        if _TITLE_END_RE.search(prev_line) and len(prev_line.strip()) < 60:
            continue
        if _NUMBERING_RE.match(prev_line) and len(prev_line.strip()) < 40:
            continue
        nxt_end = text.find("\n", m.end())
        next_line = text[m.end() : nxt_end if nxt_end >= 0 else len(text)]
        if (
            _NUMBERING_RE.match(next_line)
            or "\t" in next_line
            or "|" in next_line
            or "  " in next_line.strip()
        ):
            continue
        out.append((brk_start, m.end()))
    return out


def _inner_spaces(text: str) -> list[tuple[int, int]]:
    """Spaces inside words: between CJK characters (1-2 spaces) and between a number and CJK."""
    out = []
    for m in _INNER_SPACE_RE.finditer(text):
        s = m.start()
        if s == 0 or not _INNER_SPACE_BEFORE_RE.match(text, s - 1):
            continue
        if m.end() - s == 2:
            # Two spaces are a column gap in a line whose other gaps are also short (结果维持  结果纠正).
            line_start = text.rfind("\n", 0, s) + 1
            line_end = text.find("\n", s)
            line = text[line_start : line_end if line_end >= 0 else len(text)]
            if "   " in line or line.count("  ") > 1:
                continue
        out.append((s, m.end()))
    for m in _NUM_CJK_SPACE_RE.finditer(text):
        s = m.start()
        if s == 0 or m.end() >= len(text):
            continue
        prev, nxt = text[s - 1], text[m.end()]
        if (prev.isdigit() and prev.isascii() and _CJK_CHAR_RE.match(nxt)) or (
            _CJK_CHAR_RE.match(prev) and nxt.isdigit()
        ):
            out.append((s, m.end()))
    return out


_IDENTITY = array("i")


def _identity_index(n: int) -> array:
    """array('i', range(n)), sliced from a cached one (a copy of memory, not n Python ints)."""
    global _IDENTITY
    if len(_IDENTITY) < n:
        _IDENTITY = array("i", range(max(n, 2 * len(_IDENTITY), 1 << 16)))
    return _IDENTITY[:n]


def normalize(original: str) -> Normalized:
    """Normalize report text, keeping a map from every normalized character to the original.

    Steps: full-width → half-width and traditional → simplified (1:1); deletion of conversion
    artifacts (bookmarks, zero-width characters, markdown emphasis, carriage returns), inline
    pinyin, page numbers and running headers, spaces inside words, and line breaks inside words.
    """
    if _ASTRAL_RE.search(original):
        text = original.translate(_translation())  # a character beyond the list
    else:
        text = original.translate(_translation_list())
    body = _identity_index(len(original))

    dels = [(m.start(), m.end()) for m in _ARTIFACT_RE.finditer(text)]
    dels += [sp for m in _line_start_matches(_MD_HEADING_RE, text) if (sp := _span(m))[1] > sp[0]]
    dels += [(m.start(), m.end()) for m in _PINYIN_RE.finditer(text)]
    text, body = _apply_deletions(text, body, merge_ranges(dels))

    text, body = _apply_deletions(text, body, merge_ranges(_page_furniture(text)))

    dels = _inner_spaces(text)
    text, body = _apply_deletions(text, body, merge_ranges(dels))

    text, body = _apply_deletions(text, body, merge_ranges(_line_joins(text)))

    body.append(len(original))
    return Normalized(original=original, text=text, index=body)
