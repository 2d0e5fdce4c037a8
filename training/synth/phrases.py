"""A small pattern language for narrative sentences, and the slots that fill it.

A pattern is text with two constructs:

- ``[a|b|]`` picks one alternative (alternatives may hold slots, not brackets);
- ``{NAME}`` or ``{NAME:arg}`` calls a slot, which returns pieces (see `fmt`), tagged when
  they are entities or document fields.

Patterns never write an entity as literal text: every figure with a measure word, every date
and every agency name comes from a slot, so every entity in the output is annotated.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from random import Random
from typing import Any

from training.synth.fmt import Piece, Style, ent, plain, wrap
from training.synth.marks import FIELD
from training.synth.places import Agency

_TOKEN_RE = re.compile(r"\[([^\[\]]*)\]|\{([A-Z_0-9]+)(?::([^{}]*))?\}")

# Count magnitudes: (low, high) of a log-uniform draw.
_MAGNITUDE = {"s": (1, 9), "m": (3, 120), "l": (20, 2000), "x": (200, 60000), "h": (5000, 3000000)}


@dataclass
class Ctx:
    """What the sentences of one report need to know and what they report back."""

    rng: Random
    st: Style
    ag: Agency
    year: int
    version: str  # "2019" | "2021" | "legacy"
    values: dict[str, dict[str, Any]] = field(default_factory=dict)
    mismatch: bool = False  # write one narrative figure that contradicts the table
    section: int = 1
    findings: list[dict[str, str]] = field(default_factory=list)
    period: dict[str, str] | None = None
    published: str | None = None
    agency_marked: bool = False  # the first full self-naming carries the `agency` field
    law_said: bool = False  # the regulation's full citation has been written
    law_short: str = ""  # its short name once the report said "以下简称《条例》"
    contact_done: bool = False  # the contact sentence has been written

    def self_name(self) -> list[Piece]:
        """The agency's full name as an AGENCY entity; the first one is the `agency` field."""
        piece = [ent(self.ag.name, "AGENCY", None)]
        if self.agency_marked:
            return piece
        self.agency_marked = True
        return field_pieces("agency", piece)

    def count(self, unit: str, mag: str = "m") -> int:
        """A log-uniform figure of the given magnitude."""
        lo, hi = _MAGNITUDE.get(mag, _MAGNITUDE["m"])
        return int(round(lo * (hi / lo) ** self.rng.random()))


SINCE_RE = re.compile(r"^@(\d{4}) ")


def since(pattern: str) -> int:
    """The first year a pattern fits (prefix ``@2016 ``: 政务新媒体 did not exist in 2010)."""
    m = SINCE_RE.match(pattern)
    return int(m.group(1)) if m else 0


@lru_cache(maxsize=512)
def for_year(patterns: tuple[str, ...], year: int) -> tuple[str, ...]:
    """The patterns that fit a report year."""
    return tuple(p for p in patterns if since(p) <= year) or patterns


@lru_cache(maxsize=4096)
def compile_pattern(pattern: str) -> tuple[Any, ...]:
    """Tokens of a pattern: str, ("alt", alternatives), ("slot", name, arg)."""
    out: list[Any] = []
    pos = 0
    m = SINCE_RE.match(pattern)
    if m:
        pattern = pattern[m.end() :]
    for m in _TOKEN_RE.finditer(pattern):
        if m.start() > pos:
            out.append(pattern[pos : m.start()])
        if m.group(1) is not None:
            out.append(("alt", tuple(compile_pattern(a) for a in m.group(1).split("|"))))
        else:
            out.append(("slot", m.group(2), m.group(3) or ""))
        pos = m.end()
    if pos < len(pattern):
        out.append(pattern[pos:])
    return tuple(out)


def expand(ctx: Ctx, pattern: str) -> list[Piece]:
    """The pieces of one rendering of a pattern."""
    out: list[Piece] = []
    _expand(ctx, compile_pattern(pattern), out)
    return out


def _expand(ctx: Ctx, tokens: tuple[Any, ...], out: list[Piece]) -> None:
    for tok in tokens:
        if isinstance(tok, str):
            out.append(plain(tok))
        elif tok[0] == "alt":
            _expand(ctx, ctx.rng.choice(tok[1]), out)
        else:
            fill = SLOTS.get(tok[1])
            if fill is None:
                raise KeyError(f"[Y401] unknown slot (is training.synth.slots imported?), got: {tok[1]!r}")
            out.extend(fill(ctx, tok[2]))


def field_pieces(name: str, pieces: list[Piece]) -> list[Piece]:
    """Wrap pieces in a document-field mark."""
    return wrap(FIELD, name, pieces)


# --- slots ----------------------------------------------------------------------------------

Slot = Callable[[Ctx, str], list[Piece]]
SLOTS: dict[str, Slot] = {}


def slot(name: str) -> Callable[[Slot], Slot]:
    def deco(fn: Slot) -> Slot:
        SLOTS[name] = fn
        return fn

    return deco
