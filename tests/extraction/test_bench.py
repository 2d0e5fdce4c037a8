"""extraction.bench and `nianbao bench`: per-engine measurements, the model's share, fallbacks, and
the rules engine never importing torch. Speed itself is never asserted (see tests/README.md).

The model path is checked with a tiny checkpoint trained here on generated reports (slow, opt-in).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from extraction.bench import MODEL_STAGES, BenchResult, default_inputs, run_bench
from extraction.cli import app

runner = CliRunner()


def test_bench_rules_engine_never_imports_torch() -> None:
    code = (
        "import json, sys\n"
        "from typer.testing import CliRunner\n"
        "from extraction.cli import app\n"
        "res = CliRunner().invoke(app, ['bench', '-n', '3', '--json', '--engine', 'rules'])\n"
        "assert res.exit_code == 0, res.output\n"
        "d = json.loads(res.output)\n"
        "heavy = [m for m in ('torch', 'transformers') if m in sys.modules]\n"
        "print(d['torch_imported'], heavy)\n"
        "sys.exit(1 if heavy or d['torch_imported'] else 0)\n"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stdout + res.stderr


def test_bench_rules_json_has_engine_stages_and_no_model_share() -> None:
    d = run_bench(default_inputs(), n=6).to_json()
    assert (d["engine"], d["engine_used"], d["fallback"], d["cores_used"]) == ("rules", "rules", [], 1)
    assert d["reports"] == 6 and d["reports_per_s"] > 0 and d["reports_per_cpu_s"] > 0
    assert {"normalize", "entities", "tables", "audit", "serialize"} <= set(d["stages_ms_per_report"])
    assert not set(MODEL_STAGES) & set(d["stages_ms_per_report"])
    assert d["model_share_wall"] == 0 and d["model_share_cpu"] == 0 and d["torch_threads"] is None
    assert d["peak_rss_mb"] > 0


@pytest.mark.parametrize(
    ("stages", "share"),
    [({"tables": 1.0, "model_ner": 2.0, "model_table": 1.0}, 0.75), ({"tables": 1.0}, 0.0), ({}, 0.0)],
)
def test_bench_model_share_is_the_model_stages_part(stages: dict[str, float], share: float) -> None:
    res = BenchResult(reports=1, chars=1, seconds=1.0, stages=stages)
    assert res.model_share(stages) == pytest.approx(share)


@pytest.mark.parametrize("engine", ["model", "hybrid"])
def test_bench_engine_without_models_says_it_fell_back(engine: str, tmp_path: Path) -> None:
    res = runner.invoke(app, ["bench", "-n", "3", "--json", "--engine", engine, "--model", str(tmp_path)])
    assert res.exit_code == 0, res.output
    d = json.loads(res.stdout)
    assert d["engine"] == engine and d["engine_used"] == "rules"
    assert any("fell back" in w for w in d["fallback"]) and d["model_share_wall"] == 0
    text = runner.invoke(app, ["bench", "-n", "2", "--engine", engine, "--model", str(tmp_path)])
    assert f"{engine} engine FELL BACK to rules" in text.stdout


def test_bench_workers_count_every_report_once_and_every_process() -> None:
    torch_before = "torch" in sys.modules  # another test of this process may have loaded it
    one = run_bench(default_inputs(), n=9).to_json()
    two = run_bench(default_inputs(), n=9, workers=2).to_json()
    assert (one["workers"], two["workers"], two["cores_used"]) == (1, 2, 2)
    # The same 9 reports were extracted, split between the workers: the same characters.
    assert two["reports"] == 9 and two["chars"] == one["chars"]
    assert set(two["stages_ms_per_report"]) == set(one["stages_ms_per_report"])
    # CPU time includes the joined workers (RUSAGE_CHILDREN): at least their summed stage CPU.
    assert two["cpu_seconds"] >= sum(two["stages_cpu_ms_per_report"].values()) * 9 / 1000
    assert len(two["peak_rss_mb_by_process"]) == 3 and all(m > 0 for m in two["peak_rss_mb_by_process"])
    assert two["peak_rss_mb"] == pytest.approx(sum(two["peak_rss_mb_by_process"]), abs=0.2)
    assert 0 < two["startup_seconds"] < two["seconds"] and two["steady_reports_per_s"] > 0
    assert (torch_before or two["torch_imported"] is False) and two["model_share_wall"] == 0


def test_bench_cli_workers_fall_back_like_one_worker(tmp_path: Path) -> None:
    args = ["bench", "-n", "4", "--json", "--engine", "hybrid", "--model", str(tmp_path), "--workers", "2"]
    res = runner.invoke(app, args)
    assert res.exit_code == 0, res.output
    d = json.loads(res.stdout)
    assert d["workers"] == 2 and d["engine_used"] == "rules" and any("fell back" in w for w in d["fallback"])


@pytest.mark.parametrize(
    "args", [["--threads", "0"], ["-n", "0"], ["--engine", "turbo"], ["--workers", "-1"]]
)
def test_bench_rejects_bad_arguments(args: list[str]) -> None:
    res = runner.invoke(app, ["bench", *args])
    assert res.exit_code == 2, res.output


# --- the model path, with a tiny checkpoint -------------------------------------------------


def train_tiny_checkpoint(root: Path, steps: int = 6) -> Path:
    """A throwaway model folder (ner/ and table/) trained a few steps on generated reports."""
    pytest.importorskip("torch")
    pytest.importorskip("datasets")
    from training.config import validate_config
    from training.dataset import build_dataset
    from training.synth import generate
    from training.train import run_train

    generate(6, 3, root / "synth", noise="low", version="2021", workers=1)
    build_dataset([root / "synth"], root / "ds")
    for kind in ("ner", "table"):
        cfg = {
            "model": {"layers": 1, "hidden": 32, "heads": 2, "intermediate": 64, "max_positions": 64, "dropout": 0.0},
            "data": {"dataset": str(root / "ds")},
            "train": {"max_steps": steps, "batch_size": 8, "lr": 5e-3, "seed": 0, "bf16": False, "threads": 1,
                      "window": 64, "stride": 16, "log_every": 10},
            "out": {"dir": str(root / "model" / kind), "name": f"{kind}-bench-test", "version": "0.0.1"},
        }  # fmt: skip
        run_train(validate_config(cfg, kind))
    return root / "model"


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return train_tiny_checkpoint(tmp_path_factory.mktemp("tiny"))


@pytest.mark.slow
def test_bench_hybrid_times_the_model_stages(tiny_model: Path) -> None:
    from extraction.engine import load_models

    models = load_models(tiny_model)
    assert models.any, models.warnings
    d = run_bench(default_inputs(), n=3, engine="hybrid", models=models, threads=2).to_json()
    assert d["engine_used"].startswith("hybrid") and d["fallback"] == []
    # the table model runs only where the rules need it; the clean examples need none
    assert "model_ner" in d["stages_ms_per_report"] and d["torch_threads"] == 2
    assert 0 < d["model_share_cpu"] < 1 and d["model_version"]


@pytest.mark.slow
def test_bench_hybrid_workers_load_models_with_one_thread(tiny_model: Path) -> None:
    d = run_bench(default_inputs(), n=6, engine="hybrid", model=tiny_model, workers=2).to_json()
    assert d["engine_used"].startswith("hybrid") and d["fallback"] == [] and d["model_version"]
    assert (d["workers"], d["torch_threads"], d["cores_used"]) == (2, 1, 2) and d["torch_imported"]
    assert "model_ner" in d["stages_ms_per_report"] and 0 < d["model_share_cpu"] < 1
