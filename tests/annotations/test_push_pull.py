"""Push and pull without a server: reading records, finding texts, choosing annotations, writing gold."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from annotations.client import ReviewError
from annotations.convert import record_to_prediction, task_data
from annotations.pull import finished_annotation, gold_records, write_gold
from annotations.push import iter_records, record_text
from extraction.cli import app
from extraction.pipeline import extract_path

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def example() -> tuple[dict[str, Any], str]:
    from extraction.io import read_document

    path = ROOT / "examples" / "tunxi_agriculture_2020.txt"
    return extract_path(path).to_json(), read_document(path).text


def test_push_reads_records_and_names_bad_lines(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    path.write_text('{"doc": "a.txt"}\nnot json\n\n[1]\n', encoding="utf-8")
    got = list(iter_records(path))
    assert [(n, p[:6]) for n, _, p in got] == [
        ("a.txt", ""),
        ("r.jsonl:2", "[R220]"),
        ("r.jsonl:4", "[R221]"),
    ]


def test_push_finds_the_text_and_checks_it(example: tuple[dict[str, Any], str], tmp_path: Path) -> None:
    record, text = example
    assert record_text(record) == text
    moved = {**record, "source": str(tmp_path / "gone.txt")}
    with pytest.raises(ReviewError, match=r"\[R222\].*--texts"):
        record_text(moved)
    (tmp_path / record["doc"]).write_text(text + "多", encoding="utf-8")
    with pytest.raises(ReviewError, match=r"\[R224\].*extract it again"):
        record_text(moved, texts=tmp_path)


def test_push_cli_refuses_a_missing_records_file(tmp_path: Path) -> None:
    res = CliRunner().invoke(app, ["review", "push", str(tmp_path / "none.jsonl"), "--project", "p"])
    assert res.exit_code == 2 and "nianbao extract" in res.output


def test_pull_takes_the_latest_submitted_annotation() -> None:
    task = {
        "annotations": [
            {"id": 1, "result": [], "was_cancelled": False, "updated_at": "2026-01-02T00:00:00Z"},
            {"id": 2, "result": [], "was_cancelled": True, "updated_at": "2026-01-03T00:00:00Z"},
            {"id": 3, "result": [], "was_cancelled": False, "updated_at": "2026-01-01T00:00:00Z"},
        ]
    }
    assert finished_annotation(task)["id"] == 1
    assert finished_annotation({"annotations": [{"id": 4, "result": [], "was_cancelled": True}]}) is None
    assert finished_annotation({}) is None


def _exported(record: dict[str, Any], text: str, task_id: int) -> dict[str, Any]:
    """A task as Label Studio exports it after the annotator accepted the prediction."""
    return {
        "id": task_id,
        "data": task_data(record, text),
        "annotations": [{"id": task_id * 10, "result": record_to_prediction(record, text)["result"]}],
    }


def test_pull_writes_gold_that_builds_a_dataset(example: tuple[dict[str, Any], str], tmp_path: Path) -> None:
    record, text = example
    tasks = [_exported(record, text, 1), _exported(record, text, 2), {"id": 3, "data": {}, "annotations": []}]
    records, unannotated = gold_records(tasks, project_id=9)
    assert unannotated == 1
    assert [r.name for r in records] == ["tunxi_agriculture_2020-task1", "tunxi_agriculture_2020-task2"]
    out = tmp_path / "reviewed"
    assert write_gold(out, records[:1]) == ["tunxi_agriculture_2020-task1.json"]
    gold = json.loads((out / "tunxi_agriculture_2020-task1.json").read_text(encoding="utf-8"))
    meta = json.loads((out / "tunxi_agriculture_2020-task1.meta.json").read_text(encoding="utf-8"))
    assert gold["doc"] == "tunxi_agriculture_2020-task1.txt" and meta["original_doc"] == record["doc"]
    assert gold["tables"] == record["tables"]
    assert [(e["label"], e["start"], e["end"]) for e in gold["entities"]] == [
        (e["label"], e["start"], e["end"]) for e in record["entities"]
    ]
    with pytest.raises(ReviewError, match=r"\[R235\].*--force"):
        write_gold(out, records[:1])
    assert write_gold(out, records[:1], force=True)
    assert sorted(p.name for p in out.iterdir()) == [
        "tunxi_agriculture_2020-task1.json",
        "tunxi_agriculture_2020-task1.meta.json",
        "tunxi_agriculture_2020-task1.txt",
    ]
    from training.dataset import collect_examples

    got = collect_examples([out])
    assert got.problems == [] and len(got.rows) == 1
    assert got.alignments[0].unaligned == {}
    filled = sum(v is not None for t in record["tables"].values() for v in t.values())
    assert len(got.alignments[0].cells) == filled


def test_pull_names_every_task_that_cannot_be_converted(example: tuple[dict[str, Any], str]) -> None:
    record, text = example
    bad = _exported(record, text, 5)
    bad["annotations"][0]["result"][0]["value"]["start"] += 1  # the region no longer covers its text
    with pytest.raises(ReviewError, match=r"\[R232\] 1 task\(s\).*task 5 \(tunxi_agriculture_2020.txt\)"):
        gold_records([bad, _exported(record, text, 6)])
