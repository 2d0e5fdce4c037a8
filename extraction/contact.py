"""Contact details of a report (spec "Document fields", `contact`) and the body its department names.

The closing paragraph usually says whom to ask: 如对本报告有疑问,请与X局办公室联系(地址:…;邮编:…;
联系电话:…;电子邮箱:…). Values are searched on the normalized text and read back from the original
as written (see `extraction.field_text`).
"""

from __future__ import annotations

import re

from extraction.field_text import SELF_REF, clean_agency, orig_value, trim_span
from extraction.normalize import Normalized
from extraction.schema import Contact

_DEPT_RES = (
    re.compile(r"请(?:与|于|向|同|和|致电)(?P<d>[^，。；,;()\n]{2,40}?)(?:联系|联络|咨询|反映)"),
    re.compile(r"联系(?:单位|部门|机构)[:：][ \t]*(?P<d>[^，。；,;()\s]{2,40})"),
)
_STOP = r"(?=[，,。；;)\n]|邮编|邮政编码|联系电话|电话|传真|电子邮箱|邮箱|[Ee]-?mail|网址|$)"
_ADDR_RE = re.compile(rf"地址(?:[:：]|为|是)[ \t]*(?P<a>[^，,。；;)\n]{{4,60}}?){_STOP}")
_ADDR_LIKE = re.compile(r"(?:路|街|大道|道|巷|号|楼|大厦|广场|村|院|中心|区)")
_UNLABELLED_ADDR_RE = re.compile(rf"联系[ \t]*\([ \t]*(?P<a>[^，,。；;)\n:：]{{4,60}}?){_STOP}")
_POST_RE = re.compile(r"(?:邮编|邮政编码)[ \t]*[:：为]?[ \t]*(\d{6})(?!\d)")
_PHONE_LABEL_RE = re.compile(r"电话(?:号码)?(?:/传真|及传真|、传真)?[ \t]*[:：为]?[ \t]*|联系方式[:：][ \t]*")
_PHONE_RE = re.compile(r"(?:\(0\d{2,3}\)|0\d{2,3}[-—－]?)\d{7,8}(?:[-—－]\d{1,4})?(?!\d)|1[3-9]\d{9}(?!\d)")
_PHONE_SEP_RE = re.compile(r"[ \t]*(?:[、,，/;；]|或|和|及)?[ \t]*")
_EMAIL_RE = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
_URL_RE = re.compile(
    r"https?://[A-Za-z0-9\-._~:/?#@!$&'*+,;=%]+|(?<![@\w.])www\.[A-Za-z0-9\-.]+[A-Za-z](?:/[A-Za-z0-9\-._~/?#=&%]*)?"
)
# A bare government domain written out: sthjj.ordos.gov.cn (searched only when ".gov.cn" occurs).
_GOV_DOMAIN_RE = re.compile(r"(?<![@\w./])[a-z0-9-]+(?:\.[a-z0-9-]+)*\.gov\.cn(?:/[A-Za-z0-9\-._~/?#=&%]*)?")
# Internal units a contact department ends with, cut off to get the publishing body.
_UNIT_RE = re.compile(r"^[^局厅委府院署部]{0,20}(?:办公室|科|处|股|室|支队|大队|中心|组|办|队|站)$")
_WHOLE_BODY_RE = re.compile(r"办事处|人民政府|政府|委员会|管委会|管理委员会")
_BODY_END_RE = re.compile(r"(?:分局|局|厅|委员会|委|人民政府|政府(?!信息)|办事处|院|署|部|镇|乡|街道)")


def find_department(norm: Normalized) -> tuple[int, int] | None:
    """The normalized span of the department a reader is told to contact (not 我局 / 本单位)."""
    text = norm.text
    for rx in _DEPT_RES:
        for m in rx.finditer(text):
            s, e = trim_span(text, m.start("d"), m.end("d"))
            d = text[s:e]
            if SELF_REF.fullmatch(d) or re.fullmatch(r"(?:我|本)\w{0,3}", d) or len(d) < 2:
                continue
            return s, e
    return None


def agency_of_department(dept: str) -> str | None:
    """The body a contact department belongs to: 池州市公安贵池分局办公室 -> 池州市公安贵池分局."""
    if SELF_REF.match(dept):
        return None
    for m in reversed(list(_BODY_END_RE.finditer(dept))):
        rest = dept[m.end() :]
        if rest and _UNIT_RE.match(rest) and m.end() >= 3 and not _WHOLE_BODY_RE.fullmatch(rest):
            return clean_agency(dept[: m.end()])
    return clean_agency(dept)


def _phones(norm: Normalized) -> list[str]:
    text, out = norm.text, []
    for m in _PHONE_LABEL_RE.finditer(text):
        pos = m.end()
        while True:
            p = _PHONE_RE.match(text, pos)
            if not p:
                break
            out.append(orig_value(norm, p.start(), p.end()))
            sep = _PHONE_SEP_RE.match(text, p.end())
            pos = sep.end() if sep else p.end()
    return list(dict.fromkeys(out))


def extract_contact(norm: Normalized, dept: tuple[int, int] | None) -> Contact:
    """The contact details of a report.

    Args:
        norm: the normalized report.
        dept: normalized span of the contact department (`find_department`), or None.

    Returns:
        The contact: values as the original writes them; lists in text order, without repeats.
    """
    text = norm.text
    c = Contact()
    if dept:
        c.department = orig_value(norm, *dept)
    m = _ADDR_RE.search(text) or _UNLABELLED_ADDR_RE.search(text)
    if m and _ADDR_LIKE.search(m.group("a")):
        s, e = trim_span(text, m.start("a"), m.end("a"))
        c.address = orig_value(norm, s, e, spaces=True)
    m = _POST_RE.search(text)
    if m:
        c.postcode = m.group(1)
    c.phone = _phones(norm)
    if "@" in text:
        c.email = list(dict.fromkeys(orig_value(norm, m.start(), m.end()) for m in _EMAIL_RE.finditer(text)))
    found = list(_URL_RE.finditer(text)) if ("http" in text or "www." in text) else []
    if ".gov.cn" in text:
        taken = [(m.start(), m.end()) for m in found]
        found += [m for m in _GOV_DOMAIN_RE.finditer(text) if not any(s <= m.start() < e for s, e in taken)]
    urls = []
    for m in sorted(found, key=lambda m: m.start()):
        u = m.group().rstrip(".,;:'")
        urls.append(orig_value(norm, m.start(), m.start() + len(u)))
    c.website = list(dict.fromkeys(urls))
    return c
