"""A record's table values as the audit's checks read them (`audit`, `audit_narrative`)."""

from __future__ import annotations

from extraction.schema import VERSIONS, Record, cell_keys

EPS = 1e-6  # two figures closer than this are equal


def fmt_number(x: float) -> str:
    """A figure as a finding shows it: integers without ".0", others in short form."""
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


class TableValues:
    """Values of one table by key, blank read as 0; `has(k)` tells whether the key was read."""

    def __init__(self, record: Record, table: str) -> None:
        self.table = table
        cells = record.cells.get(table, {}) or {}
        self.vals = {k: (0 if c.value is None else c.value) for k, c in cells.items()}
        self.any_figure = any(c.value is not None for c in cells.values())
        version = record.format_version
        self.complete = version in VERSIONS and all(k in self.vals for k in cell_keys(table, version))

    def has(self, *keys: str) -> bool:
        """Whether every key was read (always, for a table with every template key)."""
        if self.complete:
            return True
        vals = self.vals
        return all(k in vals for k in keys)

    def v(self, key: str) -> float:
        """The value of a key, 0 when blank or not read."""
        return self.vals.get(key, 0)

    def total(self, keys: list[str]) -> float:
        """The sum of the values of `keys`."""
        vals = self.vals
        return sum(vals.get(k, 0) for k in keys)

    def sum_off(self, parts: list[str], total_key: str) -> tuple[float, float] | None:
        """`(sum of parts, stated total)` when all were read and the two differ, else None."""
        if not self.has(*parts, total_key):
            return None
        s, total = self.total(parts), self.v(total_key)
        return (s, total) if abs(s - total) > EPS else None

    def read(self) -> bool:
        """Whether any cell of the table holds a figure."""
        return self.any_figure
