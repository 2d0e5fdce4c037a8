"""Records <-> Label Studio tasks: a record becomes a task with one prediction, an annotation a gold record.

Region results use the control names of `annotations.label_config`. Offsets are Python `str`
indices into the task's text (the text the record's offsets point into), end-exclusive. A cell
region is one span with the `cell` label plus, under the same region id, its key (`cell_key`)
and its value (`cell_value`). Document fields are whole-task results.

The gold record that an annotation becomes is the format of ../shared/gold (fields, `tables`
with every template cell, `entities`, `findings`); its sidecar (NAME.meta.json) gives the cell
offsets, so `nianbao dataset build` labels exactly the spans the annotator marked.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from annotations import label_config as lc
from extraction.numbers import entity_value, parse_number
from extraction.schema import AMOUNT_CELLS, LABELS, TABLES, VERSIONS, all_cell_keys, cell_keys

SOURCE = "label-studio"


class ConvertError(ValueError):
    """An annotation that cannot become a gold record; the message names the task."""


# --- task identity ------------------------------------------------------------------------------


def text_hash(text: str) -> str:
    """sha256 of the text (hex): the same as `training.dataset.doc_hash`."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def task_key(doc: str, text: str) -> str:
    """A task's identity for idempotent pushes: the document name and a hash of its text."""
    return f"{doc}#{text_hash(text)[:16]}"


def task_data(record: Mapping[str, Any], text: str) -> dict[str, Any]:
    """The task's `data`: the text, its name and key, and where it came from."""
    doc = str(record["doc"])
    return {
        lc.TEXT: text,
        lc.DOC: doc,
        "key": task_key(doc, text),
        "text_sha256": text_hash(text),
        "source": str(record.get("source") or doc),
    }


# --- record -> prediction -----------------------------------------------------------------------


def model_version(record: Mapping[str, Any]) -> str:
    """The version a prediction carries: the model's when a model ran, else the rules'."""
    return str(record.get("model_version") or record.get("rules_version") or "unknown")


def _span(rid: str, control: str, start: int, end: int, text: str, label: str, score: Any) -> dict[str, Any]:
    item = {
        "id": rid,
        "from_name": control,
        "to_name": lc.TEXT,
        "type": "labels",
        "value": {"start": start, "end": end, "text": text, "labels": [label]},
    }
    if isinstance(score, int | float):
        item["score"] = float(score)
    return item


def _per_region(rid: str, control: str, kind: str, start: int, end: int, text: str, value: dict) -> dict:
    return {
        "id": rid,
        "from_name": control,
        "to_name": lc.TEXT,
        "type": kind,
        "value": {"start": start, "end": end, "text": text, **value},
    }


def _whole(control: str, kind: str, value: dict[str, Any]) -> dict[str, Any]:
    return {"id": f"doc-{control}", "from_name": control, "to_name": lc.TEXT, "type": kind, "value": value}


def _get(record: Mapping[str, Any], path: tuple[str, ...]) -> Any:
    node: Any = record
    for part in path:
        if not isinstance(node, Mapping):
            return None
        node = node.get(part)
    return node


def _field_results(record: Mapping[str, Any]) -> list[dict[str, Any]]:
    out = []
    version = record.get("format_version")
    if version:
        out.append(_whole(lc.FORMAT_VERSION, "choices", {"choices": [str(version)]}))
    if isinstance(record.get("year"), int):
        out.append(_whole(lc.YEAR, "number", {"number": record["year"]}))
    for f in lc.TEXT_FIELDS:
        value = _get(record, f.path)
        items = [str(v) for v in value] if isinstance(value, list) else [str(value)] if value else []
        if items:
            out.append(_whole(f.name, "textarea", {"text": items}))
    codes = list(dict.fromkeys(str(f.get("code")) for f in record.get("findings") or [] if f.get("code")))
    if codes:
        out.append(_whole(lc.FINDINGS, "choices", {"choices": codes}))
    return out


class _SpanCheck:
    """Checks record offsets against the task text; offsets that do not fit are an error."""

    def __init__(self, text: str, doc: str) -> None:
        self.text, self.doc = text, doc

    def __call__(self, what: str, start: Any, end: Any, expected: str | None) -> str:
        ok = isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(self.text)
        shown = self.text[start:end] if ok else None
        if not ok or (expected is not None and shown != expected):
            raise ConvertError(
                f"[R201] {self.doc}: {what} at [{start}, {end}) does not match the text "
                f"(record says {expected!r}, text has {shown!r}); was the record extracted from this file?"
            )
        return shown  # type: ignore[return-value]


def cell_region_id(key: str) -> str:
    """The region id of a cell in predictions: CSS-safe, because Label Studio styles each region
    by a class named after its id (a dot there leaves the highlight without its colour)."""
    return "cell-" + key.replace(".", "-")


def record_to_prediction(record: Mapping[str, Any], text: str) -> dict[str, Any]:
    """The Label Studio prediction of a record: every entity, every placed cell and the fields.

    The prediction's `score` is the record's `confidence` (its weakest confidence, lowered by
    failing identities), so "lowest score first" is the order to review in; each region keeps
    its own score.

    Raises:
        ConvertError: an entity's or cell's offsets do not match `text`.
    """
    check = _SpanCheck(text, str(record.get("doc")))
    result: list[dict[str, Any]] = []
    for i, ent in enumerate(record.get("entities") or []):
        shown = check(f"entity {i} ({ent.get('label')})", ent.get("start"), ent.get("end"), ent.get("text"))
        result.append(
            _span(f"ent-{i}", lc.ENT, ent["start"], ent["end"], shown, ent["label"], ent.get("score"))
        )
    for table, cells in (record.get("cells") or {}).items():
        for key, cell in cells.items():
            if cell.get("value") is None or cell.get("start") is None:
                continue  # blank cells have no number to mark
            full = f"{table}.{key}"
            shown = check(f"cell {full}", cell["start"], cell["end"], None)
            rid = cell_region_id(full)
            s, e = cell["start"], cell["end"]
            result.append(_span(rid, lc.CELL, s, e, shown, lc.CELL_LABEL, cell.get("score")))
            result.append(_per_region(rid, lc.CELL_KEY, "choices", s, e, shown, {"choices": [full]}))
            result.append(_per_region(rid, lc.CELL_VALUE, "number", s, e, shown, {"number": cell["value"]}))
    result.extend(_field_results(record))
    return {
        "model_version": model_version(record),
        "score": float(record.get("confidence", 1.0)),
        "result": result,
    }


def unplaced_cells(record: Mapping[str, Any]) -> list[str]:
    """Cells with a value but no offsets: they cannot be shown as regions (push warns about them)."""
    return [
        f"{t}.{k}"
        for t, cells in (record.get("cells") or {}).items()
        for k, c in cells.items()
        if c.get("value") is not None and c.get("start") is None
    ]


# --- annotation -> gold record ------------------------------------------------------------------


def _utf16_to_index(text: str, pos: int) -> int:
    """A UTF-16 code-unit offset (the browser's) as a Python index; differs after astral characters."""
    units = 0
    for i, ch in enumerate(text):
        if units >= pos:
            return i
        units += 2 if ord(ch) > 0xFFFF else 1
    return len(text)


def _locate(text: str, value: Mapping[str, Any], where: str) -> tuple[int, int, str]:
    """The span of a region as Python offsets, checked against the text it says it covers.

    Offsets typed in the browser count UTF-16 code units; they are converted when that is what
    makes the region's text match (only texts with characters beyond the BMP differ).
    """
    start, end, said = value.get("start"), value.get("end"), value.get("text")
    if not (isinstance(start, int) and isinstance(end, int) and 0 <= start < end):
        raise ConvertError(f"[R202] {where}: offsets out of range, got: [{start}, {end})")
    if end <= len(text) and (said is None or text[start:end] == said):
        return start, end, text[start:end]
    s16, e16 = _utf16_to_index(text, start), _utf16_to_index(text, end)
    if said is not None and s16 < e16 and text[s16:e16] == said:
        return s16, e16, said
    if end > len(text):
        raise ConvertError(
            f"[R202] {where}: offsets out of range for a text of {len(text)} chars, got: [{start}, {end})"
        )
    raise ConvertError(
        f"[R203] {where}: region [{start}, {end}) says {said!r} but the text there is {text[start:end]!r}; "
        "fix or redo the region in Label Studio"
    )


_DIGITS = str.maketrans({**{chr(0xFF10 + d): str(d) for d in range(10)}, "．": ".", "，": ","})
_NUMBER_RE = re.compile(r"\d[\d,]*(?:\.\d+)?")


def shows_value(span: str, value: float, amount: bool = False) -> bool:
    """Whether a cell's span shows its value as written (sign aside; amounts also in 元)."""
    target = abs(float(value))
    for m in _NUMBER_RE.finditer(span.translate(_DIGITS)):
        x = float(m.group().replace(",", ""))
        for v in (x, x * 10_000 if span[m.end() : m.end() + 1] == "万" else x):
            if abs(v - target) < 1e-9 or (amount and abs(v / 10_000 - target) < 1e-9):
                return True
    return False


def _first(values: Any) -> Any:
    return values[0] if isinstance(values, list) and values else None


def _fields(by_control: Mapping[str, dict[str, Any]]) -> dict[str, Any]:
    """Document fields from the whole-task results (missing ones are null, lists empty)."""

    def text_items(name: str) -> list[str]:
        value = (by_control.get(name) or {}).get("text")
        items = value if isinstance(value, list) else [value] if isinstance(value, str) else []
        return [s.strip() for item in items for s in str(item).splitlines() if s.strip()]

    out: dict[str, Any] = {"contact": {}}
    for f in lc.TEXT_FIELDS:
        items = text_items(f.name)
        value: Any = items if f.is_list else (items[0] if items else None)
        if f.path[0] == "contact":
            out["contact"][f.path[1]] = value
        elif f.path[0] == "period":
            out.setdefault("period", {})[f.path[1]] = value
        else:
            out[f.path[0]] = value
    period = out.get("period") or {}
    out["period"] = period if any(period.values()) else None
    year = (by_control.get(lc.YEAR) or {}).get("number")
    out["year"] = int(year) if isinstance(year, int | float) else None
    out["format_version"] = _first((by_control.get(lc.FORMAT_VERSION) or {}).get("choices"))
    out["findings"] = [
        {"code": c, "detail": "marked in review"}
        for c in (by_control.get(lc.FINDINGS) or {}).get("choices") or []
    ]
    return out


def annotation_to_gold(
    task: Mapping[str, Any], result: Iterable[Mapping[str, Any]]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """A finished annotation as a gold record and its sidecar (`cells` offsets, `damaged` cells).

    Args:
        task: the exported task (`id`, `data` with `text` and `doc`).
        result: the annotation's result items.

    Raises:
        ConvertError: a region does not match the text, a cell lacks its key or value, a key is
            used twice or does not belong to the annotated template version. The message names
            the task.
    """
    data = task.get("data") or {}
    text, doc = data.get(lc.TEXT), str(data.get(lc.DOC) or "")
    name = f"task {task.get('id')} ({doc or 'no doc'})"
    if not isinstance(text, str) or not text:
        raise ConvertError(
            f"[R204] {name}: the task has no `{lc.TEXT}` in its data; push it with `nianbao review push`"
        )
    regions: dict[str, dict[str, Any]] = {}
    per_region: dict[str, dict[str, Mapping[str, Any]]] = defaultdict(dict)
    whole: dict[str, dict[str, Any]] = {}
    for item in result:
        control, rid, value = item.get("from_name"), str(item.get("id")), item.get("value") or {}
        if control in (lc.ENT, lc.CELL):
            regions[rid] = dict(item)
        elif control in (lc.CELL_KEY, lc.CELL_VALUE):
            per_region[rid][str(control)] = value
        elif isinstance(control, str):
            whole[control] = dict(value)
    fields = _fields(whole)
    entities, cells, damaged = [], {}, []
    for rid, item in regions.items():
        value = item.get("value") or {}
        labels = value.get("labels") or []
        start, end, span = _locate(text, value, f"{name}, region {rid}")
        if item["from_name"] == lc.ENT:
            label = _first(labels)
            if label not in LABELS:
                raise ConvertError(
                    f"[R205] {name}: region {rid} has an unknown entity label, got: {labels!r}"
                )
            entities.append(
                {
                    "label": label,
                    "start": start,
                    "end": end,
                    "text": span,
                    "value": entity_value(label, text, start, end),
                }
            )
            continue
        key = _first((per_region[rid].get(lc.CELL_KEY) or {}).get("choices"))
        if key not in lc.CELL_KEYS:
            raise ConvertError(
                f"[R206] {name}: cell region {rid} at [{start}, {end}) {span!r} has no valid cell key, got: {key!r}; "
                "choose its key in Label Studio"
            )
        number = (per_region[rid].get(lc.CELL_VALUE) or {}).get("number")
        number = number if isinstance(number, int | float) else parse_number(span.strip())
        if number is None:
            raise ConvertError(
                f"[R207] {name}: cell {key} at [{start}, {end}) {span!r} has no value; type it in `{lc.CELL_VALUE}`"
            )
        if key in cells:
            raise ConvertError(
                f"[R208] {name}: cell key {key} is marked twice, at {cells[key][0]} and [{start}, {end})"
            )
        number = int(number) if float(number).is_integer() else float(number)
        cells[key] = ([start, end], number)
        table, _, rest = key.partition(".")
        if not shows_value(span, number, amount=(table, rest) in AMOUNT_CELLS):
            damaged.append(key)
    version = fields["format_version"] or "unknown"
    if cells and version not in VERSIONS:
        raise ConvertError(
            f"[R209] {name}: cells are marked but format_version is {version!r}; choose 2019 or 2021 in Label Studio"
        )
    if version in VERSIONS:
        foreign = sorted(set(cells) - set(all_cell_keys(version)))
        if foreign:
            raise ConvertError(
                f"[R210] {name}: cell keys not in the {version} template, got: {foreign[:5]!r}; fix the keys or the version"
            )
    tables = {t: {k: None for k in cell_keys(t, version)} for t in TABLES}
    for key, (_, number) in cells.items():
        table, _, rest = key.partition(".")
        tables[table][rest] = number
    entities.sort(key=lambda e: (e["start"], e["end"]))
    for a, b in zip(entities, entities[1:], strict=False):
        if b["start"] < a["end"]:
            raise ConvertError(
                f"[R211] {name}: entity regions overlap, got: {a['label']} {a['text']!r} [{a['start']}, {a['end']}) "
                f"and {b['label']} {b['text']!r} [{b['start']}, {b['end']}); keep one of them"
            )
    gold = {
        "doc": doc,
        "agency": fields["agency"],
        "year": fields["year"],
        "format_version": version,
        "period": fields["period"],
        "published": fields["published"],
        "contact": fields["contact"],
        "tables": tables,
        "entities": entities,
        "findings": fields["findings"],
    }
    meta = {
        "source": SOURCE,
        "task": task.get("id"),
        "cells": {k: offsets for k, (offsets, _) in sorted(cells.items())},
        "damaged": sorted(damaged),
    }
    return gold, meta
