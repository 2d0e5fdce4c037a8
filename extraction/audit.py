"""The audit: findings about a report's own consistency (spec "Findings").

Checks, each finding naming the cells ("table.row.col") or spans (original offsets) it concerns:

- identity.*: the template's 勾稽关系, blank counted as 0; one finding per failing column (requests
  balance and results total), row (requests row total) or group (appeals total).
- format.version_mismatch: the tables follow a template that does not fit the report year.
- section.missing / section.title_mismatch: see `_section_findings`.
- table.blank: once per table with blank cells.
- narrative.table_mismatch: a figure the narrative states (共收到…申请23件, 予以公开1件) that
  contradicts the table; see `extraction.audit_narrative`.

Legacy and unknown-version reports have no template tables and no template sections: they get no
identity, table or section findings.
"""

from __future__ import annotations

import re
from bisect import bisect_left

from extraction.audit_narrative import narrative_findings
from extraction.audit_values import EPS, TableValues, fmt_number
from extraction.normalize import Normalized
from extraction.schema import (
    APPEAL_COLS,
    APPEAL_GROUPS,
    APPLICANT_COLS,
    REQUEST_COLS,
    REQUEST_ROWS,
    RESULT_ROWS,
    SECTION_NUMERALS,
    SECTIONS,
    TABLES,
    VERSIONS,
    Finding,
    Record,
    Section,
    cell_keys,
    version_for_year,
)

_TABLE_NAMES = {"active": "主动公开", "requests": "依申请公开", "appeals": "行政复议、行政诉讼"}


def _cn(n: int) -> str:
    return SECTION_NUMERALS[n - 1] if 1 <= n <= 6 else str(n)


# --- identities -------------------------------------------------------------------------------


def identity_findings(record: Record, version: str) -> list[Finding]:
    """The failing template identities of a record's tables (blank counts as 0)."""
    out: list[Finding] = []
    rq = TableValues(record, "requests")
    results = RESULT_ROWS[version]
    for c in REQUEST_COLS:
        keys = [f"new.{c}", f"carried_over.{c}", f"results_total.{c}", f"carried_forward.{c}"]
        if rq.has(*keys):
            lhs = rq.v(keys[0]) + rq.v(keys[1])
            rhs = rq.v(keys[2]) + rq.v(keys[3])
            if abs(lhs - rhs) > EPS:
                out.append(
                    Finding(
                        "identity.requests.balance",
                        f"requests column {c}: 一 new ({fmt_number(rq.v(keys[0]))}) + 二 carried_over "
                        f"({fmt_number(rq.v(keys[1]))}) = {fmt_number(lhs)} ≠ 三（七） results_total ({fmt_number(rq.v(keys[2]))}) "
                        f"+ 四 carried_forward ({fmt_number(rq.v(keys[3]))}) = {fmt_number(rhs)}",
                        cells=[f"requests.{k}" for k in keys],
                    )
                )
        keys = [f"{r}.{c}" for r in results]
        if off := rq.sum_off(keys, f"results_total.{c}"):
            out.append(
                Finding(
                    "identity.requests.results_total",
                    f"requests column {c}: （七）总计 results_total = {fmt_number(off[1])} but the result rows "
                    f"sum to {fmt_number(off[0])}",
                    cells=[f"requests.{k}" for k in (*keys, f"results_total.{c}")],
                )
            )
    for r in REQUEST_ROWS[version]:
        keys = [f"{r}.{c}" for c in APPLICANT_COLS]
        if off := rq.sum_off(keys, f"{r}.total"):
            out.append(
                Finding(
                    "identity.requests.row_total",
                    f"requests row {r}: 总计 total = {fmt_number(off[1])} but the six applicant columns sum to "
                    f"{fmt_number(off[0])}",
                    cells=[f"requests.{k}" for k in (*keys, f"{r}.total")],
                )
            )
    ap = TableValues(record, "appeals")
    for g in APPEAL_GROUPS:
        keys = [f"{g}.{c}" for c in APPEAL_COLS]
        if off := ap.sum_off(keys[:-1], keys[-1]):
            out.append(
                Finding(
                    "identity.appeals.total",
                    f"appeals group {g}: 总计 total = {fmt_number(off[1])} but 维持+纠正+其他+尚未审结 = {fmt_number(off[0])}",
                    cells=[f"appeals.{k}" for k in keys],
                )
            )
    return out


# --- tables -----------------------------------------------------------------------------------


def _blank_findings(record: Record, version: str, regions: dict[str, tuple[int, int]]) -> list[Finding]:
    out: list[Finding] = []
    for table in TABLES:
        cells = record.cells.get(table, {}) or {}
        keys = [k for k in cell_keys(table, version) if k in cells]
        blank = [k for k in keys if cells[k].value is None]
        if not blank:
            continue
        if len(blank) == len(keys) and table not in regions:
            continue  # nothing was read and no table was located: absent, not blank
        rows = list(dict.fromkeys(k.split(".")[0] for k in blank))
        scope = "every cell" if len(blank) == len(keys) else f"{len(blank)} of {len(keys)} cells"
        out.append(
            Finding(
                "table.blank",
                f"The {table} table ({_TABLE_NAMES[table]}) leaves {scope} blank rather than 0 "
                f"(rows: {', '.join(rows)}).",
                cells=[f"{table}.{k}" for k in blank],
                spans=[list(regions[table])] if table in regions else [],
            )
        )
    return out


def _version_findings(
    record: Record, evidence: str | None, regions: dict[str, tuple[int, int]]
) -> list[Finding]:
    want = version_for_year(record.year)
    if evidence not in VERSIONS or want is None or want == evidence:
        return []
    return [
        Finding(
            "format.version_mismatch",
            f"The tables follow the {evidence} template, but a {record.year} report should use "
            + (f"the {want} template." if want in VERSIONS else "the legacy (pre-2019) format."),
            spans=[list(regions[t]) for t in TABLES if t in regions],
        )
    ]


# --- sections ---------------------------------------------------------------------------------

# A finished report ends a sentence, says 无, or signs off with the agency and a date.
_END_OK_RE = re.compile(
    r"(?:[。！？!?…)）]|无|日|(?:19|20)\d{2}\s*[年.\-/][^\n]{1,12}|[局厅委府处室院部镇乡])\s*$"
)


def _looks_complete(text: str) -> bool:
    """Whether a text ends like a finished report rather than a cut-off fragment."""
    tail = text.rstrip()
    return bool(tail) and _END_OK_RE.search(tail[-30:]) is not None


def _section_findings(record: Record, norm: Normalized) -> list[Finding]:
    """Missing sections and wrong headings.

    A section is missing when a later section is present (a gap, or the report starts after it),
    or when it would come after the last section found and the report is evidently complete (it
    reaches section 四 or later and ends like a finished text). A text that stops mid-sentence
    is a fragment: its trailing sections are not called missing. No section found at all means
    the text is not in the template's shape; nothing is reported then.
    """
    sections: list[Section] = record.sections
    out: list[Finding] = []
    if not sections:
        return out
    found = {s.number for s in sections}
    last = max(sections, key=lambda s: s.number)
    complete = last.number >= 4 and _looks_complete(norm.original)
    for n, title, _table in SECTIONS:
        if n in found:
            continue
        if n > last.number and not complete:
            continue
        after = [s for s in sections if s.number > n]
        if n > last.number:
            where = f"the report ends after section {_cn(last.number)}"
            span = [last.start, last.end]
        else:
            nxt = min(after, key=lambda s: s.number)
            where = f"section {_cn(nxt.number)} follows directly"
            span = [nxt.start, nxt.body_start]
        out.append(
            Finding("section.missing", f"Section {_cn(n)} ({title}) is absent; {where}.", spans=[span])
        )
    for s in sections:
        if s.title_ok:
            continue
        canon = SECTIONS[s.number - 1][1] if 1 <= s.number <= 6 else "?"
        names = (
            f"the title of section {_cn(s.named)}"
            if s.named is not None
            else f"no section's title (section {_cn(s.number)} is {canon})"
        )
        out.append(
            Finding(
                "section.title_mismatch",
                f"Section {_cn(s.number)} is headed “{s.heading.strip()}”, {names}.",
                spans=[[s.start, s.start + len(s.heading)]],
            )
        )
    return out


# --- the stage --------------------------------------------------------------------------------


def _norm_regions(norm: Normalized, regions: dict[str, tuple[int, int]]) -> list[tuple[int, int]]:
    n = len(norm.text)
    return [(bisect_left(norm.index, s, 0, n), bisect_left(norm.index, e, 0, n)) for s, e in regions.values()]


def audit(
    record: Record,
    norm: Normalized,
    table_evidence: str | None,
    regions: dict[str, tuple[int, int]],
    identity_cells: dict | None = None,
) -> list[Finding]:
    """Audit one extracted report.

    Args:
        record: the record so far (year, format_version, cells, sections filled in).
        norm: its normalized text.
        table_evidence: the template version the table labels point to ("2019"/"2021"), or None.
        regions: table -> ORIGINAL (start, end) of the table text that was read.
        identity_cells: the cells as the report writes them, when the record's were repaired by
            identity (hybrid): the identities are checked on what was published, so a repaired
            digit still shows as a failing identity (OCR damage and a publisher's typo look alike).

    Returns:
        The findings, in the order identities, format, sections, blanks, narrative.
    """
    version = record.format_version
    out: list[Finding] = []
    template = version in VERSIONS
    if template:
        written = record
        if identity_cells is not None:
            written = Record(source=record.source, doc=record.doc, format_version=version)
            written.cells = identity_cells
        out += identity_findings(written, version)
    out += _version_findings(record, table_evidence, regions)
    if template:
        out += _section_findings(record, norm)
        out += _blank_findings(record, version, regions)
        out += narrative_findings(record, norm, _norm_regions(norm, regions))
    return out
