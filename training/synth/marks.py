"""The one offset-tracking mechanism of the generator: marked text and edit lists.

A document is built as a list of pieces, some of them tagged (an entity, a table cell, a
heading, a document field). `Builder` joins the pieces into `Marked` text whose `marks` hold
`[start, end)` of every tagged piece. Every later step (layout, noise) is a function that looks
at the text and returns a list of `Edit`s; `Marked.apply` rewrites the text and remaps every
mark through the same position map. Gold offsets are read off the marks at the end, so they are
exact by construction after any number of steps.

Mapping rule: a mark keeps the characters it covered. Text inserted strictly inside a mark
becomes part of it (a line break inside an agency name); text inserted at a mark's boundary
stays outside it (pinyin after the last character of a count, a page break before a cell).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from typing import Any

# Mark kinds.
ENT = "ent"  # data: (label, value)
CELL = "cell"  # data: "table.row.col"
HEAD = "head"  # data: section number (1..6) the heading stands for
FIELD = "field"  # data: document field name ("agency", "department", "address", ...)
REGION = "region"  # data: "prose" | "table" | "title" | "chrome"
FURNITURE = "furniture"  # data: "page" | "header": page furniture added by the layout


@dataclass
class Mark:
    """A tagged span `[start, end)` of the current text."""

    kind: str
    start: int
    end: int
    data: Any = None


@dataclass(frozen=True)
class Edit:
    """Replace `text[a:b]` by `repl` (`a == b`: insertion before character `a`)."""

    a: int
    b: int
    repl: str


class EditError(ValueError):
    """An edit list that is unsorted, overlapping or out of range."""


@dataclass
class Marked:
    """Text plus its marks. `apply` keeps the marks aligned through any edit list."""

    text: str
    marks: list[Mark] = field(default_factory=list)

    def of_kind(self, kind: str) -> list[Mark]:
        """The marks of one kind, in text order."""
        return sorted((m for m in self.marks if m.kind == kind), key=lambda m: (m.start, m.end))

    def protected(self, kinds: tuple[str, ...] = (ENT, CELL)) -> bytearray:
        """A byte per character: 1 inside a mark of the given kinds, 2 on its first/last char."""
        mask = bytearray(len(self.text))
        for m in self.marks:
            if m.kind in kinds and m.end > m.start:
                mask[m.start : m.end] = b"\x01" * (m.end - m.start)
        for m in self.marks:
            if m.kind in kinds and m.end > m.start:
                mask[m.start] = 2
                mask[m.end - 1] = 2
        return mask

    def translate(self, text: str) -> None:
        """Replace the text by one of the same length, character for character (marks unchanged)."""
        if len(text) != len(self.text):
            raise EditError(
                f"[Y002] a 1:1 translation must keep the length {len(self.text)}, got: {len(text)}"
            )
        self.text = text

    def apply(self, edits: list[Edit]) -> list[int]:
        """Apply a sorted, non-overlapping edit list; remap every mark; return each edit's new offset."""
        if not edits:
            return []
        n = len(self.text)
        starts: list[int] = []
        outs: list[int] = []  # output offset where each edit's replacement begins
        deltas: list[int] = []  # cumulative length change after each edit
        parts: list[str] = []
        prev_a, prev_b, delta = -1, 0, 0
        for e in edits:
            if e.a <= prev_a or e.a < prev_b or e.b < e.a or e.b > n:
                raise EditError(f"[Y001] edit out of order or range (previous ends at {prev_b}), got: {e!r}")
            parts.append(self.text[prev_b : e.a])
            parts.append(e.repl)
            starts.append(e.a)
            outs.append(e.a + delta)
            delta += len(e.repl) - (e.b - e.a)
            deltas.append(delta)
            prev_a, prev_b = e.a, e.b
        parts.append(self.text[prev_b:])
        self.text = "".join(parts)
        # Remap every mark. Start: an insertion at the start stays outside the mark; a start
        # inside a replaced range moves with it. End: an insertion at the end stays outside.
        lens = [len(e.repl) for e in edits]
        ends = [e.b for e in edits]
        for m in self.marks:
            s = m.start
            k = bisect_right(starts, s) - 1
            if k >= 0:
                a, b = starts[k], ends[k]
                if a == b == s:
                    s = outs[k] + lens[k]
                elif s < b:
                    s = outs[k] + min(s - a, lens[k])
                else:
                    s += deltas[k]
            t = m.end
            k = bisect_left(starts, t) - 1
            if k >= 0:
                a, b = starts[k], ends[k]
                if t <= b:
                    t = outs[k] + (lens[k] if t == b else min(t - a, lens[k]))
                else:
                    t += deltas[k]
            m.start, m.end = s, max(s, t)
        return outs


class Builder:
    """Accumulates text pieces and the marks of the tagged ones."""

    def __init__(self) -> None:
        self._parts: list[str] = []
        self._len = 0
        self.marks: list[Mark] = []

    @property
    def pos(self) -> int:
        """Current length of the text built so far."""
        return self._len

    def add_plain(self, text: str) -> None:
        """Append untagged text."""
        if text:
            self._parts.append(text)
            self._len += len(text)

    def add(self, text: str, kind: str | None = None, data: Any = None) -> Mark | None:
        """Append `text`; with a `kind`, mark it and return the mark."""
        start = self._len
        if text:
            self._parts.append(text)
            self._len += len(text)
        if kind is None:
            return None
        mark = Mark(kind, start, self._len, data)
        self.marks.append(mark)
        return mark

    def extend(self, pieces: list[tuple[str, str | None, Any]]) -> None:
        """Append `(text, kind, data)` pieces in order."""
        for text, kind, data in pieces:
            self.add(text, kind, data)

    def open(self, kind: str, data: Any = None) -> Mark:
        """Start a mark at the current position; `close` sets its end."""
        mark = Mark(kind, self._len, self._len, data)
        self.marks.append(mark)
        return mark

    def close(self, mark: Mark) -> None:
        """End an opened mark at the current position."""
        mark.end = self._len

    def build(self) -> Marked:
        """The joined text and its marks."""
        return Marked("".join(self._parts), list(self.marks))
