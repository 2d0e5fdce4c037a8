"""The audit's narrative check: figures the narrative states that contradict the tables.

`narrative.table_mismatch` (spec "Findings"): the narrative says 共收到政府信息公开申请23件 or
予以公开1件 while the requests table gives another total. Part of the `extraction.audit` stage.
"""

from __future__ import annotations

import re

from extraction.audit_values import EPS, TableValues, fmt_number
from extraction.normalize import Normalized
from extraction.numbers import parse_number
from extraction.schema import REJECTED_ROWS, UNABLE_ROWS, WITHHELD_ROWS, Finding, Record

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


def _stated_number(s: str) -> int | None:
    """The value of a stated figure: digits, or a Chinese numeral (十五, 两).

    A run of numeral digits without 十 (一二) is no figure here, and neither is 十十.
    """
    if len(s) > 1 and "十" not in s and not s.isdigit():
        return None
    value = parse_number(s)
    return value if isinstance(value, int) else None


def _request_rows(kind: str) -> list[str]:
    return {
        "withheld": list(WITHHELD_ROWS),
        "unable": list(UNABLE_ROWS),
        "rejected": list(REJECTED_ROWS),
    }.get(kind, [kind])


def _clause(text: str, pos: int) -> str:
    start = max(text.rfind(ch, 0, pos) for ch in _CLAUSE_END) + 1
    return text[start:pos]


def narrative_findings(record: Record, norm: Normalized, tables_at: list[tuple[int, int]]) -> list[Finding]:
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
    rq, ap = TableValues(record, "requests"), TableValues(record, "appeals")
    out: list[Finding] = []
    seen: set[str] = set()

    def usable(m: re.Match[str]) -> bool:
        if any(s <= m.start() < e for s, e in tables_at):
            return False
        before = _clause(text, m.start())
        if _OFF_RE.search(before):
            return False
        clause = before + m.group()
        years = {int(y) for y in re.findall(r"((?:19|20)\d{2})年", clause)}
        return not (years and year is not None and years != {year})

    def check(m: re.Match[str], table: TableValues, keys: list[str], also: list[list[str]]) -> None:
        n = _stated_number(m.group("n"))
        if n is None or not table.has(*keys) or not table.read():
            return
        accepted = [table.total(keys)] + [table.total(ks) for ks in also if table.has(*ks)]
        if any(abs(n - a) <= EPS for a in accepted):
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
                f"{fmt_number(accepted[0])} ({' + '.join(f'{table.table}.{k}' for k in keys)}).",
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
