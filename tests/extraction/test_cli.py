"""End to end through the `nianbao` CLI: the seeds against the shared gold, batches with bad inputs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from extraction.cli import app
from tests.make_bad_inputs import make_bad_inputs

runner = CliRunner()


def _extract(args: list[str]) -> tuple[int, str]:
    res = runner.invoke(app, ["extract", *args, "--quiet"])
    return res.exit_code, res.output


def _records(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="module")
def seed_records(shared: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("seeds") / "seeds.jsonl"
    code, output = _extract([str(shared / "seeds"), "-o", str(out)])
    assert code == 0, output
    return out


def test_cli_seeds_meet_the_targets(seed_records: Path, shared: Path) -> None:
    from extraction.evaluate import evaluate

    rep = evaluate(shared / "gold", seed_records).to_json()
    m = rep["metrics"]
    assert m["cells"]["blank_eq_zero"] == 1.0
    assert m["cells"]["strict"] >= 0.995
    assert m["fields"]["accuracy"] >= 0.95
    assert m["entities"]["strict"]["f1"] >= 0.85
    assert m["entities"]["overlap"]["f1"] >= 0.92
    assert m["findings"]["precision"] >= 0.8
    assert m["findings"]["recall"] >= 0.8


def test_cli_eval_prints_a_report(seed_records: Path, shared: Path) -> None:
    res = runner.invoke(app, ["eval", str(seed_records), "--gold", str(shared / "gold")])
    assert res.exit_code == 0, res.output
    assert "cells" in res.output and "entities" in res.output


def test_cli_records_use_the_spec_fields(seed_records: Path) -> None:
    for rec in _records(seed_records):
        for key in ("source", "agency", "year", "format_version", "period", "published", "contact", "tables"):
            assert key in rec
        assert set(rec["tables"]) == {"active", "requests", "appeals"}
        text = Path(rec["source"]).read_text(encoding="utf-8")
        for ent in rec["entities"]:
            assert set(ent) >= {"label", "start", "end", "text", "value", "score", "source"}
            assert text[ent["start"] : ent["end"]] == ent["text"]
        for cells in rec["cells"].values():
            for cell in cells.values():
                if cell["start"] is not None:
                    assert text[cell["start"] : cell["end"]] in cell["raw"]
        assert rec["rules_version"] and "model_version" in rec


def test_cli_output_is_byte_identical_across_runs(shared: Path, tmp_path: Path) -> None:
    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    assert _extract([str(shared / "seeds"), "-o", str(a)])[0] == 0
    assert _extract([str(shared / "seeds"), "-o", str(b)])[0] == 0
    assert a.read_bytes() == b.read_bytes()


@pytest.mark.parametrize("workers", ["2", "0"])
def test_cli_workers_give_the_same_bytes(
    seed_records: Path, tmp_path: Path, shared: Path, workers: str
) -> None:
    out = tmp_path / "w.jsonl"
    res = runner.invoke(app, ["extract", str(shared / "seeds"), "-o", str(out), "--workers", workers])
    assert res.exit_code == 0, res.output
    assert out.read_bytes() == seed_records.read_bytes()
    assert "extracted" in res.output.splitlines()[-1]


def test_cli_rejects_negative_workers(tmp_path: Path) -> None:
    code, output = _extract([str(tmp_path), "-o", str(tmp_path / "x.jsonl"), "--workers", "-2"])
    assert code == 2 and "[B002]" in output


def test_cli_refuses_to_overwrite_without_force(shared: Path, tmp_path: Path) -> None:
    out = tmp_path / "x.jsonl"
    seed = sorted((shared / "seeds").glob("*.txt"))[0]
    assert _extract([str(seed), "-o", str(out)])[0] == 0
    code, output = _extract([str(seed), "-o", str(out)])
    assert code == 2 and "--force" in output
    assert _extract([str(seed), "-o", str(out), "--force"])[0] == 0


def test_cli_csv_has_a_column_per_cell(shared: Path, tmp_path: Path) -> None:
    out, csv_out = tmp_path / "x.jsonl", tmp_path / "x.csv"
    assert _extract([str(shared / "seeds"), "-o", str(out), "--csv", str(csv_out)])[0] == 0
    lines = csv_out.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    assert "requests.new.total" in header and "active.fees.amount" in header
    assert len(lines) == 1 + len(_records(out))


def test_cli_bad_inputs_each_end_up_somewhere(shared: Path, tmp_path: Path) -> None:
    seed = sorted((shared / "seeds").glob("*.txt"))[1]
    files = make_bad_inputs(tmp_path / "in", seed.read_text(encoding="utf-8"))
    out = tmp_path / "out.jsonl"
    code, output = _extract([str(tmp_path / "in"), "-o", str(out), "--max-mb", "20"])
    assert code == 1, output  # some inputs failed, the batch still finished
    recs = {Path(r["source"]).name: r for r in _records(out)}
    errs = {Path(e["source"]).name: e for e in _records(tmp_path / "out.errors.jsonl")}
    names = {p.name for p in files.values()}
    assert names == set(recs) | set(errs)
    assert not set(recs) & set(errs)
    for e in errs.values():
        assert "\n" not in e["error"] and e["code"]

    def core(r: dict) -> dict:
        return {k: v for k, v in r.items() if k not in ("source", "doc", "encoding")}

    utf8 = recs[files["utf8"].name]
    for kind in ("gbk", "utf16"):
        assert core(recs[files[kind].name]) == core(utf8), kind
    for kind in ("empty", "random", "huge", "truncated_docx", "html_scripts"):
        assert files[kind].name in errs, kind


def test_cli_rules_path_never_imports_torch(shared: Path, tmp_path: Path) -> None:
    seed = sorted((shared / "seeds").glob("*.txt"))[0]
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from extraction.pipeline import extract_path\n"
        f"rec = extract_path(Path({str(seed)!r}))\n"
        "assert rec.cells['requests'], 'nothing extracted'\n"
        "bad = [m for m in ('torch', 'transformers') if m in sys.modules]\n"
        "print('HEAVY', bad)\n"
        "sys.exit(1 if bad else 0)\n"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stdout + res.stderr


def test_cli_show_writes_html(shared: Path, tmp_path: Path) -> None:
    seed = sorted((shared / "seeds").glob("*.txt"))[0]
    html = tmp_path / "v.html"
    res = runner.invoke(app, ["show", str(seed), "--html", str(html)])
    assert res.exit_code == 0, res.output
    page = html.read_text(encoding="utf-8")
    assert "<html" in page.lower() and "requests" in page


def test_cli_help_teaches() -> None:
    res = runner.invoke(app, ["extract", "--help"])
    assert res.exit_code == 0
    assert "--force" in res.output and "errors.jsonl" in res.output


def test_cli_bench_runs() -> None:
    res = runner.invoke(app, ["bench", "-n", "20", "--json"])
    assert res.exit_code == 0, res.output
    d = json.loads(res.output)
    assert d["reports"] == 20 and d["reports_per_s"] > 0 and d["stages_ms_per_report"]["tables"] > 0


def test_cli_workers_say_each_model_warning_once(tmp_path: Path) -> None:
    root = Path(__file__).resolve().parents[2]
    empty = tmp_path / "no_model"
    empty.mkdir()
    out = tmp_path / "x.jsonl"
    args = ["extract", str(root / "examples"), "-o", str(out), "-q", "--workers", "2"]
    args += ["--engine", "hybrid", "--model", str(empty)]
    res = subprocess.run(
        [sys.executable, "-m", "extraction.cli", *args], cwd=root, capture_output=True, text=True, timeout=300
    )
    assert res.returncode == 0, res.stderr
    # Workers log at the parent's level: their own copies of the warning stay hidden.
    assert res.stderr.count("[E002] no ner model") == 1, res.stderr
    assert "2 workers" in res.stderr.splitlines()[-1]
