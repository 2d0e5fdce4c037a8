"""training.train: `run_train` end to end on a tiny dataset built here (`build_dataset` over
generated records), reproducibility, output and resume errors, and the window/label helpers.

Records are invented (agencies, numbers) and written by the test; models are tiny and trained
a few steps on one thread.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

pytest.importorskip("torch")
pytest.importorskip("datasets")

from training.examples import IGNORE, Doc, TrainError, mask_unaligned, window_examples  # noqa: E402

AGENCIES = ["青石县民政局", "白沙市统计局", "云岭区人民政府", "东湖镇人民政府"]
GROUPS = {"review": "行政复议", "litigation_direct": "直接起诉", "litigation_after_review": "复议后起诉"}
COLS = ("upheld", "corrected", "other", "pending", "total")


def record(rng: random.Random, name: str) -> tuple[str, dict, dict]:
    """A short report: a sentence with AGENCY/DATE/COUNT and an appeals table; record and sidecar."""
    agency, year, n = rng.choice(AGENCIES), rng.randint(2021, 2024), rng.randint(1, 99)
    text = f"{agency}于{year}年收到申请{n}件。\n维持\t纠正\t其他\t未结\t总计\n"
    d = len(agency) + 1
    c = text.index("申请") + 2
    ents = [("AGENCY", 0, len(agency), None), ("DATE", d, d + 5, str(year))]
    ents.append(("COUNT", c, c + len(str(n)) + 1, {"number": n, "unit": "件", "approx": False}))
    cells, offsets = {}, {}
    for group, label in GROUPS.items():
        values = [rng.choice([0, rng.randint(1, 20)]) for _ in range(4)]
        text += label
        for col, v in zip(COLS, [*values, sum(values)], strict=True):
            text += "\t"
            offsets[f"appeals.{group}.{col}"] = [len(text), len(text) + len(str(v))]
            cells[f"{group}.{col}"] = v
            text += str(v)
        text += "\n"
    rec = {
        "doc": f"{name}.txt",
        "agency": agency,
        "year": year,
        "format_version": "2021",
        "tables": {"appeals": cells},
        "entities": [
            {"label": x, "start": a, "end": b, "text": text[a:b], "value": v} for x, a, b, v in ents
        ],
        "findings": [],
    }
    return text, rec, {"doc": rec["doc"], "cells": offsets}


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from training.dataset import build_dataset

    src = tmp_path_factory.mktemp("records")
    rng = random.Random(0)
    for i in range(40):
        text, rec, meta = record(rng, f"doc{i:02d}")
        (src / rec["doc"]).write_text(text, encoding="utf-8")
        (src / f"doc{i:02d}.json").write_text(json.dumps(rec, ensure_ascii=False), encoding="utf-8")
        (src / f"doc{i:02d}.meta.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    out = tmp_path_factory.mktemp("ds") / "ds"
    card = build_dataset([src], out)
    assert card.docs["validation"] > 0 and card.cells["unaligned"] == 0
    return out


def config(kind: str, dataset: Path, out: Path, steps: int, **train):
    from training.config import validate_config

    data = {
        "model": {"layers": 2, "hidden": 32, "heads": 2, "intermediate": 64, "max_positions": 64, "dropout": 0.0},
        "data": {"dataset": str(dataset)},
        "train": {"max_steps": steps, "batch_size": 16, "lr": 5e-3, "warmup_ratio": 0.05, "seed": 0,
                  "bf16": False, "threads": 1, "window": 64, "stride": 16, "log_every": 10, **train},
        "out": {"dir": str(out), "name": f"{kind}-test", "version": "0.0.1"},
    }  # fmt: skip
    return validate_config(data, kind)


@pytest.fixture(scope="module")
def ner_checkpoint(dataset: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    from training.train import run_train

    return run_train(config("ner", dataset, tmp_path_factory.mktemp("ner") / "ck", 150, eval_every=50))


def test_train_ner_end_to_end(ner_checkpoint: Path) -> None:
    from models.ner import NerModel

    manifest = json.loads((ner_checkpoint / "manifest.json").read_text(encoding="utf-8"))
    m = manifest["metrics"]
    assert manifest["kind"] == "ner" and manifest["base"] is None and manifest["data_hash"]
    assert manifest["labels"][0] == "B-AGENCY" and manifest["config"]["train"]["max_steps"] == 150
    assert m["steps"] == 150 and m["train_data"]["docs"] > 0 and m["eval_docs"] > 0
    assert m["loss_curve"][-1][1] < m["loss_curve"][0][1]
    assert [e["step"] for e in m["eval"]] == [50, 100] and "entity_strict_f1" in m["eval"][0]
    assert m["entity_overlap_f1"] >= 0.8 and m["entity_strict_f1"] >= 0.5, m
    ner = NerModel.load(ner_checkpoint, threads=1)
    got = {e.label for e in ner.predict("白沙市统计局于2022年收到申请12件。")}
    assert got == {"AGENCY", "DATE", "COUNT"}


def test_train_table_is_reproducible(dataset: Path, tmp_path: Path) -> None:
    from training.train import run_train

    cfg = config("table", dataset, tmp_path / "run", 12)
    cfg.out.overwrite = True
    manifests = []
    for _ in range(2):  # same config, same seed, same output folder
        out = run_train(cfg)
        manifests.append(json.loads((out / "manifest.json").read_text(encoding="utf-8")))
    for m in manifests:
        m["metrics"].pop("seconds")
        assert m["kind"] == "table" and "cell_accuracy" in m["metrics"]
    assert manifests[0]["metrics"] == manifests[1]["metrics"]
    assert manifests[0]["files"]["model.safetensors"] == manifests[1]["files"]["model.safetensors"]


def test_train_refuses_a_non_empty_output(dataset: Path, tmp_path: Path) -> None:
    from training.train import run_train

    (tmp_path / "keep.txt").write_text("x", encoding="utf-8")
    with pytest.raises(TrainError, match=r"\[T001\]"):
        run_train(config("ner", dataset, tmp_path, 1))


def test_train_resume_from_a_checkpoint_of_another_kind(
    dataset: Path, ner_checkpoint: Path, tmp_path: Path
) -> None:
    from models.artifacts import CheckpointError
    from training.train import run_train

    with pytest.raises(CheckpointError, match=r"\[M004\]"):
        run_train(config("table", dataset, tmp_path / "t", 1), resume_from=ner_checkpoint)


def test_train_resume_continues_from_the_weights(dataset: Path, ner_checkpoint: Path, tmp_path: Path) -> None:
    from training.train import run_train

    out = run_train(config("ner", dataset, tmp_path / "r", 5, lr=1e-5), resume_from=ner_checkpoint)
    m = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert m["base"] == "ner-test@0.0.1 (resumed)" and m["metrics"]["entity_overlap_f1"] >= 0.8


# --- helpers --------------------------------------------------------------------------------------


def _labels() -> list[str]:
    from training.labels import CELL_LABELS

    return list(CELL_LABELS)


@pytest.mark.parametrize(
    ("cells", "unaligned", "masked"),
    [
        ({"appeals.review.total": (400, 401)}, ["appeals.review.upheld"], (100, 701)),
        ({"appeals.review.total": (10, 12)}, ["appeals.review.upheld"], (0, 312)),
        ({"requests.new.total": (500, 501)}, ["appeals.review.upheld"], None),  # no figure of the table
    ],
)
def test_train_mask_unaligned(cells: dict, unaligned: list[str], masked: tuple[int, int] | None) -> None:
    from training.labels import cell_tags

    labels = _labels()
    ids = {x: i for i, x in enumerate(labels)}
    doc = Doc("x" * 1000, [ids[t] for t in cell_tags(1000, cells)], unaligned)
    got = mask_unaligned(doc, labels)
    if masked is None:
        assert got is None
        return
    lo, hi = masked
    assert all(t == IGNORE for t in got[lo:hi])
    assert got[:lo] == doc.tags[:lo] and got[hi:] == doc.tags[hi:]


@pytest.mark.parametrize(("window", "stride"), [(16, 4), (64, 16)])
def test_train_window_examples_label_each_token_with_its_char(window: int, stride: int) -> None:
    from models.tokenizer import build_char_tokenizer

    text = "青石县民政局于２０２１年收到申请\u300012件。" * 3
    tags = list(range(len(text)))
    tok = build_char_tokenizer([text])
    examples = window_examples(tok, text, tags, window, stride)
    assert len(examples) > 1 or window > len(text)
    seen = set()
    for ex in examples:
        assert len(ex.input_ids) == len(ex.labels) <= window
        assert ex.labels[0] == IGNORE and ex.labels[-1] == IGNORE  # [CLS], [SEP]
        seen.update(x for x in ex.labels if x != IGNORE)
    assert seen == set(tags)
