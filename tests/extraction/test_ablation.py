"""tools/ablation.py: engines × datasets, scored by extraction.evaluate, one Markdown table + JSON.

Data are generated here (the synth generator, a few reports) or made from ../shared by
tests/rerender.py; a model engine without a checkpoint must show "fell back", never rules numbers.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from extraction.batch import dumps
from extraction.evaluate import evaluate
from extraction.io import iter_inputs
from extraction.pipeline import extract_path
from tests.rerender import ALL_KINDS
from tools.ablation import COLUMNS, AblationError, resolve_datasets, run_ablation, to_markdown

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def synth_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("ablation")
    (ds,) = resolve_datasets(["synth:high:4"], work, synth_seed=11)
    assert ds.label == "synth:high:4"
    return ds.folder


def test_ablation_rules_row_is_what_evaluate_says(synth_dir: Path, tmp_path: Path) -> None:
    (row,) = run_ablation(["rules"], resolve_datasets([f"mine={synth_dir}"], tmp_path), tmp_path)
    pred = tmp_path / "direct.jsonl"
    pred.write_text(
        "".join(dumps(extract_path(p).to_json()) + "\n" for p in iter_inputs([synth_dir])), encoding="utf-8"
    )
    m = evaluate(synth_dir, pred).to_json()["metrics"]
    want = {
        "fields": m["fields"]["accuracy"],
        "cells_blank_eq_zero": m["cells"]["blank_eq_zero"],
        "cells_strict": m["cells"]["strict"],
        "entity_strict_f1": m["entities"]["strict"]["f1"],
        "entity_overlap_f1": m["entities"]["overlap"]["f1"],
        "findings_p": m["findings"]["precision"],
        "findings_r": m["findings"]["recall"],
    }
    assert (row.dataset, row.engine, row.status, row.docs) == ("mine", "rules", "ok", 4)
    assert row.metrics == want
    line = to_markdown([row]).splitlines()[2]
    assert line.startswith("| mine | rules | 4 |")
    assert all(f"{want[k]:.4f}" in line for _, k in COLUMNS)


@pytest.mark.parametrize("engine", ["model", "hybrid"])
def test_ablation_fallback_rows_show_no_numbers(synth_dir: Path, tmp_path: Path, engine: str) -> None:
    empty = tmp_path / "no-model"
    empty.mkdir()
    rows = run_ablation(["rules", engine], resolve_datasets([str(synth_dir)], tmp_path), tmp_path, empty)
    rules, fell = rows
    assert rules.metrics is not None and fell.metrics is None and fell.eval is None
    assert fell.status == "fell back to rules" and fell.engines_used == {"rules": 4}
    cells = [c.strip() for c in to_markdown(rows).splitlines()[3].strip("|").split("|")]
    assert cells[1] == f"{engine} (fell back to rules)"
    assert cells[3:-1] == ["—"] * len(COLUMNS)


def test_ablation_seed_kinds_carry_exact_gold(shared: Path, tmp_path: Path) -> None:
    datasets = resolve_datasets(["seeds,seeds:confusables"], tmp_path, shared)
    assert [d.label for d in datasets] == ["seeds", "seeds:confusables"]
    for ds in datasets:
        golds = sorted(ds.folder.glob("*.json"))
        assert len(golds) == len(list((shared / "gold").glob("*.json")))
        for g in golds:
            gold = json.loads(g.read_text(encoding="utf-8"))
            text = (ds.folder / gold["doc"]).read_text(encoding="utf-8")
            assert all(text[e["start"] : e["end"]] == e["text"] for e in gold["entities"])
    every = resolve_datasets(["seeds:every"], tmp_path / "every", shared)
    assert [d.label for d in every] == [f"seeds:{k}" for k in ALL_KINDS]


@pytest.mark.parametrize("spec", ["seeds:rotate", "synth:loud", "synth:low:x", "/no/such/folder"])
def test_ablation_rejects_unknown_datasets(spec: str, tmp_path: Path) -> None:
    with pytest.raises(AblationError, match="A001"):
        resolve_datasets([spec], tmp_path)


def test_ablation_rejects_unknown_engines(tmp_path: Path) -> None:
    with pytest.raises(AblationError, match="A003"):
        run_ablation(["rules", "oracle"], [], tmp_path)


def test_ablation_cli_prints_table_writes_json_refuses_overwrite(synth_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "ab.json"
    cmd = [sys.executable, str(ROOT / "tools" / "ablation.py"), "-d", str(synth_dir), "-o", str(out)]
    cmd += ["--engines", "rules,model", "--model", str(tmp_path)]
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert res.returncode == 0, res.stderr
    assert res.stdout.startswith("| dataset | engine |") and "model (fell back to rules)" in res.stdout
    payload = json.loads(out.read_text(encoding="utf-8"))
    assert [r["engine"] for r in payload["rows"]] == ["rules", "model"] and payload["table"] in res.stdout
    again = subprocess.run(cmd, capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert again.returncode == 2 and "--force" in again.stderr


@pytest.mark.slow
def test_ablation_model_rows_with_a_tiny_checkpoint(synth_dir: Path, tmp_path: Path) -> None:
    from tests.extraction.test_bench import train_tiny_checkpoint

    model = train_tiny_checkpoint(tmp_path / "tiny")
    rows = run_ablation(["model", "hybrid"], resolve_datasets([str(synth_dir)], tmp_path), tmp_path, model)
    for row in rows:
        assert row.status == "ok" and row.metrics is not None, row
        assert set(row.engines_used) == {row.engine}
