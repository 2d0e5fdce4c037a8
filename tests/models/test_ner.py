"""models.ner: a tiny NER model trained here on a generated pattern learns it; windows, values,
save/load round trip and corrupt checkpoints.

The model is tiny (1 layer, hidden 32) and trained a few hundred steps on invented sentences,
so the file stays fast; one thread, since the test machine is shared.
"""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import pytest

pytest.importorskip("torch")

from extraction.schema import Entity  # noqa: E402
from models.encoder import EncoderSize  # noqa: E402
from training.labels import NER_LABELS, bio_tags  # noqa: E402

AGENCIES = [
    "青石县民政局",
    "白沙市统计局",
    "云岭区人民政府",
    "东湖镇人民政府",
    "南河县水利局",
    "北岗市公安局",
]
UNITS = ["件", "条", "次", "个"]
WINDOW, STRIDE = 48, 12
STEPS = 300
SIZE = EncoderSize(layers=2, hidden=32, heads=2, intermediate=64)


def sentence(rng: random.Random) -> tuple[str, list[tuple[str, int, int]]]:
    """`{agency}于{year}年收到申请{n}{unit}。` with its gold spans."""
    agency, year, n, unit = (
        rng.choice(AGENCIES),
        rng.randint(2015, 2024),
        rng.randint(1, 999),
        rng.choice(UNITS),
    )
    head = rng.choice(["", "本年度", "据统计，"])
    text = f"{head}{agency}于{year}年收到申请{n}{unit}。"
    a = len(head)
    d = a + len(agency) + 1
    c = text.index("申请", d) + 2
    spans = [("AGENCY", a, a + len(agency)), ("DATE", d, d + 5), ("COUNT", c, c + len(str(n)) + 1)]
    return text, spans


def document(rng: random.Random, k: int) -> tuple[str, list[tuple[str, int, int]]]:
    text, spans = "", []
    for _ in range(k):
        s, sp = sentence(rng)
        spans += [(lab, a + len(text), b + len(text)) for lab, a, b in sp]
        text += s + rng.choice(["", "\n", " "])
    return text, spans


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory):
    """A tiny NER model trained STEPS steps on generated documents, plus its tokenizer."""
    import torch
    from transformers import BertForTokenClassification

    from models.encoder import bert_config, set_threads
    from models.tokenizer import build_char_tokenizer
    from training.config import validate_config
    from training.examples import window_examples
    from training.train import train_loop

    set_threads(1)
    torch.manual_seed(0)
    rng = random.Random(0)
    docs = [document(rng, rng.randint(1, 4)) for _ in range(120)]
    tokenizer = build_char_tokenizer([t for t, _ in docs] + ["0123456789"], model_max_length=WINDOW)
    labels = list(NER_LABELS)
    config = validate_config(
        {
            "model": {"size": "tiny", "max_positions": WINDOW, "dropout": 0.0},
            "data": {"dataset": str(tmp_path_factory.mktemp("unused"))},
            "train": {"max_steps": STEPS, "batch_size": 16, "lr": 5e-3, "warmup_ratio": 0.05,
                      "window": WINDOW, "stride": STRIDE, "threads": 1, "log_every": 50},
            "out": {"dir": str(tmp_path_factory.mktemp("out")), "name": "ner-test"},
        },
        "ner",
    )  # fmt: skip
    model = BertForTokenClassification(
        bert_config(
            len(tokenizer), SIZE, max_positions=WINDOW, dropout=0.0, pad_token_id=tokenizer.pad_token_id,
            num_labels=len(labels), id2label=dict(enumerate(labels)), label2id={x: i for i, x in enumerate(labels)},
        )
    )  # fmt: skip
    ids = {x: i for i, x in enumerate(labels)}
    examples = []
    for text, spans in docs:
        tags = [ids[t] for t in bio_tags(len(text), spans)]
        examples += window_examples(tokenizer, text, tags, WINDOW, STRIDE)
    train_loop(model, examples, config, torch.Generator().manual_seed(0), tokenizer.pad_token_id, bf16=False)
    return model, tokenizer, config


def ner_model(trained):
    from models.ner import CharClassifier, NerModel

    model, tokenizer, _ = trained
    return NerModel(CharClassifier(model, tokenizer, WINDOW, STRIDE, bf16=False), "ner-test@0")


def _overlapping(span: tuple[str, int, int], others: list[tuple[str, int, int]]) -> bool:
    return any(x == span[0] and a < span[2] and b > span[1] for x, a, b in others)


def test_ner_learns_a_repetitive_pattern(trained) -> None:
    ner = ner_model(trained)
    rng = random.Random(123)  # unseen documents
    tp = n_gold = n_pred = found = 0
    for _ in range(15):
        text, gold = document(rng, 2)
        got = ner.predict(text)
        pred = [(e.label, e.start, e.end) for e in got]
        tp, n_gold, n_pred = tp + len(set(pred) & set(gold)), n_gold + len(gold), n_pred + len(pred)
        found += sum(_overlapping(g, pred) for g in gold)
        for e in got:
            assert text[e.start : e.end] == e.text and e.source == "model" and 0 < e.score <= 1
    # an untrained model scores 0 here; 300 steps of a 2x32 model find every entity and most
    # boundaries exactly (the digit after the first is sometimes read as a new B-)
    assert found / n_gold >= 0.95
    assert 2 * tp / (n_gold + n_pred) >= 0.85


def test_ner_values_come_from_the_shared_normalizers(trained) -> None:
    ner = ner_model(trained)
    text = "白沙市统计局于2021年收到申请37件。"
    got = {e.label: e for e in ner.predict(text)}
    assert got["COUNT"].value == {"number": 37, "unit": "件", "approx": False}
    assert got["DATE"].value == "2021"
    assert got["AGENCY"].value is None and got["AGENCY"].text == "白沙市统计局"


def test_ner_long_document_across_windows(trained) -> None:
    """A document many windows long: every entity found once, with offsets into the original text."""
    ner = ner_model(trained)
    text, gold = document(random.Random(7), 14)
    assert len(text) > 5 * WINDOW
    pred = [(e.label, e.start, e.end) for e in ner.predict(text)]
    assert pred == sorted(pred, key=lambda x: x[1])
    assert all(a[2] <= b[1] for a, b in zip(pred, pred[1:], strict=False))
    assert sum(_overlapping(g, pred) for g in gold) >= 0.95 * len(gold)
    assert len(set(pred) & set(gold)) >= 0.8 * len(gold)


@pytest.mark.parametrize("text", ["", "   \n", "。。。"])
def test_ner_texts_without_entities(trained, text: str) -> None:
    assert ner_model(trained).predict(text) == []


def _save(trained, out: Path) -> Path:
    from models.artifacts import Manifest, save_checkpoint

    model, tokenizer, config = trained
    manifest = Manifest(
        name="ner-test",
        kind="ner",
        version="0.0.1",
        labels=list(NER_LABELS),
        config=config.model_dump(mode="json"),
    )
    return save_checkpoint(model, tokenizer, out, manifest)


def test_ner_save_load_round_trip_gives_identical_predictions(trained, tmp_path: Path) -> None:
    from models.ner import NerModel

    path = _save(trained, tmp_path / "ner")
    loaded = NerModel.load(path, threads=1, bf16=False)
    assert loaded.version == "ner-test@0.0.1"
    assert (loaded.classifier.max_length, loaded.classifier.stride) == (WINDOW, STRIDE)
    text, _ = document(random.Random(99), 5)
    before, after = ner_model(trained).predict(text), loaded.predict(text)
    assert [(e.label, e.start, e.end, e.value) for e in before] == [
        (e.label, e.start, e.end, e.value) for e in after
    ]
    assert [e.score for e in before] == pytest.approx([e.score for e in after], abs=1e-5)
    assert all(isinstance(e, Entity) for e in after)


@pytest.mark.parametrize("damage", ["truncate_weights", "no_manifest", "missing_dir", "wrong_kind"])
def test_ner_corrupt_checkpoint_raises_checkpoint_error(trained, tmp_path: Path, damage: str) -> None:
    from models.artifacts import CheckpointError
    from models.ner import NerModel
    from models.table import TableModel

    path = _save(trained, tmp_path / "ner")
    loader = NerModel.load
    if damage == "truncate_weights":
        weights = path / "model.safetensors"
        weights.write_bytes(weights.read_bytes()[:100])
    elif damage == "no_manifest":
        (path / "manifest.json").unlink()
    elif damage == "missing_dir":
        shutil.rmtree(path)
    else:
        loader = TableModel.load
    with pytest.raises(CheckpointError, match=r"\[M0\d\d\]"):
        loader(path, threads=1)
