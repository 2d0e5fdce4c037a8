"""Decoding the table model's output: number tokens with their top-k cells -> template cells.

- `assign_cells`: one token per key, the most probable reading that satisfies the template
  identities (勾稽关系, blank = 0);
- `repair_by_identity`: a damaged figure is repaired only where the identities determine its value.

This module needs no torch (the hybrid merge uses it on the rules' cells too).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from extraction.schema import APPEAL_COLS, APPEAL_GROUPS, APPLICANT_COLS, REQUEST_ROWS, RESULT_ROWS

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
