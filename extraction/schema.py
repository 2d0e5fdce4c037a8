"""The record types and the template, as ../shared/spec/report-format.md defines them.

This module is a leaf: it imports nothing of ours. Every stage takes and returns these types;
loose dicts appear only at the JSON boundary (`Record.to_json` / `Record.from_json`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

RULES_VERSION = "rules.v1"
RECORD_VERSION = "1"

LABELS = ("AGENCY", "COUNT", "AMOUNT", "DATE")
TABLES = ("active", "requests", "appeals")
VERSIONS = ("2019", "2021")
FORMAT_VERSIONS = ("2019", "2021", "legacy", "unknown")

FINDING_CODES = (
    "identity.requests.balance",
    "identity.requests.results_total",
    "identity.requests.row_total",
    "identity.appeals.total",
    "format.version_mismatch",
    "section.missing",
    "section.title_mismatch",
    "table.blank",
    "narrative.table_mismatch",
)

# The six sections, in order: (number, canonical title, table it holds or None).
SECTIONS = (
    (1, "总体情况", None),
    (2, "主动公开政府信息情况", "active"),
    (3, "收到和处理政府信息公开申请情况", "requests"),
    (4, "政府信息公开行政复议、行政诉讼情况", "appeals"),
    (5, "存在的主要问题及改进情况", None),
    (6, "其他需要报告的事项", None),
)
SECTION_NUMERALS = "一二三四五六"

# --- the template -------------------------------------------------------------------------

ACTIVE_ROWS: dict[str, tuple[tuple[str, tuple[str, ...]], ...]] = {
    "2019": (
        ("regulations", ("made", "published", "total")),
        ("normative_documents", ("made", "published", "total")),
        ("licensing", ("prev_items", "change", "decisions")),
        ("other_services", ("prev_items", "change", "decisions")),
        ("penalty", ("prev_items", "change", "decisions")),
        ("coercion", ("prev_items", "change", "decisions")),
        ("fees", ("prev_items", "change")),
        ("procurement", ("items", "amount")),
    ),
    "2021": (
        ("regulations", ("issued", "repealed", "in_force")),
        ("normative_documents", ("issued", "repealed", "in_force")),
        ("licensing", ("decisions",)),
        ("penalty", ("decisions",)),
        ("coercion", ("decisions",)),
        ("fees", ("amount",)),
    ),
}

REQUEST_COLS = (
    "natural_person",
    "commercial",
    "research",
    "social_org",
    "legal_service",
    "other_org",
    "total",
)
APPLICANT_COLS = REQUEST_COLS[:6]

WITHHELD_ROWS = (
    "withheld_state_secret",
    "withheld_prohibited",
    "withheld_security",
    "withheld_third_party",
    "withheld_internal",
    "withheld_process",
    "withheld_enforcement",
    "withheld_inquiry",
)
UNABLE_ROWS = ("unable_not_held", "unable_needs_creation", "unable_unclear")
REJECTED_ROWS = (
    "rejected_petition",
    "rejected_duplicate",
    "rejected_publication",
    "rejected_excessive",
    "rejected_confirmation",
)
RESULT_ROWS: dict[str, tuple[str, ...]] = {
    "2019": ("granted", "partly_granted", *WITHHELD_ROWS, *UNABLE_ROWS, *REJECTED_ROWS, "other"),
    "2021": (
        "granted",
        "partly_granted",
        *WITHHELD_ROWS,
        *UNABLE_ROWS,
        *REJECTED_ROWS,
        "other_no_correction",
        "other_no_fee",
        "other_misc",
    ),
}
REQUEST_ROWS: dict[str, tuple[str, ...]] = {
    v: ("new", "carried_over", *RESULT_ROWS[v], "results_total", "carried_forward") for v in RESULT_ROWS
}

APPEAL_GROUPS = ("review", "litigation_direct", "litigation_after_review")
APPEAL_COLS = ("upheld", "corrected", "other", "pending", "total")

# Columns that hold money (万元) rather than counts.
AMOUNT_CELLS = {("active", "procurement.amount"), ("active", "fees.amount")}
# Columns that hold a signed change (本年增/减).
SIGNED_COLS = {"change"}


def table_rows(table: str, version: str) -> list[tuple[str, tuple[str, ...]]]:
    """Rows of a table with their columns, in template order."""
    if version not in VERSIONS:
        return []
    if table == "active":
        return [(r, cs) for r, cs in ACTIVE_ROWS[version]]
    if table == "requests":
        return [(r, REQUEST_COLS) for r in REQUEST_ROWS[version]]
    if table == "appeals":
        return [(g, APPEAL_COLS) for g in APPEAL_GROUPS]
    raise KeyError(f"[S001] unknown table: {table!r}")


def cell_keys(table: str, version: str) -> list[str]:
    """The `row.col` keys of a table in template order; empty for legacy/unknown versions."""
    return [f"{r}.{c}" for r, cs in table_rows(table, version) for c in cs]


def all_cell_keys(version: str) -> list[str]:
    """Every `table.row.col` key of a template version."""
    return [f"{t}.{k}" for t in TABLES for k in cell_keys(t, version)]


def version_for_year(year: int | None) -> str | None:
    """The template version a report year should use (2019: 2019-2020, 2021: 2021+, legacy before)."""
    if year is None:
        return None
    if year >= 2021:
        return "2021"
    if year >= 2019:
        return "2019"
    return "legacy"


# --- record types ---------------------------------------------------------------------------

_ROUNDED: dict[float, float] = {}


def _round4(x: float) -> float:
    """`round(x, 4)`, remembered for floats: scores repeat (1.0, 0.85, 0.7 ...) and float
    rounding is slow (it goes through a decimal conversion)."""
    if type(x) is not float or x == 0.0 or x != x:
        return round(x, 4)  # ints keep their type; -0.0 and NaN are not dictionary keys
    r = _ROUNDED.get(x)
    if r is None:
        r = round(x, 4)
        if len(_ROUNDED) < 4096:
            _ROUNDED[x] = r
    return r


@dataclass
class Entity:
    """A labelled span `[start, end)` of the original text with its normalized value."""

    label: str
    start: int
    end: int
    text: str
    value: Any = None
    score: float = 1.0
    source: str = "rules"

    def to_json(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "value": self.value,
            "score": _round4(self.score),
            "source": self.source,
        }


@dataclass
class Cell:
    """One template cell: its value (None = blank), the raw text read and where it was read."""

    table: str
    key: str  # "row.col"
    value: int | float | None
    raw: str = ""
    start: int | None = None
    end: int | None = None
    score: float = 1.0
    source: str = "rules"
    note: str | None = None  # e.g. "repaired: O->0", "ambiguous: chose by identity"

    def to_json(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "value": self.value,
            "raw": self.raw,
            "start": self.start,
            "end": self.end,
            "score": _round4(self.score),
            "source": self.source,
        }
        if self.note:
            d["note"] = self.note
        return d


@dataclass
class Finding:
    """An audit finding: a spec code, a human-readable detail, and what it concerns."""

    code: str
    detail: str
    cells: list[str] = field(default_factory=list)  # "table.row.col"
    spans: list[list[int]] = field(default_factory=list)  # [[start, end], ...] in the original text

    def to_json(self) -> dict[str, Any]:
        return {"code": self.code, "detail": self.detail, "cells": self.cells, "spans": self.spans}


@dataclass
class Section:
    """A top-level section found in the text (offsets into the original text)."""

    number: int  # 1..6, the section this block is taken to be
    heading: str  # heading text as written
    start: int  # heading start
    body_start: int  # first character after the heading line
    end: int  # end of the section body
    title_ok: bool = True  # False when the heading names another section or none
    named: int | None = None  # the section the heading's words name, if any


@dataclass
class Contact:
    department: str | None = None
    address: str | None = None
    postcode: str | None = None
    phone: list[str] = field(default_factory=list)
    email: list[str] = field(default_factory=list)
    website: list[str] = field(default_factory=list)


@dataclass
class Record:
    """One report's extraction result, in the spec's field names."""

    source: str
    doc: str
    agency: str | None = None
    year: int | None = None
    format_version: str = "unknown"
    period: dict[str, str] | None = None
    published: str | None = None
    contact: Contact = field(default_factory=Contact)
    cells: dict[str, dict[str, Cell]] = field(default_factory=lambda: {t: {} for t in TABLES})
    entities: list[Entity] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)
    encoding: str = "utf-8"
    chars: int = 0
    warnings: list[str] = field(default_factory=list)
    confidence: float = 1.0
    model_version: str | None = None
    rules_version: str = RULES_VERSION
    engine: str = "rules"

    def tables(self) -> dict[str, dict[str, int | float | None]]:
        """The spec's `tables` field: `{table: {"row.col": value}}` in template order."""
        return {t: {k: c.value for k, c in self.cells.get(t, {}).items()} for t in TABLES}

    def to_json(self) -> dict[str, Any]:
        """The output record (JSON-ready dict, stable key order)."""
        return {
            "source": self.source,
            "doc": self.doc,
            "agency": self.agency,
            "year": self.year,
            "format_version": self.format_version,
            "period": self.period,
            "published": self.published,
            "contact": asdict(self.contact),
            "tables": self.tables(),
            "entities": [e.to_json() for e in self.entities],
            "findings": [f.to_json() for f in self.findings],
            "cells": {t: {k: c.to_json() for k, c in cs.items()} for t, cs in self.cells.items()},
            "sections": [
                {
                    "number": s.number,
                    "heading": s.heading,
                    "start": s.start,
                    "end": s.end,
                    "title_ok": s.title_ok,
                }
                for s in self.sections
            ],
            "confidence": round(self.confidence, 4),
            "warnings": self.warnings,
            "encoding": self.encoding,
            "chars": self.chars,
            "engine": self.engine,
            "model_version": self.model_version,
            "rules_version": self.rules_version,
            "record_version": RECORD_VERSION,
        }
