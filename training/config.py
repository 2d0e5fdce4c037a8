"""Validated training configs: one file (JSON or TOML) per run plus dotted overrides.

    cfg = load_config("training/configs/pretrain-default.json", "pretrain", ["train.lr=3e-4"])

Every section forbids unknown keys (a typo is an error, never a silently ignored setting).
Relative paths in a config are relative to the current directory (the repository root when run
through `nianbao` or `make`). This is also the only module that touches the environment: see
`offline_environment`.
"""

from __future__ import annotations

import hashlib
import json
import os
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from models.encoder import EncoderError, EncoderSize, get_size

KINDS = ("pretrain", "ner", "table")
Noise = Literal["none", "low", "high"]
_REPO = Path(__file__).resolve().parents[1]


class ConfigError(ValueError):
    """A config file, key or value that cannot be used."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class ModelSection(_Section):
    """The encoder: a named size (models.encoder.SIZES) or explicit layers/hidden; or a base checkpoint."""

    size: str = Field("default", description="A named size from models.encoder.SIZES.")
    arch: Literal["bert", "convbert"] = Field(
        "bert", description="From scratch: BERT, or ConvBERT (convolution heads learn local patterns fast)."
    )
    layers: int | None = Field(None, ge=1, le=24, description="Overrides the size's layers (with hidden).")
    hidden: int | None = Field(None, ge=8, le=2048, description="Overrides the size's hidden width.")
    heads: int = Field(0, ge=0, description="Attention heads; 0 = hidden // 64 (at least 2).")
    intermediate: int = Field(0, ge=0, description="Feed-forward width; 0 = 4 * hidden.")
    max_positions: int = Field(512, ge=16, le=4096, description="Longest window, specials included.")
    dropout: float = Field(0.1, ge=0.0, lt=1.0)
    base: str | None = Field(None, description="Fine-tune from this local checkpoint dir (ours or HF).")

    @model_validator(mode="after")
    def _check_size(self) -> ModelSection:
        if (self.layers is None) != (self.hidden is None):
            raise ValueError(
                f"layers and hidden go together, got: layers={self.layers}, hidden={self.hidden}"
            )
        try:
            self.encoder_size()
        except EncoderError as exc:
            raise ValueError(str(exc)) from exc
        return self

    def encoder_size(self) -> EncoderSize:
        """The resolved encoder size."""
        if self.layers is not None and self.hidden is not None:
            return EncoderSize(self.layers, self.hidden, self.heads, self.intermediate).resolved()
        s = get_size(self.size)
        return EncoderSize(
            s.layers, s.hidden, self.heads or s.heads, self.intermediate or s.intermediate
        ).resolved()


class TokenizerSection(_Section):
    """How the char vocabulary is made (or which saved tokenizer to reuse)."""

    path: str | None = Field(None, description="Reuse the tokenizer of this directory instead of building.")
    min_freq: int = Field(2, ge=1, description="Characters seen fewer times map to [UNK].")
    max_vocab: int = Field(12000, ge=16)
    fold_traditional: bool = True


class PretrainData(_Section):
    """MLM texts: real report texts plus synthetic reports generated in-process."""

    corpus: list[str] = Field(default_factory=lambda: ["../shared/corpus"], description="Folders of .txt.")
    skip_spam: bool = Field(True, description="Leave out texts marked spam in a folder's index.jsonl.")
    corpus_repeat: int = Field(1, ge=0, le=100, description="Times each real text is seen per epoch.")
    synth_reports: int = Field(2000, ge=0, description="Synthetic reports (training.synth.generate_one).")
    synth_seed: int = 0
    noise: list[Noise] = Field(default_factory=lambda: ["none", "low", "high"], min_length=1)
    eval_fraction: float = Field(0.05, ge=0.0, lt=0.5, description="Texts held out (by hash) for eval loss.")


class FinetuneData(_Section):
    """A dataset built by `nianbao dataset build` (plus more, e.g. silver labels), and for retraining
    the corrected reports mixed with replay of `dataset` (`training.examples.mix_replay`)."""

    dataset: str = Field(..., description="The DatasetDict folder.")
    extra: list[str] = Field(default_factory=list, description="More dataset folders (train split used).")
    max_docs: int | None = Field(None, ge=1, description="Use at most this many training documents.")
    unaligned: Literal["skip", "mask"] = Field(
        "skip", description="Table: documents with unaligned cells are skipped or their table masked."
    )
    negatives: float = Field(
        0.1, ge=0.0, le=1.0, description="Table: share of the windows without any cell that are kept."
    )
    corrected: list[str] = Field(
        default_factory=list,
        description="Dataset folders of corrected (reviewed) reports, train split used (`train --data`).",
    )
    replay: float = Field(
        1.0,
        ge=0.0,
        le=100.0,
        description="With `corrected`: documents of `dataset` (+ `extra`) replayed per corrected copy; 0 = none.",
    )
    oversample: int = Field(
        0, ge=0, le=10000, description="Copies of each corrected document; 0 = auto (replay uses all data)."
    )


class TrainSection(_Section):
    """Optimisation, windows and reproducibility."""

    epochs: float = Field(1.0, gt=0)
    max_steps: int | None = Field(None, ge=1, description="Stop after this many optimizer steps.")
    batch_size: int = Field(8, ge=1)
    grad_accum: int = Field(1, ge=1)
    lr: float = Field(5e-4, gt=0, le=1)
    weight_decay: float = Field(0.01, ge=0)
    warmup_ratio: float = Field(0.06, ge=0, lt=1)
    max_grad_norm: float = Field(1.0, gt=0)
    seed: int = 0
    bf16: bool | None = Field(None, description="bf16 autocast; null = only where the CPU has native bf16.")
    threads: int = Field(2, ge=1, le=64)
    window: int = Field(512, ge=8, description="Tokens per window, [CLS]/[SEP] included.")
    stride: int = Field(64, ge=0, description="Tokens shared by consecutive windows.")
    log_every: int = Field(10, ge=1)
    eval_every: int | None = Field(None, ge=1, description="Evaluate every N steps (and at the end).")

    @model_validator(mode="after")
    def _check_window(self) -> TrainSection:
        if self.stride >= self.window - 2:
            raise ValueError(f"stride must be < window - 2, got: stride={self.stride}, window={self.window}")
        return self


class PretrainTrain(TrainSection):
    mlm_probability: float = Field(0.15, gt=0, lt=1, description="Share of characters masked.")


class DecodeSection(_Section):
    """Table decoding under the template identities."""

    top_k: int = Field(3, ge=1, le=20, description="Candidate keys per number token.")
    repair: bool = Field(True, description="Repair a damaged digit when the identities determine it.")


class OutSection(_Section):
    """Where the checkpoint goes and what it is called."""

    dir: str
    name: str = Field(..., min_length=1)
    version: str = "0.1.0"
    overwrite: bool = Field(False, description="Replace an existing checkpoint in dir.")
    dtype: Literal["float32", "bfloat16", "float16"] = Field("float32", description="Weights on disk.")


class PretrainConfig(_Section):
    """`nianbao train pretrain`: a BertForMaskedLM on real + synthetic report texts."""

    kind: Literal["pretrain"] = "pretrain"
    model: ModelSection = Field(default_factory=ModelSection)
    tokenizer: TokenizerSection = Field(default_factory=TokenizerSection)
    data: PretrainData = Field(default_factory=PretrainData)
    train: PretrainTrain = Field(default_factory=PretrainTrain)
    out: OutSection

    @model_validator(mode="after")
    def _check(self) -> PretrainConfig:
        return _check_window(self)


class NerConfig(_Section):
    """`nianbao train ner`: token classification (BIO over AGENCY, COUNT, AMOUNT, DATE)."""

    kind: Literal["ner"] = "ner"
    model: ModelSection = Field(default_factory=ModelSection)
    data: FinetuneData
    train: TrainSection = Field(default_factory=TrainSection)
    out: OutSection

    @model_validator(mode="after")
    def _check(self) -> NerConfig:
        return _check_window(self)


class TableConfig(_Section):
    """`nianbao train table`: number tokens in table regions -> template cell keys."""

    kind: Literal["table"] = "table"
    scheme: Literal["factored", "keys"] = Field(
        "factored", description="Labels: row x column softmax groups (factored) or B-/I- per cell key."
    )
    token_types: Literal["figure_ordinal"] | None = Field(
        "figure_ordinal",
        description="Token type input: each figure's ordinal since the last label (or none).",
    )
    model: ModelSection = Field(default_factory=ModelSection)
    data: FinetuneData
    train: TrainSection = Field(default_factory=TrainSection)
    decode: DecodeSection = Field(default_factory=DecodeSection)
    out: OutSection

    @model_validator(mode="after")
    def _check(self) -> TableConfig:
        return _check_window(self)


Config = PretrainConfig | NerConfig | TableConfig
_CLASSES: dict[str, type[BaseModel]] = {"pretrain": PretrainConfig, "ner": NerConfig, "table": TableConfig}


def _check_window(cfg: Any) -> Any:
    if cfg.model.base is None and cfg.train.window > cfg.model.max_positions:
        raise ValueError(
            f"train.window exceeds model.max_positions, got: {cfg.train.window} > {cfg.model.max_positions}"
        )
    return cfg


# --- loading ----------------------------------------------------------------------------------


def read_config_file(path: str | Path) -> dict[str, Any]:
    """The raw dict of a .json or .toml config file ([C002] missing/unsupported, [C003] unparsable)."""
    p = Path(path)
    if not p.is_file():
        raise ConfigError(f"[C002] config file not found, got: {str(p)!r}")
    try:
        if p.suffix == ".json":
            with open(p, encoding="utf-8") as fh:
                data = json.load(fh)
        elif p.suffix == ".toml":
            with open(p, "rb") as fh:
                data = tomllib.load(fh)
        else:
            raise ConfigError(f"[C002] config must be .json or .toml, got: {p.name!r}")
    except (json.JSONDecodeError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"[C003] config {str(p)!r} unparsable: {exc}") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"[C003] config {str(p)!r} must hold an object, got: {type(data).__name__}")
    return data


def parse_override(item: str) -> tuple[list[str], Any]:
    """`section.key=value` -> (["section", "key"], value); the value is JSON when it parses, else a string."""
    key, sep, raw = item.partition("=")
    parts = key.strip().split(".")
    if not sep or not all(parts):
        raise ConfigError(f"[C004] override must look like section.key=value, got: {item!r}")
    try:
        value = json.loads(raw)
    except json.JSONDecodeError:
        value = raw
    return parts, value


def apply_overrides(data: dict[str, Any], overrides: list[str], cls: type[BaseModel]) -> dict[str, Any]:
    """A copy of `data` with the dotted overrides set; a key the config does not have is [C005]."""
    out = json.loads(json.dumps(data))
    for item in overrides:
        parts, value = parse_override(item)
        model: type[BaseModel] | None = cls
        node = out
        for i, part in enumerate(parts):
            if model is None or part not in model.model_fields:
                raise ConfigError(
                    f"[C005] unknown config key {'.'.join(parts[: i + 1])!r} in override {item!r}"
                )
            ann = model.model_fields[part].annotation
            model = ann if isinstance(ann, type) and issubclass(ann, BaseModel) else None
            if i == len(parts) - 1:
                node[part] = value
            else:
                if not isinstance(node.get(part), dict):
                    node[part] = {}
                node = node[part]
    return out


def validate_config(data: dict[str, Any], kind: str) -> Config:
    """Validate a raw dict as the config of `kind` ([C001] unknown kind, [C006] invalid)."""
    if kind not in _CLASSES:
        raise ConfigError(f"[C001] config kind must be one of {KINDS}, got: {kind!r}")
    if "kind" in data and data["kind"] != kind:
        raise ConfigError(f"[C001] config is for {data['kind']!r}, not {kind!r}")
    try:
        return _CLASSES[kind].model_validate(data)  # type: ignore[return-value]
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(x) for x in e['loc']) or '<root>'}: {e['msg']}, got: {e.get('input')!r}"
            for e in exc.errors()
        )
        raise ConfigError(f"[C006] invalid {kind} config: {problems}") from exc


def load_config(path: str | Path, kind: str, overrides: list[str] | None = None) -> Config:
    """Read, override and validate a config file.

    Args:
        path: a .json or .toml file.
        kind: "pretrain" | "ner" | "table".
        overrides: dotted assignments such as `train.lr=3e-4` or `data.noise=["high"]`.
    """
    if kind not in _CLASSES:
        raise ConfigError(f"[C001] config kind must be one of {KINDS}, got: {kind!r}")
    data = apply_overrides(read_config_file(path), overrides or [], _CLASSES[kind])
    return validate_config(data, kind)


def config_hash(cfg: BaseModel) -> str:
    """sha256 (hex, 16 chars) of the config's canonical JSON: same settings, same hash."""
    blob = json.dumps(cfg.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:16]


def offline_environment(cache_dir: str | Path | None = None) -> dict[str, str]:
    """Point Hugging Face caches at a project folder and forbid network use (set only if unset).

    Returns the variables as they now stand. Called by the training entry points before any
    transformers/datasets import does its work.
    """
    cache = Path(cache_dir) if cache_dir is not None else _REPO / ".cache" / "hf"
    wanted = {
        "HF_HOME": str(cache),
        "HF_DATASETS_CACHE": str(cache / "datasets"),
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "HF_DATASETS_OFFLINE": "1",
        "HF_HUB_DISABLE_TELEMETRY": "1",
        "TOKENIZERS_PARALLELISM": "false",
    }
    for key, value in wanted.items():
        os.environ.setdefault(key, value)
    return {key: os.environ[key] for key in wanted}
