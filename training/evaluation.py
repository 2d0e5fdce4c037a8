"""Validation metrics of a NER or table model on a dataset split, inference exactly as the engine
runs it (the numbers written into a checkpoint's manifest)."""

from __future__ import annotations

from typing import Any

from training.config import NerConfig, TableConfig


def evaluate_ner(ner: Any, split: Any) -> dict[str, Any]:
    """Entity strict and overlap P/R/F1 (overall and per label) of a `NerModel` on a split."""
    from extraction.scoring import merge_entity_scores, score_entities
    from training.labels import spans_from_bio

    names, parts = split.features["ner_tags"].feature, []
    for row in split:
        gold = [
            {"label": x, "start": a, "end": b} for x, a, b in spans_from_bio(names.int2str(row["ner_tags"]))
        ]
        pred = [{"label": e.label, "start": e.start, "end": e.end} for e in ner.predict(row["text"])]
        parts.append(score_entities(gold, pred))
    if not parts:
        return {"eval_docs": 0}
    m = merge_entity_scores(parts)
    return {
        "eval_docs": len(parts),
        "entity_strict_f1": round(m["strict"]["f1"], 4),
        "entity_strict_p": round(m["strict"]["p"], 4),
        "entity_strict_r": round(m["strict"]["r"], 4),
        "entity_overlap_f1": round(m["overlap"]["f1"], 4),
        "per_label_strict_f1": {x: round(v["strict"]["f1"], 4) for x, v in m["per_label"].items()},
    }


def evaluate_table(reader: Any, split: Any) -> dict[str, Any]:
    """Cell accuracy of a `TableModel`'s decoded tables on a split.

    Over the template keys of every table a document labels: a labelled cell is right when the
    model put the same figure (offsets) there, a blank one when the model left it blank.
    Documents without a template version or with unaligned cells are not scored.
    """
    from extraction.schema import VERSIONS, cell_keys
    from training.labels import cells_from_tags

    names = split.features["cell_tags"].feature
    right = total = right_fig = total_fig = docs = 0
    for row in split:
        version = row["format_version"]
        if version not in VERSIONS or row["unaligned_cells"]:
            continue
        gold = cells_from_tags(names.int2str(row["cell_tags"]))
        pred = reader.predict(row["text"], version)
        docs += 1
        for table in sorted({k.split(".", 1)[0] for k in gold}):
            for rowcol in cell_keys(table, version):
                cell, want = pred[table].get(rowcol), gold.get(f"{table}.{rowcol}")
                if want is None:
                    ok = cell is None or cell.value is None
                else:
                    ok = cell is not None and (cell.start, cell.end) == want
                    right_fig, total_fig = right_fig + ok, total_fig + 1
                right, total = right + ok, total + 1
    return {
        "eval_docs": docs,
        "cell_accuracy": round(right / total, 4) if total else None,
        "cell_accuracy_figures": round(right_fig / total_fig, 4) if total_fig else None,
        "cells_scored": total,
    }


def evaluate_model(
    model: Any, tokenizer: Any, config: NerConfig | TableConfig, split: Any, bf16: bool
) -> dict:
    """The validation metrics written into the manifest (inference exactly as the engine runs it)."""
    from models.ner import CharClassifier, NerModel
    from models.table import TableModel

    clf = CharClassifier(model, tokenizer, config.train.window, config.train.stride, bf16=bf16)
    if config.kind == "ner":
        return evaluate_ner(NerModel(clf), split)
    decode = config.decode
    return evaluate_table(TableModel(clf, top_k=decode.top_k, repair=decode.repair), split)
