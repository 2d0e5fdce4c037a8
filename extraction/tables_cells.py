"""Table cell tokens: the token type, and a cell's text read as a number, a blank, a unit,
page furniture or text. Offsets are normalized offsets."""

from __future__ import annotations

import re
from dataclasses import dataclass

from extraction.numbers import parse_number as parse_value

# Token kinds: a text cell, a number cell, an empty cell the rendering shows, the end of a row
# (a BREAK whose text is "\n\n" ends a block: prose follows), a unit written in a cell of its
# own (万元), page furniture (a running header that normalization kept).
TEXT, NUM, BLANK, BREAK, UNIT, FURN = range(6)
KIND_NAMES = ("TEXT", "NUM", "BLANK", "BREAK", "UNIT", "FURN")

_CELL_STRIP = " \t\n|"  # a pipe at a cell's edge is a separator (`\t0 |`), never content
# A number cell: sign (减/增/-/+), digits with OCR confusables, optional unit. The unit may be
# in parentheses: 348.47（万元）.
_NUM_RE = re.compile(
    r"^(?P<sign>减少|增加|[减增+\-−])?\s*(?P<num>[0-9OoIl〇][0-9OoIl〇,.]*)\s*"
    r"(?P<unit>[(（]?(?:万元|万|元|件|个|项|条|次){1,2}[)）]?)?$"
)
_BLANK_MARK_RE = re.compile(r"^(?:[-—–/／\\]+|无|空|/)$")
_UNIT_RE = re.compile(r"^[(（]?(?:单位[:：])?(?:万元|万|元|件|个|项)[)）]?$")
# Running headers and page numbers that survived normalization (a header met only once).
_FURN_RE = re.compile(r"政府信息公开.{0,6}年度报告$|^[-—–]\s*\d{1,3}\s*[-—–]$|^第\s*\d{1,3}\s*页")
# A whole cell of one confusable letter is a damaged digit (OCR): O/o/〇 -> 0, l/I -> 1.
_LONE_CONFUSABLES = frozenset("Oo〇lI")
_CONFUSABLE = str.maketrans({"O": "0", "o": "0", "〇": "0", "I": "1", "l": "1"})


@dataclass(slots=True)
class Tok:
    """One cell (or a row break) of a table rendering; offsets are normalized offsets."""

    kind: int
    start: int
    end: int
    text: str = ""
    value: int | float | None = None
    num_start: int = -1
    num_end: int = -1
    unit: str | None = None
    repaired: str | None = None
    x: float | None = None  # display column of the cell centre (space-aligned blocks)
    col: int = -1  # index of the cell in its grid line (tab and pipe rows), -1 elsewhere


def parse_cell_number(cell: str) -> tuple[int | float, tuple[int, int], str | None, str | None] | None:
    """Parse a numeric cell: (value, (start, end) of sign+number in `cell`, unit, repair note).

    Digit damage is repaired inside a token that has a real digit (`1O5` -> 105, `l2` -> 12) and
    in a cell of one confusable letter (`O`/`〇` -> 0, `l`/`I` -> 1). Returns None when the cell
    is not a number.
    """
    m = _NUM_RE.match(cell)
    if m is None:
        return None
    raw = m.group("num")
    if raw.endswith("."):
        return None  # list numbering: 1. / 3.
    raw = raw.rstrip(",")
    has_digit = any(c.isdigit() for c in raw)
    if not has_digit and raw not in _LONE_CONFUSABLES:
        return None
    fixed = raw.translate(_CONFUSABLE)
    note = None
    if fixed != raw:
        bad = sorted({c for c in raw if not c.isdigit() and c not in ",."})
        note = "repaired " + ",".join(f"{c}->{c.translate(_CONFUSABLE)}" for c in bad)
    if ".." in fixed:
        fixed = re.sub(r"\.{2,}", ".", fixed)
        note = "; ".join(x for x in (note, "repaired ..->.") if x)
    parsed = parse_value(fixed)  # the project's one number parser: 1,234 / 12.36
    if parsed is None:
        return None
    value: int | float = parsed
    sign = m.group("sign")
    if sign in ("减", "-", "−", "减少"):
        value = -value
    start = m.start("sign") if sign else m.start("num")
    end = m.start("num") + len(raw)
    unit = m.group("unit")
    if unit:
        unit = unit.strip("()（）")
    return value, (start, end), unit, note


_NUM_FIRST = frozenset("0123456789OoIl〇减增+-−")


def read_cell(text: str, s: int, e: int, out: list[Tok]) -> None:
    """Append the token of the cell `text[s:e]` (stripped of spaces and edge pipes) to `out`."""
    seg = text[s:e]
    left = seg.lstrip(_CELL_STRIP)
    if not left:
        out.append(Tok(BLANK, s, s))
        return
    body = left.rstrip(_CELL_STRIP)
    s0 = s + len(seg) - len(left)
    e0 = s0 + len(body)
    if body.isascii() and body.isdigit() and len(body) < 16:
        out.append(Tok(NUM, s0, e0, body, int(body), s0, e0))
        return
    first = body[0]
    n = len(body)
    if n > 9 and first not in _NUM_FIRST and first not in "-—–第" and "报告" not in body:
        out.append(Tok(TEXT, s0, e0, body))  # a label: too long for a blank mark or a unit
        return
    parsed = parse_cell_number(body) if first in _NUM_FIRST and n <= 24 else None
    if parsed is not None:
        value, (ns, ne), unit, note = parsed
        out.append(Tok(NUM, s0, e0, body, value, s0 + ns, s0 + ne, unit, note))
    elif len(body) <= 6 and _BLANK_MARK_RE.match(body):
        out.append(Tok(BLANK, s0, e0, body))
    elif len(body) <= 9 and _UNIT_RE.match(body):
        out.append(Tok(UNIT, s0, e0, body))
    elif ("报告" in body or first in "-—–第") and _FURN_RE.search(body):
        out.append(Tok(FURN, s0, e0, body))
    else:
        out.append(Tok(TEXT, s0, e0, body))
