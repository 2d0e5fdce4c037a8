"""Distribution statistics of report text: the yardstick that compares the generator with the corpus.

`stats(texts)` summarizes a set of texts (line and sentence lengths, punctuation width, digits,
traditional script, table text, heading forms, how the text opens), so `training.realism` can set
synthetic and real reports side by side. Every figure is a share of documents or a median, so sets
of different sizes compare directly. `fold`, `words` and `shape` are the views the discriminator
of `training.realism` compares texts in.
"""

from __future__ import annotations

import re
import statistics
import unicodedata
from collections import Counter
from functools import lru_cache

_NUM = "一二三四五六七八九十"
# Heading forms, tried in order on a line stripped of indentation and markdown marks.
HEADING_FORMS = (
    ("一、", re.compile(f"^[{_NUM}]+\\s*、")),
    ("一.", re.compile(f"^[{_NUM}]+\\s*[.．]")),
    ("（一）", re.compile(f"^（[{_NUM}]+）")),
    ("(一)", re.compile(f"^\\([{_NUM}]+\\)")),
    ("1.", re.compile(r"^[0-9０-９]{1,2}\s*[.．](?![0-9])")),
    ("1、", re.compile(r"^[0-9０-９]{1,2}\s*、")),
    ("(1)", re.compile(r"^[(（][0-9０-９]{1,2}[)）]")),
    ("第一部分", re.compile(f"^第[{_NUM}]+(?:部分|章|节)")),
    ("一是", re.compile(f"^[{_NUM}]是")),
)
_MD_RE = re.compile(r"^(?:#{1,6}\s+|\*\*)")
_FULL = "，（）：；！？"
_HALF = ",():;!?"
_CJK_RE = re.compile(r"[\u4e00-\u9fff]")
_DIGIT_RE = re.compile(r"[0-9０-９]")
_SENT_RE = re.compile(r"[。！？!?\n]+")
_PINYIN_RE = re.compile(r"[\u4e00-\u9fff]\([a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]+\)")
# Words that only the template's tables use (a table copied as text).
_TABLE_WORDS_RE = re.compile(
    r"信息内容|本年制发件数|本年新制作数量|上一年项目数量|处理决定数量|商业企业|科研机构|社会公益组织|"
    r"法律服务机构|结果维持|结果纠正|尚未审结|本年新收政府信息公开申请数量|對外公開總數量|商業企業"
)
_CHROME_RE = re.compile(
    r"首页|位置|索引号|发布机构|发布日期|发布时间|来源|字体|浏览|分享|打印|首頁|索引號|發布"
)
_BASIS_RE = re.compile(r"^(?:本|根据|依据|按照|根據|依據)")
_INTRO_RE = re.compile(r"^(?:本|根据|依据|按照|为|根據|依據|按照|為|現|现|\d{4}\s*年)")


@lru_cache(maxsize=1)
def traditional_only() -> frozenset[str]:
    """Characters that are written only in traditional script (opencc's tables)."""
    from importlib import resources

    d = resources.files("opencc").joinpath("dictionary")
    trad = {
        ln.split("\t")[0] for ln in d.joinpath("TSCharacters.txt").read_text(encoding="utf-8").splitlines()
    }
    simp = {
        ln.split("\t")[0] for ln in d.joinpath("STCharacters.txt").read_text(encoding="utf-8").splitlines()
    }
    return frozenset(c for c in trad - simp if len(c) == 1)


def traditional_share(text: str) -> float:
    """Share of the CJK characters of a text that are traditional-only."""
    cjk = _CJK_RE.findall(text)
    if not cjk:
        return 0.0
    trad = traditional_only()
    return sum(1 for c in cjk if c in trad) / len(cjk)


def table_text(text: str) -> bool:
    """Whether a text holds a template table copied as text (its header or row words)."""
    return len(set(_TABLE_WORDS_RE.findall(text))) >= 2


def heading_form(line: str) -> str | None:
    """The numbering form of a heading-like line (一、, （一）, 1., …), or None."""
    s = _MD_RE.sub("", line.strip())
    for name, rx in HEADING_FORMS:
        if rx.match(s):
            return name
    return None


def opening(text: str) -> str:
    """How a text opens: chrome (page furniture), title, intro (the basis sentence), heading, other."""
    first = next((ln.strip() for ln in text.splitlines() if ln.strip()), "")
    first = _MD_RE.sub("", first)
    if heading_form(first):
        return "heading"
    titled = "报告" in first or "報告" in first
    if titled and len(first) <= 60 and "。" not in first and not _BASIS_RE.match(first):
        return "title"
    if _CHROME_RE.search(first[:30]) or "|" in first:
        return "chrome"
    if _INTRO_RE.match(first):
        return "intro"
    return "other"


def _share(flags: list[bool]) -> float:
    return round(sum(flags) / len(flags), 3) if flags else 0.0


def _median(xs: list[float]) -> float:
    return round(statistics.median(xs), 1) if xs else 0.0


def stats(texts: list[str]) -> dict[str, object]:
    """Side-by-side statistics of a set of texts (medians and shares of documents)."""
    line_lens, sent_lens, width, digits, lines_k, blank, indent = [], [], [], [], [], [], []
    forms: Counter[str] = Counter()
    openings: Counter[str] = Counter()
    for t in texts:
        lines = t.split("\n")
        full = [ln for ln in lines if ln.strip()]
        line_lens.extend(len(ln.strip()) for ln in full)
        lines_k.append(1000 * len(full) / max(len(t), 1))
        blank.append((len(lines) - len(full)) / max(len(lines), 1))
        indent.append(sum(1 for ln in full if ln[:1] in (" ", "\t", "\u3000")) / max(len(full), 1))
        nf, nh = sum(t.count(c) for c in _FULL), sum(t.count(c) for c in _HALF)
        if nf + nh:
            width.append(nf / (nf + nh))
        visible = len(t) - sum(1 for c in t if c.isspace())
        digits.append(len(_DIGIT_RE.findall(t)) / max(visible, 1))
        sent_lens.extend(len(s.strip()) for s in _SENT_RE.split(t) if len(s.strip()) >= 4)
        forms.update({f for f in (heading_form(ln) for ln in full) if f})
        openings[opening(t)] += 1
    n = max(len(texts), 1)
    return {
        "docs": len(texts),
        "line_chars_median": _median(line_lens),
        "line_chars_mean": round(statistics.fmean(line_lens), 1) if line_lens else 0.0,
        "lines_per_1000_chars": _median(lines_k),
        "blank_line_share": round(statistics.fmean(blank), 3) if blank else 0.0,
        "indented_line_share": round(statistics.fmean(indent), 3) if indent else 0.0,
        "fullwidth_punct_share": round(statistics.fmean(width), 3) if width else 0.0,
        "digit_share": round(statistics.fmean(digits), 4) if digits else 0.0,
        "traditional_docs": _share([traditional_share(t) > 0.02 for t in texts]),
        "pinyin_docs": _share([len(_PINYIN_RE.findall(t)) >= 3 for t in texts]),
        "table_text_docs": _share([table_text(t) for t in texts]),
        "sentence_chars_median": _median(sent_lens),
        "sentence_chars_mean": round(statistics.fmean(sent_lens), 1) if sent_lens else 0.0,
        "heading_forms": {f: round(c / n, 3) for f, c in forms.most_common()},
        "openings": {o: round(c / n, 3) for o, c in openings.most_common()},
    }


# --- views: what a comparison looks at ----------------------------------------------------------


@lru_cache(maxsize=1)
def _t2s() -> dict[int, str]:
    """Traditional → simplified, character by character (opencc's TSCharacters, first choice)."""
    from importlib import resources

    data = resources.files("opencc").joinpath("dictionary/TSCharacters.txt").read_text(encoding="utf-8")
    table: dict[int, str] = {}
    for line in data.splitlines():
        src, _, dst = line.partition("\t")
        dst = dst.split(" ")[0]
        if len(src) == 1 and len(dst) == 1 and src != dst:
            table[ord(src)] = dst
    return table


def fold(text: str) -> str:
    """The `folded` view: NFKC (punctuation, digit and space width) and simplified script."""
    return unicodedata.normalize("NFKC", text).translate(_t2s())


_NON_CJK_RE = re.compile(r"[^\u4e00-\u9fff]+")
_DIGITS_RE = re.compile(r"[0-9]")
_LATIN_RE = re.compile(r"[A-Za-z]")


def words(text: str) -> str:
    """The `words` view: the folded text's Chinese characters only (wording, not layout)."""
    return _NON_CJK_RE.sub("", fold(text))


def shape(text: str) -> str:
    """The `shape` view: every Chinese character 字, digit 0, Latin letter a (layout, punctuation,
    numbering, not wording)."""
    t = _CJK_RE.sub("字", fold(text))
    return _LATIN_RE.sub("a", _DIGITS_RE.sub("0", t))
