"""The noise model: damage the way copied, converted and OCR-ed reports are damaged.

Every step is either a 1:1 character translation (`Marked.translate`) or an edit list
(`Marked.apply`), so gold offsets stay exact. Rates are named and configurable (`NoiseRates`);
`LEVELS` holds the presets. Figures that carry an entity value are never altered (their
characters may change width or script, their digits do not); table cells get digit damage
instead, recorded in `damaged` with the true value kept in the gold.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict, dataclass, replace
from functools import lru_cache
from random import Random

from training.synth.marks import CELL, ENT, REGION, Edit, Marked
from training.synth.places import pinyin_table

_CJK = "\u4e00-\u9fff"
_CJK_RE = re.compile(f"[{_CJK}]")
_GAP_RE = re.compile(f"(?<=[{_CJK}])(?=[{_CJK}])")
_FULL_DIGITS = str.maketrans("0123456789()", "０１２３４５６７８９（）")
_HALF_PUNCT = str.maketrans("，（）：；", ",():;")
CONFUSABLE = {
    "日": "曰", "曰": "日", "己": "已", "已": "己", "人": "入", "入": "人", "未": "末", "末": "未", "土": "士",
    "士": "土", "千": "干", "干": "千", "大": "太", "天": "夭", "王": "玉", "贝": "见", "戊": "戌", "免": "兔",
    "准": "淮", "办": "为", "厅": "斤", "局": "居", "县": "具", "申": "由", "由": "申", "田": "由", "拨": "拔",
    "侯": "候", "候": "侯", "析": "折", "折": "析", "处": "外", "理": "埋", "务": "各", "开": "幵", "情": "晴",
}  # fmt: skip
# Phrases the Taiwan-style conversion changes (same length, so a 1:1 translation still holds).
TW_PHRASES = {
    "文件": "檔案",
    "门户网站": "入口網站",
    "群众": "民眾",
    "计划": "計畫",
    "网络": "網路",
    "视频": "視訊",
}


@dataclass(frozen=True)
class NoiseRates:
    """Named noise rates (probabilities per report, line, character or cell, as named)."""

    space_lines: float = 0.0  # per line: spaces between CJK characters (尚 未 审 结)
    fullwidth_lines: float = 0.0  # per line: digits and brackets full-width
    halfwidth_punct: float = 0.0  # per report: Chinese punctuation half-width on many lines
    traditional: float = 0.0  # per report: the whole text in traditional script
    pinyin_doc: float = 0.0  # per report: inline pinyin after characters (mirror sites)
    pinyin_char: float = 0.0  # per character, in such a report
    confusable: float = 0.0  # per character: 日/曰, 己/已, 人/入 …
    drop: float = 0.0  # per character: dropped
    double: float = 0.0  # per character: doubled
    line_break: float = 0.0  # per prose line: a line break mid-word
    digit_damage: float = 0.0  # per table cell: O/0, l/1, 〇, a lost or doubled digit
    artifacts: float = 0.0  # per report: conversion debris (bookmarks, zero-width spaces, CRLF)
    digit_confusable: float = 0.0  # per 0/1 digit of a prose COUNT, AMOUNT or DATE: O o 〇 / l I


LEVELS = {
    "none": NoiseRates(),
    # traditional and pinyin_doc at the corpus's own rates (13% and 6% of its reports); spaced and
    # full-width lines rarer than before (the corpus: 1% of reports with a spaced line)
    "low": NoiseRates(0.01, 0.01, 0.12, 0.12, 0.05, 0.15, 0.0015, 0.001, 0.001, 0.02, 0.01, 0.1, 0.01),
    "high": NoiseRates(0.2, 0.1, 0.3, 0.2, 0.1, 0.3, 0.012, 0.006, 0.006, 0.15, 0.08, 0.35, 0.05),
}


def rates_for(level: str) -> NoiseRates:
    """The preset rates of a noise level."""
    if level not in LEVELS:
        raise ValueError(f"[Y501] unknown noise level (none|low|high), got: {level!r}")
    return LEVELS[level]


# Characters traditional copies mostly leave as they are (台 194 times in the corpus, 臺 13).
_KEEP_IN_TRADITIONAL = frozenset("台")


@lru_cache(maxsize=1)
def _s2t() -> dict[int, str]:
    """Simplified → traditional, character by character (opencc's STCharacters, first choice)."""
    from importlib import resources

    d = resources.files("opencc").joinpath("dictionary")
    # Real traditional copies write the Taiwan forms (為, 眾), not opencc's standard ones (爲, 衆).
    tw = dict(
        line.split("\t")[:2] for line in d.joinpath("TWVariants.txt").read_text(encoding="utf-8").splitlines()
    )
    table: dict[int, str] = {}
    for line in d.joinpath("STCharacters.txt").read_text(encoding="utf-8").splitlines():
        src, _, dst = line.partition("\t")
        dst = dst.split(" ")[0]
        dst = tw.get(dst, dst).split(" ")[0]
        if len(src) == 1 and len(dst) == 1 and src != dst and src not in _KEEP_IN_TRADITIONAL:
            table[ord(src)] = dst
    return table


def _lines(text: str) -> list[tuple[int, int]]:
    out, pos = [], 0
    for line in text.split("\n"):
        out.append((pos, pos + len(line)))
        pos += len(line) + 1
    return out


def _sample_positions(rng: Random, n: int, rate: float) -> list[int]:
    """About n*rate distinct random positions, sorted."""
    if rate <= 0 or n == 0:
        return []
    k = int(n * rate) + (1 if rng.random() < (n * rate) % 1 else 0)
    return sorted(rng.sample(range(n), min(k, n)))


def _protected(doc: Marked) -> bytearray:
    """1 inside cells, 3 inside value-bearing entities (COUNT, AMOUNT, DATE); 2 on any other
    entity's edge."""
    mask = bytearray(len(doc.text))
    for m in doc.marks:
        if m.end <= m.start:
            continue
        if m.kind == CELL:
            mask[m.start : m.end] = b"\x01" * (m.end - m.start)
        elif m.kind == ENT and m.data[0] != "AGENCY":
            mask[m.start : m.end] = b"\x03" * (m.end - m.start)
        elif m.kind == ENT:
            mask[m.start] = mask[m.end - 1] = 2
    return mask


def _translate_lines(rng: Random, doc: Marked, rate: float, table: dict[int, str]) -> None:
    text = doc.text
    parts, prev = [], 0
    for s, e in _lines(text):
        if rng.random() < rate:
            parts.append(text[prev:s])
            parts.append(text[s:e].translate(table))
            prev = e
    if parts:
        parts.append(text[prev:])
        doc.translate("".join(parts))


_DIGIT_LOOKALIKE = {"0": ("O", "o", "〇"), "1": ("l", "I")}


def _char_edits(rng: Random, text: str, mask: bytearray, r: NoiseRates) -> list[Edit]:
    """Confusables, drops and doubles on CJK characters outside figures and entity edges."""
    edits: dict[int, Edit] = {}
    for i in _sample_positions(rng, len(text), r.confusable):
        if not mask[i] and text[i] in CONFUSABLE:
            edits[i] = Edit(i, i + 1, CONFUSABLE[text[i]])
    if r.digit_confusable:
        for i, c in enumerate(text):
            if mask[i] == 3 and c in "01" and rng.random() < r.digit_confusable:
                edits[i] = Edit(i, i + 1, rng.choice(_DIGIT_LOOKALIKE[c]))
    for i in _sample_positions(rng, len(text), r.drop):
        if not mask[i] and _CJK_RE.match(text[i]):
            edits[i] = Edit(i, i + 1, "")
    for i in _sample_positions(rng, len(text), r.double):
        if not mask[i] and _CJK_RE.match(text[i]):
            edits[i] = Edit(i, i + 1, text[i] * 2)
    return list(edits.values())


@lru_cache(maxsize=1)
def _t2s_back() -> dict[str, str]:
    """Traditional characters the conversion writes → their simplified source."""
    return {t: chr(s) for s, t in _s2t().items()}


def _pinyin(rng: Random, text: str, mask: bytearray, rate: float, traditional: bool) -> list[Edit]:
    """Pinyin after characters: 報(bào)告. The mirror sites that do this convert to traditional
    script and annotate the converted characters (報, 據, 務, not 中 or 公), so in a traditional
    text only those are candidates, at a higher rate."""
    table = pinyin_table()
    edits = []
    if traditional:
        back = _t2s_back()
        spots = [i for i, c in enumerate(text) if c in back and rng.random() < min(1.0, rate * 3)]
        for i in spots:
            py = table.get(back[text[i]])
            if py and mask[i] not in (1, 3):
                edits.append(Edit(i + 1, i + 1, f"({py})"))
        return edits
    for i in _sample_positions(rng, len(text), rate):
        py = table.get(text[i])
        if py and mask[i] not in (1, 3):
            edits.append(Edit(i + 1, i + 1, f"({py})"))
    return edits


def _spaces(rng: Random, text: str, rate: float) -> list[Edit]:
    """Spaces between the CJK characters of some lines: 尚 未 审 结."""
    edits = []
    for s, e in _lines(text):
        if e - s > 1 and rng.random() < rate:
            edits.extend(Edit(m.start(), m.start(), " ") for m in _GAP_RE.finditer(text, s, e))
    return edits


def _line_breaks(rng: Random, doc: Marked, mask: bytearray, rate: float) -> list[Edit]:
    """A line break in the middle of some prose lines (outside figures)."""
    text, edits = doc.text, []
    for m in doc.of_kind(REGION):
        if m.data != "prose" or m.end - m.start < 8:
            continue
        for s, e in _lines(text[m.start : m.end]):
            if e - s > 8 and rng.random() < rate:
                p = m.start + rng.randrange(s + 2, e - 2)
                if not mask[p] and not mask[p - 1]:
                    edits.append(Edit(p, p, rng.choice(("\n", "\n\n", "\n"))))
    return edits


def _resolve(edits: list[Edit]) -> list[Edit]:
    """Edits of several steps computed on one text: sorted, the later of two colliding ones dropped."""
    out: list[Edit] = []
    for e in sorted(edits, key=lambda x: (x.a, x.b)):
        if not out or (e.a > out[-1].a and e.a >= out[-1].b):
            out.append(e)
    return out


_ASCII_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")


def _reads(raw: str) -> float | None:
    """The number a plain figure reads as (None if it is not one)."""
    t = raw.translate(_ASCII_DIGITS).replace(",", "")
    return float(t) if re.fullmatch(r"\d+(?:\.\d+)?", t) else None


def _digit_damage(rng: Random, doc: Marked, rate: float) -> tuple[list[Edit], dict[Edit, str]]:
    """Damage figures in table cells; returns the edits and the cell key of each."""
    edits: list[Edit] = []
    keys: dict[Edit, str] = {}
    for m in doc.of_kind(CELL):
        raw = doc.text[m.start : m.end]
        if not raw or not raw[-1].isdigit() or rng.random() >= rate:
            continue
        digits = [i for i, c in enumerate(raw) if c.isdigit()]
        ops = ["double"] + (["lost"] if len(digits) > 1 else [])
        ops += ["O", "〇"] if "0" in raw else []
        ops += ["l"] if "1" in raw else []
        rng.shuffle(ops)
        for op in ops:  # the first damage that changes how the figure reads (0 -> 00 does not)
            if op in ("O", "〇", "l"):
                src = "1" if op == "l" else "0"
                i = rng.choice([i for i in digits if raw[i] == src])
                repl = rng.choice(("l", "I")) if op == "l" else rng.choice(("O", "o")) if op == "O" else "〇"
            else:
                i = rng.choice(digits)
                repl = "" if op == "lost" else raw[i] * 2
            value = _reads(raw)
            if value is None or _reads(raw[:i] + repl + raw[i + 1 :]) != value:
                break
        else:
            continue
        edit = Edit(m.start + i, m.start + i + 1, repl)
        edits.append(edit)
        keys[edit] = m.data
    return edits, keys


def _artifacts(rng: Random, doc: Marked) -> str:
    text = doc.text
    kind = rng.choice(("bookmark", "zwsp", "crlf", "bookmark"))
    if kind == "crlf":
        pass  # a property of the file (written with \r\n), not of the text the reader returns
    elif kind == "zwsp":
        doc.apply([Edit(i, i, "\u200b") for i in _sample_positions(rng, len(text), 0.002)])
    else:
        starts = [s for s, e in _lines(text) if e > s][1:]
        picks = sorted(rng.sample(starts, min(len(starts), rng.randrange(1, 4))))
        names = ("_GoBack", "OLE_LINK1", "OLE_LINK2", "_Toc12345")
        doc.apply([Edit(p, p, f"[bookmark: {rng.choice(names)}]") for p in picks])
    return kind


def nfkc_table(text: str) -> dict[int, str]:
    """What NFKC does to the characters of a text, where it maps one character to one character
    (so a 1:1 translation keeps every offset): ，（）：；！？ full-width digits and letters, 　, ％ …"""
    table = {}
    for c in set(text):
        n = unicodedata.normalize("NFKC", c)
        if n != c and len(n) == 1:
            table[ord(c)] = n
    return table


def apply_punctuation(rng: Random, doc: Marked) -> str:
    """The punctuation width of the report's source: full-width as written, half-width as web
    copies deliver it (NFKC), or mixed line by line. A rendering, applied at every noise level."""
    # Every text of ../shared/corpus (web copies) is NFKC-folded; reports taken from PDF or Word
    # keep full-width punctuation, and a few mix the two (seed 001).
    style = rng.choices(("full", "nfkc", "mixed"), weights=(40, 50, 10))[0]
    if style == "nfkc":
        doc.translate(doc.text.translate(nfkc_table(doc.text)))
    elif style == "mixed":
        _translate_lines(rng, doc, rng.uniform(0.2, 0.8), _HALF_PUNCT)
    return style


# Rates per line, character or cell that a report's severity scales (damage comes in bursts:
# one scan is clean, the next is bad).
_SCALED = (
    "space_lines",
    "fullwidth_lines",
    "pinyin_char",
    "confusable",
    "drop",
    "double",
    "line_break",
    "digit_damage",
    "digit_confusable",
)


def apply_noise(rng: Random, doc: Marked, r: NoiseRates) -> dict[str, object]:
    """Every noise step at its rate; returns what was done and the damaged cells.

    The per-line, per-character and per-cell rates are scaled by a per-report severity
    (log-normal, median 1, clipped to [0.2, 4]), so a level's reports range from nearly clean
    to badly damaged around its named rates.
    """
    severity = (
        min(4.0, max(0.2, rng.lognormvariate(0.0, 0.6))) if any(getattr(r, k) for k in _SCALED) else 1.0
    )
    # A rate of 1 means "always" and is not scaled.
    r = replace(r, **{k: min(1.0, getattr(r, k) * severity) for k in _SCALED if getattr(r, k) < 1.0})
    done: dict[str, object] = {"rates": asdict(r), "severity": round(severity, 3)}
    if rng.random() < r.traditional:
        text = doc.text
        if rng.random() < 0.5:
            for s, t in TW_PHRASES.items():
                text = text.replace(s, t)
        doc.translate(text.translate(_s2t()))
        done["traditional"] = True
    if r.halfwidth_punct and rng.random() < r.halfwidth_punct:
        _translate_lines(rng, doc, rng.uniform(0.3, 1.0), _HALF_PUNCT)
        done["halfwidth_punct"] = True
    _translate_lines(rng, doc, r.fullwidth_lines, _FULL_DIGITS)
    # The character-level steps are computed on one text and applied as one edit list.
    text, mask = doc.text, _protected(doc)
    edits: list[Edit] = []
    # Pinyin comes with the traditional conversion of mirror sites (every such corpus report is
    # traditional), so with a traditional rate it only follows the conversion, at the same overall rate.
    trad = bool(done.get("traditional"))
    p_pinyin = (min(1.0, r.pinyin_doc / r.traditional) if trad else 0.0) if r.traditional else r.pinyin_doc
    if r.pinyin_doc and rng.random() < p_pinyin:
        edits += _pinyin(rng, text, mask, r.pinyin_char, trad)
        done["pinyin"] = True
    chars = _char_edits(rng, text, mask, r)
    edits += chars + _spaces(rng, text, r.space_lines) + _line_breaks(rng, doc, mask, r.line_break)
    digit_edits, keys = _digit_damage(rng, doc, r.digit_damage)
    kept = _resolve(edits + digit_edits)
    doc.apply(kept)
    kept_set = set(kept)
    done["char_edits"] = sum(1 for e in chars if e in kept_set)
    done["damaged"] = [keys[e] for e in digit_edits if e in kept_set]
    if r.artifacts and rng.random() < r.artifacts:
        done["artifacts"] = _artifacts(rng, doc)
    return done
