"""MLM pretraining: a tiny encoder learns a repetitive pattern, runs are reproducible, outputs are safe."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

from models.artifacts import WEIGHTS, load_checkpoint  # noqa: E402
from training.config import validate_config  # noqa: E402
from training.pretrain import PretrainError, collect_texts, mask_tokens, run_pretrain  # noqa: E402

# Invented texts: each repeats one character, so a masked character can only be recovered from
# its context (the model must learn to copy what it attends to); each character in two texts.
CHARS = "甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳午未申酉戌亥金木水火土东南西北春夏秋冬梅兰竹菊"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("corpus")
    for i, c in enumerate(CHARS):
        (d / f"a{i:03d}.txt").write_text(c * 60, encoding="utf-8")
        (d / f"b{i:03d}.txt").write_text(c * 45 + "\n", encoding="utf-8")
    (d / "index.jsonl").write_text(json.dumps({"id": "a000", "spam": True}) + "\n", encoding="utf-8")
    return d


def _config(corpus: Path, out: Path, **train):
    data = {
        "model": {"layers": 2, "hidden": 64, "max_positions": 64, "dropout": 0.0},
        "tokenizer": {"min_freq": 1},
        "data": {"corpus": [str(corpus)], "synth_reports": 0, "eval_fraction": 0.2},
        "train": {
            "max_steps": 160,
            "batch_size": 8,
            "lr": 5e-3,
            "warmup_ratio": 0.0,
            "threads": 1,
            "bf16": False,
        }
        | {"window": 48, "stride": 0, "log_every": 25, "seed": 0}
        | train,
        "out": {"dir": str(out), "name": "enc-test", "version": "0.0.1"},
    }
    return validate_config(data, "pretrain")


@pytest.fixture(scope="module")
def trained(corpus, tmp_path_factory):
    out = tmp_path_factory.mktemp("runs") / "a"
    return run_pretrain(_config(corpus, out))


def test_pretrain_tiny_encoder_learns_the_pattern(trained):
    model, tok, manifest = load_checkpoint(trained, "encoder")
    metrics = manifest.metrics
    curve = [loss for _, loss in metrics["loss_curve"]]
    assert curve[-1] < 0.25 * curve[0]
    assert metrics["eval"] and metrics["eval_loss"] < curve[0]
    # fill masks: the character around them, whichever it is
    for c in "乙辰梅":
        enc = tok(c * 20, return_tensors="pt")
        ids = enc["input_ids"].clone()
        ids[0, 7] = ids[0, 12] = tok.mask_token_id
        with torch.inference_mode():
            guess = model(input_ids=ids, attention_mask=enc["attention_mask"]).logits[0, [7, 12]].argmax(-1)
        assert tok.convert_ids_to_tokens(guess.tolist()) == [c, c]
    assert manifest.kind == "encoder" and manifest.data_hash and manifest.config["train"]["seed"] == 0
    assert (trained / "train_log.jsonl").is_file()


def test_pretrain_same_seed_same_checkpoint(corpus, tmp_path):
    runs = [("a", 0), ("b", 0), ("c", 1)]
    outs = [run_pretrain(_config(corpus, tmp_path / name, seed=seed, max_steps=25)) for name, seed in runs]
    m_a, m_b, m_c = (json.loads((p / "manifest.json").read_text(encoding="utf-8")) for p in outs)
    assert m_a["metrics"]["loss_curve"] == m_b["metrics"]["loss_curve"]
    assert m_a["metrics"]["eval"] == m_b["metrics"]["eval"]
    assert m_a["files"][WEIGHTS] == m_b["files"][WEIGHTS]
    assert m_a["data_hash"] == m_b["data_hash"] == m_c["data_hash"]
    assert m_c["files"][WEIGHTS] != m_a["files"][WEIGHTS]


def test_pretrain_refuses_to_overwrite(trained, corpus):
    with pytest.raises(PretrainError, match=r"\[P001\]"):
        run_pretrain(_config(corpus, trained))


@pytest.mark.parametrize(
    "data, code",
    [({"corpus": ["/nonexistent/corpus"]}, "P002"), ({"corpus": [], "synth_reports": 0}, "P003")],
)
def test_pretrain_data_errors(data, code, tmp_path):
    cfg = validate_config({"data": data, "out": {"dir": str(tmp_path / "o"), "name": "x"}}, "pretrain")
    with pytest.raises(PretrainError, match=rf"\[{code}\]"):
        collect_texts(cfg.data)


def test_pretrain_texts_skip_spam_and_repeat(corpus):
    base = {"corpus": [str(corpus)], "synth_reports": 3, "eval_fraction": 0.0}
    one = collect_texts(validate_config({"data": base, "out": {"dir": "x", "name": "x"}}, "pretrain").data)
    two = collect_texts(
        validate_config(
            {"data": base | {"corpus_repeat": 2}, "out": {"dir": "x", "name": "x"}}, "pretrain"
        ).data
    )
    n_real = 2 * len(CHARS) - 1  # a000 is marked spam
    assert one.sources == {"corpus": n_real, "synth": 3}
    assert (
        len(one.train) == n_real + 3 and len(two.train) == 2 * n_real + 3 and one.data_hash == two.data_hash
    )


@pytest.mark.parametrize("probability", [0.05, 0.15, 0.4])
def test_pretrain_mask_tokens_rates(probability):
    gen = torch.Generator().manual_seed(0)
    ids = torch.randint(5, 1000, (64, 256), generator=gen)
    ids[:, 0], ids[:, -1] = 2, 3
    special = (ids == 2) | (ids == 3)
    inputs, labels = mask_tokens(ids, special, 4, 1000, probability, gen)
    chosen = labels != -100
    assert not chosen[special].any() and torch.equal(inputs[special], ids[special])
    assert abs(chosen.float().mean().item() - probability) < 0.02
    assert torch.equal(labels[chosen], ids[chosen])
    assert torch.equal(inputs[~chosen], ids[~chosen])
    masked = (inputs == 4) & chosen
    assert abs(masked.sum().item() / chosen.sum().item() - 0.8) < 0.05


def test_pretrain_continues_from_a_local_base(trained, corpus, tmp_path):
    cfg = _config(corpus, tmp_path / "cont", max_steps=5).model_copy(deep=True)
    cfg.model.base = str(trained)
    out = run_pretrain(cfg)
    model, tok, manifest = load_checkpoint(out, "encoder")
    _, base_tok, _ = load_checkpoint(trained, "encoder")
    assert manifest.base == str(trained) and tok.get_vocab() == base_tok.get_vocab()
    assert model.config.hidden_size == 64
