"""training.promote: `nianbao models promote` refuses a worse candidate and promotes a better one
(engine hybrid, on a fixed evaluation set generated here), writes the registry, replaces only the
default it is given (a tmp folder, never models/default); the evaluation set's hash, candidate
checks, the decision rule; and the retraining data a candidate is trained on (`--train-only`,
`mix_replay`, the two data hashes).

The candidates: "spray", a tiny NER checkpoint built by hand that labels every character B-AGENCY
with certainty, and "good", a copy of the shipped NER (models/default/ner). The gate is compared
with the model engine: under hybrid.v2+ the rules keep "spray" from doing harm (its spans are not
well formed), so the two would tie.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

pytest.importorskip("torch")
pytest.importorskip("datasets")

from extraction.cli import app  # noqa: E402
from training.promote import PromoteError, candidate_parts, load_eval_set, regressions  # noqa: E402
from training.registry import read_registry  # noqa: E402

runner = CliRunner()


def _cli(*args: object) -> tuple[int, str]:
    res = runner.invoke(app, [str(a) for a in args])
    return res.exit_code, res.output


def biased_ner(out: Path, texts: list[str], label: str, name: str) -> Path:
    """A tiny NER checkpoint whose classifier says `label` for every character, whatever the input."""
    import torch
    from transformers import BertForTokenClassification

    from models.artifacts import Manifest, save_checkpoint
    from models.encoder import EncoderSize, bert_config
    from models.tokenizer import build_char_tokenizer
    from training.labels import NER_LABELS

    labels = list(NER_LABELS)
    torch.manual_seed(0)
    tok = build_char_tokenizer(texts, model_max_length=64)
    cfg = bert_config(
        len(tok), EncoderSize(1, 32, 2, 64), max_positions=64, dropout=0.0, pad_token_id=tok.pad_token_id,
        num_labels=len(labels), id2label=dict(enumerate(labels)), label2id={x: i for i, x in enumerate(labels)},
    )  # fmt: skip
    model = BertForTokenClassification(cfg)
    with torch.no_grad():
        model.classifier.weight.zero_()
        model.classifier.bias.fill_(-10.0)
        model.classifier.bias[labels.index(label)] = 10.0
    manifest = Manifest(
        name=name, kind="ner", version="0.0.1", labels=labels, data_hash="d" * 64,
        config={"train": {"window": 64, "stride": 8}},
    )  # fmt: skip
    return save_checkpoint(model, tok, out, manifest)


@pytest.fixture(scope="module")
def eval_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("eval") / "set"
    code, output = _cli(
        "synth", "-n", 3, "--seed", 11, "--noise", "low", "--version", "2021", "--workers", 1, "-o", out
    )
    assert code == 0, output
    return out


@pytest.fixture(scope="module")
def candidates(tmp_path_factory: pytest.TempPathFactory, eval_dir: Path) -> dict[str, Path]:
    """Candidate folders holding ner/: "spray" (every character AGENCY) and "good" (the shipped NER)."""
    from models.encoder import set_threads

    set_threads(1)
    texts = [p.read_text(encoding="utf-8") for p in sorted(eval_dir.glob("*.txt"))]
    root = tmp_path_factory.mktemp("candidates")
    shipped = Path(__file__).resolve().parents[2] / "models" / "default" / "ner"
    if not (shipped / "manifest.json").is_file():
        pytest.skip("no shipped NER model in models/default")
    shutil.copytree(shipped, root / "good" / "ner")
    return {
        "spray": biased_ner(root / "spray" / "ner", texts, "B-AGENCY", "spray").parent,
        "good": root / "good",
    }


def test_promote_refuses_worse_promotes_better(
    tmp_path: Path, candidates: dict[str, Path], eval_dir: Path
) -> None:
    default = tmp_path / "models" / "default"
    shutil.copytree(candidates["spray"] / "ner", default / "ner")  # a default that went bad
    registry = tmp_path / "models" / "registry.jsonl"
    # the model engine: under hybrid.v2+ the rules keep a biased model from doing harm, so both
    # candidates would tie; the gate itself is the same for either engine
    common = ("--default", default, "--eval", eval_dir, "--engine", "model")
    shipped = json.loads((candidates["good"] / "ner" / "manifest.json").read_text(encoding="utf-8"))
    good_version = f"{shipped['name']}@{shipped['version']}"

    # better than the default: promoted, the default's ner/ replaced
    code, output = _cli("models", "promote", candidates["good"], *common)
    assert code == 0, output
    assert f"promoted {good_version}" in output
    (good,) = read_registry(registry)
    assert good.decision == "promoted" and good.kind == "ner" and good.version == good_version
    assert good.baseline["version"] == "spray@0.0.1" and good.engine == "model"
    base = good.baseline["metrics"]
    assert good.metrics["entity_strict_f1"] > base["entity_strict_f1"]
    assert all(good.metrics[k] >= base[k] for k in ("cells_blank_eq_zero", "fields_accuracy"))
    assert good.eval_set["docs"] == 3 and len(good.eval_set["hash"]) == 64
    assert good.data_hashes == {"dataset": shipped["data_hash"]}
    installed = json.loads((default / "ner" / "manifest.json").read_text(encoding="utf-8"))
    assert installed["name"] == shipped["name"]
    assert good.manifest_sha256 == _sha(default / "ner" / "manifest.json")
    before = registry.read_bytes()

    # worse than the new default: refused in one line with the numbers, exit code 1, nothing replaced
    code, output = _cli("models", "promote", candidates["spray"], *common)
    lines = [x for x in output.splitlines() if x.strip()]
    assert code == 1 and len(lines) == 1, output
    assert lines[0].startswith("refused spray@0.0.1: entity strict F1 ")
    bad = read_registry(registry)[-1]
    assert f"{bad.metrics['entity_strict_f1']:.4f} < {good.metrics['entity_strict_f1']:.4f}" in lines[0]
    assert bad.decision == "refused" and bad.baseline["version"] == good_version and bad.reason in lines[0]
    assert (
        json.loads((default / "ner" / "manifest.json").read_text(encoding="utf-8"))["name"] == shipped["name"]
    )
    assert registry.read_bytes().startswith(before) and len(read_registry(registry)) == 2
    assert not list(default.parent.glob("default/.ner.*"))  # no leftovers of the swap

    code, output = _cli("models", "list", "--default", default)
    assert code == 0 and good_version in output and "spray@0.0.1" in output


def _sha(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize(
    ("cand", "base", "worse"),
    [
        ({"cells_blank_eq_zero": 0.9, "entity_strict_f1": 0.8, "fields_accuracy": 1.0}, None, []),
        ({"cells_blank_eq_zero": 0.9, "entity_strict_f1": 0.8, "fields_accuracy": 1.0}, {}, []),
        (
            {"cells_blank_eq_zero": 0.9, "entity_strict_f1": 0.79999, "fields_accuracy": 1.0},
            {"cells_blank_eq_zero": 0.9, "entity_strict_f1": 0.8, "fields_accuracy": 0.5},
            ["entity strict F1 0.799990 < 0.800000"],  # tolerance 0: any drop refuses
        ),
        (
            {"cells_blank_eq_zero": 0.5, "entity_strict_f1": None, "fields_accuracy": 1.0},
            {"cells_blank_eq_zero": 0.6, "entity_strict_f1": 0.1, "fields_accuracy": 1.0},
            ["cells blank=0 0.5000 < 0.6000", "entity strict F1 none < 0.1000"],
        ),
    ],
)
def test_promote_regressions_tolerance_zero(cand: dict, base: dict | None, worse: list[str]) -> None:
    assert regressions(cand, cand if base is None else base) == worse


def test_promote_eval_set_hash_follows_content(tmp_path: Path, eval_dir: Path) -> None:
    copy = tmp_path / "set"
    shutil.copytree(eval_dir, copy)
    one, two = load_eval_set(eval_dir), load_eval_set(copy)
    assert one.hash == two.hash and len(one.texts) == 3
    text = next(copy.glob("*.txt"))
    text.write_text(text.read_text(encoding="utf-8") + "。", encoding="utf-8")
    assert load_eval_set(copy).hash != one.hash
    text.unlink()
    with pytest.raises(PromoteError, match=r"\[U011\]"):
        load_eval_set(copy)
    with pytest.raises(PromoteError, match=r"\[U010\]"):
        load_eval_set(tmp_path / "nothing")


def test_promote_default_eval_set_is_the_shared_gold(shared: Path) -> None:
    from training.promote import resolve_eval_set

    got = resolve_eval_set(None)
    assert got.name == "shared-gold" and got.gold_dir == shared / "gold"
    assert all(p.parent == shared / "seeds" for p in got.texts.values())


def test_promote_synthetic_eval_set_is_fixed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from training import promote

    monkeypatch.setattr(promote, "SYNTH_EVAL", promote.SYNTH_EVAL | {"n": 2})  # a smaller fixed set
    first = promote.synthetic_eval_set(tmp_path)
    made = (first / "manifest.json").stat().st_mtime_ns
    again = promote.synthetic_eval_set(tmp_path)
    assert again == first and (first / "manifest.json").stat().st_mtime_ns == made  # generated once
    one = promote.load_eval_set(first)
    assert len(one.texts) == 2 and not list(tmp_path.glob(".synth-eval-*"))
    other = tmp_path / "other"
    assert promote.load_eval_set(promote.synthetic_eval_set(other)).hash == one.hash  # same seed, same set


def test_promote_candidate_checks(tmp_path: Path, candidates: dict[str, Path]) -> None:
    assert candidate_parts(candidates["good"]) == {"ner": candidates["good"] / "ner"}
    assert candidate_parts(candidates["good"] / "ner") == {"ner": candidates["good"] / "ner"}
    with pytest.raises(PromoteError, match=r"\[U001\]"):
        candidate_parts(tmp_path)
    damaged = tmp_path / "damaged"
    shutil.copytree(candidates["good"], damaged)
    weights = damaged / "ner" / "model.safetensors"
    data = bytearray(weights.read_bytes())
    data[-1] ^= 0xFF
    weights.write_bytes(bytes(data))
    code, output = _cli("models", "promote", damaged, "--default", tmp_path / "default")
    assert code == 2 and "[U002]" in output and "[M010]" in output
    assert not (tmp_path / "registry.jsonl").exists()
    wrong = tmp_path / "wrong" / "table"
    shutil.copytree(candidates["good"] / "ner", wrong)
    with pytest.raises(PromoteError, match=r"\[U001\].*'ner'"):
        candidate_parts(wrong.parent)  # a ner checkpoint in table/ is not a table model


# --- the retraining data a candidate is trained on ------------------------------------------------

AGENCIES = ["青石县民政局", "白沙市统计局", "云岭区人民政府", "东湖镇人民政府"]


def write_records(folder: Path, n: int, seed: int, prefix: str) -> Path:
    """n invented one-sentence reports with their AGENCY/DATE/COUNT gold records."""
    import random

    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        agency, year, k = rng.choice(AGENCIES), rng.randint(2019, 2024), rng.randint(1, 99)
        text = f"{agency}于{year}年收到政府信息公开申请{k}件，{prefix}{i}。\n"
        d, c = len(agency) + 1, text.index("申请") + 2
        spans = [("AGENCY", 0, len(agency), None), ("DATE", d, d + 5, str(year))]
        spans.append(("COUNT", c, c + len(str(k)) + 1, {"number": k, "unit": "件", "approx": False}))
        rec = {
            "doc": f"{prefix}{i:02d}.txt",
            "format_version": "2021",
            "tables": {},
            "entities": [
                {"label": x, "start": a, "end": b, "text": text[a:b], "value": v} for x, a, b, v in spans
            ],
            "findings": [],
        }
        (folder / rec["doc"]).write_text(text, encoding="utf-8")
        (folder / f"{prefix}{i:02d}.json").write_text(json.dumps(rec, ensure_ascii=False), encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def datasets(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Built datasets: "synth" (hash split), "fixed" (corrections, --train-only), "split" (the same
    corrections split by hash) and "held" (corrections all in test)."""
    from training.dataset import build_dataset

    root = tmp_path_factory.mktemp("retrain")
    synth = write_records(root / "synth-src", 30, 0, "s")
    fixed = write_records(root / "fixed-src", 12, 3, "f")  # seed 3: the hash split keeps 8 in train
    out = {name: root / name for name in ("synth", "fixed", "split", "held")}
    build_dataset([synth], out["synth"])
    build_dataset([], out["fixed"], train_only=[fixed])
    build_dataset([fixed], out["split"])
    build_dataset([], out["held"], eval_only=[fixed])
    return out


def test_promote_dataset_train_only_forces_the_split(datasets: dict[str, Path], tmp_path: Path) -> None:
    from training.dataset import DatasetError, build_dataset, load_dataset_dir

    fixed, split = load_dataset_dir(datasets["fixed"])[1], load_dataset_dir(datasets["split"])[1]
    assert fixed.docs == {"train": 12, "validation": 0, "test": 0}
    assert split.docs["train"] < 12  # the hash split would put some corrections aside
    assert [s["split"] for s in fixed.sources] == ["train"]
    src = tmp_path / "src"
    write_records(src, 2, 3, "x")
    with pytest.raises(DatasetError, match=r"\[D011\]"):
        build_dataset([], tmp_path / "ds", eval_only=[src], train_only=[src])
    code, output = _cli("dataset", "build", "--train-only", src, "-o", tmp_path / "cli")
    assert code == 0 and "'train': 2, 'validation': 0, 'test': 0" in output, output


@pytest.mark.parametrize(
    ("n_corrected", "n_replayed", "replay", "oversample", "copies", "picked"),
    [
        (1, 20, 1.0, 0, 20, 20),  # auto: the replay uses every replayed document
        (2, 20, 1.0, 0, 10, 20),
        (2, 20, 0.5, 0, 20, 20),
        (1, 20, 0.25, 0, 80, 20),
        (1, 20, 1.0, 3, 3, 3),  # explicit copies: replay * copies * n documents
        (1, 20, 0.0, 0, 1, 0),  # no replay
        (30, 20, 1.0, 0, 1, 20),  # more corrections than replay: all replayed, fewer than asked
        (1, 0, 1.0, 0, 1, 0),
    ],
)
def test_promote_mix_replay_weights(
    n_corrected: int, n_replayed: int, replay: float, oversample: int, copies: int, picked: int
) -> None:
    from training.examples import CORRECTED, Doc, mix_replay

    corrected = [Doc(f"c{i}", [0], [], CORRECTED) for i in range(n_corrected)]
    replayed = [Doc(f"r{i}", [0], []) for i in range(n_replayed)]
    mixed = mix_replay(corrected, replayed, replay, oversample, seed=0)
    assert [d.copies for d in mixed[:n_corrected]] == [copies] * n_corrected
    assert [d.text for d in mixed[:n_corrected]] == [d.text for d in corrected]
    rest = mixed[n_corrected:]
    assert len(rest) == picked and len({d.text for d in rest}) == picked
    assert all(d.source == "dataset" and d.copies == 1 for d in rest)
    assert mix_replay(corrected, replayed, replay, oversample, seed=0) == mixed  # deterministic


def test_promote_mix_replay_sample_follows_the_seed() -> None:
    from training.examples import CORRECTED, Doc, mix_replay

    corrected = [Doc("c", [0], [], CORRECTED)]
    replayed = [Doc(f"r{i}", [0], []) for i in range(50)]
    picks = {tuple(d.text for d in mix_replay(corrected, replayed, 1.0, 5, seed)[1:]) for seed in range(4)}
    assert len(picks) == 4 and all(len(p) == 5 for p in picks)


@pytest.mark.parametrize("copies", [1, 3, 20])
def test_promote_shifted_windows_cover_every_label_per_copy(copies: int) -> None:
    from collections import Counter

    from models.tokenizer import build_char_tokenizer
    from training.examples import IGNORE, shifted_windows, window_examples

    text = "青石县民政局于２０２１年收到申请\u300012件。" * 9
    tags = list(range(len(text)))
    tok = build_char_tokenizer([text])
    got = shifted_windows(tok, text, tags, 32, 4, None, copies)
    plain = window_examples(tok, text, tags, 32, 4)
    assert got[: len(plain)] == plain  # the first copy is read as any document
    seen = Counter(t for ex in got for t in ex.labels if t != IGNORE)
    assert all(seen[t] >= copies for t in tags)
    starts = {ex.labels[1] for ex in got}  # the character each window starts at
    assert (starts > {ex.labels[1] for ex in plain}) == (copies > 1)  # other copies start elsewhere


def test_promote_load_data_mixes_corrections_with_replay(datasets: dict[str, Path], caplog: Any) -> None:
    from models.tokenizer import build_char_tokenizer
    from training.config import validate_config
    from training.dataset import load_dataset_dir
    from training.examples import CORRECTED, TrainError, build_examples, load_data

    def cfg(*corrected: str, **data: Any) -> Any:
        return validate_config(
            {
                "model": {"layers": 1, "hidden": 16, "max_positions": 64},
                "data": {"dataset": str(datasets["synth"]), "corrected": list(corrected), **data},
                "train": {"window": 32, "stride": 4, "seed": 0},
                "out": {"dir": "unused", "name": "x"},
            },
            "ner",
        )

    synth, synth_card = load_dataset_dir(datasets["synth"])
    fixed_card = load_dataset_dir(datasets["fixed"])[1]
    docs, validation, labels, data_hash = load_data(cfg(str(datasets["fixed"])))
    assert data_hash == f"{synth_card.content_hash}+{fixed_card.content_hash}"
    assert len(validation) == len(synth["validation"])
    mine = [d for d in docs if d.source == CORRECTED]
    k = len(synth["train"]) // 12
    assert len(mine) == 12 and {d.copies for d in mine} == {k} and len(docs) == 12 + 12 * k
    tok = build_char_tokenizer([d.text for d in docs])
    config = cfg(str(datasets["fixed"]))
    _, counts = build_examples(docs, tok, config, labels)
    assert counts["corrected_docs"] == 12 and counts["corrected_copies"] == 12 * k
    assert load_data(cfg())[3] == synth_card.content_hash  # no corrections: the hash as before

    caplog.set_level("WARNING")
    docs, *_ = load_data(cfg(str(datasets["split"])))
    split = load_dataset_dir(datasets["split"])[0]
    assert sum(d.source == CORRECTED for d in docs) == len(split["train"]) < 12
    assert "--train-only" in caplog.text
    with pytest.raises(TrainError, match=r"\[T008\].*--train-only"):
        load_data(cfg(str(datasets["held"])))


def test_promote_train_data_must_be_a_dataset(tmp_path: Path) -> None:
    config = Path(__file__).resolve().parents[2] / "training" / "configs" / "ner-tiny.json"
    code, output = _cli("train", "ner", "--config", config, "--data", tmp_path)
    assert code == 2 and "is not a dataset" in output and "--train-only" in output
