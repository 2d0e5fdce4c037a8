"""Self-describing checkpoints: weights (safetensors), tokenizer, config with label maps, manifest.

A checkpoint directory holds:

- `config.json` (transformers config, `id2label`/`label2id` for ner and table models),
- `model.safetensors` (fp32, or bf16/fp16 to halve the size: loading always returns fp32),
- `tokenizer.json` + `tokenizer_config.json`,
- `manifest.json`: what the model is (name, kind, version, base, labels), what it was trained on
  (data hash, config), how good it is (metrics), with what (library versions), and the sha256
  of every file, so a damaged file is an error at load time, never a silent wrong prediction.

`load_checkpoint` turns every way a checkpoint can be missing or corrupt into a
`CheckpointError` with a code: nothing surfaces from deep inside torch. Only local directories
are ever read; the Hub is never contacted.
"""

from __future__ import annotations

import copy
import hashlib
import json
import logging
import platform
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

FORMAT = "nianbao.checkpoint.v1"
KINDS = ("encoder", "ner", "table")
MANIFEST = "manifest.json"
WEIGHTS = "model.safetensors"
# The transformers Auto class each kind loads with.
MODEL_CLASSES = {
    "encoder": "AutoModelForMaskedLM",
    "ner": "AutoModelForTokenClassification",
    "table": "AutoModelForTokenClassification",
}
_DTYPES = ("float32", "bfloat16", "float16")
_REPO = Path(__file__).resolve().parents[1]


class CheckpointError(ValueError):
    """A checkpoint that is missing, incomplete, corrupt or of the wrong kind."""


@dataclass
class Manifest:
    """What a checkpoint is, what it was trained on and how well it does.

    `files` (name -> sha256) is filled by `save_checkpoint`; `format` versions this layout.
    """

    name: str
    kind: str
    version: str
    base: str | None = None
    labels: list[str] = field(default_factory=list)
    data_hash: str = ""
    metrics: dict[str, Any] = field(default_factory=dict)
    config: dict[str, Any] = field(default_factory=dict)
    libraries: dict[str, str] = field(default_factory=dict)
    created: str = ""
    files: dict[str, str] = field(default_factory=dict)
    format: str = FORMAT

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise CheckpointError(f"[M003] manifest kind must be one of {KINDS}, got: {self.kind!r}")
        if not self.name or not self.version:
            raise CheckpointError(
                f"[M003] manifest needs a name and a version, got: {self.name!r}, {self.version!r}"
            )
        if not self.created:
            self.created = datetime.now(UTC).isoformat(timespec="seconds")
        if not self.libraries:
            self.libraries = library_versions()

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Manifest:
        """Parse a manifest dict; unknown or missing fields are a `CheckpointError` [M003]."""
        if not isinstance(data, dict):
            raise CheckpointError(f"[M003] manifest must be a JSON object, got: {type(data).__name__}")
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise CheckpointError(f"[M003] unknown manifest fields: {unknown}")
        try:
            return cls(**data)
        except TypeError as exc:
            raise CheckpointError(f"[M003] manifest incomplete: {exc}") from exc


def library_versions() -> dict[str, str]:
    """Versions of python and of the libraries a checkpoint depends on (those importable)."""
    from importlib import metadata

    out = {"python": platform.python_version()}
    for lib in ("torch", "transformers", "tokenizers", "safetensors", "nianbao"):
        try:
            out[lib] = metadata.version(lib)
        except metadata.PackageNotFoundError:
            continue
    return out


def file_sha256(path: Path) -> str:
    """sha256 (hex) of a file, read in 1 MiB blocks."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def save_checkpoint(
    model: Any, tokenizer: Any, out_dir: str | Path, manifest: Manifest, dtype: str = "float32"
) -> Path:
    """Write a self-describing checkpoint into `out_dir` (created; existing files replaced).

    Args:
        model: a transformers model (its config gets the manifest's labels as id2label/label2id).
        tokenizer: its tokenizer.
        out_dir: the checkpoint directory.
        manifest: name, kind, version, labels, data hash, metrics, config; `files` is filled here.
        dtype: weights on disk: "float32", "bfloat16" or "float16" (half the size; the model
            in memory is not changed, loading returns float32).
    """
    if dtype not in _DTYPES:
        raise CheckpointError(f"[M012] dtype must be one of {_DTYPES}, got: {dtype!r}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    _set_labels(model, manifest)
    import transformers

    transformers.utils.logging.disable_progress_bar()
    to_save = model
    if dtype != "float32":
        import torch

        to_save = copy.deepcopy(model).to(getattr(torch, dtype))
    to_save.save_pretrained(str(out), safe_serialization=True)
    tokenizer.save_pretrained(str(out))
    manifest.files = {
        p.name: file_sha256(p) for p in sorted(out.iterdir()) if p.is_file() and p.name != MANIFEST
    }
    with open(out / MANIFEST, "w", encoding="utf-8") as fh:
        json.dump(manifest.to_json(), fh, ensure_ascii=False, indent=1)
    log.info("checkpoint %s (%s %s) -> %s", manifest.name, manifest.kind, manifest.version, out)
    return out


def _set_labels(model: Any, manifest: Manifest) -> None:
    if not manifest.labels:
        return
    n = int(getattr(model.config, "num_labels", 0))
    if n != len(manifest.labels):
        raise CheckpointError(
            f"[M013] model has {n} labels but the manifest lists {len(manifest.labels)}: {manifest.labels[:5]}..."
        )
    model.config.id2label = dict(enumerate(manifest.labels))
    model.config.label2id = {label: i for i, label in enumerate(manifest.labels)}


def read_manifest(path: str | Path) -> Manifest:
    """The manifest of a checkpoint directory ([M001] no directory, [M002] none, [M003] unreadable)."""
    p = Path(path)
    if not p.is_dir():
        raise CheckpointError(f"[M001] checkpoint directory not found, got: {str(p)!r}")
    mpath = p / MANIFEST
    if not mpath.is_file():
        raise CheckpointError(f"[M002] no {MANIFEST} in checkpoint {str(p)!r}")
    try:
        with open(mpath, encoding="utf-8") as fh:
            data = json.load(fh)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CheckpointError(f"[M003] {MANIFEST} in {str(p)!r} unreadable: {exc}") from exc
    return Manifest.from_json(data)


def verify_files(path: str | Path, manifest: Manifest) -> None:
    """Check every file the manifest lists exists with its recorded sha256 ([M006], [M010])."""
    p = Path(path)
    if WEIGHTS not in manifest.files:
        raise CheckpointError(f"[M006] manifest of {str(p)!r} lists no {WEIGHTS}")
    for name, digest in manifest.files.items():
        f = p / name
        if not f.is_file():
            raise CheckpointError(f"[M006] checkpoint {str(p)!r} is missing {name!r}")
        if file_sha256(f) != digest:
            raise CheckpointError(
                f"[M010] {name!r} in {str(p)!r} does not match its manifest checksum (damaged)"
            )


def load_checkpoint(
    path: str | Path, kind: str, *, model_class: str | None = None
) -> tuple[Any, Any, Manifest]:
    """Load (model in eval mode, float32; tokenizer; manifest) from a checkpoint directory.

    Args:
        path: the checkpoint directory (written by `save_checkpoint`).
        kind: "encoder" | "ner" | "table"; must match the manifest.
        model_class: a transformers Auto class name to load with instead of `MODEL_CLASSES[kind]`.

    Raises:
        CheckpointError: [M001] no directory, [M002] no manifest, [M003] bad manifest, [M004]
            wrong kind, [M005] bad config.json, [M006] missing file, [M007] unreadable weights,
            [M008] weights that do not fit the config, [M009] bad tokenizer, [M010] checksum.
    """
    if kind not in KINDS:
        raise CheckpointError(f"[M004] kind must be one of {KINDS}, got: {kind!r}")
    p = Path(path)
    manifest = read_manifest(p)
    if manifest.kind != kind:
        raise CheckpointError(f"[M004] checkpoint {str(p)!r} is a {manifest.kind!r} model, not {kind!r}")
    verify_files(p, manifest)
    config = _load_config(p)
    model = _load_weights(p, config, model_class or MODEL_CLASSES[kind])
    if manifest.labels and [config.id2label[i] for i in range(config.num_labels)] != manifest.labels:
        raise CheckpointError(f"[M005] config.json labels of {str(p)!r} differ from the manifest's")
    from models.tokenizer import TokenizerError, load_tokenizer

    try:
        tokenizer = load_tokenizer(p)
    except TokenizerError as exc:
        raise CheckpointError(f"[M009] tokenizer of {str(p)!r}: {exc}") from exc
    if len(tokenizer) > config.vocab_size:
        raise CheckpointError(
            f"[M009] tokenizer of {str(p)!r} has {len(tokenizer)} entries, the model only {config.vocab_size}"
        )
    return model, tokenizer, manifest


def _load_config(p: Path) -> Any:
    from transformers import AutoConfig

    if not (p / "config.json").is_file():
        raise CheckpointError(f"[M006] checkpoint {str(p)!r} is missing 'config.json'")
    try:
        return AutoConfig.from_pretrained(str(p), local_files_only=True)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise CheckpointError(f"[M005] config.json of {str(p)!r} unreadable: {exc}") from exc


def _load_weights(p: Path, config: Any, class_name: str) -> Any:
    import torch
    import transformers
    from safetensors import SafetensorError, safe_open

    try:  # read the header first: a truncated or foreign file fails here, with a clear message
        with safe_open(str(p / WEIGHTS), framework="pt") as fh:
            fh.keys()
    except (SafetensorError, OSError) as exc:
        raise CheckpointError(f"[M007] weights of {str(p)!r} unreadable: {exc}") from exc
    auto = getattr(transformers, class_name, None)
    if auto is None:
        raise CheckpointError(f"[M004] unknown model class, got: {class_name!r}")
    transformers.utils.logging.disable_progress_bar()
    try:
        model, info = auto.from_pretrained(
            str(p), config=config, dtype=torch.float32, local_files_only=True, output_loading_info=True
        )
    except (SafetensorError, OSError, ValueError, RuntimeError, KeyError) as exc:
        raise CheckpointError(f"[M007] weights of {str(p)!r} could not be loaded: {exc}") from exc
    bad = {k: sorted(v) for k, v in info.items() if k != "error_msgs" and v}
    if bad or info.get("error_msgs"):
        raise CheckpointError(
            f"[M008] weights of {str(p)!r} do not fit its config: {bad or info['error_msgs']}"
        )
    model.eval()
    return model


def resolve_base(path_or_name: str | Path) -> Path:
    """A local base-model directory (ours or any HF checkpoint, e.g. a user's bert-base-chinese).

    Accepts a path, or a name under the repository's `models/` folder. Never the Hub.
    Raises `CheckpointError` [M011] when no such directory with a config.json exists.
    """
    raw = Path(path_or_name).expanduser()
    for cand in (raw, _REPO / "models" / raw):
        if cand.is_dir() and (cand / "config.json").is_file():
            return cand.resolve()
    raise CheckpointError(
        f"[M011] base model not found (a local directory with config.json; the Hub is never used), "
        f"got: {str(path_or_name)!r}"
    )
