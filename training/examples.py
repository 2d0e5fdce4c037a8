"""Training data for the NER and table models: dataset rows -> documents -> windows -> batches.

Windows come from `models.tokenizer.char_token_spans`, the function inference uses; a token's
label is the tag of the character it starts at (and, for a model with a token type input, its
type is the one `models.ner.CharClassifier` gives it).

Table labels of a document with unaligned cells (a non-blank cell whose figure has no offsets)
would teach "not a cell" on that figure. `data.unaligned` says what happens: "skip" leaves the
document out of table training; "mask" keeps it with no loss over the span of each affected
table (its labelled figures +- `MASK_MARGIN` characters; the whole document when the table has
no labelled figure). Table windows without any cell are thinned to `data.negatives`.

Retraining on corrected reports (`data.corrected`, `nianbao train ... --data DIR`): the train
splits of those datasets are mixed with replay of the config's own data (`mix_replay`), so a
handful of corrections are learnt without forgetting the rest. The copies of a corrected document
are not identical: each is read with windows that start elsewhere (`shifted_windows`), so its
labels are learnt in several contexts, not tied to one window position. The table model needs
that most: at inference it reads a table region, whose windows start where the region does.
torch is imported lazily.
"""

from __future__ import annotations

import hashlib
import logging
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from training.config import NerConfig, TableConfig
from training.labels import OUTSIDE

log = logging.getLogger(__name__)

IGNORE = -100  # label of special and pad tokens, and of masked characters: no loss
MASK_MARGIN = 300  # characters around an affected table's labelled figures masked ("mask" mode)
MAX_AUTO_OVERSAMPLE = 1000  # copies of a corrected document when `data.oversample` is 0 (auto)
MAX_SHIFTS = 16  # distinct window starts over the copies of a corrected document
CORRECTED = "corrected"  # `Doc.source` of a corrected report; the config's own data is "dataset"


class TrainError(ValueError):
    """A training run that cannot start or finish: bad dataset, labels or output folder."""


@dataclass
class Doc:
    """One training document: text, per-character label ids, its unaligned cells, where it comes
    from ("dataset" or "corrected") and how many times its windows enter the training set."""

    text: str
    tags: list[int]
    unaligned: list[str]
    source: str = "dataset"
    copies: int = 1


@dataclass
class Example:
    """One window: token ids and per-token label ids (IGNORE where no loss is taken)."""

    input_ids: list[int]
    labels: list[int]
    token_type_ids: list[int] | None = None


# --- data -----------------------------------------------------------------------------------


def load_data(config: NerConfig | TableConfig) -> tuple[list[Doc], Any, list[str], str]:
    """Training documents, the validation split of `data.dataset`, the label names and the data hash.

    The documents are the train splits of `data.dataset` and `data.extra` (at most
    `data.max_docs`); with `data.corrected`, the corrected documents (oversampled) plus a seeded
    sample of those as replay (`mix_replay`). The data hash is the datasets' content hash
    (several combined into one sha256); with corrected data it is `"<replayed>+<corrected>"`,
    both hashes (`training.registry.split_data_hash` reads it back).

    Raises:
        TrainError: a dataset has other labels than the main one, or the corrected datasets have
            no training document.
        DatasetError: a folder is not a nianbao dataset.
    """
    from training.dataset import load_dataset_dir

    column = _column(config)
    dsd, card = load_dataset_dir(Path(config.data.dataset))
    labels = list(dsd["train"].features[column].feature.names)
    docs, hashes = _docs(dsd["train"], column), [card.content_hash]
    for extra in config.data.extra:
        more, more_card = _load_same_labels(extra, column, labels, config.data.dataset)
        docs += _docs(more["train"], column)
        hashes.append(more_card.content_hash)
    if config.data.max_docs:
        docs = docs[: config.data.max_docs]
        hashes.append(f"max_docs={config.data.max_docs}")
    data_hash = _combined(hashes)
    if not config.data.corrected:
        return docs, dsd["validation"], labels, data_hash
    corrected, corrected_hash = load_corrected(config.data.corrected, column, labels, config.data.dataset)
    data = config.data
    mixed = mix_replay(corrected, docs, data.replay, data.oversample, config.train.seed)
    return mixed, dsd["validation"], labels, f"{data_hash}+{corrected_hash}"


def load_corrected(
    folders: Sequence[str], column: str, labels: Sequence[str], main: str
) -> tuple[list[Doc], str]:
    """The train-split documents of the corrected datasets (source "corrected") and their hash.

    Documents a corrected dataset put in validation or test are left out with a warning: build
    corrected sets with `nianbao dataset build --train-only DIR` so none is lost.

    Raises:
        TrainError: [T003] other labels than `main`; [T008] no training document at all.
    """
    docs: list[Doc] = []
    hashes: list[str] = []
    for folder in folders:
        dsd, card = _load_same_labels(folder, column, labels, main)
        docs += _docs(dsd["train"], column, CORRECTED)
        hashes.append(card.content_hash)
        held = {s: len(dsd[s]) for s in ("validation", "test") if s in dsd and len(dsd[s])}
        if held:
            log.warning(
                "corrected dataset %s: %s document(s) not in its train split are not used; "
                "build it with `nianbao dataset build --train-only DIR`",
                folder,
                held,
            )
    if not docs:
        raise TrainError(
            f"[T008] the corrected datasets have no training document, got: {list(folders)!r}; "
            "build them with `nianbao dataset build --train-only PULLED_DIR`"
        )
    return docs, _combined(hashes)


def mix_replay(
    corrected: Sequence[Doc], replayed: Sequence[Doc], replay: float, oversample: int, seed: int
) -> list[Doc]:
    """The retraining mix: each corrected document `k` times, plus replayed documents.

    `k` is `oversample`, or when 0 the largest that lets the replay use all of `replayed`
    (`len(replayed) / (len(corrected) * replay)`, at least 1, at most `MAX_AUTO_OVERSAMPLE`).
    About `replay * k * len(corrected)` documents of `replayed` are replayed, a sample drawn
    with `seed` (all of them at most), so the corrected copies are `1 / (1 + replay)` of the
    mix whatever the sizes. Deterministic.
    """
    n = len(corrected)
    if n == 0:
        return list(replayed)
    if oversample:
        k = oversample
    elif replay > 0 and replayed:
        k = max(1, min(MAX_AUTO_OVERSAMPLE, math.floor(len(replayed) / (n * replay))))
    else:
        k = 1
    want = round(replay * k * n) if replayed else 0
    if want > len(replayed):
        log.warning(
            "replay: %d document(s) wanted, only %d available; corrected documents weigh more than asked",
            want,
            len(replayed),
        )
    picked = sorted(random.Random(f"replay:{seed}").sample(range(len(replayed)), min(want, len(replayed))))
    log.info("retraining mix: %d corrected document(s) x %d, %d replayed", n, k, len(picked))
    return [replace(d, copies=k) for d in corrected] + [replayed[i] for i in picked]


def _load_same_labels(folder: str, column: str, labels: Sequence[str], main: str) -> tuple[Any, Any]:
    from training.dataset import load_dataset_dir

    dsd, card = load_dataset_dir(Path(folder))
    if list(dsd["train"].features[column].feature.names) != list(labels):
        raise TrainError(f"[T003] dataset {folder!r} has other {column} labels than {main!r}")
    return dsd, card


def _combined(hashes: Sequence[str]) -> str:
    return hashes[0] if len(hashes) == 1 else hashlib.sha256("\n".join(hashes).encode()).hexdigest()


def _column(config: NerConfig | TableConfig) -> str:
    return "ner_tags" if config.kind == "ner" else "cell_tags"


def _docs(split: Any, column: str, source: str = "dataset") -> list[Doc]:
    return [Doc(r["text"], list(r[column]), list(r["unaligned_cells"]), source) for r in split]


def mask_unaligned(doc: Doc, labels: Sequence[str]) -> list[int] | None:
    """The cell tags of a document with unaligned cells, the affected tables masked (None: mask all)."""
    tables = {k.split(".", 1)[0] for k in doc.unaligned}
    tags = list(doc.tags)
    for table in sorted(tables):
        mine = [i for i, t in enumerate(doc.tags) if labels[t][2:].split(".", 1)[0] == table]
        if not mine:
            return None
        lo, hi = max(0, mine[0] - MASK_MARGIN), min(len(tags), mine[-1] + 1 + MASK_MARGIN)
        tags[lo:hi] = [IGNORE] * (hi - lo)
    return tags


def window_examples(
    tokenizer: Any,
    text: str,
    tags: Sequence[int],
    window: int,
    stride: int,
    token_types: str | None = None,
) -> list[Example]:
    """The training windows of one document: each token labelled with its first character's tag
    (and, for a model with `token_types`, typed like `models.ner.CharClassifier` types it)."""
    from models.ner import token_type_array, window_types
    from models.tokenizer import char_token_spans

    types = token_type_array(token_types, text)
    return [
        Example(
            list(w.input_ids),
            [tags[s] if e > s else IGNORE for s, e in w.offsets],
            None if types is None else window_types(types, w.offsets).tolist(),
        )
        for w in char_token_spans(tokenizer, text, window, stride)
    ]


def shifted_windows(
    tokenizer: Any,
    text: str,
    tags: Sequence[int],
    window: int,
    stride: int,
    token_types: str | None,
    copies: int,
) -> list[Example]:
    """The windows of `copies` copies of a document, copy i starting its windows `i * step / n`
    characters in (n = distinct starts, at most `MAX_SHIFTS`; step = window content - stride).

    The first copy is read as any document is (windows from character 0); a shifted copy reads
    the characters before its start in one shorter window of their own. Copies beyond `n`
    repeat the same windows.
    """
    step = max(1, window - 2 - stride)
    n = max(1, min(copies, MAX_SHIFTS, step))
    out: list[Example] = []
    for i in range(n):
        start = i * step // n
        times = copies // n + (i < copies % n)
        got = window_examples(tokenizer, text[start:], tags[start:], window, stride, token_types)
        if start:
            head = min(len(text), start + stride)
            got = window_examples(tokenizer, text[:head], tags[:head], window, stride, token_types) + got
        out += got * times
    return out


def build_examples(
    docs: Sequence[Doc], tokenizer: Any, config: NerConfig | TableConfig, labels: Sequence[str]
) -> tuple[list[Example], dict[str, int]]:
    """Windows of every usable document (`doc.copies` times each), and counts of what was used,
    masked and skipped (with corrected documents: their documents, copies and windows)."""
    examples: list[Example] = []
    counts = {"docs": 0, "skipped_unaligned": 0, "masked_unaligned": 0}
    token_types = getattr(config, "token_types", None)
    for doc in docs:
        tags: list[int] | None = doc.tags
        if config.kind == "table" and doc.unaligned:
            tags = mask_unaligned(doc, labels) if config.data.unaligned == "mask" else None
            if tags is None:
                counts["skipped_unaligned"] += 1
                if doc.source == CORRECTED:
                    log.warning("a corrected document with unaligned cells %s is skipped", doc.unaligned)
                continue
            counts["masked_unaligned"] += 1
        counts["docs"] += 1
        tr = config.train
        windows = (
            shifted_windows(tokenizer, doc.text, tags, tr.window, tr.stride, token_types, doc.copies)
            if doc.copies > 1
            else window_examples(tokenizer, doc.text, tags, tr.window, tr.stride, token_types)
        )  # repeated windows share their Example objects (never mutated)
        if config.kind == "table":
            windows = _thin_negatives(windows, config.data.negatives, labels.index(OUTSIDE), counts)
        if doc.source == CORRECTED:
            for key, n in (("corrected_docs", 1), ("corrected_copies", doc.copies)):
                counts[key] = counts.get(key, 0) + n
            counts["corrected_windows"] = counts.get("corrected_windows", 0) + len(windows)
        examples += windows
    counts["windows"] = len(examples)
    return examples, counts


def _thin_negatives(
    windows: list[Example], share: float, outside: int, counts: dict[str, int]
) -> list[Example]:
    """Keep every window with a cell and, evenly spread, `share` of those without (deterministic)."""
    kept: list[Example] = []
    for ex in windows:
        if any(t not in (IGNORE, outside) for t in ex.labels):
            kept.append(ex)
            continue
        counts["negatives_seen"] = counts.get("negatives_seen", 0) + 1
        if int(counts["negatives_seen"] * share) > int((counts["negatives_seen"] - 1) * share):
            kept.append(ex)
    return kept


def collate(batch: Sequence[Example], pad_id: int) -> tuple[Any, Any, Any, Any]:
    import torch

    width = max(len(ex.input_ids) for ex in batch)
    ids = torch.full((len(batch), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(batch), width), dtype=torch.long)
    labels = torch.full((len(batch), width), IGNORE, dtype=torch.long)
    types = torch.zeros((len(batch), width), dtype=torch.long) if batch[0].token_type_ids else None
    for i, ex in enumerate(batch):
        n = len(ex.input_ids)
        ids[i, :n] = torch.tensor(ex.input_ids, dtype=torch.long)
        mask[i, :n] = 1
        labels[i, :n] = torch.tensor(ex.labels, dtype=torch.long)
        if types is not None:
            types[i, :n] = torch.tensor(ex.token_type_ids, dtype=torch.long)
    return ids, mask, labels, types
