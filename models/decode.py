"""Decoding model outputs: windows -> per-character probabilities -> entity spans and table cells.

Both models classify every character (char-level tokens) in overlapping windows, stitched into
one probability row per character (`models.ner.stitch_windows`). Decoding is ours, not the HF
pipeline's aggregation:

- `decode_bio`: per-character argmax over O and the entity labels (B- and I- summed), a new span
  where the label changes or B- outweighs I- (so an `I-X` after O still starts a span); a
  whitespace run inside a span keeps it whole ("2020 年 1 月"); spans stripped of surrounding
  whitespace; score = mean probability of the span's label.
- `assign_cells`: table number tokens with their top-k cell keys -> one token per key, the most
  probable reading that satisfies the template identities (勾稽关系, blank = 0); then a damaged
  figure is repaired only where the identities determine its value (`repair_by_identity`).

This module needs numpy, not torch; the torch side lives in models/ner.py.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from extraction.numbers import entity_value
from extraction.schema import APPEAL_COLS, APPEAL_GROUPS, APPLICANT_COLS, REQUEST_ROWS, RESULT_ROWS, Entity

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


# --- table cells: identities ----------------------------------------------------------------


@dataclass(frozen=True)
class Identity:
    """A template identity: `sum(coef * value) == 0` over `table.row.col` keys (blank = 0)."""

    name: str
    terms: tuple[tuple[str, int], ...]


@lru_cache(maxsize=4)
def identities(version: str) -> tuple[Identity, ...]:
    """The template identities of a version (spec 勾稽关系): requests balance, results_total and
    row_total, appeals total."""
    if version not in RESULT_ROWS:
        return ()
    out: list[Identity] = []
    rq = "requests"
    for c in (*APPLICANT_COLS, "total"):
        out.append(
            Identity(
                f"{rq}.balance[{c}]",
                (
                    (f"{rq}.new.{c}", 1),
                    (f"{rq}.carried_over.{c}", 1),
                    (f"{rq}.results_total.{c}", -1),
                    (f"{rq}.carried_forward.{c}", -1),
                ),
            )
        )
        terms = [(f"{rq}.results_total.{c}", 1)] + [(f"{rq}.{r}.{c}", -1) for r in RESULT_ROWS[version]]
        out.append(Identity(f"{rq}.results_total[{c}]", tuple(terms)))
    for r in REQUEST_ROWS[version]:
        terms = [(f"{rq}.{r}.total", 1)] + [(f"{rq}.{r}.{c}", -1) for c in APPLICANT_COLS]
        out.append(Identity(f"{rq}.row_total[{r}]", tuple(terms)))
    for g in APPEAL_GROUPS:
        terms = [(f"appeals.{g}.total", 1)] + [(f"appeals.{g}.{c}", -1) for c in APPEAL_COLS[:-1]]
        out.append(Identity(f"appeals.total[{g}]", tuple(terms)))
    return tuple(out)


@lru_cache(maxsize=4)
def _identities_of_key(version: str) -> dict[str, tuple[int, ...]]:
    by_key: dict[str, list[int]] = {}
    for i, ident in enumerate(identities(version)):
        for key, _ in ident.terms:
            by_key.setdefault(key, []).append(i)
    return {k: tuple(v) for k, v in by_key.items()}


def _residual(ident: Identity, values: dict[str, float | None]) -> float | None:
    """`sum(coef * value)`; None when a term's token has no readable value (cannot be checked)."""
    total = 0.0
    for key, coef in ident.terms:
        v = values.get(key, 0.0)
        if v is None:
            return None
        total += coef * v
    return total


def _violated(ident: Identity, values: dict[str, float | None]) -> bool:
    r = _residual(ident, values)
    return r is not None and abs(r) > 1e-6


# --- table cells: assignment ----------------------------------------------------------------


@dataclass
class TokenCandidates:
    """A number token with the model's top readings.

    Attributes:
        start, end: original offsets of the token.
        raw: the token as written.
        value: its value as read (None when unreadable).
        note: a reading note (e.g. "repaired O->0").
        options: `(key, prob)` best first; key None means "not a cell" and is always present.
    """

    start: int
    end: int
    raw: str
    value: int | float | None
    note: str | None
    options: list[tuple[str | None, float]] = field(default_factory=list)


@dataclass
class Assignment:
    """Which option each token took, the owner of each key, and the keys chosen by identity."""

    choice: list[int]
    owner: dict[str, int]
    by_identity: dict[str, str] = field(default_factory=dict)  # key -> note

    def key_of(self, tokens: Sequence[TokenCandidates], i: int) -> str | None:
        return tokens[i].options[self.choice[i]][0]


BY_IDENTITY = "chosen by identity over the model's first reading"  # the note of such a cell
DEFAULT_PENALTY = 5.0  # nats per violated identity: more than any top-k alternative costs (p >= 0.05 -> 3)


def _values(tokens: Sequence[TokenCandidates], owner: dict[str, int]) -> dict[str, float | None]:
    return {k: (None if tokens[i].value is None else float(tokens[i].value)) for k, i in owner.items()}


def _logp(p: float) -> float:
    return math.log(max(p, 1e-9))


def greedy_assign(tokens: Sequence[TokenCandidates]) -> Assignment:
    """Most probable options first; a key goes to one token only (the rest take their next option)."""
    pairs = sorted(
        ((p, i, j) for i, t in enumerate(tokens) for j, (_, p) in enumerate(t.options)),
        key=lambda x: (-x[0], x[1], x[2]),
    )
    choice, owner = [-1] * len(tokens), {}
    for _, i, j in pairs:
        key = tokens[i].options[j][0]
        if choice[i] >= 0 or (key is not None and key in owner):
            continue
        choice[i] = j
        if key is not None:
            owner[key] = i
    return Assignment(choice, owner)


def _option_index(t: TokenCandidates, key: str | None) -> int:
    for j, (k, _) in enumerate(t.options):
        if k == key:
            return j
    return next(j for j, (k, _) in enumerate(t.options) if k is None)


def assign_cells(
    tokens: Sequence[TokenCandidates], version: str, penalty: float = DEFAULT_PENALTY, max_moves: int = 200
) -> Assignment:
    """One token per key: the most probable reading that satisfies the identities where it can.

    Greedy by probability, then local search minimizing `-sum(log p) + penalty * violated
    identities`: a token moves to another cell among its readings, and the token holding that cell
    takes the mover's old cell (or "not a cell" when that is not among its readings). A figure is
    never dropped just to fit an identity. Only moves that touch a failing identity are tried,
    so a consistent table costs nothing.
    """
    a = greedy_assign(tokens)
    for i in range(len(tokens)):  # a token without the None option would break the swaps
        if all(k is not None for k, _ in tokens[i].options):
            tokens[i].options.append((None, 0.0))
    idents, of_key = identities(version), _identities_of_key(version)
    values = _values(tokens, a.owner)
    violated = {n for n, ident in enumerate(idents) if _violated(ident, values)}
    preferred = {i: a.key_of(tokens, i) for i in range(len(tokens))}
    for _ in range(max_moves):
        if not violated:
            break
        best = (-1e-9, None)
        hot = {k for n in violated for k, _ in idents[n].terms}  # a move must touch one of these
        for i, t in enumerate(tokens):
            cur = a.key_of(tokens, i)
            for j, (key, _p) in enumerate(t.options):
                if j == a.choice[i] or key is None or (cur not in hot and key not in hot):
                    continue  # dropping a figure to "not a cell" only to fit an identity is not a reading
                moves = [(i, j)]
                if key is not None and key in a.owner:
                    t2 = a.owner[key]
                    moves.append((t2, _option_index(tokens[t2], cur)))
                touched = {k for ti, tj in moves for k in (a.key_of(tokens, ti), tokens[ti].options[tj][0])}
                near = {n for k in touched if k is not None for n in of_key.get(k, ())}
                if not near & violated:
                    continue
                delta = sum(
                    _logp(tokens[ti].options[a.choice[ti]][1]) - _logp(tokens[ti].options[tj][1])
                    for ti, tj in moves
                )
                trial = dict(values)
                for ti, _tj in moves:
                    trial.pop(a.key_of(tokens, ti) or "", None)
                for ti, tj in moves:
                    k2 = tokens[ti].options[tj][0]
                    if k2 is not None:
                        trial[k2] = None if tokens[ti].value is None else float(tokens[ti].value)
                after = sum(1 for n in near if _violated(idents[n], trial))
                delta += penalty * (after - len(near & violated))
                if delta < best[0]:
                    best = (delta, moves)
        if best[1] is None:
            break
        for ti, _tj in best[1]:
            a.owner.pop(a.key_of(tokens, ti) or "", None)
        for ti, tj in best[1]:
            a.choice[ti] = tj
            k2 = a.key_of(tokens, ti)
            if k2 is not None:
                a.owner[k2] = ti
        values = _values(tokens, a.owner)
        violated = {n for n, ident in enumerate(idents) if _violated(ident, values)}
    for i in range(len(tokens)):
        key = a.key_of(tokens, i)
        if key is not None and key != preferred[i]:
            was = preferred[i] or "not a cell"
            a.by_identity[key] = f"{BY_IDENTITY} ({was})"
    return a


def digit_damage_reads(raw: str, value: float) -> bool:
    """Whether `raw` could be `value` with one digit lost, or one digit doubled (155 for 15).

    The damage OCR and copying do to a figure; confusables (O, l) are read as digits first. Only
    whole non-negative numbers qualify: counts.
    """
    if value < 0 or value != int(value):
        return False
    seen = "".join(c for c in raw.translate(_CONFUSABLE_DIGITS) if c.isdigit())
    want = str(int(value))
    if len(seen) + 1 == len(want):  # a lost digit: any one
        return any(want[:i] + want[i + 1 :] == seen for i in range(len(want)))
    if len(seen) == len(want) + 1:  # an extra digit: a doubled one
        return any(seen[i] == seen[i + 1] and seen[:i] + seen[i + 1 :] == want for i in range(len(want)))
    return False


_CONFUSABLE_DIGITS = str.maketrans(
    {"O": "0", "o": "0", "〇": "0", "l": "1", "I": "1", **{chr(0xFF10 + d): str(d) for d in range(10)}}
)


def repair_by_identity(
    tokens: Sequence[TokenCandidates], a: Assignment, version: str
) -> dict[str, tuple[float, str]]:
    """Figures a digit damage changed, repaired where the identities determine the value.

    A cell is repaired to `v` only when (1) an identity it is in fails, (2) solving that
    identity for the cell gives `v` and every checkable identity of the cell then holds, (3) `v`
    differs from the figure as written by one lost or doubled digit, and (4) no other cell of the
    failing identity could be repaired the same way (the identity determines which cell).

    Returns:
        `key -> (value, note)` for the repaired cells (nothing is invented for a blank cell).
    """
    idents, of_key = identities(version), _identities_of_key(version)
    values = _values(tokens, a.owner)
    out: dict[str, tuple[float, str]] = {}
    for ident in idents:
        residual = _residual(ident, values)
        if residual is None or abs(residual) <= 1e-6:
            continue
        found: dict[str, float] = {}
        for key, coef in ident.terms:
            if key not in a.owner or values.get(key) is None:
                continue
            v = values[key] - residual / coef
            trial = {**values, key: v}
            if not digit_damage_reads(tokens[a.owner[key]].raw, v):
                continue
            if all(not _violated(idents[n], trial) for n in of_key[key]):
                found[key] = v
        if len(found) != 1:
            continue  # no cell or several cells could take the blame: not determined
        key, v = next(iter(found.items()))
        names = [idents[n].name for n in of_key[key]]
        raw = tokens[a.owner[key]].raw
        out[key] = (int(v), f"repaired {raw!r} -> {int(v)}: determined by identity {', '.join(names)}")
        values[key] = v
    return out
