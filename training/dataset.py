"""`nianbao dataset build`: folders of gold records -> an HF `DatasetDict` with char-level labels.

Each folder holds records in the spec format (NAME.json) with their text beside them (the file
named by `doc`; for ../shared/gold the texts live in the sibling ../seeds), optionally with a
generator sidecar NAME.meta.json (`cells` offsets, `rendering`, `noise`, `damaged`). Every
character of the original text gets two labels: `ner_tags` (BIO over the entity labels) and
`cell_tags` (B-/I- cell key on each table cell's number token). Documents are split by a hash
of their text, never by window, so one report never sits in two splits; folders can be forced
into one split: `eval_only` (test, e.g. the hand-made gold) and `train_only` (train, e.g. a few
corrected reports for retraining, which the hash split would partly put aside).

`datasets` is imported only inside `build_dataset` / `load_dataset_dir`.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from training.align import CellAlignment, label_record
from training.card import SPLITS, DatasetCard, content_hash, label_counts
from training.labels import CELL_LABELS, NER_LABELS, TagError

log = logging.getLogger(__name__)

SPLIT_RULE = "int(sha256(text), 16) % 100: < 80 train, < 90 validation, else test"
_REPO = Path(__file__).resolve().parents[1]

# The card and its counts live in `training.card`; they are re-exported here.
__all__ = [
    "SPLITS",
    "SPLIT_RULE",
    "STRING_COLUMNS",
    "Collected",
    "DatasetCard",
    "DatasetError",
    "SourceDoc",
    "build_dataset",
    "collect_examples",
    "content_hash",
    "decode_rows",
    "doc_hash",
    "iter_source_docs",
    "label_counts",
    "load_dataset_dir",
    "make_card",
    "make_example",
    "split_of",
]


class DatasetError(ValueError):
    """A dataset build that cannot go on: bad arguments, an unreadable record, an existing output."""


@dataclass
class SourceDoc:
    """One gold record read from a folder, with its text and generator metadata."""

    path: Path  # the record's JSON file
    record: dict[str, Any]
    text: str
    rendering: str
    noise: str
    meta: dict[str, Any] = field(default_factory=dict)


def doc_hash(text: str) -> str:
    """The document's identity for splitting and versioning: sha256 of its text (hex)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def split_of(text_hash: str) -> str:
    """The split a document belongs to, from its text hash (stable across runs and machines)."""
    bucket = int(text_hash, 16) % 100
    return "train" if bucket < 80 else "validation" if bucket < 90 else "test"


# --- reading folders ------------------------------------------------------------------------


def _read_text(path: Path) -> str:
    from extraction.io import ReadError, read_document

    try:
        return read_document(path).text
    except ReadError as exc:
        raise DatasetError(f"[D004] text unreadable: {exc}") from exc


def _find_text(folder: Path, doc: str, text_dir: Path | None) -> Path | None:
    """The record's text: beside it, in `text_dir`, or in the sibling `seeds` folder (shared/gold)."""
    for base in (folder, text_dir, folder.parent / "seeds"):
        if base is not None and (base / doc).is_file():
            return base / doc
    return None


def _rendering(meta: dict[str, Any], text_path: Path) -> str:
    """How the text was rendered: the sidecar's word, else file type and table layouts (txt:tab)."""
    if meta.get("rendering"):
        return str(meta["rendering"])
    base = str(meta.get("file") or text_path.suffix.lstrip(".").lower() or "text")
    by_table = meta.get("renderings")
    layouts = "+".join(sorted({str(v) for v in by_table.values()})) if isinstance(by_table, dict) else ""
    return f"{base}:{layouts}" if layouts else base


def _is_record(data: Any) -> bool:
    return isinstance(data, dict) and isinstance(data.get("doc"), str) and "entities" in data


def iter_source_docs(folder: Path, text_dir: Path | None = None) -> Iterator[SourceDoc | tuple[Path, str]]:
    """Read every record of a folder (non-recursive, sorted by name).

    Yields a `SourceDoc` per record, or `(path, reason)` for a JSON file that is not a record or
    whose text cannot be found; the caller records those in the card.
    """
    for path in sorted(folder.glob("*.json")):
        if path.name.endswith(".meta.json") or path.name == "manifest.json":
            continue  # sidecars are read with their record; manifest.json is the generator's run log
        with open(path, encoding="utf-8") as f:
            try:
                data = json.load(f)
            except (json.JSONDecodeError, UnicodeDecodeError) as exc:
                yield path, f"invalid JSON: {exc}"
                continue
        if not _is_record(data):
            yield path, "not a record (needs `doc` and `entities`)"
            continue
        text_path = _find_text(folder, data["doc"], text_dir)
        if text_path is None:
            yield path, f"text {data['doc']!r} not found beside the record, in --text-dir, or in ../seeds"
            continue
        meta: dict[str, Any] = {}
        meta_path = path.with_name(path.name[: -len(".json")] + ".meta.json")
        try:
            if meta_path.is_file():
                with open(meta_path, encoding="utf-8") as f:
                    meta = json.load(f)
            text = _read_text(text_path)
            if not isinstance(meta, dict):
                raise DatasetError(
                    f"[D006] sidecar {meta_path.name} is not an object, got: {type(meta).__name__}"
                )
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            yield path, f"invalid sidecar {meta_path.name}: {exc}"
            continue
        except DatasetError as exc:
            yield path, str(exc)
            continue
        yield SourceDoc(
            path=path,
            record=data,
            text=text,
            rendering=_rendering(meta, text_path),
            noise=str(meta.get("noise") or "none"),
            meta=meta,
        )


def make_example(doc: SourceDoc, source: str, extract: Any = None) -> tuple[dict[str, Any], CellAlignment]:
    """Label one record: the example row (tags as strings, no split yet) and its cell alignment.

    Raises:
        DatasetError: an entity does not match the text, or entities overlap.
    """
    try:
        labels = label_record(doc.text, doc.record, doc.meta, extract=extract)
    except TagError as exc:
        raise DatasetError(f"[D005] {doc.path.name} cannot be labelled: {exc}") from exc
    row = {
        "id": doc.record["doc"],
        "text": doc.text,
        "source": source,
        "rendering": doc.rendering,
        "noise": doc.noise,
        "format_version": str(doc.record.get("format_version") or "unknown"),
        "doc_hash": doc_hash(doc.text),
        "ner_tags": labels.ner_tags,
        "cell_tags": labels.cell_tags,
        "unaligned_cells": sorted(labels.alignment.unaligned),
        "damaged_cells": labels.damaged,
    }
    return row, labels.alignment


# --- features, output folder, examples ------------------------------------------------------


STRING_COLUMNS = ("id", "text", "source", "rendering", "noise", "format_version", "doc_hash", "split")


def _features() -> Any:
    from datasets import ClassLabel, Features, Sequence, Value

    return Features(
        {
            **{name: Value("string") for name in STRING_COLUMNS},
            "ner_tags": Sequence(ClassLabel(names=list(NER_LABELS))),
            "cell_tags": Sequence(ClassLabel(names=list(CELL_LABELS))),
            "unaligned_cells": Sequence(Value("string")),
            "damaged_cells": Sequence(Value("string")),
        }
    )


def _import_datasets() -> Any:
    """Import `datasets` with its caches in the project (it caches under ~/.cache otherwise)."""
    cache = _REPO / ".cache" / "hf"
    os.environ.setdefault("HF_HOME", str(cache))
    os.environ.setdefault("HF_DATASETS_CACHE", str(cache / "datasets"))
    os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import datasets

    return datasets


def _prepare_out(out: Path, force: bool) -> None:
    if out.exists() and (out.is_file() or any(out.iterdir())):
        if not force:
            raise DatasetError(f"[D001] output exists (use --force to overwrite), got: {str(out)!r}")
        if out.is_file() or not ((out / "card.json").exists() or (out / "dataset_dict.json").exists()):
            raise DatasetError(f"[D008] refusing to delete a folder that is not a dataset, got: {str(out)!r}")
        shutil.rmtree(out)


@dataclass
class Collected:
    """Labelled examples (tags as strings, `split` set) with their cell alignments and the problems."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    alignments: list[CellAlignment] = field(default_factory=list)
    problems: list[dict[str, str]] = field(default_factory=list)


def collect_examples(
    sources: Sequence[Path],
    eval_only: Sequence[Path] = (),
    text_dir: Path | None = None,
    extract: Any = None,
    train_only: Sequence[Path] = (),
) -> Collected:
    """Label every record of the folders and assign splits.

    Eval-only folders are read first and forced into `test`, so a text that also appears in a
    training folder stays in test (the later copy is dropped as a duplicate); train-only folders
    come next, forced into `train`. A record that is not usable is listed in `problems`
    (`{file, reason}`) and logged, never silently dropped.

    Raises:
        DatasetError: [D002] a source is not a folder; [D011] a folder both eval- and train-only.
    """
    eval_set = {p.resolve() for p in eval_only}
    train_set = {p.resolve() for p in train_only}
    if both := sorted(str(p) for p in eval_set & train_set):
        raise DatasetError(f"[D011] a folder cannot be both --eval-only and --train-only, got: {both!r}")
    order = list(dict.fromkeys(p.resolve() for p in [*eval_only, *train_only, *sources]))
    got = Collected()
    by_hash: dict[str, str] = {}
    for folder in order:
        if not folder.is_dir():
            raise DatasetError(f"[D002] source is not a folder, got: {str(folder)!r}")
        for item in iter_source_docs(folder, text_dir):
            if isinstance(item, tuple):
                got.problems.append({"file": str(item[0]), "reason": f"skipped: {item[1]}"})
                continue
            try:
                row, alignment = make_example(item, str(folder), extract=extract)
            except DatasetError as exc:
                got.problems.append({"file": str(item.path), "reason": f"rejected: {exc}"})
                continue
            if row["doc_hash"] in by_hash:
                got.problems.append(
                    {"file": str(item.path), "reason": f"duplicate of {by_hash[row['doc_hash']]}"}
                )
                continue
            by_hash[row["doc_hash"]] = str(item.path)
            row["split"] = _forced_split(folder, eval_set, train_set) or split_of(row["doc_hash"])
            got.rows.append(row)
            got.alignments.append(alignment)
    for problem in got.problems:
        log.warning("%s: %s", problem["file"], problem["reason"])
    return got


def _forced_split(folder: Path, eval_set: set[Path], train_set: set[Path]) -> str | None:
    return "test" if folder in eval_set else "train" if folder in train_set else None


# --- the card -------------------------------------------------------------------------------


def make_card(got: Collected, sources: list[dict[str, Any]]) -> DatasetCard:
    """The card of a set of collected examples."""
    reasons: Counter[str] = Counter(r for a in got.alignments for r in a.unaligned.values())
    digest = content_hash(got.rows)
    return DatasetCard(
        dataset_version=f"ds-{digest[:12]}",
        content_hash=digest,
        split_rule=SPLIT_RULE,
        sources=sources,
        counts=label_counts(got.rows),
        cells={
            "aligned": sum(len(a.cells) for a in got.alignments),
            "blank": sum(a.blank for a in got.alignments),
            "damaged": sum(len(r["damaged_cells"]) for r in got.rows),
            "unaligned": sum(reasons.values()),
            "unaligned_by_reason": dict(sorted(reasons.items())),
        },
        problems=got.problems,
        labels={"ner_tags": list(NER_LABELS), "cell_tags": list(CELL_LABELS)},
    )


# --- the build ------------------------------------------------------------------------------


def build_dataset(
    sources: Sequence[Path],
    out: Path,
    eval_only: Sequence[Path] = (),
    force: bool = False,
    text_dir: Path | None = None,
    train_only: Sequence[Path] = (),
) -> DatasetCard:
    """Build the char-level dataset from folders of gold records and save it with its card.

    Args:
        sources: folders of records (NAME.json + text, optional NAME.meta.json).
        out: output folder: the `DatasetDict` (train/validation/test), card.json and README.md.
        eval_only: folders whose documents all go to `test` (e.g. the hand-made gold).
        force: replace an existing dataset at `out`.
        text_dir: where to look for texts not found beside their records.
        train_only: folders whose documents all go to `train` (e.g. corrected reports).

    Raises:
        DatasetError: `out` exists without `force`, a source is missing, or no record is usable.
    """
    if not sources and not eval_only and not train_only:
        raise DatasetError("[D009] no source folders given, got: []")
    _prepare_out(out, force)
    got = collect_examples(sources, eval_only, text_dir, train_only=train_only)
    if not got.rows:
        raise DatasetError(f"[D003] no usable record in the sources; problems: {got.problems[:3]!r}")
    forced_test, forced_train = {p.resolve() for p in eval_only}, {p.resolve() for p in train_only}
    card = make_card(
        got,
        [
            {"path": str(p), "split": _forced_split(p, forced_test, forced_train)}
            for p in dict.fromkeys(p.resolve() for p in [*eval_only, *train_only, *sources])
        ],
    )
    datasets = _import_datasets()
    features = _features()
    ner_id = {name: i for i, name in enumerate(NER_LABELS)}
    cell_id = {name: i for i, name in enumerate(CELL_LABELS)}
    columns = {s: {name: [] for name in features} for s in SPLITS}
    for row in got.rows:
        cols = columns[row["split"]]
        for name in features:
            cols[name].append(row[name])
        cols["ner_tags"][-1] = [ner_id[t] for t in row["ner_tags"]]
        cols["cell_tags"][-1] = [cell_id[t] for t in row["cell_tags"]]
    # from_dict, not from_generator: nothing is cached under HF_HOME, and empty splits keep their features.
    dsd = datasets.DatasetDict({s: datasets.Dataset.from_dict(columns[s], features=features) for s in SPLITS})
    out.mkdir(parents=True, exist_ok=True)
    # An empty split saved with 0 shards cannot be iterated after loading: give it one.
    dsd.save_to_disk(str(out), num_shards={s: None if len(dsd[s]) else 1 for s in SPLITS})
    card.save(out)
    log.info("dataset %s: %s", card.dataset_version, card.docs)
    return card


def decode_rows(dataset: Any) -> Iterator[dict[str, Any]]:
    """Rows of a loaded split with `ner_tags` / `cell_tags` as label strings again."""
    ner = dataset.features["ner_tags"].feature
    cell = dataset.features["cell_tags"].feature
    for row in dataset:
        yield {**row, "ner_tags": ner.int2str(row["ner_tags"]), "cell_tags": cell.int2str(row["cell_tags"])}


def load_dataset_dir(path: Path) -> tuple[Any, DatasetCard]:
    """Load a built dataset and its card (the round trip of `build_dataset`)."""
    if not (path / "card.json").is_file():
        raise DatasetError(f"[D010] not a nianbao dataset (no card.json), got: {str(path)!r}")
    datasets = _import_datasets()
    return datasets.load_from_disk(str(path)), DatasetCard.load(path)
