"""The review loop against a real Label Studio server that this module starts (and stops).

A small model trained here on `nianbao synth` reports -> extract 3 reports with it (hybrid) ->
push (twice) -> predictions through the API, carrying the model's version -> annotations through
the API that correct a wrong entity and a wrong cell -> pull -> `nianbao dataset build
--train-only` -> a short retrain (`--resume-from` the model, `--data` the corrections, replay of
the synthetic data) -> the retrained model alone (engine model, so rules cannot mask it) reads
the corrected entity and cell right, where the model before retraining did not. Plus: the ML
backend connected through the SDK, the token kept out of every output, and one-line errors for a
bad token and a stopped server.

Needs Label Studio in its own venv (`make review-server`; `make test` installs it first), the SDK
(`pip install -e '.[review]'`) and the ml extras; skipped with that reason otherwise.
"""

from __future__ import annotations

import json
import logging
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from annotations.convert import cell_region_id
from annotations.server import ServerPaths, is_installed, server_paths, start, stop
from extraction.cli import app
from extraction.schema import cell_keys

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
runner = CliRunner()

# The small model: trained here from scratch on generated reports, one thread. Neither part is
# good, which is the point: the review corrects it. The table part is wider and trains longer
# (it has many more labels); the retrain is short, with the default replay and oversampling.
SYNTH_REPORTS = 24
SIZE = {"layers": 2, "heads": 2, "max_positions": 128, "dropout": 0.0}
MODEL = {
    "ner": SIZE | {"hidden": 32, "intermediate": 64},
    "table": SIZE | {"hidden": 64, "intermediate": 128},
}
TRAIN = {"batch_size": 8, "lr": 5e-3, "warmup_ratio": 0.05, "seed": 0, "bf16": False, "threads": 1,
         "window": 128, "stride": 16, "log_every": 100}  # fmt: skip
BASE_STEPS = {"ner": 300, "table": 600}
RETRAIN_STEPS = {"ner": 200, "table": 300}

pytest.importorskip(
    "label_studio_sdk", reason="the review extra is not installed: pip install -e '.[review]'"
)
pytest.importorskip("torch", reason="the ml extras are not installed: pip install -e '.[ml]'")
if not is_installed(server_paths()):
    pytest.skip(
        f"Label Studio is not installed in {server_paths().venv}: run `make review-server`",
        allow_module_level=True,
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ServerPaths, str]]:
    paths = server_paths(tmp_path_factory.mktemp("ls") / "data")
    status = start(paths, port=_free_port())
    try:
        yield paths, str(status.url)
    finally:
        stop(paths)


@pytest.fixture(scope="module")
def token(server: tuple[ServerPaths, str]) -> str:
    return json.loads(server[0].credentials.read_text(encoding="utf-8"))["token"]


@pytest.fixture(scope="module")
def desk(server: tuple[ServerPaths, str]) -> Any:
    from annotations.client import connect

    return connect(server[0], server[1])


def _cli(*args: object) -> tuple[int, str]:
    res = runner.invoke(app, [str(a) for a in args])
    return res.exit_code, res.output


@dataclass
class Base:
    """The small model folder (ner/ + table/), its configs, and the synthetic dataset it learnt."""

    models: Path
    configs: dict[str, Path]
    dataset: Path
    version: str


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Base:
    """The small model the review corrects: ner/ and table/ trained here on `nianbao synth` reports."""
    root = tmp_path_factory.mktemp("base")
    synth, ds = root / "synth", root / "ds"
    code, output = _cli(
        "synth", "-n", SYNTH_REPORTS, "--seed", 3, "--noise", "low", "--workers", 1, "-o", synth
    )
    assert code == 0, output
    code, output = _cli("dataset", "build", "--from", synth, "-o", ds)
    assert code == 0, output
    configs = {}
    for kind in ("ner", "table"):
        configs[kind] = root / f"{kind}.json"
        data = {"dataset": str(ds)} | ({"unaligned": "mask"} if kind == "table" else {})
        config = {
            "model": MODEL[kind],
            "data": data,
            "train": TRAIN | {"max_steps": BASE_STEPS[kind]},
            "out": {"dir": str(root / "models" / kind), "name": f"loop-{kind}", "version": "0.0.1"},
        }
        configs[kind].write_text(json.dumps(config), encoding="utf-8")
        code, output = _cli("train", kind, "--config", configs[kind])
        assert code == 0, output
    return Base(root / "models", configs, ds, "loop-ner@0.0.1+loop-table@0.0.1")


def _has_entity(rec: dict[str, Any], ent: dict[str, Any]) -> bool:
    return any(
        (e["label"], e["start"], e["end"]) == (ent["label"], ent["start"], ent["end"])
        for e in rec["entities"]
    )


def _has_cell(rec: dict[str, Any], table: str, key: str, cell: dict[str, Any]) -> bool:
    got = rec["cells"][table].get(key) or {}
    return (got.get("start"), got.get("end"), got.get("value")) == (cell["start"], cell["end"], cell["value"])


@pytest.fixture(scope="module")
def records(tmp_path_factory: pytest.TempPathFactory, base: Base) -> Path:
    """The three bundled examples extracted as `nianbao extract` runs with a model (hybrid), with
    one wrong entity and one wrong cell put in the first.

    The wrong readings stand for the model's mistakes, on readings the model alone (engine
    model) does get wrong: an agency span of the first report cut short, and the first non-zero
    cell of its requests table read as another number than the text shows.
    """
    tmp = tmp_path_factory.mktemp("extract")
    out, alone = tmp / "records.jsonl", tmp / "model.jsonl"
    for path, engine in ((out, "hybrid"), (alone, "model")):
        code, output = _cli(
            "extract", EXAMPLES, "-o", path, "--engine", engine, "--model", base.models, "--quiet"
        )
        assert code == 0, output
    recs = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(recs) == 3 and {r["model_version"] for r in recs} == {base.version}
    rec = recs[0]
    lines = alone.read_text(encoding="utf-8").splitlines()
    mine = next(r for r in map(json.loads, lines) if r["doc"] == rec["doc"])
    ent = next(
        e
        for e in rec["entities"]
        if e["label"] == "AGENCY"
        and len(e["text"]) >= 6
        and e["source"] != "model"
        and not _has_entity(mine, e)
    )
    rec["_truth_entity"] = dict(ent)
    ent["start"] += 3
    ent["text"] = ent["text"][3:]
    table = "requests"
    key = next(
        k
        for k in cell_keys(table, rec["format_version"])
        if (c := rec["cells"][table].get(k))
        and c["value"]
        and c["start"] is not None
        and c["source"] != "model"
        and not _has_cell(mine, table, k, c)
    )
    cell = rec["cells"][table][key]
    rec["_truth_cell"] = {
        "key": f"{table}.{key}",
        "value": cell["value"],
        "start": cell["start"],
        "end": cell["end"],
    }
    cell["value"] = cell["value"] + 7
    cell["score"] = 0.41
    rec["tables"][table][key] = cell["value"]
    rec["confidence"] = 0.41  # the weakest region: this report must be reviewed first
    out.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in recs), encoding="utf-8")
    return out


def _tasks(desk: Any, project_id: int) -> list[Any]:
    return list(desk.ls.tasks.list(project=project_id, fields="all"))


def test_review_loop_push_annotate_pull_build_retrain(
    server: tuple[ServerPaths, str],
    desk: Any,
    records: Path,
    base: Base,
    tmp_path: Path,
    token: str,
    caplog: Any,
) -> None:
    caplog.set_level(logging.INFO)
    paths, url = server
    common = ["--data-dir", str(paths.data)]
    outputs: list[str] = []

    # push twice: three tasks, not six
    for _ in range(2):
        code, output = _cli("review", "push", str(records), "--project", "loop", *common)
        outputs.append(output)
        assert code == 0, output
    assert "0 task(s) created, 3 updated" in outputs[-1]
    from annotations.client import find_project

    project = find_project(desk, "loop")
    tasks = _tasks(desk, project.id)
    assert len(tasks) == 3
    assert project.sampling == "Uncertainty sampling" and project.model_version == base.version

    # the predictions are visible, with the model version that made them and the record's
    # confidence as the task score
    recs = {
        json.loads(line)["doc"]: json.loads(line) for line in records.read_text(encoding="utf-8").splitlines()
    }
    by_doc = {t.data["doc"]: t for t in tasks}
    for doc, rec in recs.items():
        preds = by_doc[doc].predictions
        assert len(preds) == 1 and preds[0].model_version == base.version
        assert preds[0].score == pytest.approx(rec["confidence"])
    wrong = next(r for r in recs.values() if "_truth_entity" in r)
    task = by_doc[wrong["doc"]]
    result = task.predictions[0].result
    truth_ent, truth_cell = wrong["_truth_entity"], wrong["_truth_cell"]
    cut = next(r for r in result if r["from_name"] == "ent" and r["value"]["start"] == truth_ent["start"] + 3)
    cell_id = cell_region_id(truth_cell["key"])
    assert next(r for r in result if r["id"] == cell_id and r["from_name"] == "cell_value")["value"][
        "number"
    ] == (truth_cell["value"] + 7)

    # Label Studio hands out the lowest score first
    import httpx

    nxt = httpx.get(
        f"{url}/api/projects/{project.id}/next/", headers={"Authorization": f"Token {token}"}, timeout=30
    )
    assert nxt.status_code == 200 and nxt.json()["id"] == task.id

    # nothing annotated yet: pull says so and writes nothing
    empty = tmp_path / "empty"
    code, output = _cli("review", "pull", "--project", "loop", "-o", str(empty), *common)
    outputs.append(output)
    assert code == 0 and "nothing to pull" in output and not empty.exists()

    # the annotator corrects the entity's span and the cell's value
    corrected = []
    for r in result:
        r = json.loads(json.dumps(r))
        if r is not None and r["id"] == cut["id"]:
            r["value"].update(start=truth_ent["start"], end=truth_ent["end"], text=truth_ent["text"])
        if r["id"] == cell_id and r["from_name"] == "cell_value":
            r["value"]["number"] = truth_cell["value"]
        corrected.append(r)
    desk.ls.annotations.create(id=task.id, result=corrected)

    reviewed = tmp_path / "reviewed"
    code, output = _cli("review", "pull", "--project", "loop", "-o", str(reviewed), *common)
    outputs.append(output)
    assert code == 0, output
    gold_files = sorted(p for p in reviewed.glob("*.json") if not p.name.endswith(".meta.json"))
    assert len(gold_files) == 1
    gold = json.loads(gold_files[0].read_text(encoding="utf-8"))
    text = (reviewed / gold["doc"]).read_text(encoding="utf-8")
    assert text == task.data["text"]
    agency = [e for e in gold["entities"] if e["start"] == truth_ent["start"]]
    assert agency == [{**{k: truth_ent[k] for k in ("label", "start", "end", "text")}, "value": None}]
    table, _, key = truth_cell["key"].partition(".")
    assert gold["tables"][table][key] == truth_cell["value"]
    for e in gold["entities"]:
        assert text[e["start"] : e["end"]] == e["text"]

    # the folder is a dataset source, all of it for training, with the corrected labels where the
    # annotator put them
    ds = tmp_path / "ds"
    code, output = _cli("dataset", "build", "--train-only", str(reviewed), "-o", str(ds))
    assert code == 0, output
    from training.dataset import decode_rows, load_dataset_dir

    dsd, card = load_dataset_dir(ds)
    assert card.problems == [] and card.docs == {"train": 1, "validation": 0, "test": 0}
    rows = [row for split in dsd.values() for row in decode_rows(split)]
    assert len(rows) == 1
    ner, cells = rows[0]["ner_tags"], rows[0]["cell_tags"]
    assert ner[truth_ent["start"]] == "B-AGENCY"
    assert set(ner[truth_ent["start"] + 1 : truth_ent["end"]]) == {"I-AGENCY"}
    assert cells[truth_cell["start"]] == f"B-{truth_cell['key']}"

    # the token (and the admin password) is in no output, no log record, and not in the server's log
    password = json.loads(paths.credentials.read_text(encoding="utf-8"))["password"]
    logged = "\n".join(r.getMessage() for r in caplog.records)
    server_log = paths.log_file.read_text(encoding="utf-8", errors="replace")
    for text_out in [*outputs, logged, server_log]:
        assert token not in text_out and password not in text_out

    _retrain_reads_the_corrections(base, ds, card.content_hash, wrong, tmp_path)


def _retrain_reads_the_corrections(
    base: Base, ds: Path, ds_hash: str, wrong: dict[str, Any], tmp_path: Path
) -> None:
    """A short retrain on the pulled corrections (+ replay): the model alone then reads the corrected
    entity and cell right. Before retraining it did not (the `records` fixture chose them so)."""
    from training.dataset import load_dataset_dir

    retrained = tmp_path / "retrained"
    base_hash = load_dataset_dir(base.dataset)[1].content_hash
    for kind in ("ner", "table"):
        code, output = _cli(
            "train", kind, "--config", base.configs[kind], "--resume-from", base.models / kind, "--data", ds,
            f"out.dir={retrained / kind}", "out.version=0.0.2", f"train.max_steps={RETRAIN_STEPS[kind]}",
        )  # fmt: skip
        assert code == 0, output
        manifest = json.loads((retrained / kind / "manifest.json").read_text(encoding="utf-8"))
        assert manifest["base"] == f"loop-{kind}@0.0.1 (resumed)"
        assert manifest["data_hash"] == f"{base_hash}+{ds_hash}"  # replayed + corrected
        assert manifest["config"]["data"]["corrected"] == [str(ds)]
        assert manifest["metrics"]["train_data"]["corrected_docs"] == 1
    ent, cell = wrong["_truth_entity"], wrong["_truth_cell"]
    table, _, key = cell["key"].partition(".")
    reads = {}
    for name, models in (("before", base.models), ("after", retrained)):
        out = tmp_path / f"{name}.jsonl"
        code, output = _cli(
            "extract", EXAMPLES / wrong["doc"], "-o", out, "--engine", "model", "--model", models
        )
        assert code == 0, output
        rec = json.loads(out.read_text(encoding="utf-8"))
        reads[name] = (rec["model_version"], _has_entity(rec, ent), _has_cell(rec, table, key, cell))
    assert reads == {
        "before": (base.version, False, False),
        "after": ("loop-ner@0.0.2+loop-table@0.0.2", True, True),
    }


def test_review_status_counts_projects_without_the_token(server: tuple[ServerPaths, str], token: str) -> None:
    code, output = _cli("review", "server", "status", "--data-dir", str(server[0].data))
    assert code == 0, output
    assert "running at" in output and "project(s)" in output
    assert token not in output


def test_review_bad_token_is_one_line(server: tuple[ServerPaths, str], records: Path, tmp_path: Path) -> None:
    paths, url = server
    from annotations.credentials import create_credentials

    other = server_paths(tmp_path / "other")
    wrong = create_credentials(other.credentials)  # a token this server never saw
    code, output = _cli(
        "review", "push", str(records), "--project", "x", "--data-dir", str(other.data), "--url", url
    )
    assert code == 1
    lines = [line for line in output.splitlines() if line.strip()]
    assert len(lines) == 1 and "[R102]" in lines[0] and "token" in lines[0]
    assert wrong.token not in output


def test_review_stopped_server_is_one_line(server: tuple[ServerPaths, str], records: Path) -> None:
    url = f"http://127.0.0.1:{_free_port()}"  # nothing listens there
    for args in (
        ["push", str(records), "--project", "x"],
        ["pull", "--project", "x", "-o", "unused"],
    ):
        code, output = _cli("review", *args, "--data-dir", str(server[0].data), "--url", url)
        lines = [line for line in output.splitlines() if line.strip()]
        assert code == 1 and len(lines) == 1, output
        assert "[R101]" in lines[0] and "nianbao review server start" in lines[0]


def test_review_backend_predicts_through_label_studio(server: tuple[ServerPaths, str], desk: Any) -> None:
    from annotations.backend import Predictor, make_server
    from annotations.client import attach_backend
    from annotations.label_config import label_config
    from extraction.io import read_document

    backend = make_server("127.0.0.1", 0, Predictor(engine="rules"))
    thread = threading.Thread(target=backend.serve_forever, daemon=True)
    thread.start()
    try:
        project = desk.ls.projects.create(title="backend", label_config=label_config())
        text = read_document(EXAMPLES / "tunxi_agriculture_2020.txt").text
        desk.ls.projects.import_tasks(id=project.id, request=[{"data": {"text": text, "doc": "tunxi.txt"}}])
        ml = attach_backend(desk, project.id, f"http://127.0.0.1:{backend.server_address[1]}")
        assert ml.state == "CO"
        task = _tasks(desk, project.id)[0]
        desk.ls.actions.create(
            id="retrieve_tasks_predictions",
            project=project.id,
            selected_items={"all": False, "included": [task.id]},
        )
        preds = _tasks(desk, project.id)[0].predictions
        assert len(preds) == 1 and preds[0].model_version == "rules.v1"
        spans = [r for r in preds[0].result if r["from_name"] == "ent"]
        assert spans and all(
            text[r["value"]["start"] : r["value"]["end"]] == r["value"]["text"] for r in spans
        )
        assert any(r["from_name"] == "cell_key" for r in preds[0].result)
        # annotations reach the backend's webhook
        desk.ls.annotations.create(id=task.id, result=[])
        for _ in range(50):
            if "ANNOTATION_CREATED" in backend.events:
                break
            threading.Event().wait(0.1)
        assert "ANNOTATION_CREATED" in backend.events
    finally:
        backend.shutdown()
        backend.server_close()
