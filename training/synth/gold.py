"""Read the gold record and its sidecar off the final marked text.

The gold has exactly the fields of ../shared/gold (doc, agency, year, format_version, period,
published, contact, tables, entities, findings). Everything else a consumer may want (where
each cell's figure is, which cells were damaged, the section headings, the renderings and noise
applied) goes into the `.meta.json` sidecar.
"""

from __future__ import annotations

from typing import Any

from extraction.schema import TABLES
from training.synth.marks import CELL, ENT, FIELD, FURNITURE, HEAD, Marked

GENERATOR_VERSION = (
    "synth.v3"  # v2: realism pass (openings, wording, layout, noise); v3: prose digit confusables
)
_LIST_FIELDS = ("phone", "email", "website")


def _fields(doc: Marked) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for m in doc.of_kind(FIELD):
        text = doc.text[m.start : m.end]
        if text:
            out.setdefault(m.data, []).append(text)
    return out


def gold_record(name: str, doc: Marked, facts: dict[str, Any]) -> dict[str, Any]:
    """The gold record in the ../shared/gold format.

    Args:
        name: the file name the text is written to (the `doc` field).
        doc: the final marked text.
        facts: year, format_version, period, published, tables (true values), findings.
    """
    fields = _fields(doc)
    first = {k: v[0] for k, v in fields.items()}
    contact = {
        "department": first.get("department"),
        "address": first.get("address"),
        "postcode": first.get("postcode"),
        **{k: list(dict.fromkeys(fields.get(k, []))) for k in _LIST_FIELDS},
    }
    entities = []
    for m in doc.of_kind(ENT):
        if m.end <= m.start:
            continue
        label, value = m.data
        entities.append(
            {
                "label": label,
                "start": m.start,
                "end": m.end,
                "text": doc.text[m.start : m.end],
                "value": value,
            }
        )
    return {
        "doc": name,
        "agency": first.get("agency"),
        "year": facts["year"],
        "format_version": facts["format_version"],
        "period": facts["period"],
        "published": facts["published"],
        "contact": contact,
        "tables": {t: dict(facts["tables"].get(t, {})) for t in TABLES},
        "entities": entities,
        "findings": list(facts["findings"]),
    }


def meta_record(name: str, doc: Marked, extra: dict[str, Any], damaged: list[str]) -> dict[str, Any]:
    """The sidecar: cell offsets, damaged cells, headings, furniture, renderings, noise."""
    cells: dict[str, list[int]] = {}
    blank: list[str] = []
    for m in doc.of_kind(CELL):
        if m.end > m.start:
            cells[m.data] = [m.start, m.end]
        else:
            blank.append(m.data)
    values = extra.get("true_values", {})
    return {
        "doc": name,
        "generator": GENERATOR_VERSION,
        **{k: v for k, v in extra.items() if k != "true_values"},
        "cells": cells,
        "blank_cells": blank,
        "damaged": {
            k: {"raw": doc.text[cells[k][0] : cells[k][1]], "value": values.get(k)}
            for k in damaged
            if k in cells
        },
        "sections": [
            {"number": m.data, "heading": doc.text[m.start : m.end], "start": m.start, "end": m.end}
            for m in doc.of_kind(HEAD)
        ],
        "furniture": [[m.start, m.end, m.data] for m in doc.of_kind(FURNITURE)],
    }
