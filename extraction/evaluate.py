"""Scoring extraction records against gold records (the spec's record format).

Records and gold are matched by `doc` (the report's file name; matched on its stem, so a gold file
`000_x.json` pairs with a record whose doc is `000_x.txt` or `seeds/000_x.txt`). Every metric is
micro-averaged: per-report scores return counts, and `evaluate` sums the counts before dividing.

Metrics: document-field accuracy (lists compared as sets), cell accuracy over the gold's cell keys
("blank_eq_zero": None == 0, "strict": None != 0; a key the record lacks is wrong either way), entity
P/R/F1 strict (same label, start, end) and overlapping (same label, spans intersect, one-to-one greedy by
overlap size), entity value accuracy over strict matches, findings P/R/F1 (codes as a multiset per
report), and the list of every error.

Empty denominators: P/R/F1 and accuracies are 1.0 when there was nothing to find and nothing was found,
0.0 otherwise, so a perfect record scores 1.0 on every metric.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from extraction.schema import TABLES
from extraction.scoring import (
    EvalError,
    check_entities,
    entity_errors,
    entity_scores,
    error_item,
    findings_prf,
    merge_entity_scores,
    overlap_pairs,
    ratio,
    score_entities,
    strict_pairs,
    sum_findings,
    values_equal,
)

logger = logging.getLogger(__name__)

CONTACT_FIELDS = ("department", "address", "postcode", "phone", "email", "website")
FIELD_NAMES = ("agency", "year", "format_version", "period", "published") + tuple(
    f"contact.{f}" for f in CONTACT_FIELDS
)
LIST_FIELDS = frozenset({"contact.phone", "contact.email", "contact.website"})
# Sidecar files a gold folder may hold beside the gold records (synthetic generator metadata).
SIDECAR_SUFFIXES = (".meta.json",)


def doc_key(doc: str) -> str:
    """The matching key of a report name: the stem of its basename."""
    return Path(doc.replace("\\", "/")).stem


def field_value(record: dict[str, Any], name: str) -> Any:
    """A document field by its dotted name (`contact.phone`); None when absent."""
    if name.startswith("contact."):
        return (record.get("contact") or {}).get(name.split(".", 1)[1])
    return record.get(name)


def _as_set(value: Any) -> frozenset[str]:
    if value is None:
        return frozenset()
    if not isinstance(value, list | tuple):
        value = [value]
    return frozenset(json.dumps(v, ensure_ascii=False, sort_keys=True) for v in value)


def _field_equal(name: str, gold: Any, pred: Any) -> bool:
    if name in LIST_FIELDS:
        return _as_set(gold) == _as_set(pred)
    return values_equal(gold, pred)


def record_tables(record: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """`{table: {"row.col": value}}` from a record's `tables`, or from its `cells` when it has none."""
    tables = record.get("tables")
    if tables:
        return {t: dict(tables.get(t) or {}) for t in TABLES}
    cells = record.get("cells") or {}
    return {t: {k: (c or {}).get("value") for k, c in (cells.get(t) or {}).items()} for t in TABLES}


# --- one report ----------------------------------------------------------------------------


def _score_cells(doc: str, gold: dict[str, Any], pred: dict[str, Any] | None, errors: list) -> dict[str, Any]:
    g_tables = record_tables(gold)
    p_tables = record_tables(pred) if pred is not None else {t: {} for t in TABLES}
    per_table = {}
    for t in TABLES:
        total = loose = strict = 0
        for key, g in g_tables[t].items():
            total += 1
            name = f"{t}.{key}"
            if key not in p_tables[t]:
                if pred is not None:
                    errors.append(error_item(doc, "cell.missing", name, g, None))
                continue
            p = p_tables[t][key]
            if values_equal(g, p):
                loose += 1
                strict += 1
            elif values_equal(0 if g is None else g, 0 if p is None else p):
                loose += 1
                errors.append(error_item(doc, "cell.blank", name, g, p))
            else:
                errors.append(error_item(doc, "cell", name, g, p))
        extra = len(p_tables[t].keys() - g_tables[t].keys())
        per_table[t] = {"total": total, "blank_eq_zero": loose, "strict": strict, "extra": extra}
    return {
        k: sum(v[k] for v in per_table.values()) for k in ("total", "blank_eq_zero", "strict", "extra")
    } | {"per_table": per_table}


def _score_findings(doc: str, gold: list[dict], pred: list[dict], errors: list) -> dict[str, Any]:
    g = Counter(f.get("code") for f in gold)
    p = Counter(f.get("code") for f in pred)
    per_code = {}
    for code in sorted(g.keys() | p.keys(), key=str):
        tp = min(g[code], p[code])
        per_code[code] = findings_prf(tp, p[code] - tp, g[code] - tp)
    missed = g - p
    spurious = p - g
    for f in gold:
        if missed[f.get("code")] > 0:
            missed[f.get("code")] -= 1
            errors.append(error_item(doc, "finding.missed", f.get("code"), f.get("detail"), None))
    for f in pred:
        if spurious[f.get("code")] > 0:
            spurious[f.get("code")] -= 1
            errors.append(error_item(doc, "finding.spurious", f.get("code"), None, f.get("detail")))
    tp = sum((g & p).values())
    return findings_prf(tp, sum(p.values()) - tp, sum(g.values()) - tp) | {"per_code": per_code}


def score_record(gold: dict, pred: dict | None) -> dict:
    """All metrics for one report, with counts for micro-averaging and the list of its errors.

    Args:
        gold: the gold record.
        pred: the predicted record, or None when the report has no prediction (everything counts
            as wrong, and a single `doc.missing` error is listed).

    Returns:
        `{"doc", "fields": {name: bool}, "cells": {total, blank_eq_zero, strict, extra, per_table},
        "entities": score_entities(...), "findings": {precision, recall, f1, tp, fp, fn, per_code}, "errors": [...]}`.
    """
    doc = str(gold.get("doc") or (pred or {}).get("doc") or "")
    errors: list[dict[str, Any]] = []
    if pred is None:
        errors.append(error_item(doc, "doc.missing", doc, doc, None))
    fields = {}
    for name in FIELD_NAMES:
        g = field_value(gold, name)
        p = field_value(pred, name) if pred is not None else None
        fields[name] = pred is not None and _field_equal(name, g, p)
        if pred is not None and not fields[name]:
            errors.append(error_item(doc, "field", name, g, p))
    cells = _score_cells(doc, gold, pred, errors)
    g_ents = check_entities(list(gold.get("entities") or []), "gold")
    p_ents = check_entities(list((pred or {}).get("entities") or []), "pred")
    strict, overlap = strict_pairs(g_ents, p_ents), overlap_pairs(g_ents, p_ents)
    entities = entity_scores(g_ents, p_ents, strict, overlap)
    if pred is not None:
        errors.extend(entity_errors(doc, g_ents, p_ents, strict, overlap))
    findings = _score_findings(
        doc,
        list(gold.get("findings") or []),
        list((pred or {}).get("findings") or []),
        errors if pred is not None else [],
    )
    return {
        "doc": doc,
        "fields": fields,
        "cells": cells,
        "entities": entities,
        "findings": findings,
        "errors": errors,
    }


# --- a folder of reports -------------------------------------------------------------------


@dataclass
class EvalReport:
    """Micro-averaged metrics over a gold folder, with every error and a per-report summary."""

    docs: dict[str, Any]
    metrics: dict[str, Any]  # {"fields", "cells", "entities", "findings"}
    errors: list[dict[str, Any]] = field(default_factory=list)
    per_doc: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """The report as a JSON-ready dict."""
        return asdict(self)

    def to_text(self, max_errors: int = 40) -> str:
        """A readable plain-text summary (the first `max_errors` errors; all of them with a negative value)."""
        return _report_text(self, max_errors)


def _pct(x: float) -> str:
    return f"{100 * x:6.2f}"


def _prf_line(name: str, m: dict[str, Any]) -> str:
    p, r = m.get("p", m.get("precision")), m.get("r", m.get("recall"))
    return f"  {name:<34}{_pct(p)} {_pct(r)} {_pct(m['f1'])} {m['tp']:>7} {m['fp']:>6} {m['fn']:>6}"


def _report_text(rep: EvalReport, max_errors: int) -> str:
    d, fields, c, e, findings = (
        rep.docs,
        *(rep.metrics[k] for k in ("fields", "cells", "entities", "findings")),
    )
    out = [
        f"docs: {d['gold']} gold, {d['predicted']} predicted, {len(d['missing'])} missing, "
        f"{d['unmatched_predictions']} predictions without gold, {d['duplicate_predictions']} duplicates",
        "",
        f"document fields  accuracy {_pct(fields['accuracy'])}  ({fields['correct']}/{fields['total']})",
    ]
    out += [
        f"  {n:<34}{_pct(f['accuracy'])}  ({f['correct']}/{f['total']})"
        for n, f in fields["per_field"].items()
    ]
    out += ["", f"cells ({c['total']} gold keys, {c['extra']} extra)      blank=0  strict"]
    out += [f"  {'all':<34}{_pct(c['blank_eq_zero'])} {_pct(c['strict'])}"]
    out += [
        f"  {t:<34}{_pct(v['blank_eq_zero'])} {_pct(v['strict'])}  ({v['total']})"
        for t, v in c["per_table"].items()
    ]
    head = f"  {'':<34}{'P':>6} {'R':>6} {'F1':>6} {'tp':>7} {'fp':>6} {'fn':>6}"
    out += [
        "",
        f"entities  value accuracy {_pct(e['value_accuracy'])}  ({e['value_correct']}/{e['value_total']})",
        head,
    ]
    out += [_prf_line("strict", e["strict"]), _prf_line("overlap", e["overlap"])]
    for lab, m in e["per_label"].items():
        out += [_prf_line(f"{lab} strict", m["strict"]), _prf_line(f"{lab} overlap", m["overlap"])]
    out += ["", "findings", head, _prf_line("all", findings)]
    out += [_prf_line(code, m) for code, m in findings["per_code"].items()]
    worst = sorted((r for r in rep.per_doc if r["errors"]), key=lambda r: -r["errors"])[:10]
    cols = ("fields", "cells=0", "strict", "ent F1", "errors")
    out += ["", "reports with most errors".ljust(26) + " ".join(f"{c:>7}" for c in cols)]
    out += [
        f"  {r['doc']:<24}{_pct(r['fields']):>7} {_pct(r['cells_blank_eq_zero']):>7} "
        f"{_pct(r['cells_strict']):>7} {_pct(r['entities_f1']):>7} {r['errors']:>7}"
        + ("" if r["predicted"] else "  (no prediction)")
        for r in worst
    ]
    kinds = Counter(err["kind"] for err in rep.errors)
    out += ["", f"errors: {len(rep.errors)}  " + ", ".join(f"{k} {n}" for k, n in sorted(kinds.items()))]
    shown = rep.errors if max_errors < 0 else rep.errors[:max_errors]
    out += [
        f"  {x['doc']}  {x['kind']:<16} {x['key']}  gold={x['gold']!r}  pred={x['pred']!r}" for x in shown
    ]
    if len(shown) < len(rep.errors):
        out.append(f"  ... {len(rep.errors) - len(shown)} more (see the JSON output)")
    return "\n".join(out)


def load_gold(gold_dir: Path) -> dict[str, dict[str, Any]]:
    """Gold records of a folder keyed by doc stem; sidecars and non-record JSON files are skipped."""
    gold_dir = Path(gold_dir)
    if not gold_dir.is_dir():
        raise EvalError(f"[V001] gold folder not found: {str(gold_dir)!r}")
    out: dict[str, dict[str, Any]] = {}
    for path in sorted(gold_dir.glob("*.json")):
        if path.name.endswith(SIDECAR_SUFFIXES):
            continue
        with path.open(encoding="utf-8") as fh:
            rec = json.load(fh)
        if not isinstance(rec, dict) or not ({"doc", "tables", "entities"} & rec.keys()):
            logger.debug("skipping %s: not a gold record", path)
            continue
        rec.setdefault("doc", path.stem + ".txt")
        out[doc_key(str(rec["doc"]))] = rec
    return out


def load_predictions(pred_path: Path, engine: str | None = None) -> tuple[dict[str, dict[str, Any]], int]:
    """Predicted records of a JSONL keyed by doc stem, and the number of duplicate docs (the last wins)."""
    pred_path = Path(pred_path)
    if not pred_path.is_file():
        raise EvalError(f"[V004] prediction file not found: {str(pred_path)!r}")
    out: dict[str, dict[str, Any]] = {}
    duplicates = 0
    with pred_path.open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
            except json.JSONDecodeError as exc:
                raise EvalError(f"[V002] bad JSON on line {n} of {str(pred_path)!r}: {line[:80]!r}") from exc
            if not isinstance(rec, dict) or not isinstance(rec.get("doc"), str):
                raise EvalError(
                    f"[V005] line {n} of {str(pred_path)!r} is not a record with a doc: {line[:80]!r}"
                )
            if engine is not None and rec.get("engine") != engine:
                continue
            key = doc_key(rec["doc"])
            duplicates += key in out
            out[key] = rec
    if duplicates:
        logger.warning("%d duplicate predictions in %s; the last of each was scored", duplicates, pred_path)
    return out, duplicates


def _cell_block(parts: list[dict[str, int]]) -> dict[str, Any]:
    total = sum(p["total"] for p in parts)
    return {"total": total} | {k: ratio(sum(p[k] for p in parts), total) for k in ("blank_eq_zero", "strict")}


def evaluate(gold_dir: Path, pred_path: Path, engine: str | None = None) -> EvalReport:
    """Score a JSONL of records against a folder of gold records.

    Args:
        gold_dir: folder of gold `*.json` (sidecars such as `*.meta.json` are ignored).
        pred_path: JSONL of output records (any engine, same format).
        engine: score only records whose `engine` equals this (all when None).

    Returns:
        The micro-averaged EvalReport.
    """
    gold = load_gold(gold_dir)
    preds, duplicates = load_predictions(pred_path, engine)
    scores = [score_record(g, preds.get(key)) for key, g in gold.items()]
    missing = sorted(s["doc"] for s, key in zip(scores, gold, strict=True) if key not in preds)
    fields = {
        name: {
            "correct": (c := sum(s["fields"][name] for s in scores)),
            "total": len(scores),
            "accuracy": ratio(c, len(scores)),
        }
        for name in FIELD_NAMES
    }
    f_correct = sum(f["correct"] for f in fields.values())
    f_total = sum(f["total"] for f in fields.values())
    cells: dict[str, Any] = _cell_block([s["cells"] for s in scores])
    cells["extra"] = sum(s["cells"]["extra"] for s in scores)
    cells["per_table"] = {t: _cell_block([s["cells"]["per_table"][t] for s in scores]) for t in TABLES}
    codes = sorted({c for s in scores for c in s["findings"]["per_code"]}, key=str)
    findings = sum_findings([s["findings"] for s in scores]) | {
        "per_code": {
            c: sum_findings([s["findings"]["per_code"][c] for s in scores if c in s["findings"]["per_code"]])
            for c in codes
        }
    }
    per_doc = [
        {
            "doc": s["doc"],
            "predicted": key in preds,
            "fields": ratio(sum(s["fields"].values()), len(FIELD_NAMES)),
            "cells_blank_eq_zero": ratio(s["cells"]["blank_eq_zero"], s["cells"]["total"]),
            "cells_strict": ratio(s["cells"]["strict"], s["cells"]["total"]),
            "entities_f1": s["entities"]["strict"]["f1"],
            "findings_f1": s["findings"]["f1"],
            "errors": len(s["errors"]),
        }
        for s, key in zip(scores, gold, strict=True)
    ]
    return EvalReport(
        docs={
            "gold": len(gold),
            "predicted": len(gold) - len(missing),
            "missing": missing,
            "predictions": len(preds),
            "unmatched_predictions": len(preds.keys() - gold.keys()),
            "duplicate_predictions": duplicates,
        },
        metrics={
            "fields": {
                "accuracy": ratio(f_correct, f_total),
                "correct": f_correct,
                "total": f_total,
                "per_field": fields,
            },
            "cells": cells,
            "entities": merge_entity_scores([s["entities"] for s in scores]),
            "findings": findings,
        },
        errors=[e for s in scores for e in s["errors"]],
        per_doc=per_doc,
    )


__all__ = ["EvalError", "EvalReport", "evaluate", "score_entities", "score_record", "values_equal"]
