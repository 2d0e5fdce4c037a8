"""Checkpoints: manifest round trip, save/load identical predictions, every corruption a coded error."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

torch = pytest.importorskip("torch")

from models.artifacts import (  # noqa: E402
    MANIFEST,
    WEIGHTS,
    CheckpointError,
    Manifest,
    file_sha256,
    load_checkpoint,
    resolve_base,
    save_checkpoint,
)
from models.encoder import bert_config  # noqa: E402
from models.tokenizer import build_char_tokenizer  # noqa: E402

LABELS = ["O", "B-AGENCY", "I-AGENCY", "B-COUNT", "I-COUNT"]
TEXTS = ["青禾县农业农村局2023年收到申请12件", "办结10件，行政复议2件"]


@pytest.fixture(scope="module")
def tok():
    return build_char_tokenizer(TEXTS)


def _model(tok, kind):
    from transformers import BertForMaskedLM, BertForTokenClassification

    torch.manual_seed(0)
    if kind == "encoder":
        return BertForMaskedLM(bert_config(len(tok), "tiny", max_positions=64)).eval()
    return BertForTokenClassification(
        bert_config(len(tok), "tiny", max_positions=64, num_labels=len(LABELS))
    ).eval()


def _manifest(kind):
    return Manifest(
        name=f"test-{kind}", kind=kind, version="0.0.1", labels=[] if kind == "encoder" else LABELS
    )


def _logits(model, tok):
    enc = tok(TEXTS, padding=True, return_tensors="pt")
    with torch.inference_mode():
        return model(input_ids=enc["input_ids"], attention_mask=enc["attention_mask"]).logits


@pytest.fixture
def saved(tok, tmp_path):
    model = _model(tok, "ner")
    save_checkpoint(model, tok, tmp_path / "ckpt", _manifest("ner"))
    return model, tmp_path / "ckpt"


@settings(max_examples=30, deadline=None)
@given(
    name=st.text(min_size=1, max_size=20),
    kind=st.sampled_from(["encoder", "ner", "table"]),
    labels=st.lists(st.text(max_size=12), max_size=6),
    metrics=st.dictionaries(
        st.text(max_size=8), st.one_of(st.integers(), st.floats(allow_nan=False), st.text())
    ),
)
def test_artifacts_manifest_json_roundtrip(name, kind, labels, metrics):
    m = Manifest(name=name, kind=kind, version="1.2.3", labels=labels, metrics=metrics, data_hash="ab" * 8)
    again = Manifest.from_json(json.loads(json.dumps(m.to_json(), ensure_ascii=False)))
    assert again == m
    assert again.libraries.get("python") and again.created


@pytest.mark.parametrize(
    "data, code",
    [
        ({"name": "x", "kind": "tagger", "version": "1"}, "M003"),
        ({"name": "", "kind": "ner", "version": "1"}, "M003"),
        ({"name": "x", "kind": "ner"}, "M003"),
        ({"name": "x", "kind": "ner", "version": "1", "colour": "red"}, "M003"),
        (["not", "an", "object"], "M003"),
    ],
)
def test_artifacts_manifest_rejects_bad_data(data, code):
    with pytest.raises(CheckpointError, match=rf"\[{code}\]"):
        Manifest.from_json(data)


@pytest.mark.parametrize("kind", ["encoder", "ner", "table"])
@pytest.mark.parametrize("dtype", ["float32", "bfloat16"])
def test_artifacts_save_load_gives_identical_predictions(tok, tmp_path, kind, dtype):
    model = _model(tok, kind)
    out = save_checkpoint(model, tok, tmp_path / kind, _manifest(kind), dtype=dtype)
    assert {"config.json", WEIGHTS, "tokenizer.json", MANIFEST} <= {p.name for p in out.iterdir()}
    loaded, tok2, manifest = load_checkpoint(out, kind)
    assert manifest.kind == kind and manifest.files[WEIGHTS] == file_sha256(out / WEIGHTS)
    assert next(loaded.parameters()).dtype == torch.float32 and not loaded.training
    assert tok2.get_vocab() == tok.get_vocab()
    before, after = _logits(model, tok), _logits(loaded, tok2)
    if dtype == "float32":
        assert torch.equal(before, after)
    else:  # bf16 on disk: same predictions up to rounding
        assert torch.allclose(before, after, atol=0.05)
    if kind != "encoder":
        assert loaded.config.id2label == dict(enumerate(LABELS))
        assert loaded.config.label2id == {label: i for i, label in enumerate(LABELS)}


def test_artifacts_bf16_halves_the_weights(tok, tmp_path):
    model = _model(tok, "ner")
    a = save_checkpoint(model, tok, tmp_path / "a", _manifest("ner"))
    b = save_checkpoint(model, tok, tmp_path / "b", _manifest("ner"), dtype="bfloat16")
    assert (b / WEIGHTS).stat().st_size < 0.6 * (a / WEIGHTS).stat().st_size
    assert next(model.parameters()).dtype == torch.float32  # the model in memory is untouched


def _rehash(ckpt: Path) -> None:
    """Update the manifest's checksums, so a load gets past them to the damage behind."""
    data = json.loads((ckpt / MANIFEST).read_text(encoding="utf-8"))
    data["files"] = {name: file_sha256(ckpt / name) for name in data["files"] if (ckpt / name).is_file()}
    (ckpt / MANIFEST).write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


def _edit_json(path: Path, **changes) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    data.update(changes)
    path.write_text(json.dumps(data), encoding="utf-8")


def _truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def _flip_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[-5] ^= 0xFF
    path.write_bytes(bytes(data))


DAMAGE = {
    "no manifest": (lambda c: (c / MANIFEST).unlink(), "M002"),
    "manifest not json": (lambda c: (c / MANIFEST).write_text("{oops", encoding="utf-8"), "M003"),
    "wrong kind": (lambda c: _edit_json(c / MANIFEST, kind="table"), "M004"),
    "weights missing": (lambda c: (c / WEIGHTS).unlink(), "M006"),
    "weights truncated": (lambda c: _truncate(c / WEIGHTS), "M010"),
    "one byte flipped": (lambda c: _flip_byte(c / WEIGHTS), "M010"),
    "weights truncated, rehashed": (lambda c: (_truncate(c / WEIGHTS), _rehash(c)), "M007"),
    "weights garbage, rehashed": (lambda c: ((c / WEIGHTS).write_bytes(b"\x00" * 64), _rehash(c)), "M007"),
    "config not json": (
        lambda c: ((c / "config.json").write_text("[", encoding="utf-8"), _rehash(c)),
        "M005",
    ),
    "config other shape": (
        lambda c: (_edit_json(c / "config.json", num_hidden_layers=2), _rehash(c)),
        "M008",
    ),
    "labels differ": (
        lambda c: (_edit_json(c / "config.json", id2label={str(i): f"X{i}" for i in range(5)}), _rehash(c)),
        "M005",
    ),
    "tokenizer broken": (
        lambda c: ((c / "tokenizer.json").write_text("{", encoding="utf-8"), _rehash(c)),
        "M009",
    ),
    "tokenizer removed": (lambda c: (c / "tokenizer.json").unlink(), "M006"),
}


@pytest.mark.parametrize("damage", sorted(DAMAGE))
def test_artifacts_corrupt_checkpoint_raises_coded_error(saved, damage):
    _, ckpt = saved
    do, code = DAMAGE[damage]
    do(ckpt)
    with pytest.raises(CheckpointError, match=rf"\[{code}\]"):
        load_checkpoint(ckpt, "ner")


def test_artifacts_missing_directory_and_bad_kind(tmp_path, saved):
    with pytest.raises(CheckpointError, match=r"\[M001\]"):
        load_checkpoint(tmp_path / "nothing", "ner")
    with pytest.raises(CheckpointError, match=r"\[M004\]"):
        load_checkpoint(saved[1], "tagger")


def test_artifacts_label_count_must_match_model(tok, tmp_path):
    model = _model(tok, "ner")
    bad = Manifest(name="x", kind="ner", version="1", labels=LABELS[:3])
    with pytest.raises(CheckpointError, match=r"\[M013\]"):
        save_checkpoint(model, tok, tmp_path / "x", bad)


def test_artifacts_resolve_base_local_only(saved, tmp_path):
    assert resolve_base(saved[1]) == saved[1].resolve()
    (tmp_path / "empty").mkdir()
    for bad in ["bert-base-chinese", str(tmp_path / "empty"), str(tmp_path / "nope")]:
        with pytest.raises(CheckpointError, match=r"\[M011\]"):
            resolve_base(bad)
