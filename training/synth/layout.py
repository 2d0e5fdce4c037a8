"""Page layout as text copies show it: hard-wrapped prose lines and page breaks.

Both are edit lists applied through `Marked.apply`, so every gold offset follows. Page numbers
and running headers are marked FURNITURE: they are not content, carry no entities, and the
normalizer drops them.
"""

from __future__ import annotations

from dataclasses import dataclass
from random import Random

from training.synth.marks import CELL, ENT, FIELD, FURNITURE, HEAD, REGION, Edit, Mark, Marked

PAGE_NUMBER_FORMATS = ("- {p} -", "— {p} —", "第 {p} 页", "第{p}页 共{t}页", "{p}/{t}", "{p}", "- {p} -")


@dataclass(frozen=True)
class LayoutRates:
    """How often a report is hard-wrapped or paged (per report)."""

    hard_wrap: float = 0.06  # ../shared/corpus: about 4% of the (web) copies are hard-wrapped
    page_breaks: float = 0.25


def hard_wrap(rng: Random, doc: Marked, width: int) -> None:
    """Break prose lines every `width` characters, as PDF text extraction does."""
    edits: list[Edit] = []
    text = doc.text
    for m in doc.of_kind(REGION):
        if m.data != "prose":
            continue
        line_start = text.rfind("\n", 0, m.start) + 1
        col = m.start - line_start
        i = m.start
        while i < m.end:
            nl = text.find("\n", i, m.end)
            stop = m.end if nl < 0 else nl
            while stop - i > width - col:
                i += width - col
                edits.append(Edit(i, i, "\n"))
                col = 0
            if nl < 0:
                break
            i, col = nl + 1, 0
    doc.apply(edits)


def _blocked(doc: Marked) -> bytearray:
    """Positions where a page break may not fall: inside entities, cells, fields and headings."""
    mask = bytearray(len(doc.text) + 1)
    for m in doc.marks:
        if m.kind in (ENT, CELL, FIELD, HEAD) and m.end > m.start + 1:
            mask[m.start + 1 : m.end] = b"\x01" * (m.end - m.start - 1)
    return mask


def page_breaks(rng: Random, doc: Marked, header: str | None) -> int:
    """Insert page breaks with page numbers (and a running header); returns the page count."""
    text = doc.text
    n = len(text)
    every = rng.randrange(1400, 2600)
    if n < every:
        return 1
    blocked = _blocked(doc)
    tables = [(m.start, m.end) for m in doc.of_kind(REGION) if m.data == "table"]
    fmt_ = rng.choice(PAGE_NUMBER_FORMATS)
    total = n // every + 1
    form_feed = rng.random() < 0.15
    positions: list[int] = []
    pos = every
    while pos < n - 200:
        p = pos + rng.randrange(-200, 200)
        if any(s <= p < e for s, e in tables) or rng.random() < 0.5:
            nl = text.find("\n", p)
            p = nl + 1 if nl >= 0 else n
        while p < n and blocked[p]:
            p += 1
        if p < n and (not positions or p > positions[-1]):
            positions.append(p)
        pos += every
    edits: list[Edit] = []
    inserts: list[list[tuple[int, int, str]]] = []  # furniture spans relative to each insertion
    for k, p in enumerate(positions):
        number = fmt_.format(p=k + 1, t=total)
        lead = "" if p == 0 or text[p - 1] == "\n" else "\n"
        parts: list[tuple[int, int, str]] = []
        s = lead + ("\f" if form_feed else "\n")
        parts.append((len(s), len(s) + len(number), "page"))
        s += number + "\n"
        if header and rng.random() < 0.9:
            s += "\n"
            parts.append((len(s), len(s) + len(header), "header"))
            s += header + "\n"
        s += "\n" if rng.random() < 0.5 else ""
        edits.append(Edit(p, p, s))
        inserts.append(parts)
    outs = doc.apply(edits)
    for out, parts in zip(outs, inserts, strict=True):
        for a, b, what in parts:
            doc.marks.append(Mark(FURNITURE, out + a, out + b, what))
    return len(positions) + 1


def running_header(rng: Random, doc: Marked) -> str | None:
    """The line repeated at the top of each page: the title, or a generic one."""
    titles = [m for m in doc.of_kind(REGION) if m.data == "title"]
    if titles and rng.random() < 0.7:
        title = doc.text[titles[0].start : titles[0].end].replace("\n", "").lstrip("# ").strip()
        return title or None
    return rng.choice((None, "政府信息公开工作年度报告", None))


def apply_layout(rng: Random, doc: Marked, rates: LayoutRates) -> dict[str, object]:
    """Hard wrapping and page breaks, each with its per-report probability; returns what was done."""
    done: dict[str, object] = {}
    if rng.random() < rates.hard_wrap:
        width = rng.randrange(28, 46)
        hard_wrap(rng, doc, width)
        done["hard_wrap"] = width
    if rng.random() < rates.page_breaks:
        done["pages"] = page_breaks(rng, doc, running_header(rng, doc))
    return done
