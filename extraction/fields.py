"""Document fields: agency, statistics year, period, publication date and contact details.

Everything is searched on the normalized text; text values are read back from the ORIGINAL text
as written (the address "蚌埠市南湖路 600 号" keeps its spaces, a traditional-script name stays
traditional), less rendering damage: full-width digits become ASCII and PDF spacing between CJK
characters goes (蚌 埠 市 -> 蚌埠市; see `extraction.field_text`). Dates are ISO strings. The contact
details are read by `extraction.contact`.

Where each field comes from, in order of trust:
- agency: the title line (蚌埠市公安局 2020 年政府信息公开工作年度报告), then the preamble's self-naming
  (现公布X2022年…报告, 由X编制), then the contact department with its internal unit cut off
  (池州市公安贵池分局办公室 -> 池州市公安贵池分局), then the report's own website (电子版可从X网站下载),
  then the AGENCY entities.
- year: the title, the self-naming sentence, the statistics period, a 2020年度政府信息公开 phrase,
  the first sentence opening with "2020年,", the publication date.
Years inside quoted notice titles (《…关于做好2023年…的通知》) never count.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections import Counter
from dataclasses import dataclass, field

from extraction.contact import agency_of_department, extract_contact, find_department
from extraction.field_text import clean_agency, clean_value, orig_value, trim_span
from extraction.normalize import Normalized
from extraction.numbers import date_value
from extraction.schema import Contact, Entity, Section

_HEAD_CHARS = 2500  # preamble, title block and the contact sentence live in the first part

# --- dates --------------------------------------------------------------------------------

_CN_NUM = "〇○零一二三四五六七八九十"
# A full calendar date: 2021年1月18日, 2021-01-18, 2013.01.23, 二〇二一年一月十八日.
_DATE_RE = re.compile(
    rf"(?:(?:19|20)\d{{2}}|二[{_CN_NUM}]{{3}})[ \t]*[年.\-/][ \t]*(?:\d{{1,2}}|[{_CN_NUM}]{{1,2}})[ \t]*[月.\-/][ \t]*"
    rf"(?:\d{{1,2}}|[{_CN_NUM}]{{1,3}})(?![\d{_CN_NUM}])(?:[ \t]*日)?"
)


def full_date(span: str) -> str | None:
    """ISO value of a full calendar date ("2021 年 1 月 18 日", "2013.01.23"); None otherwise."""
    v = date_value(re.sub(r"[年月]", "-", span.replace("日", "")).replace(" ", "")) or date_value(span)
    return v if v and len(v) == 10 and "X" not in v else None


# --- quoted notices -------------------------------------------------------------------------

_QUOTE_RE = re.compile(r"《[^《》\n]{1,120}》")
# A quoted title that is somebody's document, not this report (its year is not the report's).
_NOTICE_WORDS = re.compile(r"通知|意见|办法|规定|条例|要点|方案|清单|任务|格式|决定|目录|规划|计划|函|关于")


def _notice_spans(text: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in _QUOTE_RE.finditer(text) if _NOTICE_WORDS.search(m.group())]


def _inside(pos: int, spans: list[tuple[int, int]]) -> bool:
    return any(s <= pos < e for s, e in spans)


# --- title and self-naming ------------------------------------------------------------------

# Characters a name never contains: clause punctuation (full- and half-width), quotes, brackets.
_NB = r"，,。；;:：、!?！？\n《》()“”"
_YEAR = r"((?:19|20)\d{2})[ \t]*年度?"
_YEAR_N = r"(?P<y>(?:19|20)\d{2})[ \t]*年度?"
_REPORT = r"(?:政府信息公开|政务信息公开|政务公开|信息公开|政府信息)"
# A title with the year before the report words (X2020年政府信息公开工作年度报告, 2020年X政府信息…),
# and one without (X政府信息公开工作2021年度报告).
_TITLE_YEAR_RE = re.compile(
    rf"(?P<pre>[^\n]{{0,40}}?)[ \t]*{_YEAR}[ \t]*(?P<mid>[^\n]{{0,40}}?){_REPORT}[^\n]{{0,16}}?(?:报告|年报)"
)
_TITLE_RE = re.compile(
    rf"(?P<pre>[^\n]{{0,40}}?){_REPORT}[^\n]{{0,16}}?(?:{_YEAR})?[^\n]{{0,8}}?(?:报告|年报)"
)
_CRUMBS_RE = re.compile(r"首页|位置|>.*>|»")
_TITLE_LABEL_RE = re.compile(r"(?:标[ \t]*题|名[ \t]*称|中文名)[ \t]*[:：|]?[ \t|]*")
_NAV_RE = re.compile(
    r".*(?:年报|专栏|正文|首页|当前位置|微信|微博|注册|登录|无障碍|长者模式|手机版)[ \t:：]*"
)
_AGENCY_END = r"(?:局|厅|委员会|委|人民政府|政府|办公室|办公厅|办事处|署|部|院|中心|镇|乡|街道|苏木|管委会)"
# What follows an agency named as the subject of the opening sentence: 2022年,X认真贯彻….
_VERB = r"(?=[^，,。]{0,2}(?:认真|严格|坚持|按照|在|以|高度|深入|紧紧|进一步|全面|围绕|始终|继续|立足|聚焦|持续|积极|不断|贯彻|扎实|切实|紧扣|依法|主动|着力))"
_ACT = r"(?:负责|组织|牵头|根据|按照|依据|综合|结合|汇总|认真|严格|坚持|编制|向社会)"
# Self-naming sentences of the preamble: (regex, whether the name may carry an internal unit).
# The subject of a clause that compiles or publishes the report: …要求,唐村镇政府编制2020年….
_COMPILES_RE = re.compile(r"编制|向社会公布")
_SELF_CHARS = 1500
_SELFNAME_RES = (
    (
        re.compile(
            rf"(?:发布|公布|公开)(?:了)?《?(?P<a>[^{_NB}]{{2,40}}?)(?:\([^()\n]{{0,20}}\))?{_YEAR_N}(?:的)?{_REPORT}"
        ),
        False,
    ),
    (
        re.compile(
            rf"(?:发布|公布|公开|编制|汇总)(?:了)?《?{_YEAR_N}(?:的)?(?P<a>[^{_NB}]{{2,40}}?)(?:的)?{_REPORT}"
        ),
        False,
    ),
    (re.compile(rf"(?:发布|公布|公开)(?:了)?《?(?P<a>[^{_NB}]{{2,40}}?){_REPORT}(?:工作)?{_YEAR_N}"), False),
    (re.compile(rf"^[ \t]*(?P<a>[^{_NB}]{{2,24}}?){_YEAR_N}(?:的)?{_REPORT}", re.M), False),
    (re.compile(rf"(?:现将|编制了?|编制完成)《?(?P<a>[^{_NB}]{{2,40}}?){_YEAR_N}(?:的)?{_REPORT}"), False),
    (re.compile(rf"由(?P<a>[^{_NB}]{{2,40}}?){_ACT}"), True),
    (
        re.compile(
            rf"(?:(?<=。)|^)[ \t]*{_YEAR_N}(?:以来)?[,，]?(?P<a>[^{_NB}]{{1,30}}?{_AGENCY_END}){_VERB}", re.M
        ),
        False,
    ),
    (re.compile(rf"结合(?P<a>[^{_NB}]{{2,40}}?)(?:{_YEAR_N})?(?:政府信息公开|\(以下简称)"), False),
    (re.compile(rf"(?:发布|发文)(?:机构|机关|单位)[ \t]*[:：|][ \t|]*(?P<a>[^ \t|{_NB}]{{2,40}})"), False),
)


@dataclass
class _Title:
    agency: tuple[int, int] | None
    year: int | None
    line: tuple[int, int]


def _title_lines(text: str, limit: int) -> list[tuple[int, int]]:
    """The first 25 non-empty lines before `limit`, breadcrumbs and labels cut off."""
    out, pos = [], 0
    limit = min(limit, len(text))
    while pos < limit and len(out) < 25:
        end = text.find("\n", pos)
        end = len(text) if end < 0 else end
        s, e = pos, end
        pos = end + 1
        line = text[s:e]
        if _CRUMBS_RE.search(line) and "<" not in line:  # 首页 > 政务公开 > X2021年…报告
            s += max(line.rfind(">"), line.rfind("»")) + 1
        while s < e and text[s] in " \t\u3000|•-?":
            s += 1
        lab = _TITLE_LABEL_RE.match(text, s, e)
        if lab:
            s = lab.end()
        if s < e:
            out.append((s, e))
    return out


def _title(text: str, first_section: int) -> _Title | None:
    """The report title among the first lines (before the first section): the first title line that
    names its agency, else the first one under an agency line (海东市公安局 / 2019 年度…报告)."""
    limit = min(first_section if first_section > 0 else _HEAD_CHARS, _HEAD_CHARS)
    lines = _title_lines(text, limit)
    found: list[_Title] = []
    for i, (s, e) in enumerate(lines):
        line = text[s:e]
        if line.startswith(("根据", "依据", "按照", "本")):
            continue
        m = _TITLE_YEAR_RE.match(line) or _TITLE_RE.match(line)
        if not m:
            continue
        year = int(m.group(2)) if m.re.groups >= 2 and m.group(2) else None
        cand = None
        for g in ("pre", "mid"):
            if g not in m.re.groupindex or m.end(g) <= m.start(g):
                continue
            gs, ge = s + m.start(g), s + m.end(g)
            nav = _NAV_RE.match(text, gs, ge)
            gs = nav.end() if nav else gs
            if clean_agency(text[gs:ge]):
                cand = (gs, ge)
                break
        if cand:
            return _Title(cand, year, (s, e))
        prev = lines[i - 1] if i else None
        if prev and prev[1] - prev[0] <= 30 and clean_agency(text[prev[0] : prev[1]]):
            found.append(_Title(prev, year, (s, e)))
        else:
            found.append(_Title(None, year, (s, e)))
    with_agency = [t for t in found if t.agency]
    return (with_agency or found or [None])[0]


def _compiler_subjects(head: str) -> list[tuple[int, int, int]]:
    """`(match start, name start, name end)` of clause subjects before 编制 / 向社会公布."""
    out = []
    for m in _COMPILES_RE.finditer(head):
        start = max(head.rfind(c, max(0, m.start() - 41), m.start()) for c in "，。,\n") + 1
        if start == 0 and m.start() > 40:
            continue
        if (
            2 <= m.start() - start <= 40
            and head[start] != "由"
            and not any(c in head[start : m.start()] for c in _NB)
        ):
            end = m.start() - (1 if head[m.start() - 1] == "特" else 0)
            out.append((start, start, end))
    return out


def _self_naming(text: str, notices: list[tuple[int, int]]) -> tuple[tuple[int, int] | None, int | None]:
    """The first sentence of the preamble in which the body names itself (现公布X2022年…报告)."""
    head = text[:_SELF_CHARS]
    best: tuple[int, tuple[int, int], int | None] | None = None

    def accept(at: int, s0: int, e0: int, year: int | None, unit: bool) -> bool:
        nonlocal best
        if _inside(s0, notices):
            return False
        s, e = trim_span(text, s0, e0)
        name = agency_of_department(text[s:e]) if unit else clean_agency(text[s:e])
        if not name:
            return False
        k = s + max(0, text.find(name, s, e) - s)
        best = (at, (k, k + len(name)), year)
        return True

    for rx, unit in _SELFNAME_RES:
        for m in rx.finditer(head):
            if best is not None and m.start() >= best[0]:
                break
            y = m.groupdict().get("y")
            if accept(m.start(), m.start("a"), m.end("a"), int(y) if y else None, unit):
                break
    for at, s0, e0 in _compiler_subjects(head):
        if best is not None and at >= best[0]:
            break
        if accept(at, s0, e0, None, True):
            break
    return (best[1], best[2]) if best else (None, None)


# --- period, published, year ----------------------------------------------------------------

_PERIOD_RE = re.compile(
    r"(?P<y1>(?:19|20)\d{2})年度?(?P<m1>\d{1,2})月(?P<d1>\d{1,2})日[ \t]*(?:起)?[ \t]*(?:至|到|—|–|-|~|～)+[ \t]*"
    r"(?:(?P<y2>(?:19|20)\d{2})年)?(?P<m2>\d{1,2})月(?P<d2>\d{1,2})日"
)
_PERIOD_CTX = re.compile(r"统计|期限|时限|数据|期间|报告期|时间段|报告")
_PUB_LABEL_RE = re.compile(
    r"(?:(?:发布|发表|公开|印发)(?:日期|时间)|^[ \t]*日期)[ \t]*[:：]?[ \t]*\[?[ \t]*$"
)
_PUB_LABEL2_RE = re.compile(r"(?:成文|发文)(?:日期|时间)[ \t]*[:：]?[ \t]*\[?[ \t]*$")
_YEAR_PHRASE_RE = re.compile(
    rf"{_YEAR}(?:的)?(?:[^，。；\n\d]{{0,6}}?){_REPORT}(?:工作)?(?:年度)?(?:工作)?(?:报告|年报|情况)"
)
_OPENING_YEAR_RE = re.compile(r"(?:^|[。\n])[ \t]*((?:19|20)\d{2})年(?:度|以来)?[,，]", re.M)
_ANY_YEAR_RE = re.compile(r"((?:19|20)\d{2})[ \t]*年")


def _period(text: str) -> tuple[dict[str, str] | None, int | None]:
    for m in _PERIOD_RE.finditer(text[: _HEAD_CHARS * 2]):
        before = text[max(0, m.start() - 40) : m.start()]
        after = text[m.end() : m.end() + 6]
        if not (_PERIOD_CTX.search(before) or "期间" in after):
            continue
        start = full_date(f"{m['y1']}年{m['m1']}月{m['d1']}日")
        end = full_date(f"{m['y2'] or m['y1']}年{m['m2']}月{m['d2']}日")
        if start and end and start <= end:
            return {"start": start, "end": end}, int(end[:4])
    return None, None


def _published(text: str, first_section: int, year: int | None) -> str | None:
    """A date line under the title, a labelled page date, or a date line after the signature."""
    head_end = first_section if first_section > 0 else min(len(text), 600)
    found: list[tuple[int, str]] = []  # (rank, iso)
    for m in _DATE_RE.finditer(text, 0, min(head_end, _HEAD_CHARS)):
        iso = full_date(m.group())
        if not iso:
            continue
        ls = text.rfind("\n", 0, m.start()) + 1
        le = text.find("\n", m.end())
        le = len(text) if le < 0 else le
        before, after = text[ls : m.start()], text[m.end() : le]
        if re.fullmatch(r"[ \t(（\[【]*", before) and re.fullmatch(
            r"[ \t)）\]】]*|[ \t]*(?:来源|发布|作者).*", after
        ):
            found.append((0, iso))
        elif _PUB_LABEL_RE.search(before):
            found.append((1, iso))
        elif _PUB_LABEL2_RE.search(before):
            found.append((2, iso))
    tail_lines = [ln for ln in text[-400:].split("\n") if ln.strip()][-3:]
    for ln in tail_lines:
        m = _DATE_RE.fullmatch(ln.strip(" \t()（）"))
        if m and (iso := full_date(m.group())):
            found.append((3, iso))
    for _, iso in sorted(found, key=lambda x: x[0]):
        if year is None or year <= int(iso[:4]) <= year + 2:
            return iso
    return None


def _year_fallback(text: str, notices: list[tuple[int, int]]) -> int | None:
    head = text[:_HEAD_CHARS]
    for rx in (_YEAR_PHRASE_RE, _OPENING_YEAR_RE):
        for m in rx.finditer(head):
            if _inside(m.start(1), notices) or re.search(
                r"关于|做好|印发", head[max(0, m.start() - 12) : m.start()]
            ):
                continue
            return int(m.group(1))
    years = Counter(
        int(m.group(1))
        for m in _ANY_YEAR_RE.finditer(text)
        if not _inside(m.start(), notices) and text[max(0, m.start() - 1) : m.start()] not in ("〔", "[", "(")
    )
    return years.most_common(1)[0][0] if years else None


# --- agency fallbacks: the report's website, the AGENCY entities -------------------------

# 本报告的电子版可从阜阳市公安局网站…下载: the body named by its own website (when nothing better).
_SITE_RE = re.compile(
    rf"电子版[^{_NB}]{{0,8}}?(?:在|从|于|到|登录)(?P<a>[^{_NB}]{{2,30}}?)(?:门户)?(?:网站|政府网|网)"
)
# Superior bodies a report cites (国务院办公厅, 市政府), never its publisher.
_SUPERIOR = re.compile(
    r"^(?:国务院|国务院办公厅|中共中央|党中央|中央|省委|市委|县委|区委|省政府|市政府|县政府|区政府)$"
)
_PLACE = re.compile(r"^(?:国家|.{1,8}?[省市县区州旗盟镇乡])")


def _agency_from_entities(
    norm: Normalized, entities: list[Entity], notices: list[tuple[int, int]]
) -> str | None:
    """The most frequent place-qualified AGENCY entity outside quoted document titles."""
    counts: Counter[str] = Counter()
    first: dict[str, int] = {}
    orig_notices = [norm.span(s, e) for s, e in notices]
    for e in entities:
        if e.label != "AGENCY" or _inside(e.start, orig_notices):
            continue
        name = clean_value(e.text)
        if _SUPERIOR.match(name) or not _PLACE.match(name) or not clean_agency(name):
            continue
        counts[name] += 1
        first.setdefault(name, e.start)
    if not counts:
        return None
    return max(counts, key=lambda k: (counts[k], -first[k]))


# --- the stage ------------------------------------------------------------------------------


@dataclass
class DocFields:
    """The document fields of one report (spec "Document fields")."""

    agency: str | None = None
    year: int | None = None
    period: dict | None = None
    published: str | None = None
    contact: Contact = field(default_factory=Contact)


def extract_fields(norm: Normalized, entities: list[Entity], sections: list[Section]) -> DocFields:
    """Extract the document fields of a report.

    Args:
        norm: the normalized report.
        entities: entities found in it (AGENCY entities are the agency's last resort).
        sections: its sections (ORIGINAL offsets); the title block is what precedes the first.

    Returns:
        The fields: text values as the original writes them (see the module notes), dates ISO.
    """
    text = norm.text
    first_sec = 0
    if sections:
        # normalized position of the first section heading
        first_sec = bisect_left(norm.index, sections[0].start, 0, len(text))
    notices = _notice_spans(text[: _HEAD_CHARS * 2])
    title = _title(text, first_sec)
    named, named_year = _self_naming(text, notices)
    dept = find_department(norm)
    period, period_year = _period(text)

    agency = None
    span = (title.agency if title else None) or named
    if span:
        agency = orig_value(norm, *trim_span(text, *span))
    elif dept:
        agency = agency_of_department(text[dept[0] : dept[1]])
        if agency:
            s = dept[0]
            agency = orig_value(norm, s, s + len(agency))
    if agency is None:
        m = _SITE_RE.search(text, 0, _HEAD_CHARS)
        if m and (name := clean_agency(m.group("a"))):
            k = text.find(name, m.start("a"))
            agency = orig_value(norm, k, k + len(name))
    if agency is None:
        agency = _agency_from_entities(norm, entities, notices)

    year = (title.year if title else None) or named_year or period_year or _year_fallback(text, notices)
    published = _published(text, first_sec, year)
    if year is None and published:
        year = int(published[:4]) - 1
    return DocFields(
        agency=agency, year=year, period=period, published=published, contact=extract_contact(norm, dept)
    )
