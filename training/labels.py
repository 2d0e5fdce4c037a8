"""Character-level tags: spans and cells <-> one tag per character, and the sorted label lists.

Tags are plain strings (`O`, `B-X`, `I-X`); `training.dataset` maps them to class ids. Cells use
their key as the label (`B-requests.new.total`), so one tag sequence holds every cell of a report.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from itertools import groupby

from extraction.schema import LABELS, VERSIONS, all_cell_keys

log = logging.getLogger(__name__)

OUTSIDE = "O"
# Every cell key of both template versions: the cell label set (a key of one version only is
# still a valid label, so one dataset holds 2019 and 2021 reports).
CELL_KEYS: tuple[str, ...] = tuple(sorted({k for v in VERSIONS for k in all_cell_keys(v)}))
# The label lists, sorted (saved with the dataset and, later, the model config).
NER_LABELS: tuple[str, ...] = tuple(sorted([OUTSIDE, *(f"{p}-{x}" for x in LABELS for p in "BI")]))
CELL_LABELS: tuple[str, ...] = tuple(sorted([OUTSIDE, *(f"{p}-{k}" for k in CELL_KEYS for p in "BI")]))


class TagError(ValueError):
    """Spans that cannot be written as one tag per character (overlap, empty, out of range)."""


# --- tags <-> spans -------------------------------------------------------------------------


def _check_spans(n: int, spans: Iterable[tuple[str, int, int]]) -> list[tuple[str, int, int]]:
    ordered = sorted(spans, key=lambda s: (s[1], s[2]))
    prev_end, prev = 0, None
    for label, start, end in ordered:
        if not 0 <= start < end <= n:
            raise TagError(
                f"[A001] span out of range or empty for a text of {n} chars, got: {(label, start, end)!r}"
            )
        if prev is not None and start < prev_end:
            raise TagError(
                f"[A002] overlapping spans cannot be tagged, got: {prev!r} and {(label, start, end)!r}"
            )
        prev_end, prev = end, (label, start, end)
    return ordered


def bio_tags(n: int, spans: Iterable[tuple[str, int, int]]) -> list[str]:
    """One BIO tag per character of a text of length `n`.

    Args:
        n: length of the text.
        spans: `(label, start, end)`, half-open, non-overlapping, non-empty.

    Raises:
        TagError: a span is empty, out of range, or overlaps another.
    """
    tags = [OUTSIDE] * n
    for label, start, end in _check_spans(n, spans):
        tags[start] = f"B-{label}"
        tags[start + 1 : end] = [f"I-{label}"] * (end - start - 1)
    return tags


def spans_from_bio(tags: list[str]) -> list[tuple[str, int, int]]:
    """Decode BIO tags into `(label, start, end)` spans, in text order.

    An `I-X` that does not continue an `X` span starts a new one (model output may lack the `B-`).
    """
    spans: list[tuple[str, int, int]] = []
    label: str | None = None
    start = pos = 0
    # Runs of equal tags are grouped at C speed; the loop sees a few runs per span, not every char.
    for tag, run in groupby(tags):
        n = len(list(run))
        if tag == OUTSIDE or not (tag.startswith("I-") and tag[2:] == label):
            if label is not None:
                spans.append((label, start, pos))
            label, start = (None, pos) if tag == OUTSIDE else (tag[2:], pos)
            if tag.startswith("B-"):  # B-X B-X ...: every B but the last is a span of one char
                spans.extend((tag[2:], pos + k, pos + k + 1) for k in range(n - 1))
                start = pos + n - 1
        pos += n
    if label is not None:
        spans.append((label, start, pos))
    return spans


def cell_tags(n: int, cells: Mapping[str, tuple[int, int]]) -> list[str]:
    """One tag per character: `B-key`/`I-key` on each cell's number token, `O` elsewhere.

    Raises:
        TagError: a cell span is empty, out of range, or overlaps another.
    """
    return bio_tags(n, [(key, s, e) for key, (s, e) in cells.items()])


def cells_from_tags(tags: list[str]) -> dict[str, tuple[int, int]]:
    """Decode cell tags into `{key: (start, end)}`; a key tagged twice keeps its first span."""
    out: dict[str, tuple[int, int]] = {}
    for key, start, end in spans_from_bio(tags):
        if key in out:
            log.debug("cell %s tagged twice, keeping %s, dropping %s", key, out[key], (start, end))
            continue
        out[key] = (start, end)
    return out
