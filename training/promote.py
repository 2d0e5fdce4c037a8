"""`nianbao models promote`: a candidate replaces the default models only if it does not regress.

    candidate (a folder with ner/ and/or table/, or one checkpoint) + the current default
    -> both run as `nianbao extract` runs them (engine hybrid) on a fixed evaluation set
    -> headline metrics (`training.registry.HEADLINE`): cell accuracy with blank = 0, entity
       strict F1, document-field accuracy (`extraction.evaluate`, the scores of `nianbao eval`)
    -> promoted when none is lower than the default's (TOLERANCE 0: equal passes, any drop refuses)
    -> the candidate's parts are copied over the default's; a registry line per part either way

The evaluation set is `--eval DIR` (gold records with their texts), else ../shared (gold +
seeds) when present, else a fixed synthetic set generated once into .cache (fixed seed, size and
generator version). Its hash (names and sha256 of every gold record and text) is recorded, so two
registry lines compare only when their hashes match. The default is the candidate's baseline
part by part: a candidate with only ner/ is judged with the default's table model beside it.
A default without models is the rules engine.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from training.registry import HEADLINE, RegistryEntry, append_entry, default_registry, split_data_hash

log = logging.getLogger(__name__)

TOLERANCE = 0.0  # a headline metric lower than the default's by more than this refuses the candidate
PARTS = ("ner", "table")
ENGINES = ("hybrid", "model")
SYNTH_EVAL = {"n": 24, "seed": 20250, "noise": "low", "version": "mix"}  # the fixed fallback set
_REPO = Path(__file__).resolve().parents[1]
SHARED = _REPO.parent / "shared"


class PromoteError(ValueError):
    """A promotion that cannot be judged: no candidate, a damaged checkpoint, no evaluation set."""


@dataclass
class EvalSet:
    """A fixed evaluation set: gold records (`gold_dir`) and the text of each, with a content hash."""

    name: str
    gold_dir: Path
    texts: dict[str, Path]  # gold record file name -> its text
    hash: str

    def describe(self) -> dict[str, Any]:
        """What a registry line records about the set."""
        return {"name": self.name, "hash": self.hash, "docs": len(self.texts), "path": str(self.gold_dir)}


@dataclass
class Promotion:
    """The outcome of `promote`: the decision, the numbers and the registry lines written."""

    promoted: bool
    message: str
    candidate: dict[str, float | None]
    baseline: dict[str, float | None]
    eval_set: EvalSet
    entries: list[RegistryEntry] = field(default_factory=list)


# --- the evaluation set ---------------------------------------------------------------------


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def load_eval_set(gold_dir: Path, name: str | None = None) -> EvalSet:
    """The gold records of a folder with their texts (beside them, or in a sibling `seeds/`).

    Raises:
        PromoteError: [U010] not a folder or no gold record; [U011] a record's text is missing.
    """
    from extraction.evaluate import SIDECAR_SUFFIXES

    gold_dir = Path(gold_dir)
    if not gold_dir.is_dir():
        raise PromoteError(f"[U010] evaluation set is not a folder, got: {str(gold_dir)!r}")
    texts: dict[str, Path] = {}
    digest = hashlib.sha256()
    for path in sorted(gold_dir.glob("*.json")):
        if path.name.endswith(SIDECAR_SUFFIXES):
            continue
        with open(path, encoding="utf-8") as fh:
            rec = json.load(fh)
        if not isinstance(rec, dict) or not isinstance(rec.get("doc"), str) or "entities" not in rec:
            continue  # not a gold record (e.g. a generator's manifest.json)
        doc = Path(rec["doc"]).name
        text = next((b / doc for b in (gold_dir, gold_dir.parent / "seeds") if (b / doc).is_file()), None)
        if text is None:
            raise PromoteError(
                f"[U011] the text of gold record {path.name!r} ({doc!r}) is neither beside it nor in "
                f"{str(gold_dir.parent / 'seeds')!r}"
            )
        texts[path.name] = text
        digest.update(f"{path.name}\t{_sha256(path)}\t{doc}\t{_sha256(text)}\n".encode())
    if not texts:
        raise PromoteError(f"[U010] no gold record in the evaluation set, got: {str(gold_dir)!r}")
    return EvalSet(name or gold_dir.name, gold_dir, texts, digest.hexdigest())


def synthetic_eval_set(cache_dir: Path | None = None) -> Path:
    """The fixed synthetic evaluation set (`SYNTH_EVAL`), generated once into the cache."""
    from training.synth import generate
    from training.synth.gold import GENERATOR_VERSION

    s = SYNTH_EVAL
    base = Path(cache_dir) if cache_dir is not None else _REPO / ".cache" / "eval"
    out = base / f"{GENERATOR_VERSION}-s{s['seed']}-n{s['n']}-{s['noise']}"
    if (out / "manifest.json").is_file():
        return out
    base.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".synth-eval-", dir=base))
    generate(int(s["n"]), int(s["seed"]), tmp, noise=str(s["noise"]), version=str(s["version"]), workers=1)
    if out.exists():  # made meanwhile by another run: same seed, same files
        shutil.rmtree(tmp)
    else:
        tmp.rename(out)
    return out


def resolve_eval_set(eval_dir: Path | None = None, cache_dir: Path | None = None) -> EvalSet:
    """`eval_dir`, else ../shared/gold (texts in ../shared/seeds) when present, else the synthetic set."""
    if eval_dir is not None:
        return load_eval_set(eval_dir)
    if (SHARED / "gold").is_dir() and (SHARED / "seeds").is_dir():
        return load_eval_set(SHARED / "gold", name="shared-gold")
    path = synthetic_eval_set(cache_dir)
    return load_eval_set(path, name=f"synth-eval:{path.name}")


# --- scoring --------------------------------------------------------------------------------


def score_models(models: Any, eval_set: EvalSet, engine: str = "hybrid") -> dict[str, float | None]:
    """Headline (and a few more) metrics of a `ModelSet` on the evaluation set, `nianbao eval`'s scores.

    A report the engine cannot read counts as not predicted (every metric of it wrong).
    """
    from extraction.evaluate import evaluate
    from extraction.io import ReadError
    from extraction.pipeline import NotAReportError, extract_path

    with tempfile.TemporaryDirectory(prefix="nianbao-promote-") as tmp:
        pred = Path(tmp) / "pred.jsonl"
        with open(pred, "w", encoding="utf-8") as fh:
            for name, text in sorted(eval_set.texts.items()):
                try:
                    rec = extract_path(text, engine=engine, models=models)
                except (ReadError, NotAReportError) as exc:
                    log.warning("evaluation report %s not extracted: %s", name, exc)
                    continue
                fh.write(json.dumps(rec.to_json(), ensure_ascii=False) + "\n")
        m = evaluate(eval_set.gold_dir, pred).metrics
    return {
        "cells_blank_eq_zero": m["cells"]["blank_eq_zero"],
        "entity_strict_f1": m["entities"]["strict"]["f1"],
        "fields_accuracy": m["fields"]["accuracy"],
        "cells_strict": m["cells"]["strict"],
        "entity_overlap_f1": m["entities"]["overlap"]["f1"],
        "findings_f1": m["findings"]["f1"],
    }


def regressions(
    candidate: dict[str, float | None], baseline: dict[str, float | None], tolerance: float = TOLERANCE
) -> list[str]:
    """The headline metrics on which the candidate is worse than the baseline, each with its numbers."""
    out = []
    for key, name in HEADLINE:
        c, b = candidate.get(key), baseline.get(key)
        if b is not None and (c is None or c < b - tolerance):
            digits = 4  # enough digits that the two numbers shown differ
            while c is not None and digits < 12 and _f(c, digits) == _f(b, digits):
                digits += 2
            out.append(f"{name} {_f(c, digits)} < {_f(b, digits)}")
    return out


def _f(x: float | None, digits: int = 4) -> str:
    return "none" if x is None else f"{x:.{digits}f}"


def _comparison(candidate: dict[str, float | None], baseline: dict[str, float | None]) -> str:
    return ", ".join(f"{name} {_f(candidate.get(k))} vs {_f(baseline.get(k))}" for k, name in HEADLINE)


# --- candidate and default ------------------------------------------------------------------


def candidate_parts(candidate: Path) -> dict[str, Path]:
    """The parts of a candidate: one checkpoint folder (its manifest's kind), or `ner/` and/or `table/`.

    Raises:
        PromoteError: [U001] no ner or table checkpoint; [U002] a damaged one.
    """
    from models.artifacts import MANIFEST, CheckpointError, read_manifest, verify_files

    candidate = Path(candidate)
    if (candidate / MANIFEST).is_file():
        parts = {"": candidate}
    else:
        parts = {k: candidate / k for k in PARTS if (candidate / k / MANIFEST).is_file()}
    if not parts:
        raise PromoteError(
            f"[U001] no candidate model: give a checkpoint folder or one holding ner/ and/or table/, "
            f"got: {str(candidate)!r}"
        )
    out: dict[str, Path] = {}
    for kind, path in parts.items():
        try:
            manifest = read_manifest(path)
            verify_files(path, manifest)
        except CheckpointError as exc:
            raise PromoteError(f"[U002] candidate {str(path)!r} is not usable: {exc}") from exc
        if manifest.kind not in PARTS or (kind and manifest.kind != kind):
            raise PromoteError(
                f"[U001] candidate {str(path)!r} must be a ner or table checkpoint in a folder of its kind, "
                f"got: {manifest.kind!r}"
            )
        out[manifest.kind] = path
    return out


def _load_part(kind: str, path: Path, threads: int) -> Any:
    from models.artifacts import CheckpointError

    try:
        if kind == "ner":
            from models.ner import NerModel

            return NerModel.load(path, threads=threads)
        from models.table import TableModel

        return TableModel.load(path, threads=threads)
    except CheckpointError as exc:
        raise PromoteError(f"[U002] candidate {str(path)!r} could not be loaded: {exc}") from exc


def install(src: Path, dest: Path) -> None:
    """Copy a checkpoint's files (those its manifest lists, and the manifest) over `dest`, checked
    against their sha256 before the old one is replaced."""
    from models.artifacts import MANIFEST, read_manifest, verify_files

    manifest = read_manifest(src)
    dest.parent.mkdir(parents=True, exist_ok=True)
    incoming, old = dest.with_name(f".{dest.name}.incoming"), dest.with_name(f".{dest.name}.old")
    for leftover in (incoming, old):
        if leftover.exists():
            shutil.rmtree(leftover)
    incoming.mkdir()
    for name in [*manifest.files, MANIFEST]:
        shutil.copy2(src / name, incoming / name)
    verify_files(incoming, read_manifest(incoming))
    if dest.exists():
        dest.rename(old)
    incoming.rename(dest)
    if old.exists():
        shutil.rmtree(old)


# --- the decision ---------------------------------------------------------------------------


def promote(
    candidate: Path,
    default_dir: Path | None = None,
    eval_dir: Path | None = None,
    registry: Path | None = None,
    engine: str = "hybrid",
    threads: int = 1,
    cache_dir: Path | None = None,
) -> Promotion:
    """Judge a candidate against the default on the evaluation set; install it when nothing regresses.

    Args:
        candidate: a folder with `ner/` and/or `table/` checkpoints, or one checkpoint folder.
        default_dir: the default model folder (`extraction.engine.DEFAULT_MODEL_DIR`).
        eval_dir: gold records with texts (default: ../shared, else the fixed synthetic set).
        registry: the registry file (default: `registry.jsonl` beside `default_dir`).
        engine: how both are run: "hybrid" (as `nianbao extract` runs them) or "model".
        threads: torch threads.
        cache_dir: where the synthetic evaluation set is generated (default .cache/eval).

    Returns:
        The `Promotion`; a registry line per candidate part was appended either way.

    Raises:
        PromoteError: a bad engine, candidate, default or evaluation set.
    """
    from extraction.engine import DEFAULT_MODEL_DIR, ModelSet, load_models
    from models.artifacts import MANIFEST, read_manifest
    from models.ner import model_version

    if engine not in ENGINES:
        raise PromoteError(f"[U003] engine must be one of {ENGINES}, got: {engine!r}")
    default_dir = Path(default_dir) if default_dir is not None else DEFAULT_MODEL_DIR
    parts = candidate_parts(candidate)
    for kind, path in parts.items():
        if path.resolve() == (default_dir / kind).resolve():
            raise PromoteError(f"[U004] the candidate is the default itself, got: {str(path)!r}")
    eval_set = resolve_eval_set(eval_dir, cache_dir)
    baseline_models = load_models(default_dir) if default_dir.is_dir() else ModelSet(path=str(default_dir))
    models = ModelSet(ner=baseline_models.ner, table=baseline_models.table, path=str(candidate))
    for kind, path in parts.items():
        setattr(models, kind, _load_part(kind, path, threads))
    from models.encoder import set_threads

    set_threads(threads)
    base_version = baseline_models.version or "rules"
    log.info(
        "scoring the default (%s) and the candidate (%s) on %s", base_version, models.version, eval_set.name
    )
    baseline = score_models(baseline_models, eval_set, engine)
    scores = score_models(models, eval_set, engine)
    worse = regressions(scores, baseline)
    where = f"on {eval_set.name} ({len(eval_set.texts)} docs, {eval_set.hash[:12]}, engine {engine})"
    if worse:
        reason = "; ".join(worse) + f" (default {base_version})"
        message = f"refused {models.version}: {reason} {where}"
    else:
        reason = f"no headline metric regressed: {_comparison(scores, baseline)} (default {base_version})"
        message = f"promoted {models.version} to {default_dir}: {_comparison(scores, baseline)} {where}"
    registry = Path(registry) if registry is not None else default_registry(default_dir)
    entries = []
    for kind, path in sorted(parts.items()):
        manifest = read_manifest(path)
        entry = RegistryEntry(
            version=model_version(manifest),
            kind=kind,
            path=str(path),
            manifest_sha256=_sha256(path / MANIFEST),
            data_hashes=split_data_hash(manifest.data_hash),
            eval_set=eval_set.describe(),
            engine=engine,
            metrics={k: _round(v) for k, v in scores.items()},
            baseline={"version": base_version, "metrics": {k: _round(v) for k, v in baseline.items()}},
            decision="refused" if worse else "promoted",
            reason=reason,
            base=manifest.base,
        )
        if not worse:
            install(path, default_dir / kind)
        append_entry(registry, entry)
        entries.append(entry)
    log.info("%s", message)
    return Promotion(not worse, message, scores, baseline, eval_set, entries)


def _round(x: float | None) -> float | None:
    return None if x is None else round(x, 6)
