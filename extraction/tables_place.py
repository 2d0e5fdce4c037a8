"""Placing a row's number cells into the template columns.

Where the rendering shows every cell (a tab grid with as many cells as columns) a value's
column is its position. Elsewhere the position is evidence, not fact: padding cells, a
missing or extra empty cell, or a rendering that drops empty cells altogether (space-aligned
columns, cells separated by blank lines). There the order-preserving placements of the values
are scored by positional cost plus the template identities (a group's 总计 is the sum of its
other columns), and the cheapest wins. Identities only choose between placements of values
that are in the text; they never create one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import combinations

from extraction.tables_cells import BLANK, NUM, Tok

W_IDENTITY = 3.0
_MAX_ALTS = 12
_MAX_TIES = 400
_WEAK = 0.25  # positional cost per column where empty cells may have been moved
POSITIONS = ("strong", "weak", "none")


@dataclass(frozen=True)
class Group:
    """Columns [offset, offset + width) of a row; `identity`: the last one sums the others."""

    offset: int
    width: int
    identity: bool


@dataclass
class Placement:
    """Where a row's number tokens go: one token (or None) per column."""

    cols: list[Tok | None]
    score: float = 1.0
    note: str | None = None
    alternatives: list[list[Tok | None]] = field(default_factory=list)  # equally good placements


def trim_slots(slots: list[Tok], n: int) -> list[Tok]:
    """Drop padding: trailing, then leading, empty cells beyond the number of columns."""
    out = list(slots)
    while len(out) > n and out[-1].kind == BLANK:
        out.pop()
    while len(out) > n and out[0].kind == BLANK:
        out.pop(0)
    return out


def _violations(cols: list[Tok | None], groups: tuple[Group, ...]) -> int:
    bad = 0
    for g in groups:
        if not g.identity:
            continue
        vals = [(t.value if t is not None else 0) or 0 for t in cols[g.offset : g.offset + g.width]]
        if abs(sum(vals[:-1]) - vals[-1]) > 1e-6:
            bad += 1
    return bad


def _expected(
    slot_idx: list[int], m: int, n: int, positions: str, xcol: list[int] | None
) -> list[tuple[int, ...]]:
    """Columns each value's position points to (empty tuple: position says nothing)."""
    if xcol is not None:
        return [(c,) for c in xcol]
    if positions == "none":
        return [() for _ in slot_idx]
    return [(i, i - (m - n)) if m != n else (i,) for i in slot_idx]


def _pos_cost(col: int, exp: tuple[int, ...], weight: float) -> float:
    if not exp:
        return 0.0
    return weight * min(abs(col - e) for e in exp)


def place_row(
    slots: list[Tok],
    n: int,
    groups: tuple[Group, ...],
    positions: str,
    xcol: list[int] | None = None,
    identity_name: str | None = None,
) -> Placement:
    """Place a row's cells (NUM and BLANK tokens in reading order) into `n` columns.

    Args:
        slots: the row's cells after its label.
        n: number of template columns.
        groups: column groups with their sum identity.
        positions: how far cell positions can be trusted: "strong" (a grid that shows every
            cell), "weak" (empty cells shown but possibly moved, e.g. pipe tables that collapse
            empty cells to the row end), "none" (empty cells not shown).
        xcol: for space-aligned text, the column each value's x position is nearest to.
        identity_name: the spec name of the identity, for notes.
    """
    if positions not in POSITIONS:
        raise ValueError(f"[T010] positions must be one of {POSITIONS}, got: {positions!r}")
    slots = trim_slots(slots, n)
    values = [(i, t) for i, t in enumerate(slots) if t.kind == NUM]
    m, k = len(slots), len(values)
    if k == 0:
        return Placement([None] * n)
    if positions == "strong" and m == n and xcol is None:
        return Placement([t if t.kind == NUM else None for t in slots])
    if k == n:
        return Placement([t for _, t in values], score=0.95)
    if k > n:
        kept = [t for _, t in values[:n]]
        return Placement(kept, score=0.4, note=f"{k} numbers for {n} columns: extra numbers ignored")
    exps = _expected([i for i, _ in values], m, n, positions, xcol)
    weight = _WEAK if positions == "weak" and xcol is None else 1.0
    toks = [t for _, t in values]
    if positions == "weak" and m == n and xcol is None:
        direct = [t if t.kind == NUM else None for t in slots]
        if _violations(direct, groups) == 0:
            return Placement(direct, score=0.9)
    sure = positions == "strong" or xcol is not None
    score = 0.85 if sure else 0.7
    note = None
    if len(groups) == 1:
        best, pos_best, pos_ties = _search(toks, exps, n, groups, weight)
        (_, cols, pos_chosen), alts = best[0], [c for _, c, _ in best[1:]]
        ambiguous = bool(alts)
    else:
        cols, pos_chosen, pos_best, pos_ties, ambiguous = _search_groups(toks, exps, n, groups, weight)
        alts = []
    if identity_name and (pos_chosen > pos_best + 1e-9 or pos_ties > 1):
        # Position alone did not decide (or pointed elsewhere): the identity did.
        note = f"blank placement chosen by identity {identity_name}"
        score = 0.75 if sure else 0.7
    if ambiguous:
        score = min(score, 0.55)
        note = "ambiguous blank placement" + (f" under identity {identity_name}" if identity_name else "")
        note += "; kept the leftmost reading"
    return Placement(cols, score=score, note=note, alternatives=alts)


def _cost_table(exps: list[tuple[int, ...]], n: int, weight: float) -> list[list[float]]:
    """`_pos_cost` of every value in every column, computed once per row."""
    return [[_pos_cost(c, e, weight) for c in range(n)] for e in exps]


def _value(t: Tok | None) -> int | float:
    return (t.value if t is not None else 0) or 0


def _identity_violations(toks: list[Tok], identity: bool) -> tuple[int, int]:
    """The sum-identity violations of a group holding exactly `toks` (in order): when the last
    of them is in the group's last (total) column, and when it is not. Nothing else decides
    the identity, as values keep their order. Summed in column order, as `_violations` does
    (blank columns add an exact 0)."""
    if not identity or not toks:
        return 0, 0
    vals = [_value(t) for t in toks]
    return int(abs(sum(vals[:-1]) - vals[-1]) > 1e-6), int(abs(sum(vals) - 0) > 1e-6)


def _search(toks, exps, n, groups, weight):
    """One group: the cheapest placements (ties included) as (cost, cols, positional cost),
    the lowest positional cost and how many placements reach it."""
    best: list[tuple[float, tuple[int, ...], float]] = []
    best_cost = pos_best = float("inf")
    pos_ties = 0
    table = _cost_table(exps, n, weight)
    whole = len(groups) == 1 and groups[0].offset == 0 and groups[0].width == n
    fast = _identity_violations(toks, groups[0].identity) if whole else None
    for combo in combinations(range(n), len(toks)):
        pos = 0.0
        for v, c in enumerate(combo):
            pos += table[v][c]
        if pos < pos_best - 1e-9:
            pos_best, pos_ties = pos, 1
        elif pos <= pos_best + 1e-9:
            pos_ties += 1
        if fast is not None:
            bad = fast[0] if combo and combo[-1] == n - 1 else fast[1]
        else:
            bad = _violations(_columns(combo, toks, n), groups)
        cost = pos + W_IDENTITY * bad
        if cost < best_cost - 1e-9:
            best_cost = cost
            best = [(cost, combo, pos)]
        elif cost <= best_cost + 1e-9 and len(best) < _MAX_TIES:
            best.append((cost, combo, pos))
    # Combinations come in lexicographic order: the first of equals has its values furthest
    # left (a tie-break, not evidence).
    return (
        [(cost, _columns(combo, toks, n), pos) for cost, combo, pos in best[: _MAX_ALTS + 1]],
        pos_best,
        pos_ties,
    )


def _columns(combo: tuple[int, ...], toks: list[Tok], n: int) -> list[Tok | None]:
    cols: list[Tok | None] = [None] * n
    for c, t in zip(combo, toks, strict=True):
        cols[c] = t
    return cols


def _search_groups(toks, exps, n, groups, weight):
    """Several groups (appeals): values split into consecutive chunks, one per group; the cost
    is a sum over groups, so the best split is found group by group (dynamic programming).

    Returns (cols, positional cost of the choice, lowest positional cost, how many placements
    reach it, whether several placements are equally good).
    """
    k = len(toks)
    chunks: dict[tuple[int, int, int], tuple[float, float, tuple[int, ...], int, float, int]] = {}
    table = _cost_table(exps, n, weight)

    def chunk(g: int, a: int, b: int):
        key = (g, a, b)
        if key not in chunks:
            grp = groups[g]
            with_last, without_last = _identity_violations(toks[a:b], grp.identity)
            last_col = grp.offset + grp.width - 1
            best = (float("inf"), 0.0, (), 0, float("inf"), 0)
            for combo in combinations(range(grp.offset, grp.offset + grp.width), b - a):
                pos = sum(table[a + i][c] for i, c in enumerate(combo))
                bad = with_last if combo and combo[-1] == last_col else without_last
                cost = pos + W_IDENTITY * bad
                bc, bp, bcombo, bn, pb, pn = best
                if cost < bc - 1e-9:
                    bc, bp, bcombo, bn = cost, pos, combo, 1
                elif cost <= bc + 1e-9:
                    bn += 1
                if pos < pb - 1e-9:
                    pb, pn = pos, 1
                elif pos <= pb + 1e-9:
                    pn += 1
                best = (bc, bp, bcombo, bn, pb, pn)
            chunks[key] = best
        return chunks[key]

    ng = len(groups)
    # After[g][v]: (best cost, ties, best positional cost, ties) placing values v.. in groups g..
    after = [[(float("inf"), 0, float("inf"), 0)] * (k + 1) for _ in range(ng + 1)]
    after[ng][k] = (0.0, 1, 0.0, 1)
    for g in range(ng - 1, -1, -1):
        for v in range(k, -1, -1):
            acc = (float("inf"), 0, float("inf"), 0)
            for size in range(min(groups[g].width, k - v), -1, -1):
                rest = after[g + 1][v + size]
                if rest[1] == 0:
                    continue
                c = chunk(g, v, v + size)
                acc = _merge(acc, (c[0] + rest[0], c[3] * rest[1], c[4] + rest[2], c[5] * rest[3]))
            after[g][v] = acc
    _, count, pos_best, pos_ties = after[0][0]
    cols: list[Tok | None] = [None] * n
    pos_chosen = 0.0
    v = 0
    for g in range(ng):
        # Largest chunk first: of equal placements, the one furthest left.
        for size in range(min(groups[g].width, k - v), -1, -1):
            rest = after[g + 1][v + size]
            c = chunk(g, v, v + size)
            if rest[1] and abs(c[0] + rest[0] - after[g][v][0]) <= 1e-9:
                for col, t in zip(c[2], toks[v : v + size], strict=True):
                    cols[col] = t
                pos_chosen += c[1]
                v += size
                break
    return cols, pos_chosen, pos_best, pos_ties, count > 1


def _merge(a: tuple, b: tuple) -> tuple:
    """Combine (cost, ties, positional cost, ties) of two alternatives: keep the minima."""
    cost, n = (a[0], a[1] + b[1]) if abs(a[0] - b[0]) <= 1e-9 else min((a[0], a[1]), (b[0], b[1]))
    pos, pn = (a[2], a[3] + b[3]) if abs(a[2] - b[2]) <= 1e-9 else min((a[2], a[3]), (b[2], b[3]))
    return cost, n, pos, pn
