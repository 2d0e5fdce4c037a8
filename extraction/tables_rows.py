"""Locating table rows: label candidates, the best label sequence in template order, and the
cells that follow each label.

A row label may be matched by several cells (a column header 总计 and the row （七）总计; a
group heading that names a row). The row labels are chosen as the best-scoring sequence that
follows the template's row order (dynamic programming over the candidates), with a bonus for
a label followed by cells. A row collects the cells after its label up to the next label or
text cell; it continues over a line break while it has fewer cells than columns, which
mends rows broken across lines or pages.
"""

from __future__ import annotations

from dataclasses import dataclass

from extraction.rules.table_labels import (
    APPEAL_COL_RE,
    APPEAL_HEAD_RE,
    APPEAL_START_RE,
    ROW_MIN_SCORE,
    ROW_MIN_SCORE_CELLS,
    cell_targets,
    label_core,
)
from extraction.schema import VERSIONS, table_rows
from extraction.tables_cells import BLANK, BREAK, NUM, TEXT, UNIT, Tok

MIN_ROWS = {"active": 2, "requests": 3}
_GAP_WINDOW = 30  # tokens searched before the first / after the last found row


@dataclass
class Row:
    """A table row found in the token stream, with the cells that follow its label."""

    label: int  # token index of the row label (-1: placed by order, label not recognized)
    start: int  # token index of the first cell
    slots: list[Tok]
    end: int  # token index after the last cell
    by_order: bool = False


def candidates(toks: list[Tok]) -> list[tuple]:
    """Per token, the label targets it may be (TEXT tokens only)."""
    return [cell_targets(t.text) if t.kind == TEXT and len(t.text) <= 80 else () for t in toks]


def _followed_by_cell(toks: list[Tok], cands: list[tuple], i: int) -> float:
    """Bonus for a label followed by cells: 0.3 when a number follows, 0.15 for empty cells only
    (a heading over a group of rows is often followed by empty padding cells). Up to two text
    cells that name no row (a label's continuation) may come between."""
    j, skipped, blank = i + 1, 0, False
    while j < len(toks) and skipped <= 2:
        k = toks[j].kind
        if k == NUM:
            return 0.3
        if k == BLANK:
            blank = True
        elif k == TEXT:
            if blank or cands[j]:
                break
            skipped += 1
        elif k == BREAK and (toks[j].text or blank):
            break
        j += 1
    return 0.15 if blank else 0.0


def labelled(cands: list[tuple]) -> list[int]:
    """Indices of the tokens that may be labels (those with candidates)."""
    return [i for i, cs in enumerate(cands) if cs]


def label_chain(
    table: str,
    version: str,
    toks: list[Tok],
    cands: list[tuple],
    skip: tuple[int, int] | None,
    label_idx: list[int] | None = None,
) -> dict[str, int]:
    """The best-scoring sequence of row labels in template order: row -> token index.

    Tokens in `skip` (the appeals header, whose 总计 is no requests row) are not considered.
    `label_idx` is `labelled(cands)`, when the caller has it already.
    """
    rows = [r for r, _ in table_rows(table, version)]
    order = {r: k for k, r in enumerate(rows)}
    items: list[tuple[int, int, float]] = []
    for i in labelled(cands) if label_idx is None else label_idx:
        if skip is not None and skip[0] <= i <= skip[1]:
            continue
        cs = cands[i]
        top = cs[0][1]
        followed: float | None = None
        for target, score in cs:
            if score < ROW_MIN_SCORE_CELLS or score < top - 0.1:
                break
            if target.table == table and target.row in order and version in target.versions:
                if followed is None:
                    followed = _followed_by_cell(toks, cands, i)
                if score < ROW_MIN_SCORE and not followed:
                    break
                items.append((i, order[target.row], score + followed))
                break
    if not items:
        return {}
    best = [w for _, _, w in items]
    prev = [-1] * len(items)
    for j, (tj, rj, wj) in enumerate(items):
        for i in range(j):
            ti, ri, _ = items[i]
            if ti < tj and ri < rj and best[i] + wj > best[j]:
                best[j] = best[i] + wj
                prev[j] = i
    j = max(range(len(items)), key=lambda x: best[x])
    chain: dict[str, int] = {}
    while j >= 0:
        chain[rows[items[j][1]]] = items[j][0]
        j = prev[j]
    return chain


def best_version(toks: list[Tok], cands: list[tuple], skip: tuple[int, int] | None) -> str | None:
    """Without label evidence: the version under which more rows are found (None: no table)."""
    scores = {}
    label_idx = labelled(cands)
    for v in VERSIONS:
        scores[v] = sum(len(label_chain(t, v, toks, cands, skip, label_idx)) for t in ("active", "requests"))
    if max(scores.values()) < MIN_ROWS["active"]:
        return None
    return "2021" if scores["2021"] > scores["2019"] else "2019"


def collect(toks: list[Tok], i0: int, n: int, label_set: set[int], stop: int) -> tuple[list[Tok], int]:
    """The cells after a row label: up to the next label or text cell, continuing over a line
    break while the row has fewer cells than columns (rows broken across lines or pages)."""
    slots: list[Tok] = []
    i = i0 + 1
    texts = 0
    limit = min(stop, len(toks))
    while i < limit:
        t = toks[i]
        kind = t.kind
        if kind == NUM or kind == BLANK:  # (cells: never a label, those are text cells)
            slots.append(t)
            if len(slots) >= n + 8:
                i += 1
                break
        elif i in label_set:
            break
        elif kind == BREAK:
            if t.text or len(slots) >= n:
                break
        elif kind == UNIT:
            if slots and slots[-1].kind == NUM and slots[-1].unit is None:
                slots[-1].unit = t.text.strip("()（）").replace("单位:", "").replace("单位：", "")
                slots[-1].end = t.end
        elif kind == TEXT:
            if slots or texts >= 2:
                break
            texts += 1
        i += 1
    return slots, i


def collect_rows(
    table: str,
    version: str,
    chain: dict[str, int],
    toks: list[Tok],
    label_set: set[int],
    stop: int,
    notes: list[str],
) -> dict[str, Row]:
    """The cells of every row found: the rows of the label chain, then rows whose label was too
    damaged to match, placed by order (see `_fill_gaps`)."""
    ncols = dict(table_rows(table, version))
    rows: dict[str, Row] = {}
    for r, i in chain.items():
        slots, end = collect(toks, i, len(ncols[r]), label_set, stop)
        rows[r] = Row(i, i + 1, slots, end)
    if rows:
        _fill_gaps(table, version, rows, toks, label_set, notes)
    return rows


def _fill_gaps(
    table: str, version: str, rows: dict[str, Row], toks: list[Tok], label_set: set[int], notes: list[str]
) -> None:
    """Unmatched text cells followed by numbers, in a gap of the label sequence (between two
    found rows, or just before the first / after the last), take the missing rows' places in
    order. Between two found rows their number must equal the number of missing rows."""
    tmpl = table_rows(table, version)
    ncols = dict(tmpl)
    names = [r for r, _ in tmpl]
    found = [k for k, r in enumerate(names) if r in rows]
    label_list = sorted(label_set)
    gaps: list[tuple[list[str], int, int, str]] = []
    for a, b in zip(found, found[1:], strict=False):
        if b > a + 1:
            gaps.append((names[a + 1 : b], rows[names[a]].end, rows[names[b]].label, "inner"))
    if found[0] > 0:
        hi = rows[names[found[0]]].label
        lo = max([hi - _GAP_WINDOW, *(x + 1 for x in label_list if x < hi), _hard_break_before(toks, hi)])
        gaps.append((names[: found[0]], lo, hi, "lead"))
    if found[-1] < len(names) - 1:
        lo = rows[names[found[-1]]].end
        hi = min(
            [lo + _GAP_WINDOW, len(toks), *(x for x in label_list if x >= lo), _hard_break_after(toks, lo)]
        )
        gaps.append((names[found[-1] + 1 :], lo, hi, "trail"))
    for missing, lo, hi, side in gaps:
        orphans = _orphans(toks, lo, hi, label_set)
        if not orphans or len(orphans) > len(missing) or (side == "inner" and len(orphans) != len(missing)):
            continue
        names_for = missing[-len(orphans) :] if side == "lead" else missing[: len(orphans)]
        for r, j in zip(names_for, orphans, strict=True):
            slots, end = collect(toks, j, len(ncols[r]), label_set | {hi}, hi)
            rows[r] = Row(-1, j + 1, slots, end, by_order=True)
            notes.append(f"{table}.{r}: label {toks[j].text!r} not recognized; row placed by order")


def _hard_break_before(toks: list[Tok], i: int) -> int:
    for j in range(i - 1, -1, -1):
        if toks[j].kind == BREAK and toks[j].text:
            return j + 1
    return 0


def _hard_break_after(toks: list[Tok], i: int) -> int:
    for j in range(i, len(toks)):
        if toks[j].kind == BREAK and toks[j].text:
            return j
    return len(toks)


def _orphans(toks: list[Tok], lo: int, hi: int, label_set: set[int]) -> list[int]:
    out = []
    for j in range(lo, hi):
        if toks[j].kind != TEXT or j in label_set:
            continue
        cs = cell_targets(toks[j].text)
        if cs and cs[0][1] >= 0.8 and cs[0][0].row.startswith("@"):
            continue  # a group or column header cell, not a damaged row label
        k = j + 1
        while k < hi and toks[k].kind == BLANK:
            k += 1
        if k < hi and toks[k].kind == NUM:
            out.append(j)
    return out


def appeals_zone(toks: list[Tok]) -> tuple[int, int] | None:
    """(index of the first header cell, index of the last header cell), or None.

    The header is found by its column words (结果维持/结果纠正/尚未审结, five times over), so a
    damaged 行政复议 cell does not hide it; it runs over short text cells up to the first number.
    """
    for i, t in enumerate(toks):
        if t.kind != TEXT or len(t.text) > 16:
            continue
        core = label_core(t.text)
        if not core or not APPEAL_START_RE.search(core):
            continue
        window = toks[i : i + 40]
        if sum(1 for w in window if w.kind == TEXT and APPEAL_COL_RE.search(label_core(w.text))) < 3:
            continue
        last = i
        for j in range(i + 1, min(len(toks), i + 120)):
            w = toks[j]
            if w.kind == NUM or (w.kind == BREAK and w.text):
                break
            if w.kind == TEXT:
                c = label_core(w.text)
                if len(c) <= 12 or (len(w.text) <= 60 and APPEAL_HEAD_RE.search(c)):
                    last = j
                else:
                    break
        return i, last
    return None
