"""Figures in text: the number tokens a table is made of, their values, and their ordinals.

Shared by the table model (which figures to place) and the classifier's input (the figure
ordinal fed as token type ids: how many figures since the last Chinese character, so the model
need not learn to count table columns from raw characters).
"""

from __future__ import annotations

import re

import numpy as np

_D = "0-9\uff10-\uff19OoIl\u3007"  # digits, full-width digits and the OCR confusables O o I l 〇
# A figure as a table renders it: optional sign (减 17, -17, 增1, +1), digits with confusables,
# thousands commas, a decimal point only between digits ("1." is list numbering). Letters on
# either side make it part of a word (Office, gov.cn), not a figure.
_TOKEN_RE = re.compile(
    rf"(?<![A-Za-z])(?:(?:减少|增加|[减增+\-−＋－])\s?)?[{_D}](?:[{_D},，]|[.．](?=[{_D}]))*+(?![A-Za-z])"
)
_FULLWIDTH = str.maketrans(
    {**{chr(0xFF10 + d): str(d) for d in range(10)}, "．": ".", "，": ",", "＋": "+", "－": "-"}
)


def number_tokens(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """The `(start, end)` of every figure-like token of `text[start:end]` (original offsets)."""
    return [m.span() for m in _TOKEN_RE.finditer(text, start, len(text) if end is None else end)]


def read_number(raw: str) -> tuple[int | float | None, str | None]:
    """A table figure as written -> (value, repair note); confusables read as digits (O->0, l->1)."""
    from extraction.tables_cells import parse_cell_number

    if raw.isascii() and raw.isdigit():
        return int(raw), None
    parsed = parse_cell_number(raw.translate(_FULLWIDTH).strip())
    if parsed is None:
        return None, None
    return parsed[0], parsed[3]


# Token type ids of the figure-ordinal input: 0 for characters outside a figure, 1 + the number of
# figures since the last Chinese character (a row label, a header) for a figure's characters,
# capped at ORDINAL_TYPES - 1. A row of a table rendered with tabs, pipes, spaces or one cell per
# line gets the same ordinals.
ORDINAL_TYPES = 16
FIGURE_ORDINAL = "figure_ordinal"
_CJK_RE = re.compile(r"[\u4e00-\u9fff]")


def figure_ordinals(text: str) -> np.ndarray:
    """Per character of `text`: 0, or 1 + the figure's ordinal since the last Chinese character
    outside a figure (the 减 of "减 17" is part of its figure, not a label)."""
    out = np.zeros(len(text), dtype=np.int64)
    figures = number_tokens(text)
    inside = np.zeros(len(text) + 1, dtype=np.int64)
    for s, e in figures:
        inside[s] += 1
        inside[e] -= 1
    in_figure = np.cumsum(inside[:-1]) > 0
    labels = [m.start() for m in _CJK_RE.finditer(text) if not in_figure[m.start()]]
    j, count, reset = 0, 0, -1
    for s, e in figures:
        while j < len(labels) and labels[j] < s:
            j += 1
        if j and labels[j - 1] > reset:
            reset, count = labels[j - 1], 0
        out[s:e] = min(1 + count, ORDINAL_TYPES - 1)
        count += 1
    return out
