"""The table reader: the three template tables, read by their row and column labels.

Tables are located by content, not by section headings (seed 000 heads the requests table
三、主动公开政府信息情况): the text is cut into cell tokens whatever the rendering
(`tables_tokens`), cells are matched to template row labels (`rules.table_labels`), the best
label sequence in template order is chosen by dynamic programming, each row collects the cells
that follow its label, and the cells are placed into columns (`tables_place`), with the
template identities choosing between placements where the text leaves them open.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from functools import lru_cache

from extraction.normalize import Normalized
from extraction.rules.table_labels import APPEAL_COLUMN_WORD_RE, COLUMN_WORDS, label_core, version_evidence
from extraction.schema import (
    AMOUNT_CELLS,
    APPEAL_COLS,
    APPEAL_GROUPS,
    TABLES,
    VERSIONS,
    Cell,
    cell_keys,
    table_rows,
)
from extraction.tables_cells import BLANK, BREAK, NUM, TEXT, Tok
from extraction.tables_identity import resolve_requests_ties
from extraction.tables_place import Group, Placement, place_row, trim_slots
from extraction.tables_rows import (
    MIN_ROWS,
    Row,
    appeals_zone,
    best_version,
    candidates,
    collect,
    collect_rows,
    label_chain,
    labelled,
)
from extraction.tables_tokens import POSITIONS, tokenize

log = logging.getLogger(__name__)

_MISSING_ROW_SCORE = 0.3
_GAP_ROW_SCORE = 0.6
_HEADER_WINDOW = 120  # tokens searched above a row for its column headers


@dataclass
class TableResult:
    """The tables read from one report."""

    cells: dict[str, dict[str, Cell]]  # table -> "row.col" -> Cell; {} for a table not found
    regions: dict[str, tuple[int, int]]  # table -> original (start, end) of the region read
    version_evidence: str | None  # "2019" / "2021" from the table labels, None without evidence
    version: str | None  # the version whose keys were used
    notes: list[str] = field(default_factory=list)


def detect_table_version(norm: Normalized) -> str | None:
    """The template version ("2019"/"2021") the table labels point to, None without evidence."""
    return version_evidence(norm.text)[0]


def extract_tables(norm: Normalized, version: str | None = None) -> TableResult:
    """Read the active, requests and appeals tables of a report.

    Args:
        norm: the normalized report text.
        version: the version to read with; None -> use the evidence in the text (2019 vs 2021
            labels: 本年制发件数/现行有效件数/本年处理决定数量/本年收费金额/逾期不补正/
            (六)其他处理 1.2.3. ...), and where there is none, the version whose rows match best.

    Returns:
        A TableResult; every key of `cell_keys(table, version)` is present for each table found.
    """
    evidence, hits = version_evidence(norm.text)
    notes: list[str] = []
    if version is not None and version not in VERSIONS:
        notes.append(f"tables not read: version {version!r} has no template tables")
        return TableResult({t: {} for t in TABLES}, {}, evidence, None, notes)
    toks, modes = tokenize(norm)
    cands = candidates(toks)
    appeal = appeals_zone(toks)

    if version is None:
        version = evidence
        if version is None:
            version = best_version(toks, cands, appeal)
            if version is not None:
                notes.append(f"no version evidence in the labels; read as {version} (rows matched best)")
    elif evidence is not None and evidence != version:
        notes.append(f"read as {version} as asked, though the table labels point to {evidence}")
    if version is None:
        return TableResult({t: {} for t in TABLES}, {}, evidence, None, notes)

    label_idx = labelled(cands)
    chains = {t: label_chain(t, version, toks, cands, appeal, label_idx) for t in ("active", "requests")}
    label_set = {i for ch in chains.values() for i in ch.values()}
    if appeal is not None:
        label_set.add(appeal[0])
    cells: dict[str, dict[str, Cell]] = {}
    regions: dict[str, tuple[int, int]] = {}
    for table in ("active", "requests"):
        chain = chains[table]
        if len(chain) < MIN_ROWS[table]:
            cells[table] = {}
            continue
        rows = collect_rows(table, version, chain, toks, label_set, len(toks), notes)
        cells[table] = _read_rows(table, version, rows, toks, modes, norm, notes)
        regions[table] = _region(rows, toks, norm)
    cells["appeals"], reg = _read_appeals(appeal, version, toks, modes, norm, notes)
    if reg is not None:
        regions["appeals"] = reg
    log.debug("tables: version %s (evidence %s, hits %s), found %s", version, evidence, hits, list(regions))
    return TableResult(cells, regions, evidence, version, notes)


# --- reading cells ------------------------------------------------------------------------


def _read_rows(
    table: str,
    version: str,
    rows: dict[str, Row],
    toks: list[Tok],
    modes: list[str],
    norm: Normalized,
    notes: list[str],
) -> dict[str, Cell]:
    tmpl = table_rows(table, version)
    # Only space-aligned blocks give cells an x position; without one, nothing is placed by x.
    spaced = "spaces" in modes
    centers = _x_centers(table, tmpl, rows) if spaced else {}
    labels = [r.label for r in rows.values() if r.label >= 0]
    anchor = min(labels) if table == "requests" and labels else -1
    first_col = _first_data_column(toks, anchor) if anchor >= 0 else -1
    placements: dict[str, Placement] = {}
    for r, cols in tmpl:
        row = rows.get(r)
        if row is None:
            continue
        n = len(cols)
        identity = table == "requests"
        positions = POSITIONS[modes[min(row.start, len(modes) - 1)]]
        if first_col > 0:
            # Empty cells that pad a row's label area (the grid's label columns) are no data.
            row.slots = _drop_label_area(row.slots, first_col)
        p = _by_headers(toks, row, table, cols)
        if p is None:
            xcol = (
                _xcol(row.slots, centers.get(n) or _header_centers(toks, row, table, cols, anchor))
                if spaced
                else None
            )
            p = place_row(
                row.slots,
                n,
                _one_group(n, identity),
                positions,
                xcol,
                identity_name="requests.row_total" if identity else None,
            )
        if row.by_order:
            p.score = min(p.score, _GAP_ROW_SCORE)
        placements[r] = p
        if p.note and not (table == "requests" and p.alternatives):  # those are settled below
            notes.append(f"{table}.{r}: {p.note}")
    if table == "requests":
        for msg in resolve_requests_ties(placements, version):
            notes.append(msg)
    out: dict[str, Cell] = {}
    missing = []
    for r, keys in _row_keys(table, version):
        p = placements.get(r)
        if p is None:
            missing.append(r)
            for key in keys:
                out[key] = Cell(
                    table, key, None, "", None, None, _MISSING_ROW_SCORE, "rules", "row not found"
                )
            continue
        score, note = p.score, p.note
        for key, tok in zip(keys, p.cols, strict=False):
            if tok is None:
                out[key] = Cell(table, key, None, "", None, None, score, "rules", note)  # a blank
            else:
                out[key] = _make_cell(table, key, tok, p, norm)
    if missing:
        notes.append(f"{table}: rows not found: {', '.join(missing)}")
    return out


@lru_cache(maxsize=16)
def _row_keys(table: str, version: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """The template rows of a table with their `row.col` keys."""
    return tuple((r, tuple(f"{r}.{c}" for c in cols)) for r, cols in table_rows(table, version))


@lru_cache(maxsize=64)
def _one_group(n: int, identity: bool) -> tuple[Group, ...]:
    return (Group(0, n, identity),)


def _make_cell(table: str, key: str, tok: Tok | None, p: Placement, norm: Normalized) -> Cell:
    if tok is None:
        return Cell(table, key, None, "", None, None, p.score, "rules", p.note)
    value = tok.value
    note = p.note
    score = p.score
    if (table, key) in AMOUNT_CELLS and value is not None:
        value = float(value)
        if tok.unit and "万" not in tok.unit:
            # The template counts money in 万元; a cell in 元 is kept as written, but flagged.
            score *= 0.7
            note = "; ".join(
                x for x in (note, f"unit {tok.unit} in a 万元 column, value kept as written") if x
            )
    if tok.repaired:
        score *= 0.8
        note = "; ".join(x for x in (note, tok.repaired) if x)
    idx = norm.index
    raw = norm.original[idx[tok.start] : idx[tok.end - 1] + 1]
    return Cell(table, key, value, raw, idx[tok.num_start], idx[tok.num_end - 1] + 1, score, "rules", note)


def _x_centers(table: str, tmpl, rows: dict[str, Row]) -> dict[int, list[float]]:
    """Column x positions of space-aligned rows, from the rows that have every value."""
    by_n: dict[int, list[list[float]]] = {}
    for r, cols in tmpl:
        row = rows.get(r)
        if row is None:
            continue
        xs = [t.x for t in row.slots if t.kind == NUM]
        if len(xs) == len(cols) and all(x is not None for x in xs):
            by_n.setdefault(len(cols), []).append(xs)  # type: ignore[arg-type]
    out = {}
    for n, rows_x in by_n.items():
        out[n] = [sorted(col)[len(col) // 2] for col in zip(*rows_x, strict=True)]
    return out


def _first_data_column(toks: list[Tok], anchor: int) -> int:
    """Grid column of the requests table's first data column (its 自然人 header cell), or -1."""
    for j in range(anchor - 1, max(-1, anchor - _HEADER_WINDOW), -1):
        t = toks[j]
        if t.kind == TEXT and t.col >= 0 and label_core(t.text) == "自然人":
            return t.col
    return -1


def _drop_label_area(slots: list[Tok], first_col: int) -> list[Tok]:
    k = 0
    while k < len(slots) and slots[k].kind == BLANK and 0 <= slots[k].col < first_col:
        k += 1
    return slots[k:]


def _by_headers(toks: list[Tok], row: Row, table: str, cols: tuple[str, ...]) -> Placement | None:
    """A row with more numbers than template columns, read by the column headers above it.

    Happens when the text follows the other template version (2019 columns 上一年项目数量 |
    本年增/减 | 处理决定数量 read with the 2021 key 本年处理决定数量): each key takes the cell under
    its header.
    """
    if row.label < 0 or sum(1 for t in row.slots if t.kind == NUM) <= len(cols):
        return None  # (trimming drops empty cells only: count the numbers before it)
    slots = trim_slots(row.slots, len(cols))
    head: list[str] | None = None
    for j in range(row.label - 1, max(-1, row.label - _HEADER_WINDOW), -1):
        t = toks[j]
        if t.kind == TEXT and label_core(t.text) == "信息内容":
            head = []
            for h in toks[j + 1 :]:
                if h.kind == BREAK or h.kind == NUM:
                    break
                head.append(label_core(h.text) if h.kind == TEXT else "")
            break
    if not head or len(head) > len(slots):
        return None
    picks = []
    for c in cols:
        idx = [i for i, h in enumerate(head) if h in COLUMN_WORDS.get((table, c), ())]
        if len(idx) != 1:
            return None
        picks.append(slots[idx[0]])
    return Placement(
        [t if t.kind == NUM else None for t in picks], score=0.8, note="read by the column headers"
    )


def _header_centers(
    toks: list[Tok], row: Row, table: str, cols: tuple[str, ...], anchor: int = -1
) -> list[float] | None:
    """Space-aligned rows: the x positions of the nearest column header cells above the row
    (above `anchor`, the table's first label, for the requests table's one header)."""
    if len(cols) < 2 or not any(t.x is not None for t in row.slots):
        return None
    found: dict[str, float] = {}
    first = anchor if anchor >= 0 else (row.label if row.label >= 0 else row.start - 1)
    for j in range(first - 1, max(-1, first - _HEADER_WINDOW), -1):
        t = toks[j]
        if t.kind != TEXT or t.x is None:
            continue
        core = label_core(t.text)
        for c in cols:
            if c not in found and core in COLUMN_WORDS.get((table, c), ()):
                found[c] = t.x
        if len(found) == len(cols):
            xs = [found[c] for c in cols]
            return xs if all(a < b for a, b in zip(xs, xs[1:], strict=False)) else None
    return None


def _xcol(slots: list[Tok], centers: list[float] | None) -> list[int] | None:
    if centers is None:
        return None
    xs = [t.x for t in slots if t.kind == NUM]
    if not xs or any(x is None for x in xs):
        return None
    return [min(range(len(centers)), key=lambda j: abs(centers[j] - x)) for x in xs]  # type: ignore[operator]


def _region(rows: dict[str, Row], toks: list[Tok], norm: Normalized) -> tuple[int, int]:
    starts = [toks[r.label].start for r in rows.values() if r.label >= 0]
    ends = [t.end for r in rows.values() for t in r.slots] + [
        toks[r.label].end for r in rows.values() if r.label >= 0
    ]
    s, e = min(starts), max(ends)
    return norm.span(s, e)


# --- the appeals table --------------------------------------------------------------------


def _read_appeals(
    zone: tuple[int, int] | None,
    version: str,
    toks: list[Tok],
    modes: list[str],
    norm: Normalized,
    notes: list[str],
) -> tuple[dict[str, Cell], tuple[int, int] | None]:
    """The appeals table: one data row of 3 groups x 5 columns under a 2-3 line header."""
    if zone is None:
        return {}, None
    start, last = zone
    # The data row starts after the header; where lines are rows, empty cells that end the
    # last header line (up to its line break) are the header's, not data.
    d = last + 1
    while d < len(toks) and toks[d].kind == BLANK:
        d += 1
    if d >= len(toks) or toks[d].kind != BREAK:
        d = last + 1
    n = len(APPEAL_GROUPS) * len(APPEAL_COLS)
    slots, _ = collect(toks, d - 1, n, set(), len(toks))
    if not slots:
        return {}, None
    w = len(APPEAL_COLS)
    groups = tuple(Group(g * w, w, True) for g in range(len(APPEAL_GROUPS)))
    positions = POSITIONS[modes[min(d, len(modes) - 1)]]
    xcol = _xcol(slots, _appeal_x_centers(toks[start : last + 1], n))
    p = place_row(slots, n, groups, positions, xcol, identity_name="appeals.total")
    if p.note:
        notes.append(f"appeals: {p.note}")
    cells = {}
    keys = cell_keys("appeals", version)
    for k, key in enumerate(keys):
        cells[key] = _make_cell("appeals", key, p.cols[k], p, norm)
    end = max(t.end for t in slots)
    return cells, norm.span(toks[start].start, max(end, toks[last].end))


def _appeal_x_centers(header: list[Tok], n: int) -> list[float] | None:
    """Space-aligned appeals: the x positions of the fifteen column header cells, if all are seen."""
    xs = [
        t.x
        for t in header
        if t.kind == TEXT and t.x is not None and APPEAL_COLUMN_WORD_RE.search(label_core(t.text))
    ]
    return xs if len(xs) == n else None  # type: ignore[return-value]
