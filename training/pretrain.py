"""`nianbao train pretrain`: masked-language-model pretraining of our small char-level encoder.

Texts: the real report beginnings of ../shared/corpus (spam mirrors left out) plus synthetic
reports generated in-process (`training.synth.generate_one`, cycling noise levels). A share of
the texts, chosen by hash, is held out for the eval loss. The vocabulary is built from the
training texts (or reused from `tokenizer.path`); texts are cut into windows by
`models.tokenizer.char_token_spans`, the function the fine-tuned models use.

Masking is whole-character (a token is a character): 15% of the tokens, of which 80% become
[MASK], 10% a random character and 10% stay. Everything random (weights, dropout, data order,
masks) comes from the config's seed, so the same config and seed give the same checkpoint.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import math
import random
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from training.config import PretrainConfig, PretrainData, offline_environment

log = logging.getLogger(__name__)

EVAL_WINDOWS = 64  # eval loss over at most this many held-out windows (fixed masks)


class PretrainError(ValueError):
    """A pretraining run that cannot start: no texts, an existing output, a bad base."""


@dataclass
class Texts:
    """The pretraining texts, split, with the hash that identifies them."""

    train: list[str]
    eval: list[str]
    data_hash: str
    sources: dict[str, int]


def _text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _corpus_texts(folder: Path, skip_spam: bool) -> list[str]:
    from extraction.io import ReadError, read_document

    if not folder.is_dir():
        raise PretrainError(f"[P002] corpus folder not found, got: {str(folder)!r}")
    spam: set[str] = set()
    index = folder / "index.jsonl"
    if skip_spam and index.is_file():
        with open(index, encoding="utf-8") as fh:
            for line in fh:
                row = json.loads(line) if line.strip() else {}
                if row.get("spam"):
                    spam.add(str(row.get("id")))
    out = []
    for path in sorted(folder.glob("*.txt")):
        if path.stem in spam:
            continue
        try:
            text = read_document(path).text
        except ReadError as exc:
            log.warning("corpus text skipped: %s", exc)
            continue
        if text.strip():
            out.append(text)
    return out


def collect_texts(data: PretrainData) -> Texts:
    """Real corpus texts (each `corpus_repeat` times in train) and synthetic reports, split by hash."""
    from training.synth.generator import derive_seed, generate_one

    real: list[str] = []
    for folder in data.corpus:
        real.extend(_corpus_texts(Path(folder), data.skip_spam))
    synth = [
        generate_one(derive_seed(data.synth_seed, i), data.noise[i % len(data.noise)]).text
        for i in range(data.synth_reports)
    ]
    train: list[str] = []
    held: list[str] = []
    hashes = []
    for text, repeat in [(t, data.corpus_repeat) for t in real] + [(t, 1) for t in synth]:
        h = _text_hash(text)
        hashes.append(h)
        if int(h, 16) % 1000 < data.eval_fraction * 1000:
            held.append(text)
        else:
            train.extend([text] * repeat)
    if not train:
        raise PretrainError(
            f"[P003] no training texts (corpus {data.corpus}, synth_reports {data.synth_reports})"
        )
    digest = hashlib.sha256("\n".join(sorted(hashes)).encode("utf-8")).hexdigest()
    return Texts(train, held, digest, {"corpus": len(real), "synth": len(synth)})


def _seed_everything(seed: int) -> Any:
    import numpy as np
    import torch

    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)
    return torch.Generator().manual_seed(seed)


def mask_tokens(
    input_ids: Any, special_mask: Any, mask_id: int, vocab_size: int, probability: float, generator: Any
) -> tuple[Any, Any]:
    """BERT masking: (masked inputs, labels with -100 on the tokens not to predict).

    Of the chosen tokens 80% become `mask_id`, 10% a random token (never a special one: those
    keep their token) and 10% stay as they are.
    """
    import torch

    labels = input_ids.clone()
    probs = torch.full(input_ids.shape, probability)
    probs.masked_fill_(special_mask, 0.0)
    chosen = torch.bernoulli(probs, generator=generator).bool()
    labels[~chosen] = -100
    inputs = input_ids.clone()
    to_mask = torch.bernoulli(torch.full(input_ids.shape, 0.8), generator=generator).bool() & chosen
    inputs[to_mask] = mask_id
    half = torch.bernoulli(torch.full(input_ids.shape, 0.5), generator=generator).bool()
    random_ids = torch.randint(0, vocab_size, input_ids.shape, generator=generator)
    to_random = half & chosen & ~to_mask & ~torch.isin(random_ids, input_ids[special_mask].unique())
    inputs[to_random] = random_ids[to_random]
    return inputs, labels


def _windows(tokenizer: Any, texts: list[str], window: int, stride: int) -> list[list[int]]:
    from models.tokenizer import char_token_spans

    out = []
    for text in texts:
        out.extend(w.input_ids for w in char_token_spans(tokenizer, text, window, stride))
    return out


def _batch(rows: list[list[int]], pad_id: int, special_ids: set[int]) -> tuple[Any, Any, Any]:
    import torch

    width = max(len(r) for r in rows)
    ids = torch.full((len(rows), width), pad_id, dtype=torch.long)
    attn = torch.zeros((len(rows), width), dtype=torch.long)
    for i, r in enumerate(rows):
        ids[i, : len(r)] = torch.tensor(r)
        attn[i, : len(r)] = 1
    special = (attn == 0) | torch.isin(ids, torch.tensor(sorted(special_ids)))
    return ids, attn, special


def _prepare_output(cfg: PretrainConfig) -> Path:
    out = Path(cfg.out.dir)
    if out.exists() and any(out.iterdir()) and not cfg.out.overwrite:
        raise PretrainError(f"[P001] output exists (set out.overwrite=true to replace), got: {str(out)!r}")
    return out


def _model_and_tokenizer(cfg: PretrainConfig, texts: Texts) -> tuple[Any, Any]:
    from models.encoder import bert_config
    from models.tokenizer import build_char_tokenizer, load_tokenizer

    if cfg.model.base:  # continue pretraining a local checkpoint (ours or any HF masked LM)
        import torch
        from transformers import AutoModelForMaskedLM

        from models.artifacts import resolve_base

        base = resolve_base(cfg.model.base)
        model = AutoModelForMaskedLM.from_pretrained(str(base), local_files_only=True, dtype=torch.float32)
        return model, load_tokenizer(base)
    from transformers import AutoModelForMaskedLM

    t = cfg.tokenizer
    if t.path:
        tokenizer = load_tokenizer(t.path)
    else:
        tokenizer = build_char_tokenizer(
            texts.train,
            t.min_freq,
            t.max_vocab,
            fold_traditional=t.fold_traditional,
            model_max_length=cfg.model.max_positions,
        )
    m = cfg.model
    config = bert_config(
        len(tokenizer), m.encoder_size(), max_positions=m.max_positions, dropout=m.dropout,
        pad_token_id=tokenizer.pad_token_id, arch=m.arch,
    )  # fmt: skip
    return AutoModelForMaskedLM.from_config(config), tokenizer


def run_pretrain(config: PretrainConfig) -> Path:
    """Pretrain (or continue pretraining) an encoder with MLM and save it as an "encoder" checkpoint.

    Returns the checkpoint directory. The manifest's metrics hold the loss curve
    (`loss_curve`: [step, mean train loss since the previous point]), the eval loss and masked
    accuracy (`eval`: one entry per evaluation), steps, tokens and seconds.
    """
    offline_environment()

    from models.artifacts import Manifest, save_checkpoint
    from models.encoder import resolve_bf16, set_threads
    from training.config import config_hash

    cfg = config
    out = _prepare_output(cfg)
    set_threads(cfg.train.threads)
    texts = collect_texts(cfg.data)
    gen = _seed_everything(cfg.train.seed)
    model, tokenizer = _model_and_tokenizer(cfg, texts)
    train_rows = _windows(tokenizer, texts.train, cfg.train.window, cfg.train.stride)
    eval_rows = _windows(tokenizer, texts.eval, cfg.train.window, cfg.train.stride)[:EVAL_WINDOWS]
    tr = cfg.train
    per_epoch = math.ceil(len(train_rows) / (tr.batch_size * tr.grad_accum))
    total = tr.max_steps or max(1, math.ceil(per_epoch * tr.epochs))
    log.info("pretrain: %d train windows, %d eval windows, %d steps", len(train_rows), len(eval_rows), total)
    bf16 = resolve_bf16(tr.bf16)
    loop = _Loop(cfg, model, tokenizer, gen, bf16)
    t0 = time.perf_counter()
    curve, evals = loop.run(train_rows, eval_rows, total)
    seconds = time.perf_counter() - t0
    metrics = {
        "steps": total,
        "tokens_seen": loop.tokens_seen,
        "seconds": round(seconds, 1),
        "bf16": bf16,
        "train_windows": len(train_rows),
        "texts": texts.sources,
        "loss_curve": curve,
        "eval": evals,
        "eval_loss": evals[-1]["loss"] if evals else None,
        "eval_accuracy": evals[-1]["accuracy"] if evals else None,
        "config_hash": config_hash(cfg),
    }
    manifest = Manifest(
        name=cfg.out.name,
        kind="encoder",
        version=cfg.out.version,
        base=cfg.model.base,
        data_hash=texts.data_hash,
        metrics=metrics,
        config=cfg.model_dump(mode="json"),
    )
    model.eval()
    save_checkpoint(model, tokenizer, out, manifest, dtype=cfg.out.dtype)
    with open(out / "train_log.jsonl", "w", encoding="utf-8") as fh:
        for step, loss in curve:
            fh.write(json.dumps({"step": step, "loss": loss}, ensure_ascii=False) + "\n")
    return out


class _Loop:
    """The optimisation loop (plain torch: fewer moving parts than Trainer, exactly reproducible)."""

    def __init__(self, cfg: PretrainConfig, model: Any, tokenizer: Any, gen: Any, bf16: bool) -> None:
        self.cfg, self.model, self.gen, self.bf16 = cfg, model, gen, bf16
        self.pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
        # never masked: padding and markers; [UNK] is a token like any other (rare characters)
        markers = (
            tokenizer.pad_token_id,
            tokenizer.cls_token_id,
            tokenizer.sep_token_id,
            tokenizer.mask_token_id,
        )
        self.specials = {i for i in markers if i is not None}
        if tokenizer.mask_token_id is None:
            raise PretrainError("[P004] the tokenizer has no [MASK] token, MLM is impossible")
        self.mask_id = tokenizer.mask_token_id
        self.vocab = model.config.vocab_size
        self.tokens_seen = 0

    def _loss(self, rows: list[list[int]], gen: Any) -> tuple[Any, Any, Any]:
        """(loss, logits of the masked tokens, their labels) for one batch."""
        import torch

        ids, attn, special = _batch(rows, self.pad, self.specials)
        inputs, labels = mask_tokens(
            ids, special, self.mask_id, self.vocab, self.cfg.train.mlm_probability, gen
        )
        chosen = labels != -100
        ctx = torch.autocast("cpu", dtype=torch.bfloat16) if self.bf16 else contextlib.nullcontext()
        with ctx:
            if hasattr(self.model, "bert") and hasattr(self.model, "cls"):
                # BERT: the vocabulary head only where a token is to be predicted (~15%): a third
                # of a small model's compute otherwise goes to logits nobody reads.
                hidden = self.model.bert(input_ids=inputs, attention_mask=attn).last_hidden_state
                logits = self.model.cls(hidden[chosen])
            else:
                logits = self.model(input_ids=inputs, attention_mask=attn).logits[chosen]
        targets = labels[chosen]
        if targets.numel() == 0:
            return logits.float().sum() * 0.0, logits, targets
        return torch.nn.functional.cross_entropy(logits.float(), targets), logits, targets

    def run(self, train_rows: list[list[int]], eval_rows: list[list[int]], total: int) -> tuple[list, list]:
        import torch
        from transformers import get_linear_schedule_with_warmup

        tr = self.cfg.train
        decay = [p for n, p in self.model.named_parameters() if p.ndim >= 2]
        no_decay = [p for n, p in self.model.named_parameters() if p.ndim < 2]
        opt = torch.optim.AdamW(
            [{"params": decay, "weight_decay": tr.weight_decay}, {"params": no_decay, "weight_decay": 0.0}],
            lr=tr.lr,
        )
        sched = get_linear_schedule_with_warmup(opt, int(tr.warmup_ratio * total), total)
        curve: list[list[float]] = []
        evals: list[dict[str, float]] = []
        order: list[int] = []
        running, n_running = 0.0, 0
        self.model.train()
        for step in range(1, total + 1):
            for _ in range(tr.grad_accum):
                if len(order) < tr.batch_size:
                    order.extend(torch.randperm(len(train_rows), generator=self.gen).tolist())
                rows = [train_rows[i] for i in order[: tr.batch_size]]
                del order[: tr.batch_size]
                loss, _, _ = self._loss(rows, self.gen)
                (loss / tr.grad_accum).backward()
                running += loss.item() / tr.grad_accum
                self.tokens_seen += sum(len(r) for r in rows)
            n_running += 1
            torch.nn.utils.clip_grad_norm_(self.model.parameters(), tr.max_grad_norm)
            opt.step()
            sched.step()
            opt.zero_grad(set_to_none=True)
            if step % tr.log_every == 0 or step == total:
                curve.append([step, round(running / n_running, 4)])
                log.info("step %d/%d loss %.4f", step, total, running / n_running)
                running, n_running = 0.0, 0
            if eval_rows and ((tr.eval_every and step % tr.eval_every == 0) or step == total):
                evals.append({"step": step, **self.evaluate(eval_rows)})
        return curve, evals

    def evaluate(self, rows: list[list[int]]) -> dict[str, float]:
        """MLM loss and masked-token accuracy on `rows`, with the same masks at every call."""
        import torch

        gen = torch.Generator().manual_seed(self.cfg.train.seed + 1)
        was_training = self.model.training
        self.model.eval()
        total_loss, correct, count = 0.0, 0, 0
        with torch.inference_mode():
            for i in range(0, len(rows), self.cfg.train.batch_size):
                loss, logits, targets = self._loss(rows[i : i + self.cfg.train.batch_size], gen)
                n = targets.numel()
                if n == 0:
                    continue
                total_loss += loss.item() * n
                correct += int((logits.argmax(-1) == targets).sum())
                count += n
        self.model.train(was_training)
        return {"loss": round(total_loss / max(1, count), 4), "accuracy": round(correct / max(1, count), 4)}
