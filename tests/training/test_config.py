"""Training configs: files and overrides validate, every mistake is a coded error naming the key."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from training.config import (
    ConfigError,
    NerConfig,
    PretrainConfig,
    TableConfig,
    config_hash,
    load_config,
    offline_environment,
    parse_override,
)

CONFIGS = Path(__file__).resolve().parents[2] / "training" / "configs"
MINIMAL = {
    "pretrain": {"out": {"dir": "out/x", "name": "x"}},
    "ner": {"data": {"dataset": "data/ds"}, "out": {"dir": "out/x", "name": "x"}},
    "table": {"data": {"dataset": "data/ds"}, "out": {"dir": "out/x", "name": "x"}},
}


def _write(tmp_path: Path, data: dict, name: str = "c.json") -> Path:
    p = tmp_path / name
    p.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return p


@pytest.mark.parametrize(
    "path", sorted(CONFIGS.glob("*.json")) + sorted(CONFIGS.glob("*.toml")), ids=lambda p: p.name
)
def test_config_shipped_files_validate(path):
    kind = path.stem.split("-")[0]
    cfg = load_config(path, kind)
    assert cfg.kind == kind
    assert cfg.model.base or cfg.model.encoder_size().hidden % cfg.model.encoder_size().heads == 0


@pytest.mark.parametrize(
    "kind, cls", [("pretrain", PretrainConfig), ("ner", NerConfig), ("table", TableConfig)]
)
def test_config_minimal_gets_defaults(tmp_path, kind, cls):
    cfg = load_config(_write(tmp_path, MINIMAL[kind]), kind)
    assert isinstance(cfg, cls)
    assert cfg.train.window == 512 and cfg.train.seed == 0 and cfg.model.size == "default"


def test_config_toml_equals_json(tmp_path):
    toml = tmp_path / "c.toml"
    toml.write_text(
        '[data]\ndataset = "data/ds"\n[train]\nlr = 3e-4\nwindow = 256\nstride = 32\n[out]\ndir = "out/x"\nname = "x"\n',
        encoding="utf-8",
    )
    as_json = {**MINIMAL["ner"], "train": {"lr": 3e-4, "window": 256, "stride": 32}}
    assert load_config(toml, "ner") == load_config(_write(tmp_path, as_json), "ner")


@pytest.mark.parametrize(
    "override, path, expected",
    [
        ("train.lr=3e-4", ("train", "lr"), 3e-4),
        ("train.max_steps=50", ("train", "max_steps"), 50),
        ("train.bf16=true", ("train", "bf16"), True),
        ("train.bf16=null", ("train", "bf16"), None),
        ('data.noise=["high"]', ("data", "noise"), ["high"]),
        ("out.dir=models/some dir", ("out", "dir"), "models/some dir"),
        ("model.layers=3", ("model", "layers"), 3),
        ("tokenizer.min_freq=5", ("tokenizer", "min_freq"), 5),
    ],
)
def test_config_dotted_overrides_are_typed(tmp_path, override, path, expected):
    extra = ["model.hidden=64"] if override.startswith("model.layers") else []
    cfg = load_config(_write(tmp_path, MINIMAL["pretrain"]), "pretrain", [override, *extra])
    assert getattr(getattr(cfg, path[0]), path[1]) == expected


@pytest.mark.parametrize(
    "data, overrides, code, names",
    [
        ({**MINIMAL["ner"], "trian": {}}, [], "C006", "trian"),
        ({**MINIMAL["ner"], "train": {"lrr": 1}}, [], "C006", "train.lrr"),
        (MINIMAL["ner"], ["train.lrr=1"], "C005", "train.lrr"),
        (MINIMAL["ner"], ["decode.top_k=3"], "C005", "decode"),
        (MINIMAL["ner"], ["train.lr=-1"], "C006", "train.lr"),
        (MINIMAL["ner"], ["train.lr=fast"], "C006", "'fast'"),
        (MINIMAL["ner"], ["train.stride=600"], "C006", "stride"),
        (MINIMAL["ner"], ["model.size=huge"], "C006", "huge"),
        (MINIMAL["ner"], ["model.layers=2"], "C006", "hidden"),
        (MINIMAL["ner"], ["train.window=1024"], "C006", "max_positions"),
        (MINIMAL["ner"], ["train.lr"], "C004", "train.lr"),
        ({"out": {"dir": "x", "name": "x"}}, [], "C006", "data"),
        ({**MINIMAL["ner"], "kind": "table"}, [], "C001", "table"),
    ],
)
def test_config_errors_name_the_bad_key(tmp_path, data, overrides, code, names):
    with pytest.raises(ConfigError, match=rf"\[{code}\]") as info:
        load_config(_write(tmp_path, data), "ner", overrides)
    assert names in str(info.value)


@pytest.mark.parametrize(
    "content, name, code",
    [
        (None, "missing.json", "C002"),
        ("{}", "c.yaml", "C002"),
        ("{oops", "c.json", "C003"),
        ("[1]", "c.json", "C003"),
    ],
)
def test_config_file_errors(tmp_path, content, name, code):
    p = tmp_path / name
    if content is not None:
        p.write_text(content, encoding="utf-8")
    with pytest.raises(ConfigError, match=rf"\[{code}\]"):
        load_config(p, "ner")


def test_config_unknown_kind(tmp_path):
    with pytest.raises(ConfigError, match=r"\[C001\]"):
        load_config(_write(tmp_path, MINIMAL["ner"]), "tagger")


@settings(max_examples=50, deadline=None)
@given(
    st.one_of(
        st.integers(-(10**6), 10**6),
        st.floats(1e-9, 1.0),
        st.booleans(),
        st.text(alphabet="abc/_-", min_size=1),
    )
)
def test_config_parse_override_roundtrip(value):
    raw = value if isinstance(value, str) else json.dumps(value)
    keys, parsed = parse_override(f"train.x={raw}")
    assert keys == ["train", "x"] and parsed == value


def test_config_hash_follows_settings(tmp_path):
    p = _write(tmp_path, MINIMAL["ner"])
    a, b = load_config(p, "ner"), load_config(p, "ner")
    assert config_hash(a) == config_hash(b)
    assert config_hash(a) != config_hash(load_config(p, "ner", ["train.seed=1"]))


def test_config_offline_environment(monkeypatch, tmp_path):
    for key in ("HF_HOME", "HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "0")  # a value already set is kept
    env = offline_environment(tmp_path / "hf")
    assert env["HF_HOME"] == str(tmp_path / "hf") == os.environ["HF_HOME"]
    assert env["HF_HUB_OFFLINE"] == "1" and env["TRANSFORMERS_OFFLINE"] == "1"
    assert env["HF_DATASETS_OFFLINE"] == "0"
