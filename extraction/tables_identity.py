"""Column identities of the requests table, used to settle rows whose blank placement is open.

`requests`, every column c (spec, 勾稽关系; blank counts as 0):
    new.c + carried_over.c == results_total.c + carried_forward.c        (balance)
    results_total.c == sum of the result rows' c                          (results_total)
A row read with invisible blanks (e.g. `3  3` in a row of seven columns) may fit the row
identity in several ways (natural_person or commercial plus total); the placement that keeps
these column identities is taken. Values are only moved between columns, never made up.
"""

from __future__ import annotations

from extraction.schema import REQUEST_COLS, RESULT_ROWS
from extraction.tables_cells import Tok
from extraction.tables_place import Placement


def _val(cols: list[Tok | None] | None, c: int) -> float:
    if cols is None or cols[c] is None:
        return 0.0
    return float(cols[c].value or 0)  # type: ignore[union-attr]


def column_violations(rows: dict[str, list[Tok | None]], version: str) -> int:
    """How many (identity, column) pairs of the requests table fail."""
    bad = 0
    results = RESULT_ROWS[version]
    for c in range(len(REQUEST_COLS)):
        lhs = _val(rows.get("new"), c) + _val(rows.get("carried_over"), c)
        rhs = _val(rows.get("results_total"), c) + _val(rows.get("carried_forward"), c)
        if abs(lhs - rhs) > 1e-6:
            bad += 1
        if "results_total" in rows:
            total = sum(_val(rows.get(r), c) for r in results)
            if abs(total - _val(rows["results_total"], c)) > 1e-6:
                bad += 1
    return bad


def resolve_requests_ties(placements: dict[str, Placement], version: str) -> list[str]:
    """Choose, for each row with equally good placements, the one the column identities favour.

    Returns notes on what was decided.
    """
    notes: list[str] = []
    open_rows = [r for r, p in placements.items() if p.alternatives]
    if not open_rows:
        return notes
    current = {r: p.cols for r, p in placements.items()}
    for _ in range(2):
        for r in open_rows:
            p = placements[r]
            options = [p.cols, *p.alternatives]
            costs = []
            for opt in options:
                current[r] = opt
                costs.append(column_violations(current, version))
            best = min(costs)
            winners = [k for k, c in enumerate(costs) if c == best]
            current[r] = options[winners[0]]
    for r in open_rows:
        p = placements[r]
        options = [p.cols, *p.alternatives]
        chosen = current[r]
        costs = []
        for opt in options:
            current[r] = opt
            costs.append(column_violations(current, version))
        current[r] = chosen
        best = min(costs)
        p.cols = chosen
        if costs.count(best) == 1:
            p.score = 0.7
            p.note = "blank placement chosen by identities requests.balance/results_total"
            p.alternatives = []
            notes.append(f"requests.{r}: {p.note}")
        else:
            notes.append(f"requests.{r}: blank placement ambiguous; kept the leftmost reading")
    return notes
