"""Scoring primitives shared by `evaluate`: tolerant value equality, P/R/F1 from counts, and entity
matching (strict and overlapping) with its error classification.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections import Counter, defaultdict
from typing import Any

REL_TOL = 1e-6


def error_item(doc: str, kind: str, key: str, gold: Any, pred: Any) -> dict[str, Any]:
    """One entry of the error list."""
    return {"doc": doc, "kind": kind, "key": key, "gold": gold, "pred": pred}


class EvalError(ValueError):
    """A gold or prediction input that cannot be scored; the message names the bad value."""


# --- small helpers -------------------------------------------------------------------------


def values_equal(a: Any, b: Any) -> bool:
    """Deep equality with numbers compared at a relative tolerance of 1e-6 (bools are not numbers)."""
    if _is_number(a) and _is_number(b):
        return a == b or math.isclose(a, b, rel_tol=REL_TOL)
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(values_equal(a[k], b[k]) for k in a)
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(values_equal(x, y) for x, y in zip(a, b, strict=True))
    return type(a) is type(b) and a == b


def _is_number(x: Any) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool)


def prf(tp: int, fp: int, fn: int) -> dict[str, float | int]:
    """Precision, recall and F1 from counts (1.0 when nothing was expected and nothing predicted)."""
    p = tp / (tp + fp) if tp + fp else float(fn == 0)
    r = tp / (tp + fn) if tp + fn else float(fp == 0)
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    return {"p": p, "r": r, "f1": f1, "tp": tp, "fp": fp, "fn": fn}


def findings_prf(tp: int, fp: int, fn: int) -> dict[str, float | int]:
    """`prf` with the names the report uses for findings: precision, recall, f1, tp, fp, fn."""
    m = prf(tp, fp, fn)
    return {"precision": m["p"], "recall": m["r"]} | {k: m[k] for k in ("f1", "tp", "fp", "fn")}


def _summed_counts(parts: list[dict[str, Any]]) -> tuple[int, int, int]:
    tp, fp, fn = (sum(int(p[k]) for p in parts) for k in ("tp", "fp", "fn"))
    return tp, fp, fn


def sum_prf(parts: list[dict[str, Any]]) -> dict[str, Any]:
    """P/R/F1 of the summed tp/fp/fn counts of several `prf` dicts (micro-average)."""
    return prf(*_summed_counts(parts))


def sum_findings(parts: list[dict[str, Any]]) -> dict[str, Any]:
    """`findings_prf` of the summed counts of several findings dicts (micro-average)."""
    return findings_prf(*_summed_counts(parts))


def ratio(correct: int, total: int) -> float:
    """Accuracy from counts (1.0 for an empty total)."""
    return correct / total if total else 1.0


def value_accuracy(correct: int, matched: int, n_gold: int) -> float:
    """Value accuracy over strict matches; with no match, 1.0 only when there was no gold entity."""
    return correct / matched if matched else float(n_gold == 0)


def per_label_gold(parts: list[dict[str, Any]]) -> int:
    """Number of gold entities behind several score dicts (strict tp + fn)."""
    return sum(int(p["strict"]["tp"]) + int(p["strict"]["fn"]) for p in parts)


def _entity_block(
    strict: dict[str, Any], overlap: dict[str, Any], correct: int, matched: int, n_gold: int
) -> dict[str, Any]:
    """One level of a `score_entities` dict: strict and overlap P/R/F1 and the value accuracy."""
    return {
        "strict": strict,
        "overlap": overlap,
        "value_accuracy": value_accuracy(correct, matched, n_gold),
        "value_correct": correct,
        "value_total": matched,
    }


# --- entities ------------------------------------------------------------------------------


def check_entities(ents: list[dict[str, Any]], side: str) -> list[dict[str, Any]]:
    """The entities unchanged, after checking each has a str label and int start/end."""
    for e in ents:
        if not (
            isinstance(e.get("label"), str)
            and isinstance(e.get("start"), int)
            and isinstance(e.get("end"), int)
        ):
            raise EvalError(f"[V003] {side} entity needs label, int start and int end, got: {e!r}")
    return ents


def strict_pairs(gold: list[dict[str, Any]], pred: list[dict[str, Any]]) -> list[tuple[int, int]]:
    """(gold index, pred index) pairs with the same label, start and end, one-to-one."""
    by_span: dict[tuple[str, int, int], list[int]] = defaultdict(list)
    for i, e in enumerate(gold):
        by_span[(e["label"], e["start"], e["end"])].append(i)
    pairs = []
    for j, e in enumerate(pred):
        free = by_span.get((e["label"], e["start"], e["end"]))
        if free:
            pairs.append((free.pop(0), j))
    return pairs


def overlap_pairs(gold: list[dict[str, Any]], pred: list[dict[str, Any]]) -> list[tuple[int, int]]:
    """One-to-one matching of same-label overlapping spans, greedy by overlap size (exact spans first)."""
    preds_by_label: dict[str, list[tuple[int, int, int]]] = defaultdict(list)
    for j, e in enumerate(pred):
        preds_by_label[e["label"]].append((e["start"], e["end"], j))
    index = {}
    for label, ps in preds_by_label.items():
        ps.sort()
        index[label] = ([p[0] for p in ps], ps, max(p[1] - p[0] for p in ps))
    candidates = []
    for i, g in enumerate(gold):
        if g["label"] not in index:
            continue
        starts, ps, longest = index[g["label"]]
        # A pred overlaps g iff p.start < g.end and p.end > g.start; p.end <= p.start + longest.
        lo = bisect_left(starts, g["start"] - longest + 1)
        for ps_, pe, j in ps[lo : bisect_left(starts, g["end"])]:
            ov = min(pe, g["end"]) - max(ps_, g["start"])
            if ov > 0:
                exact = ps_ == g["start"] and pe == g["end"]
                candidates.append((-ov, not exact, i, j))
    candidates.sort()
    used_g: set[int] = set()
    used_p: set[int] = set()
    pairs = []
    for _, _, i, j in candidates:
        if i not in used_g and j not in used_p:
            used_g.add(i)
            used_p.add(j)
            pairs.append((i, j))
    return pairs


def entity_scores(
    gold: list[dict[str, Any]],
    pred: list[dict[str, Any]],
    strict: list[tuple[int, int]],
    overlap: list[tuple[int, int]],
) -> dict[str, Any]:
    """The `score_entities` dict from already computed strict and overlap matchings."""
    labels = sorted({e["label"] for e in gold} | {e["label"] for e in pred})
    n_gold = Counter(e["label"] for e in gold)
    n_pred = Counter(e["label"] for e in pred)

    def counts(pairs: list[tuple[int, int]], label: str | None) -> dict[str, float | int]:
        tp = sum(1 for i, _ in pairs if label is None or gold[i]["label"] == label)
        ng = len(gold) if label is None else n_gold[label]
        npred = len(pred) if label is None else n_pred[label]
        return prf(tp, npred - tp, ng - tp)

    value_ok = [i for i, j in strict if values_equal(gold[i].get("value"), pred[j].get("value"))]
    per_label = {}
    for lab in labels:
        matched = sum(1 for i, _ in strict if gold[i]["label"] == lab)
        correct = sum(1 for i in value_ok if gold[i]["label"] == lab)
        per_label[lab] = _entity_block(
            counts(strict, lab), counts(overlap, lab), correct, matched, n_gold[lab]
        )
    overall = _entity_block(
        counts(strict, None), counts(overlap, None), len(value_ok), len(strict), len(gold)
    )
    return overall | {"per_label": per_label}


def score_entities(gold: list[dict], pred: list[dict]) -> dict:
    """Entity P/R/F1 (strict and overlapping, overall and per label) and value accuracy.

    Args:
        gold: gold entities (`label`, `start`, `end`, `value`).
        pred: predicted entities, same keys.

    Returns:
        `{"strict": {p, r, f1, tp, fp, fn}, "overlap": {...}, "value_accuracy", "value_correct",
        "value_total", "per_label": {LABEL: {"strict", "overlap", "value_accuracy", ...}}}`.
    """
    gold = check_entities(list(gold), "gold")
    pred = check_entities(list(pred), "pred")
    return entity_scores(gold, pred, strict_pairs(gold, pred), overlap_pairs(gold, pred))


def _show(e: dict[str, Any]) -> str:
    return f"{e.get('text', '')!s} [{e['start']}:{e['end']}]"


def entity_errors(
    doc: str,
    gold: list[dict],
    pred: list[dict],
    strict: list[tuple[int, int]],
    overlap: list[tuple[int, int]],
) -> list[dict[str, Any]]:
    """Every entity error, classified: value, boundary, label, missed, spurious."""
    errors = []
    for i, j in strict:
        if not values_equal(gold[i].get("value"), pred[j].get("value")):
            errors.append(
                error_item(
                    doc,
                    "entity.value",
                    f"{gold[i]['label']} {_show(gold[i])}",
                    gold[i].get("value"),
                    pred[j].get("value"),
                )
            )
    strict_g = {i for i, _ in strict}
    strict_p = {j for _, j in strict}
    used_g, used_p = set(strict_g), set(strict_p)
    for i, j in overlap:
        if i not in strict_g and j not in strict_p:
            used_g.add(i)
            used_p.add(j)
            errors.append(
                error_item(doc, "entity.boundary", gold[i]["label"], _show(gold[i]), _show(pred[j]))
            )
    free_p = {(pred[j]["start"], pred[j]["end"]): j for j in range(len(pred)) if j not in used_p}
    for i, g in enumerate(gold):
        if i in used_g:
            continue
        j = free_p.pop((g["start"], g["end"]), None)
        if j is not None:
            used_p.add(j)
            errors.append(error_item(doc, "entity.label", _show(g), g["label"], pred[j]["label"]))
        else:
            errors.append(error_item(doc, "entity.missed", g["label"], _show(g), None))
    for j, p in enumerate(pred):
        if j not in used_p:
            errors.append(error_item(doc, "entity.spurious", p["label"], None, _show(p)))
    return errors


def _pooled(parts: list[dict[str, Any]]) -> dict[str, Any]:
    """`_entity_block` of several blocks, counts summed."""
    return _entity_block(
        sum_prf([p["strict"] for p in parts]),
        sum_prf([p["overlap"] for p in parts]),
        sum(p["value_correct"] for p in parts),
        sum(p["value_total"] for p in parts),
        per_label_gold(parts),
    )


def merge_entity_scores(parts: list[dict[str, Any]]) -> dict[str, Any]:
    """Micro-average of several `score_entities` dicts (counts summed, then divided)."""
    labels = sorted({lab for p in parts for lab in p["per_label"]})
    per_label = {
        lab: _pooled([p["per_label"][lab] for p in parts if lab in p["per_label"]]) for lab in labels
    }
    return _pooled(parts) | {"per_label": per_label}
