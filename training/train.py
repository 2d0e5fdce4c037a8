"""Fine-tuning the NER and table models: `nianbao train ner|table --config FILE`.

    dataset (`nianbao dataset build`) -> windows with per-token labels (`training.examples`)
    -> plain training loop -> validation metrics (`training.evaluation`)
    -> checkpoint (safetensors, tokenizer, label maps, manifest.json)

The base is a local checkpoint folder (our pretrained encoder, or any local HF checkpoint such
as a user's `bert-base-chinese`), or none: a BERT of `model.size` from scratch with a char
tokenizer built from the training texts. The table model's labels are factored (row x column,
`models.table.factored_labels`) and it reads each figure's ordinal as token type ids
(`models.figures.figure_ordinals`).

The loop is plain torch (not the HF Trainer) so that a config and its seed give the same
weights and metrics: the seed drives initialization, dropout and one generator that orders the
windows; nothing else draws random numbers. torch is imported lazily.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from training.config import NerConfig, TableConfig, offline_environment
from training.evaluation import evaluate_model
from training.examples import IGNORE, Example, TrainError, build_examples, collate, load_data
from training.labels import OUTSIDE

log = logging.getLogger(__name__)

SCRATCH_MIN_FREQ = 1  # vocabulary of a model from scratch: every character of the training texts


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
    token_types = getattr(config, "token_types", None)
    if m.base:
        from transformers import AutoModelForTokenClassification

        base = resolve_base(m.base)
        model = AutoModelForTokenClassification.from_pretrained(
            str(base), num_labels=len(labels), id2label=id2label, label2id=label2id, local_files_only=True
        )
        if token_types:
            add_token_types(model, token_types)
        return model, load_tokenizer(base), m.base
    from transformers import AutoModelForTokenClassification

    from models.figures import ORDINAL_TYPES

    tokenizer = build_char_tokenizer(texts, SCRATCH_MIN_FREQ, model_max_length=config.train.window)
    cfg = bert_config(
        len(tokenizer), m.encoder_size(), max_positions=m.max_positions, dropout=m.dropout,
        pad_token_id=tokenizer.pad_token_id, num_labels=len(labels), id2label=id2label, label2id=label2id,
        type_vocab_size=ORDINAL_TYPES if token_types else 1, arch=m.arch,
    )  # fmt: skip
    model = AutoModelForTokenClassification.from_config(cfg)
    if token_types:
        model.config.nianbao_token_types = token_types
    return model, tokenizer, None


def add_token_types(model: Any, kind: str) -> None:
    """Give a base model the token type input `kind` needs: the type embedding grows to
    `ORDINAL_TYPES` rows, the new ones copies of type 0 (the base's own input is unchanged)."""
    import torch

    from models.figures import ORDINAL_TYPES

    emb = model.get_input_embeddings()  # only to find the module holding the type embedding
    holder = next((mod for mod in model.modules() if hasattr(mod, "token_type_embeddings")), None)
    if holder is None:
        raise TrainError(
            f"[T007] the base {type(model).__name__} has no token type embedding; set token_types=null"
        )
    old = holder.token_type_embeddings
    if old.num_embeddings < ORDINAL_TYPES:
        new = torch.nn.Embedding(ORDINAL_TYPES, old.embedding_dim, dtype=emb.weight.dtype)
        with torch.no_grad():
            new.weight[:] = old.weight[0]
            new.weight[: old.num_embeddings] = old.weight
        holder.token_type_embeddings = new
        model.config.type_vocab_size = ORDINAL_TYPES
    model.config.nianbao_token_types = kind


def train_loop(
    model: Any,
    examples: Sequence[Example],
    config: NerConfig | TableConfig,
    gen: Any,
    pad_id: int,
    bf16: bool,
    evaluate: Callable[[], dict[str, Any]] | None = None,
    loss_fn: Callable[[Any, Any], Any] | None = None,
) -> dict[str, Any]:
    """Train in place (AdamW, linear warmup and decay); `loss_fn(logits, labels)` replaces the
    model's own token-classification loss (the table model's factored labels).

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
    from tqdm.auto import tqdm

    bar = tqdm(total=total, desc=f"train {config.kind}", unit="step", disable=None, leave=False)
    for step in range(1, total + 1):
        for _ in range(tr.grad_accum):
            if len(order) < tr.batch_size:
                order += torch.randperm(len(examples), generator=gen).tolist()
            ids, mask, labels, types = collate([examples[i] for i in order[: tr.batch_size]], pad_id)
            del order[: tr.batch_size]
            inputs = {"input_ids": ids, "attention_mask": mask}
            if types is not None:
                inputs["token_type_ids"] = types
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
                if loss_fn is None:
                    loss = model(**inputs, labels=labels).loss
                else:
                    loss = loss_fn(model(**inputs).logits.float(), labels)
            (loss / tr.grad_accum).backward()
            running += loss.item() / tr.grad_accum
        n_running += 1
        torch.nn.utils.clip_grad_norm_(model.parameters(), tr.max_grad_norm)
        opt.step()
        sched.step()
        opt.zero_grad(set_to_none=True)
        bar.update(1)
        if step % tr.log_every == 0 or step == total:
            bar.set_postfix(loss=f"{running / n_running:.4f}")
            curve.append([step, round(running / n_running, 4)])
            log.info("%s step %d/%d loss %.4f", config.kind, step, total, running / n_running)
            running, n_running = 0.0, 0
        if evaluate is not None and tr.eval_every and step % tr.eval_every == 0 and step < total:
            evals.append({"step": step, **evaluate()})
            log.info("%s step %d eval %s", config.kind, step, evals[-1])
            model.train()
    bar.close()
    model.eval()
    out = {"steps": total, "seconds": round(time.perf_counter() - t0, 1), "loss_curve": curve}
    return out | ({"eval": evals} if evals else {})


def factored_loss(cell_labels: Sequence[str], labels: Sequence[str]) -> Callable[[Any, Any], Any]:
    """The table model's loss over factored labels: row cross-entropy on every labelled character
    plus column cross-entropy on the characters of a cell (`models.table.factored_labels`)."""
    import torch

    from models.ner import softmax_groups
    from models.table import factor_index

    (_, cut), (_, end) = softmax_groups(labels)
    index = torch.from_numpy(factor_index(cell_labels, labels, IGNORE))
    index[:, 1] = torch.where(index[:, 1] == IGNORE, IGNORE, index[:, 1] - cut)
    ce = torch.nn.functional.cross_entropy

    def loss(logits: Any, tags: Any) -> Any:
        known = tags != IGNORE
        target = torch.full((*tags.shape, 2), IGNORE, dtype=torch.long)
        target[known] = index[tags[known]]
        rows = ce(logits[..., :cut].reshape(-1, cut), target[..., 0].reshape(-1), ignore_index=IGNORE)
        cols = target[..., 1].reshape(-1)
        if not (cols != IGNORE).any():
            return rows
        return rows + ce(logits[..., cut:end].reshape(-1, end - cut), cols, ignore_index=IGNORE)

    return loss


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
    model_labels, loss_fn = labels, None
    if config.kind == "table" and config.scheme == "factored":
        from models.table import factored_labels

        model_labels = list(factored_labels([lab[2:] for lab in labels if lab != OUTSIDE]))
        loss_fn = factored_loss(labels, model_labels)
    model, tokenizer, base = init_model(config, model_labels, (d.text for d in docs), resume_from)
    examples, counts = build_examples(docs, tokenizer, config, labels)
    log.info("%s: %d training windows from %s", config.kind, len(examples), counts)
    if config.train.window > (limit := int(getattr(model.config, "max_position_embeddings", 512))):
        raise TrainError(
            f"[T006] train.window exceeds the model's {limit} positions, got: {config.train.window}"
        )
    bf16 = resolve_bf16(config.train.bf16)
    stats = train_loop(
        model, examples, config, gen, tokenizer.pad_token_id or 0, bf16,
        evaluate=lambda: evaluate_model(model, tokenizer, config, validation, bf16), loss_fn=loss_fn,
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
        labels=model_labels,
        data_hash=data_hash,
        metrics=metrics,
        config=config.model_dump(mode="json"),
    )
    save_checkpoint(model, tokenizer, out, manifest, dtype=config.out.dtype)
    log.info("saved %s %s to %s", config.kind, manifest.version, out)
    return out
