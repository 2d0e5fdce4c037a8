"""Decoding the NER model's output: windows -> per-character probabilities -> entity spans.

Both models classify every character (char-level tokens) in overlapping windows, stitched into
one probability row per character (`models.ner.stitch_windows`). Decoding is ours, not the HF
pipeline's aggregation:

- `decode_bio`: per-character argmax over O and the entity labels (B- and I- summed), a new span
  where the label changes or B- outweighs I- (so an `I-X` after O still starts a span); a
  whitespace run inside a span keeps it whole ("2020 年 1 月"); spans stripped of surrounding
  whitespace; score = mean probability of the span's label.

Table cells are decoded in `models.cells` (identities, assignment, repair).
This module needs numpy, not torch; the torch side lives in models/ner.py.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from extraction.numbers import entity_value
from extraction.schema import Entity

OUTSIDE = "O"
SOURCE = "model"
_WS_RE = re.compile(r"\s+")


# --- entity spans ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Span:
    """A decoded span `[start, end)` with its label and score (mean probability of its tags)."""

    label: str
    start: int
    end: int
    score: float


@lru_cache(maxsize=16)
def _bio_columns(labels: tuple[str, ...]) -> tuple[tuple[str, ...], int, np.ndarray, np.ndarray]:
    """Entity names, the O column, and per entity its B- and I- columns."""
    names = tuple(sorted({lab[2:] for lab in labels if lab != OUTSIDE}))
    col = {lab: i for i, lab in enumerate(labels)}
    b_cols = np.array([col[f"B-{x}"] for x in names], dtype=np.int64)
    i_cols = np.array([col[f"I-{x}"] for x in names], dtype=np.int64)
    return names, col[OUTSIDE], b_cols, i_cols


SPLIT_MARGIN = 2.0  # inside a run of X, a new span starts only where P(B-X) > SPLIT_MARGIN * P(I-X)


def decode_bio(
    text: str, probs: np.ndarray, labels: Sequence[str], split_margin: float = SPLIT_MARGIN
) -> list[Span]:
    """Spans of a text from per-character BIO probabilities.

    Per character the argmax over O and the entity labels (P(X) = P(B-X) + P(I-X)); a span of X
    starts where X starts, or inside a run of X where B- clearly outweighs I- (`split_margin`):
    adjacent entities of one label are rare (市委市政府), a stray B- inside a date is not. A
    whitespace run read as O between two parts of one entity ("2020 年 1 月") joins them when the
    right part continues.

    Args:
        text: the original text (`len(text) == probs.shape[0]`).
        probs: `(len(text), L)` probabilities.
        labels: the label of each column (`O`, `B-X`, `I-X`).

    Returns:
        Spans in text order, stripped of surrounding whitespace, never empty; score = mean P(X).
    """
    n = len(text)
    if n == 0:
        return []
    names, o_col, b_cols, i_cols = _bio_columns(tuple(labels))
    p_b, p_i = probs[:, b_cols], probs[:, i_cols]
    collapsed = np.concatenate([probs[:, [o_col]], p_b + p_i], axis=1)
    ent = collapsed.argmax(axis=1) - 1
    rows, safe = np.arange(n), np.maximum(ent, 0)
    begin = (ent >= 0) & (p_b[rows, safe] > split_margin * p_i[rows, safe])
    for m in _WS_RE.finditer(text):
        s, e = m.span()
        if 0 < s and e < n and ent[s - 1] >= 0 and ent[e] == ent[s - 1] and not begin[e]:
            ent[s:e] = ent[s - 1]
            begin[s:e] = False
    score = collapsed[rows, ent + 1]
    cuts = np.ones(n + 1, dtype=bool)
    cuts[1:n] = (ent[1:] != ent[:-1]) | begin[1:]
    bounds = np.flatnonzero(cuts)
    spans: list[Span] = []
    for s, e in zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True):
        if ent[s] < 0:
            continue
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s:
            spans.append(Span(names[ent[s]], s, e, float(score[s:e].mean())))
    return spans


TITLE_REACH = 80  # characters looked at on each side of a span for the 《》 around it


def inside_title(text: str, start: int, end: int) -> bool:
    """Whether `[start, end)` lies inside a 《…》 document title on one line."""
    before = text[max(0, start - TITLE_REACH) : start]
    opened = before.rfind("《")
    if opened < 0 or "》" in before[opened:] or "\n" in before[opened:]:
        return False
    after = text[end : end + TITLE_REACH]
    closed = after.find("》")
    return closed >= 0 and "\n" not in after[:closed]


def spans_to_entities(text: str, spans: Iterable[Span], unparsed_factor: float = 0.5) -> list[Entity]:
    """Entities (`source="model"`) from decoded spans; a value that does not parse lowers the score.

    A COUNT inside a 《…》 title is part of a name, not a count (the gold conventions: 25个 in
    《…25个试点领域标准目录》), and is dropped; dates and agencies in titles stay.
    """
    out = []
    for sp in spans:
        if sp.label == "COUNT" and inside_title(text, sp.start, sp.end):
            continue
        value = entity_value(sp.label, text, sp.start, sp.end)
        score = sp.score
        if value is None and sp.label != "AGENCY":
            score *= unparsed_factor
        out.append(Entity(sp.label, sp.start, sp.end, text[sp.start : sp.end], value, score, SOURCE))
    return out
