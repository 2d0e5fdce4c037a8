"""Training data for the NER and table models: dataset rows -> documents -> windows -> batches.

Windows come from `models.tokenizer.char_token_spans`, the function inference uses; a token's
label is the tag of the character it starts at (and, for a model with a token type input, its
type is the one `models.ner.CharClassifier` gives it).

Table labels of a document with unaligned cells (a non-blank cell whose figure has no offsets)
would teach "not a cell" on that figure. `data.unaligned` says what happens: "skip" leaves the
document out of table training; "mask" keeps it with no loss over the span of each affected
table (its labelled figures +- `MASK_MARGIN` characters; the whole document when the table has
no labelled figure). Table windows without any cell are thinned to `data.negatives`.
torch is imported lazily.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from training.config import NerConfig, TableConfig
from training.labels import OUTSIDE

IGNORE = -100  # label of special and pad tokens, and of masked characters: no loss
MASK_MARGIN = 300  # characters around an affected table's labelled figures masked ("mask" mode)


class TrainError(ValueError):
    """A training run that cannot start or finish: bad dataset, labels or output folder."""


@dataclass
class Doc:
    """One training document: text, per-character label ids, and its unaligned cells."""

    text: str
    tags: list[int]
    unaligned: list[str]


@dataclass
class Example:
    """One window: token ids and per-token label ids (IGNORE where no loss is taken)."""

    input_ids: list[int]
    labels: list[int]
    token_type_ids: list[int] | None = None


# --- data -----------------------------------------------------------------------------------


def load_data(config: NerConfig | TableConfig) -> tuple[list[Doc], Any, list[str], str]:
    """Training documents (train splits of the dataset and `data.extra`), the validation split,
    the label names and the data hash.

    Raises:
        TrainError: an extra dataset has other labels than the main one.
        DatasetError: a folder is not a nianbao dataset.
    """
    from training.dataset import load_dataset_dir

    column = _column(config)
    dsd, card = load_dataset_dir(Path(config.data.dataset))
    labels = list(dsd["train"].features[column].feature.names)
    docs, hashes = _docs(dsd["train"], column), [card.content_hash]
    for extra in config.data.extra:
        more, more_card = load_dataset_dir(Path(extra))
        if list(more["train"].features[column].feature.names) != labels:
            raise TrainError(
                f"[T003] dataset {extra!r} has other {column} labels than {config.data.dataset!r}"
            )
        docs += _docs(more["train"], column)
        hashes.append(more_card.content_hash)
    if config.data.max_docs:
        docs = docs[: config.data.max_docs]
        hashes.append(f"max_docs={config.data.max_docs}")
    data_hash = hashes[0] if len(hashes) == 1 else hashlib.sha256("\n".join(hashes).encode()).hexdigest()
    return docs, dsd["validation"], labels, data_hash


def _column(config: NerConfig | TableConfig) -> str:
    return "ner_tags" if config.kind == "ner" else "cell_tags"


def _docs(split: Any, column: str) -> list[Doc]:
    return [Doc(r["text"], list(r[column]), list(r["unaligned_cells"])) for r in split]


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


def build_examples(
    docs: Sequence[Doc], tokenizer: Any, config: NerConfig | TableConfig, labels: Sequence[str]
) -> tuple[list[Example], dict[str, int]]:
    """Windows of every usable document, and counts of what was used, masked and skipped."""
    examples: list[Example] = []
    counts = {"docs": 0, "skipped_unaligned": 0, "masked_unaligned": 0}
    token_types = getattr(config, "token_types", None)
    for doc in docs:
        tags: list[int] | None = doc.tags
        if config.kind == "table" and doc.unaligned:
            tags = mask_unaligned(doc, labels) if config.data.unaligned == "mask" else None
            if tags is None:
                counts["skipped_unaligned"] += 1
                continue
            counts["masked_unaligned"] += 1
        counts["docs"] += 1
        windows = window_examples(
            tokenizer, doc.text, tags, config.train.window, config.train.stride, token_types
        )
        if config.kind == "table":
            windows = _thin_negatives(windows, config.data.negatives, labels.index(OUTSIDE), counts)
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
