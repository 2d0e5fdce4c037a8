"""Choosing the engine and loading its models: rules, model or hybrid.

Models load lazily and only here: importing this module imports no torch. A missing or corrupt
checkpoint never fails a batch and is never silent: the engine falls back to rules and every
record says so in `warnings`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

ENGINES = ("rules", "model", "hybrid")
DEFAULT_MODEL_DIR = Path(__file__).resolve().parent.parent / "models" / "default"


@dataclass
class ModelSet:
    """The loaded models of a checkpoint folder (`ner/`, `table/`), or the reasons they are not."""

    ner: Any = None
    table: Any = None
    path: str | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def version(self) -> str | None:
        parts = [m.version for m in (self.ner, self.table) if m is not None]
        return "+".join(parts) if parts else None

    @property
    def any(self) -> bool:
        return self.ner is not None or self.table is not None


def model_present(path: Path | None = None) -> bool:
    """Whether a checkpoint folder with at least one model exists (cheap: no loading)."""
    root = Path(path) if path else DEFAULT_MODEL_DIR
    return any((root / part / "manifest.json").is_file() for part in ("ner", "table"))


def default_engine(path: Path | None = None) -> str:
    """hybrid when a model is present, else rules."""
    return "hybrid" if model_present(path) else "rules"


def load_models(path: Path | None = None) -> ModelSet:
    """Load `path/ner` and `path/table` (default: the shipped models); failures become warnings."""
    root = Path(path) if path else DEFAULT_MODEL_DIR
    out = ModelSet(path=str(root))
    if not root.is_dir():
        out.warnings.append(f"[E001] model folder {root} not found; fell back to the rules engine")
        return out
    loaders = {"ner": ("models.ner", "NerModel"), "table": ("models.table", "TableModel")}
    for part, (module, cls) in loaders.items():
        sub = root / part
        if not sub.exists():
            out.warnings.append(f"[E002] no {part} model in {root}; {part} from the rules engine")
            continue
        try:
            import importlib

            model_cls = getattr(importlib.import_module(module), cls)
            setattr(out, part, model_cls.load(sub))
        except ImportError as exc:
            out.warnings.append(
                f"[E003] the {part} model needs the ml extras ({exc.name} missing: pip install 'nianbao[ml]'); "
                "fell back to rules"
            )
        except Exception as exc:  # noqa: BLE001 - a corrupt checkpoint must fall back, loudly
            msg = " ".join(str(exc).split())[:300]
            out.warnings.append(
                f"[E004] {part} model at {sub} could not be loaded ({msg}); fell back to rules"
            )
    for w in out.warnings:
        log.warning("%s", w)
    return out
