"""The seeds re-rendered and damaged by tests/rerender.py, through the whole pipeline, scored by eval.

Targets (issue: the rules engine): >= 98% of cells and entity overlapping F1 >= 0.85 on every
re-rendering (tabs -> pipes, one cell per line, full-width digits, spaces between characters,
page breaks with page numbers and running headers, and all of them at once).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from extraction.batch import dumps
from extraction.evaluate import evaluate
from extraction.pipeline import extract_text
from tests.rerender import KINDS, rerender


def _seed_pairs(shared: Path) -> list[tuple[str, str, dict]]:
    pairs = []
    for gold_path in sorted((shared / "gold").glob("*.json")):
        gold = json.loads(gold_path.read_text(encoding="utf-8"))
        text = (shared / "seeds" / gold["doc"]).read_text(encoding="utf-8")
        pairs.append((gold["doc"], text, gold))
    return pairs


@pytest.mark.parametrize("kind", KINDS)
def test_robustness_rerendered_seeds_keep_cells_and_entities(shared: Path, tmp_path: Path, kind: str) -> None:
    gold_dir = tmp_path / "gold"
    gold_dir.mkdir()
    lines = []
    for doc, text, gold in _seed_pairs(shared):
        new_text, new_gold = rerender(text, gold, kind)
        (gold_dir / doc.replace(".txt", ".json")).write_text(
            json.dumps(new_gold, ensure_ascii=False), encoding="utf-8"
        )
        lines.append(dumps(extract_text(new_text, source=doc).to_json()))
    pred = tmp_path / "pred.jsonl"
    pred.write_text("\n".join(lines) + "\n", encoding="utf-8")
    m = evaluate(gold_dir, pred).to_json()["metrics"]
    assert m["cells"]["blank_eq_zero"] >= 0.98, (kind, m["cells"])
    assert m["entities"]["overlap"]["f1"] >= 0.85, (kind, m["entities"]["overlap"])
    assert m["fields"]["accuracy"] >= 0.9, (kind, m["fields"])
