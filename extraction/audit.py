"""The audit: findings about a report's own consistency (spec "Findings").

Checks, each finding naming the cells ("table.row.col") or spans (original offsets) it concerns:

- identity.*: the template's 勾稽关系, blank counted as 0; one finding per failing column (requests
  balance and results total), row (requests row total) or group (appeals total).
- format.version_mismatch: the tables follow a template that does not fit the report year.
- section.missing / section.title_mismatch: see `_section_findings`.
- table.blank: once per table with blank cells.
- narrative.table_mismatch: a figure the narrative states (共收到…申请23件, 予以公开1件) that
  contradicts the table; see `_narrative_findings`.

Legacy and unknown-version reports have no template tables and no template sections: they get no
identity, table or section findings.
"""

from __future__ import annotations

import re
from bisect import bisect_left

from extraction.normalize import Normalized
from extraction.schema import (
    APPEAL_COLS,
    APPEAL_GROUPS,
    APPLICANT_COLS,
    REJECTED_ROWS,
    REQUEST_COLS,
    REQUEST_ROWS,
    RESULT_ROWS,
    SECTION_NUMERALS,
    SECTIONS,
    TABLES,
    UNABLE_ROWS,
    VERSIONS,
    WITHHELD_ROWS,
    Finding,
    Record,
    Section,
    cell_keys,
    version_for_year,
)

_EPS = 1e-6
_TABLE_NAMES = {"active": "主动公开", "requests": "依申请公开", "appeals": "行政复议、行政诉讼"}


def _cn(n: int) -> str:
    return SECTION_NUMERALS[n - 1] if 1 <= n <= 6 else str(n)


def _fmt(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


class _Table:
    """Values of one table by key, blank read as 0; `has(k)` tells whether the key was read."""

    def __init__(self, record: Record, table: str) -> None:
        self.table = table
        cells = record.cells.get(table, {}) or {}
        self.vals = {k: (0 if c.value is None else c.value) for k, c in cells.items()}
        self.any_figure = any(c.value is not None for c in cells.values())
        version = record.format_version
        self.complete = version in VERSIONS and all(k in self.vals for k in cell_keys(table, version))

    def has(self, *keys: str) -> bool:
        if self.complete:
            return True
        vals = self.vals
        return all(k in vals for k in keys)

    def v(self, key: str) -> float:
        return self.vals.get(key, 0)

    def total(self, keys: list[str]) -> float:
        vals = self.vals
        return sum(vals.get(k, 0) for k in keys)

    def read(self) -> bool:
        """Whether any cell of the table holds a figure."""
        return self.any_figure


# --- identities -------------------------------------------------------------------------------


def _identity_findings(record: Record, version: str) -> list[Finding]:
    out: list[Finding] = []
    rq = _Table(record, "requests")
    results = RESULT_ROWS[version]
    for c in REQUEST_COLS:
        keys = [f"new.{c}", f"carried_over.{c}", f"results_total.{c}", f"carried_forward.{c}"]
        if rq.has(*keys):
            lhs = rq.v(keys[0]) + rq.v(keys[1])
            rhs = rq.v(keys[2]) + rq.v(keys[3])
            if abs(lhs - rhs) > _EPS:
                out.append(
                    Finding(
                        "identity.requests.balance",
                        f"requests column {c}: 一 new ({_fmt(rq.v(keys[0]))}) + 二 carried_over "
                        f"({_fmt(rq.v(keys[1]))}) = {_fmt(lhs)} ≠ 三（七） results_total ({_fmt(rq.v(keys[2]))}) "
                        f"+ 四 carried_forward ({_fmt(rq.v(keys[3]))}) = {_fmt(rhs)}",
                        cells=[f"requests.{k}" for k in keys],
                    )
                )
        keys = [f"{r}.{c}" for r in results]
        if rq.has(*keys, f"results_total.{c}"):
            s = rq.total(keys)
            total = rq.v(f"results_total.{c}")
            if abs(s - total) > _EPS:
                out.append(
                    Finding(
                        "identity.requests.results_total",
                        f"requests column {c}: （七）总计 results_total = {_fmt(total)} but the result rows "
                        f"sum to {_fmt(s)}",
                        cells=[f"requests.{k}" for k in (*keys, f"results_total.{c}")],
                    )
                )
    for r in REQUEST_ROWS[version]:
        keys = [f"{r}.{c}" for c in APPLICANT_COLS]
        if rq.has(*keys, f"{r}.total"):
            s = rq.total(keys)
            total = rq.v(f"{r}.total")
            if abs(s - total) > _EPS:
                out.append(
                    Finding(
                        "identity.requests.row_total",
                        f"requests row {r}: 总计 total = {_fmt(total)} but the six applicant columns sum to {_fmt(s)}",
                        cells=[f"requests.{k}" for k in (*keys, f"{r}.total")],
                    )
                )
    ap = _Table(record, "appeals")
    for g in APPEAL_GROUPS:
        keys = [f"{g}.{c}" for c in APPEAL_COLS]
        if ap.has(*keys):
            s = ap.total(keys[:-1])
            total = ap.v(keys[-1])
            if abs(s - total) > _EPS:
                out.append(
                    Finding(
                        "identity.appeals.total",
                        f"appeals group {g}: 总计 total = {_fmt(total)} but 维持+纠正+其他+尚未审结 = {_fmt(s)}",
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


# --- narrative vs table -----------------------------------------------------------------------

# A number the narrative states: digits or a small Chinese numeral (not 零, which is also 零件).
_NUM = r"(?P<n>\d{1,6}|[一二两三四五六七八九十]{1,3})"
_UNIT = r"(?:件|宗|个|份|条)"
_NOT_APPROX = r"(?![余多])"
# Words that make a figure something else than this year's total: a comparison, a share, a
# cumulative count. (其中 introduces the breakdown into result categories, whose figures are
# the categories' totals; it only marks a subset of the requests received.)
_OFF_RE = re.compile(r"同比|去年|上年度?(?!结转)|较|增长|下降|减少|增加|累计|以来|历年|分别|占|平均|每")
_CLAUSE_END = "。；;\n"

# (pattern, cell keys it states the sum of, per version). Each pattern is tied to one table
# figure; a statement that could mean several figures is not checked at all.
_REQUEST_STATEMENTS: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(
            rf"(?:收到|受理|接收|接到)(?P<what>[^，。；;,\d]{{0,16}}?)(?:共计|共|合计|总计)?{_NUM}{_NOT_APPROX}{_UNIT}"
        ),
        "new",
    ),
    (re.compile(rf"(?:予以公开|同意公开)(?<!不予以公开)(?:的)?(?:共)?{_NUM}{_NOT_APPROX}{_UNIT}"), "granted"),
    (re.compile(rf"部分公开(?<!不予部分公开)(?:的)?(?:共)?{_NUM}{_NOT_APPROX}{_UNIT}"), "partly_granted"),
    (re.compile(rf"不予公开(?:的)?(?:共)?{_NUM}{_NOT_APPROX}{_UNIT}"), "withheld"),
    (re.compile(rf"无法提供(?:的)?(?:共)?{_NUM}{_NOT_APPROX}{_UNIT}"), "unable"),
    (re.compile(rf"不予处理(?:的)?(?:共)?{_NUM}{_NOT_APPROX}{_UNIT}"), "rejected"),
    (re.compile(rf"上年(?:度)?结转(?:的)?(?:申请)?(?:共)?{_NUM}{_NOT_APPROX}{_UNIT}"), "carried_over"),
    (
        re.compile(
            rf"结转(?:至|到)?下(?:一)?年度?(?:继续办理)?(?:的)?(?:申请)?(?:共)?{_NUM}{_NOT_APPROX}{_UNIT}"
        ),
        "carried_forward",
    ),
)
_APPEAL_RE = re.compile(
    rf"(?P<kind>行政复议|行政诉讼)(?:案件|申请)?(?:共)?{_NUM}{_NOT_APPROX}(?:件|起|宗|个)"
)


def _cn_small(s: str) -> int | None:
    if s.isdigit():
        return int(s)
    digits = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
    if "十" in s:
        a, _, b = s.partition("十")
        if len(a) > 1 or len(b) > 1:
            return None
        return digits.get(a, 1) * 10 + digits.get(b, 0)
    return digits.get(s) if len(s) == 1 else None


def _request_rows(kind: str) -> list[str]:
    return {
        "withheld": list(WITHHELD_ROWS),
        "unable": list(UNABLE_ROWS),
        "rejected": list(REJECTED_ROWS),
    }.get(kind, [kind])


def _clause(text: str, pos: int) -> str:
    start = max(text.rfind(ch, 0, pos) for ch in _CLAUSE_END) + 1
    return text[start:pos]


def _narrative_findings(record: Record, norm: Normalized, tables_at: list[tuple[int, int]]) -> list[Finding]:
    """Figures the narrative states that contradict the table.

    Only statements tied to one cell (or one fixed sum of cells) are compared: 共收到…申请N件
    (requests.new.total; also accepted: new + carried_over, the total handled), 予以公开/部分公开/
    不予公开/无法提供/不予处理N件 (the result rows' totals), 上年结转 / 结转下年度N件, and 政府信息公开
    行政复议/行政诉讼N件 (the appeals totals). A statement is skipped when its clause compares (同比,
    较去年), names a share (分别, 占; 其中 for the requests received), is cumulative (累计, 以来),
    names another year, or is approximate (余, 多); and when the table holds no figure at all (a
    blank table is table.blank's business).
    """
    text = norm.text
    year = record.year
    rq, ap = _Table(record, "requests"), _Table(record, "appeals")
    out: list[Finding] = []
    seen: set[str] = set()

    def usable(m: re.Match[str]) -> bool:
        if any(s <= m.start() < e for s, e in tables_at):
            return False
        clause = _clause(text, m.start()) + m.group()
        if _OFF_RE.search(_clause(text, m.start())):
            return False
        years = {int(y) for y in re.findall(r"((?:19|20)\d{2})年", clause)}
        return not (years and year is not None and years != {year})

    def check(m: re.Match[str], table: _Table, keys: list[str], also: list[list[str]]) -> None:
        n = _cn_small(m.group("n"))
        if n is None or not table.has(*keys) or not table.read():
            return
        accepted = [table.total(keys)] + [table.total(ks) for ks in also if table.has(*ks)]
        if any(abs(n - a) <= _EPS for a in accepted):
            return
        tag = ",".join(keys)
        if tag in seen:
            return
        seen.add(tag)
        s, e = norm.span(m.start(), m.end())
        out.append(
            Finding(
                "narrative.table_mismatch",
                f"The narrative states “{norm.original[s:e]}” ({n}), but the table gives "
                f"{_fmt(accepted[0])} ({' + '.join(f'{table.table}.{k}' for k in keys)}).",
                cells=[f"{table.table}.{k}" for k in keys],
                spans=[[s, e]],
            )
        )

    for rx, kind in _REQUEST_STATEMENTS:
        for m in rx.finditer(text):
            if not usable(m):
                continue
            if kind == "new":
                what = m.group("what")
                if "其中" in _clause(text, m.start()) or (
                    "申请" not in what
                    or not re.search(r"公开|信息", what)
                    or re.search(r"咨询|信访|留言|来信|举报|投诉|许可|复议|诉讼", what)
                ):
                    continue
                check(m, rq, ["new.total"], [["new.total", "carried_over.total"], ["results_total.total"]])
            elif m.start() == 0 or text[m.start() - 1] not in "或和及、与/":  # not 予以公开或部分公开N件
                rows = _request_rows(kind)
                check(m, rq, [f"{r}.total" for r in rows], [])
    for m in _APPEAL_RE.finditer(text):
        if not usable(m) or "信息公开" not in text[max(0, m.start() - 20) : m.start()]:
            continue
        groups = (
            ["review"] if m.group("kind") == "行政复议" else ["litigation_direct", "litigation_after_review"]
        )
        check(m, ap, [f"{g}.total" for g in groups], [])
    return out


# --- the stage --------------------------------------------------------------------------------


def _norm_regions(norm: Normalized, regions: dict[str, tuple[int, int]]) -> list[tuple[int, int]]:
    n = len(norm.text)
    return [(bisect_left(norm.index, s, 0, n), bisect_left(norm.index, e, 0, n)) for s, e in regions.values()]


def audit(
    record: Record, norm: Normalized, table_evidence: str | None, regions: dict[str, tuple[int, int]]
) -> list[Finding]:
    """Audit one extracted report.

    Args:
        record: the record so far (year, format_version, cells, sections filled in).
        norm: its normalized text.
        table_evidence: the template version the table labels point to ("2019"/"2021"), or None.
        regions: table -> ORIGINAL (start, end) of the table text that was read.

    Returns:
        The findings, in the order identities, format, sections, blanks, narrative.
    """
    version = record.format_version
    out: list[Finding] = []
    template = version in VERSIONS
    if template:
        out += _identity_findings(record, version)
    out += _version_findings(record, table_evidence, regions)
    if template:
        out += _section_findings(record, norm)
        out += _blank_findings(record, version, regions)
        out += _narrative_findings(record, norm, _norm_regions(norm, regions))
    return out
