"""Character-level labels of a gold record: entity tags and cell alignment.

Gold records name entities by offsets but table cells only by value. For a record without cell
offsets (real gold, corrected records) `align_cells` asks the rules table extractor where each
cell's number token is and accepts its offsets only when the extractor read the gold value
there; every other cell stays unlabelled and is reported, never guessed.

The tag functions and label lists live in `training.labels`; they are re-exported here.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from extraction.schema import AMOUNT_CELLS, LABELS, VERSIONS
from training.labels import (
    CELL_KEYS,
    CELL_LABELS,
    NER_LABELS,
    OUTSIDE,
    TagError,
    bio_tags,
    cell_tags,
    cells_from_tags,
    spans_from_bio,
)

log = logging.getLogger(__name__)

_CELL_KEY_SET = frozenset(CELL_KEYS)

__all__ = [
    "BAD_OFFSETS",
    "BAD_VALUE",
    "CELL_KEYS",
    "CELL_LABELS",
    "EXTRACTOR_ERROR",
    "NER_LABELS",
    "NOT_FOUND",
    "NO_EXTRACTOR",
    "NO_TEMPLATE",
    "OUTSIDE",
    "OVERLAP",
    "ROW_MISMATCH",
    "SUSPECT_TABLE",
    "UNKNOWN_KEY",
    "VALUE_MISMATCH",
    "CellAlignment",
    "ExtractFn",
    "RecordLabels",
    "TagError",
    "align_cells",
    "bio_tags",
    "cell_tags",
    "cells_from_tags",
    "check_cell_offsets",
    "entity_spans",
    "label_record",
    "spans_from_bio",
    "token_shows",
]

# Why a non-null gold cell got no label (the card counts these).
NO_TEMPLATE = "no_template"  # legacy/unknown format: no table template to read
UNKNOWN_KEY = "unknown_key"  # not a cell key of either template
NOT_FOUND = "not_found"  # the extractor found no token for the cell
VALUE_MISMATCH = "value_mismatch"  # a token was found but it reads another value
ROW_MISMATCH = "row_mismatch"  # the value matches but another cell of its row was misread
SUSPECT_TABLE = "suspect_table"  # given offsets: another cell of the table misses its number
BAD_OFFSETS = "bad_offsets"  # offsets outside the text, empty, or not on the number
OVERLAP = "overlap"  # the token overlaps another cell's token
EXTRACTOR_ERROR = "extractor_error"  # the extractor raised on this text
NO_EXTRACTOR = "no_extractor"  # extraction.tables is not installed
BAD_VALUE = "bad_value"  # the record's value is not a number


@dataclass
class CellAlignment:
    """Where the cells of one record lie in its text.

    Attributes:
        cells: `table.row.col` -> original `[start, end)` of its number token.
        unaligned: `table.row.col` -> reason, for non-null cells that got no offsets.
        blank: number of null (blank) cells; they have no token and no label.
    """

    cells: dict[str, tuple[int, int]] = field(default_factory=dict)
    unaligned: dict[str, str] = field(default_factory=dict)
    blank: int = 0


# --- checking a token against a value ------------------------------------------------------

# Full-width digits and the OCR confusions the extractor repairs (O->0, l->1), so a repaired
# token still shows its number.
_TOKEN_TRANS = str.maketrans(
    {
        **{chr(0xFF10 + d): str(d) for d in range(10)},
        "．": ".",
        "，": ",",
        "O": "0",
        "o": "0",
        "l": "1",
        "I": "1",
    }
)
_NUMBER_RE = re.compile(r"\d[\d,]*(?:\.\d+)?\s*万?")


def _token_numbers(token: str) -> list[float]:
    """Every reading of the numbers in a token: as written, and times 10,000 when 万 follows."""
    out = []
    for m in _NUMBER_RE.finditer(token.translate(_TOKEN_TRANS)):
        raw = m.group().rstrip()
        x = float(raw.rstrip("万").strip().replace(",", ""))
        out.append(x)
        if raw.endswith("万"):
            out.append(x * 10_000)
    return out


def _same(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


def token_shows(token: str, value: float, amount: bool = False) -> bool:
    """Whether the text of a token shows `value` (sign aside; 元 read as 万元 for amount cells).

    A sanity check on offsets: it catches offsets that point next to the number (e.g. offsets
    into the normalized text used on the original).
    """
    target = abs(value)
    for x in _token_numbers(token):
        if _same(x, target) or (amount and _same(x / 10_000, target)):
            return True
    return False


def _is_amount(key: str) -> bool:
    table, _, rest = key.partition(".")
    return (table, rest) in AMOUNT_CELLS


def _flat(tables: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    return {f"{t}.{k}": v for t, cells in tables.items() for k, v in (cells or {}).items()}


def _accept(
    text: str,
    out: CellAlignment,
    wanted: dict[str, float],
    found: dict[str, tuple[int, int]],
    unchecked: frozenset[str] = frozenset(),
) -> None:
    """Keep found offsets that show their value and do not overlap; record the rest as unaligned."""
    last_end = -1
    for key in sorted(wanted, key=lambda k: found.get(k, (-1, -1))):
        if key not in found:
            out.unaligned[key] = NOT_FOUND
            continue
        start, end = found[key]
        if not 0 <= start < end <= len(text):
            out.unaligned[key] = BAD_OFFSETS
        elif key not in unchecked and not token_shows(text[start:end], wanted[key], _is_amount(key)):
            out.unaligned[key] = BAD_OFFSETS
        elif start < last_end:
            out.unaligned[key] = OVERLAP
        else:
            last_end = end
            out.cells[key] = (start, end)


def _wanted(tables: Mapping[str, Mapping[str, Any]], version: str, out: CellAlignment) -> dict[str, float]:
    """Non-null cells that can be labelled; blank, unknown and template-less ones are recorded."""
    wanted: dict[str, float] = {}
    for key, value in _flat(tables).items():
        if value is None:
            out.blank += 1
        elif version not in VERSIONS:
            out.unaligned[key] = NO_TEMPLATE
        elif key not in _CELL_KEY_SET:
            out.unaligned[key] = UNKNOWN_KEY
        elif isinstance(value, bool) or not isinstance(value, int | float):
            out.unaligned[key] = BAD_VALUE
        else:
            wanted[key] = float(value)
    return wanted


def check_cell_offsets(
    text: str,
    tables: Mapping[str, Mapping[str, Any]],
    version: str,
    offsets: Mapping[str, Iterable[int]],
    damaged: Iterable[str] = (),
) -> CellAlignment:
    """Validate given cell offsets (a generator's sidecar) against the record's values.

    A damaged cell (noise changed its token) is kept without the value check: its token is
    still where the cell is. One undamaged cell off its number makes its whole table suspect.
    """
    out = CellAlignment()
    wanted = _wanted(tables, version, out)
    found: dict[str, tuple[int, int]] = {}
    for key, pair in offsets.items():
        if key not in wanted:
            continue  # blank or unknown cell: recorded by _wanted, no token to label
        try:
            start, end = (int(x) for x in pair)
        except (TypeError, ValueError):
            out.unaligned[key] = BAD_OFFSETS
            continue
        found[key] = (start, end)
    todo = {k: v for k, v in wanted.items() if k not in out.unaligned}
    _accept(text, out, todo, found, unchecked=frozenset(damaged))
    # Wrong offsets come from a mapping that slipped, which shifts every later cell of the table
    # too; the shifted ones that land on an equal number (zeros) would pass the check above.
    bad = {k.split(".", 1)[0] for k, why in out.unaligned.items() if why == BAD_OFFSETS}
    for key in [k for k in out.cells if k.split(".", 1)[0] in bad]:
        del out.cells[key]
        out.unaligned[key] = SUSPECT_TABLE
    return out


ExtractFn = Callable[[Any, str], Any]


def _default_extract() -> ExtractFn | None:
    """The rules table extractor, or None while extraction.tables is not installed."""
    try:
        from extraction.tables import extract_tables
    except ModuleNotFoundError as exc:
        if exc.name != "extraction.tables":
            raise
        return None
    return extract_tables


def align_cells(
    text: str,
    tables: Mapping[str, Mapping[str, Any]],
    version: str,
    extract: ExtractFn | None = None,
) -> CellAlignment:
    """Find the number token of each non-null gold cell with the rules table extractor.

    A cell's offsets are accepted only when the extractor read exactly the gold value at a token
    that shows that number, and read its whole row as the gold has it (blanks included): in a
    row of zeros a reading shifted by one column still has the right values, so one wrong cell
    makes every cell of its row suspect. Everything else is listed in `unaligned` with a reason.

    Args:
        text: the original text of the report.
        tables: the record's `tables` field, `{table: {"row.col": value}}`.
        version: the record's `format_version`.
        extract: `extract_tables(normalized, version) -> TableResult` (default: the rules one).
    """
    out = CellAlignment()
    wanted = _wanted(tables, version, out)
    if not wanted:
        return out
    from extraction.normalize import normalize

    extract = extract or _default_extract()
    if extract is None:
        log.warning("extraction.tables is missing: %d cells left unaligned", len(wanted))
        out.unaligned.update(dict.fromkeys(wanted, NO_EXTRACTOR))
        return out
    try:
        result = extract(normalize(text), version)
    except Exception as exc:  # noqa: BLE001 - one bad text must not stop a dataset build; it is counted
        log.warning(
            "table extractor failed (%s: %s); %d cells left unaligned", type(exc).__name__, exc, len(wanted)
        )
        out.unaligned.update(dict.fromkeys(wanted, EXTRACTOR_ERROR))
        return out
    read = _readings(result, _flat(tables))
    bad_rows = {_row(k) for k, (gold, value) in read.items() if not _agree(gold, value)}
    found: dict[str, tuple[int, int]] = {}
    for key in wanted:
        gold, value = read[key]
        cell = _cell(result, key)
        if cell is None or value is None or cell.start is None or cell.end is None:
            continue  # not found
        if not _agree(gold, value):
            out.unaligned[key] = VALUE_MISMATCH
        elif _row(key) in bad_rows:
            out.unaligned[key] = ROW_MISMATCH
        else:
            found[key] = (cell.start, cell.end)
    _accept(text, out, {k: v for k, v in wanted.items() if k not in out.unaligned}, found)
    return out


def _row(key: str) -> str:
    """The printed row of a cell: `table.row`; the appeals table prints its three groups on one line."""
    return "appeals" if key.startswith("appeals.") else key.rsplit(".", 1)[0]


def _cell(result: Any, key: str) -> Any:
    table, _, cell_key = key.partition(".")
    return (getattr(result, "cells", None) or {}).get(table, {}).get(cell_key)


def _agree(gold: Any, value: Any) -> bool:
    if gold is None or value is None:
        return gold is None and value is None
    return _same(float(gold), float(value))


def _readings(result: Any, gold: Mapping[str, Any]) -> dict[str, tuple[Any, Any]]:
    """`key -> (gold value, extractor value)` for every gold cell (None where blank or not read)."""
    out = {}
    for key, value in gold.items():
        cell = _cell(result, key)
        read = None if cell is None else cell.value
        out[key] = (value if isinstance(value, int | float) and not isinstance(value, bool) else None, read)
    return out


# --- one record -----------------------------------------------------------------------------


@dataclass
class RecordLabels:
    """The char-level labels of one record's text."""

    ner_tags: list[str]
    cell_tags: list[str]
    alignment: CellAlignment
    damaged: list[str]  # labelled cells whose token the generator's noise changed


def entity_spans(text: str, entities: Iterable[Mapping[str, Any]]) -> list[tuple[str, int, int]]:
    """The `(label, start, end)` of a record's entities, each checked against the text.

    Raises:
        TagError: an unknown label, or offsets whose text is not the entity's `text`.
    """
    spans = []
    for i, ent in enumerate(entities):
        label, start, end = ent.get("label"), ent.get("start"), ent.get("end")
        if label not in LABELS:
            raise TagError(f"[A003] entity {i} has an unknown label, got: {label!r}")
        if not (isinstance(start, int) and isinstance(end, int) and text[start:end] == ent.get("text")):
            shown = text[start:end] if isinstance(start, int) and isinstance(end, int) else None
            raise TagError(
                f"[A004] entity {i} does not match the text at [{start}, {end}), got: {ent.get('text')!r} vs {shown!r}"
            )
        spans.append((label, start, end))
    return spans


def label_record(
    text: str,
    record: Mapping[str, Any],
    meta: Mapping[str, Any] | None = None,
    extract: ExtractFn | None = None,
) -> RecordLabels:
    """Tag every character of `text` from a gold record (spec format).

    Cells come from the generator's sidecar offsets (`meta["cells"]`, checked) when given, else
    from `align_cells`.

    Raises:
        TagError: an entity does not match the text, or entities overlap.
    """
    meta = meta or {}
    version = str(record.get("format_version") or "unknown")
    tables = record.get("tables") or {}
    damaged = meta.get("damaged") or {}
    if isinstance(meta.get("cells"), dict):
        alignment = check_cell_offsets(text, tables, version, meta["cells"], damaged)
    else:
        alignment = align_cells(text, tables, version, extract=extract)
    return RecordLabels(
        ner_tags=bio_tags(len(text), entity_spans(text, record.get("entities") or [])),
        cell_tags=cell_tags(len(text), alignment.cells),
        alignment=alignment,
        damaged=sorted(set(damaged) & set(alignment.cells)),
    )
