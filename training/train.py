"""Fine-tuning the NER and table models: `nianbao train ner|table --config FILE`.

    dataset (`nianbao dataset build`) -> windows with per-token labels -> plain training loop
    -> validation metrics -> checkpoint (safetensors, tokenizer, label maps, manifest.json)

The base is a local checkpoint folder (our pretrained encoder, or any local HF checkpoint such
as a user's `bert-base-chinese`), or none: a BERT of `model.size` from scratch with a char
tokenizer built from the training texts. Windows come from `models.tokenizer.char_token_spans`,
the function inference uses; a token's label is the tag of the character it starts at.

The loop is plain torch (not the HF Trainer) so that a config and its seed give the same
weights and metrics: the seed drives initialization, dropout and one generator that orders the
windows; nothing else draws random numbers.

Table labels of a document with unaligned cells (a non-blank cell whose figure has no offsets)
would teach "not a cell" on that figure. `data.unaligned` says what happens: "skip" leaves the
document out of table training; "mask" keeps it with no loss over the span of each affected
table (its labelled figures +- `MASK_MARGIN` characters; the whole document when the table has
no labelled figure). Either way the count is in the manifest. torch is imported lazily.
"""

from __future__ import annotations

import hashlib
import logging
import math
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from training.config import NerConfig, TableConfig, offline_environment

log = logging.getLogger(__name__)

IGNORE = -100  # label of special and pad tokens, and of masked characters: no loss
MASK_MARGIN = 300  # characters around an affected table's labelled figures masked ("mask" mode)
SCRATCH_MIN_FREQ = 1  # vocabulary of a model from scratch: every character of the training texts


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
    tokenizer: Any, text: str, tags: Sequence[int], window: int, stride: int
) -> list[Example]:
    """The training windows of one document: each token labelled with its first character's tag."""
    from models.tokenizer import char_token_spans

    return [
        Example(list(w.input_ids), [tags[s] if e > s else IGNORE for s, e in w.offsets])
        for w in char_token_spans(tokenizer, text, window, stride)
    ]


def build_examples(
    docs: Sequence[Doc], tokenizer: Any, config: NerConfig | TableConfig, labels: Sequence[str]
) -> tuple[list[Example], dict[str, int]]:
    """Windows of every usable document, and counts of what was used, masked and skipped."""
    examples: list[Example] = []
    counts = {"docs": 0, "skipped_unaligned": 0, "masked_unaligned": 0}
    for doc in docs:
        tags: list[int] | None = doc.tags
        if config.kind == "table" and doc.unaligned:
            tags = mask_unaligned(doc, labels) if config.data.unaligned == "mask" else None
            if tags is None:
                counts["skipped_unaligned"] += 1
                continue
            counts["masked_unaligned"] += 1
        counts["docs"] += 1
        examples += window_examples(tokenizer, doc.text, tags, config.train.window, config.train.stride)
    counts["windows"] = len(examples)
    return examples, counts


def _collate(batch: Sequence[Example], pad_id: int) -> tuple[Any, Any, Any]:
    import torch

    width = max(len(ex.input_ids) for ex in batch)
    ids = torch.full((len(batch), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(batch), width), dtype=torch.long)
    labels = torch.full((len(batch), width), IGNORE, dtype=torch.long)
    for i, ex in enumerate(batch):
        n = len(ex.input_ids)
        ids[i, :n] = torch.tensor(ex.input_ids, dtype=torch.long)
        mask[i, :n] = 1
        labels[i, :n] = torch.tensor(ex.labels, dtype=torch.long)
    return ids, mask, labels


# --- model ----------------------------------------------------------------------------------


def init_model(
    config: NerConfig | TableConfig, labels: Sequence[str], texts: Iterable[str], resume_from: Path | None
) -> tuple[Any, Any, str | None]:
    """The model to fine-tune, its tokenizer and the base it names: `resume_from`, the base, or scratch.

    Raises:
        TrainError: the checkpoint to resume has other labels.
        CheckpointError: the base or resumed checkpoint is missing or corrupt.
    """
    from models.artifacts import load_checkpoint, resolve_base
    from models.encoder import bert_config
    from models.tokenizer import build_char_tokenizer, load_tokenizer

    id2label = dict(enumerate(labels))
    label2id = {lab: i for i, lab in enumerate(labels)}
    if resume_from is not None:
        model, tokenizer, manifest = load_checkpoint(Path(resume_from), config.kind)
        have = [model.config.id2label[i] for i in range(len(model.config.id2label))]
        if have != list(labels):
            raise TrainError(
                f"[T004] --resume-from {str(resume_from)!r} has {len(have)} labels that differ from the "
                f"dataset's {len(labels)}, got first: {have[:3]!r}"
            )
        return model, tokenizer, f"{manifest.name}@{manifest.version} (resumed)"
    m = config.model
    if m.base:
        from transformers import AutoModelForTokenClassification

        base = resolve_base(m.base)
        model = AutoModelForTokenClassification.from_pretrained(
            str(base), num_labels=len(labels), id2label=id2label, label2id=label2id, local_files_only=True
        )
        return model, load_tokenizer(base), m.base
    from transformers import BertForTokenClassification

    tokenizer = build_char_tokenizer(texts, SCRATCH_MIN_FREQ, model_max_length=config.train.window)
    bert = bert_config(
        len(tokenizer), m.encoder_size(), max_positions=m.max_positions, dropout=m.dropout,
        pad_token_id=tokenizer.pad_token_id, num_labels=len(labels), id2label=id2label, label2id=label2id,
    )  # fmt: skip
    return BertForTokenClassification(bert), tokenizer, None


def train_loop(
    model: Any,
    examples: Sequence[Example],
    config: NerConfig | TableConfig,
    gen: Any,
    pad_id: int,
    bf16: bool,
    evaluate: Callable[[], dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """Train in place (AdamW, linear warmup and decay).

    Returns steps, seconds, the loss curve (`[step, mean loss since the last point]`) and, with
    `train.eval_every`, the validation metrics along the way (`eval`).
    """
    import torch
    from transformers import get_linear_schedule_with_warmup

    tr = config.train
    if not examples:
        raise TrainError("[T005] no training windows: the train split is empty or has no usable document")
    per_epoch = math.ceil(len(examples) / (tr.batch_size * tr.grad_accum))
    total = tr.max_steps or max(1, math.ceil(per_epoch * tr.epochs))
    params = list(model.named_parameters())
    opt = torch.optim.AdamW(
        [
            {"params": [p for _, p in params if p.ndim >= 2], "weight_decay": tr.weight_decay},
            {"params": [p for _, p in params if p.ndim < 2], "weight_decay": 0.0},
        ],
        lr=tr.lr,
    )
    sched = get_linear_schedule_with_warmup(opt, int(tr.warmup_ratio * total), total)
    curve: list[list[float]] = []
    evals: list[dict[str, Any]] = []
    order: list[int] = []
    running, n_running, t0 = 0.0, 0, time.perf_counter()
    model.train()
    for step in range(1, total + 1):
        for _ in range(tr.grad_accum):
            if len(order) < tr.batch_size:
                order += torch.randperm(len(examples), generator=gen).tolist()
            ids, mask, labels = _collate([examples[i] for i in order[: tr.batch_size]], pad_id)
            del order[: tr.batch_size]
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
                loss = model(input_ids=ids, attention_mask=mask, labels=labels).loss
            (loss / tr.grad_accum).backward()
            running += loss.item() / tr.grad_accum
        n_running += 1
        torch.nn.utils.clip_grad_norm_(model.parameters(), tr.max_grad_norm)
        opt.step()
        sched.step()
        opt.zero_grad(set_to_none=True)
        if step % tr.log_every == 0 or step == total:
            curve.append([step, round(running / n_running, 4)])
            log.info("%s step %d/%d loss %.4f", config.kind, step, total, running / n_running)
            running, n_running = 0.0, 0
        if evaluate is not None and tr.eval_every and step % tr.eval_every == 0 and step < total:
            evals.append({"step": step, **evaluate()})
            log.info("%s step %d eval %s", config.kind, step, evals[-1])
            model.train()
    model.eval()
    out = {"steps": total, "seconds": round(time.perf_counter() - t0, 1), "loss_curve": curve}
    return out | ({"eval": evals} if evals else {})


# --- evaluation -----------------------------------------------------------------------------


def evaluate_ner(ner: Any, split: Any) -> dict[str, Any]:
    """Entity strict and overlap P/R/F1 (overall and per label) of a `NerModel` on a split."""
    from extraction.scoring import merge_entity_scores, score_entities
    from training.labels import spans_from_bio

    names, parts = split.features["ner_tags"].feature, []
    for row in split:
        gold = [
            {"label": x, "start": a, "end": b} for x, a, b in spans_from_bio(names.int2str(row["ner_tags"]))
        ]
        pred = [{"label": e.label, "start": e.start, "end": e.end} for e in ner.predict(row["text"])]
        parts.append(score_entities(gold, pred))
    if not parts:
        return {"eval_docs": 0}
    m = merge_entity_scores(parts)
    return {
        "eval_docs": len(parts),
        "entity_strict_f1": round(m["strict"]["f1"], 4),
        "entity_strict_p": round(m["strict"]["p"], 4),
        "entity_strict_r": round(m["strict"]["r"], 4),
        "entity_overlap_f1": round(m["overlap"]["f1"], 4),
        "per_label_strict_f1": {x: round(v["strict"]["f1"], 4) for x, v in m["per_label"].items()},
    }


def evaluate_table(reader: Any, split: Any) -> dict[str, Any]:
    """Cell accuracy of a `TableModel`'s decoded tables on a split.

    Over the template keys of every table a document labels: a labelled cell is right when the
    model put the same figure (offsets) there, a blank one when the model left it blank.
    Documents without a template version or with unaligned cells are not scored.
    """
    from extraction.schema import VERSIONS, cell_keys
    from training.labels import cells_from_tags

    names = split.features["cell_tags"].feature
    right = total = right_fig = total_fig = docs = 0
    for row in split:
        version = row["format_version"]
        if version not in VERSIONS or row["unaligned_cells"]:
            continue
        gold = cells_from_tags(names.int2str(row["cell_tags"]))
        pred = reader.predict(row["text"], version)
        docs += 1
        for table in sorted({k.split(".", 1)[0] for k in gold}):
            for rowcol in cell_keys(table, version):
                cell, want = pred[table].get(rowcol), gold.get(f"{table}.{rowcol}")
                if want is None:
                    ok = cell is None or cell.value is None
                else:
                    ok = cell is not None and (cell.start, cell.end) == want
                    right_fig, total_fig = right_fig + ok, total_fig + 1
                right, total = right + ok, total + 1
    return {
        "eval_docs": docs,
        "cell_accuracy": round(right / total, 4) if total else None,
        "cell_accuracy_figures": round(right_fig / total_fig, 4) if total_fig else None,
        "cells_scored": total,
    }


def evaluate_model(
    model: Any, tokenizer: Any, config: NerConfig | TableConfig, split: Any, bf16: bool
) -> dict:
    """The validation metrics written into the manifest (inference exactly as the engine runs it)."""
    from models.ner import CharClassifier, NerModel
    from models.table import TableModel

    clf = CharClassifier(model, tokenizer, config.train.window, config.train.stride, bf16=bf16)
    if config.kind == "ner":
        return evaluate_ner(NerModel(clf), split)
    decode = config.decode
    return evaluate_table(TableModel(clf, top_k=decode.top_k, repair=decode.repair), split)


# --- the run --------------------------------------------------------------------------------


def _seed_everything(seed: int) -> Any:
    import random

    import numpy as np
    import torch

    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)
    return torch.Generator().manual_seed(seed)


def run_train(config: NerConfig | TableConfig, resume_from: Path | None = None) -> Path:
    """Fine-tune a NER or table model as a validated config says, and save the checkpoint.

    Args:
        config: a `training.config.NerConfig` or `TableConfig`.
        resume_from: a checkpoint of the same kind and labels to continue from (its weights;
            the optimizer and schedule start afresh).

    Returns:
        The checkpoint folder (`config.out.dir`).

    Raises:
        TrainError: the output exists (without `out.overwrite`), or no usable training data.
        CheckpointError: the base or the resumed checkpoint cannot be loaded.
        DatasetError: the dataset folder is not a nianbao dataset.
    """
    offline_environment()
    from models.artifacts import Manifest, save_checkpoint
    from models.encoder import resolve_bf16, set_threads
    from training.config import config_hash

    if not isinstance(config, NerConfig | TableConfig):
        raise TrainError(f"[T002] run_train needs a NerConfig or TableConfig, got: {type(config).__name__!r}")
    out = Path(config.out.dir)
    if out.exists() and any(out.iterdir()) and not config.out.overwrite:
        raise TrainError(f"[T001] output exists (set out.overwrite=true to replace), got: {str(out)!r}")
    set_threads(config.train.threads)
    gen = _seed_everything(config.train.seed)
    docs, validation, labels, data_hash = load_data(config)
    model, tokenizer, base = init_model(config, labels, (d.text for d in docs), resume_from)
    examples, counts = build_examples(docs, tokenizer, config, labels)
    log.info("%s: %d training windows from %s", config.kind, len(examples), counts)
    if config.train.window > (limit := int(getattr(model.config, "max_position_embeddings", 512))):
        raise TrainError(
            f"[T006] train.window exceeds the model's {limit} positions, got: {config.train.window}"
        )
    bf16 = resolve_bf16(config.train.bf16)
    stats = train_loop(
        model, examples, config, gen, tokenizer.pad_token_id or 0, bf16,
        evaluate=lambda: evaluate_model(model, tokenizer, config, validation, bf16),
    )  # fmt: skip
    metrics = {
        **evaluate_model(model, tokenizer, config, validation, bf16),
        **stats,
        "bf16": bf16,
        "train_data": counts,
        "config_hash": config_hash(config),
    }
    manifest = Manifest(
        name=config.out.name,
        kind=config.kind,
        version=config.out.version,
        base=base,
        labels=labels,
        data_hash=data_hash,
        metrics=metrics,
        config=config.model_dump(mode="json"),
    )
    save_checkpoint(model, tokenizer, out, manifest, dtype=config.out.dtype)
    log.info("saved %s %s to %s", config.kind, manifest.version, out)
    return out
