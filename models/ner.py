"""The NER model: BIO token classification over AGENCY, COUNT, AMOUNT and DATE, per character.

A report is longer than a window, so it is read in overlapping windows
(`models.tokenizer.char_token_spans`, the one windowing function of both models). The window
outputs are stitched here (`stitch_windows`: each character takes the row of the window where it
lies farthest from an edge; the document's own edges are not edges, they miss no context) and
decoded by `models.decode`, not by the HF pipeline's aggregation. Values come from the shared
normalizers (`extraction.numbers`), so a model entity and a rules entity of the same text carry
the same value. `CharClassifier` is the part both models share.

torch and transformers are imported lazily: importing this module costs nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from extraction.schema import Entity
from models.decode import OUTSIDE, decode_bio, spans_to_entities

log = logging.getLogger(__name__)

DEFAULT_WINDOW = 256
DEFAULT_STRIDE = 32
DEFAULT_THREADS = 1  # tiny matrices: a second thread costs more than it gives (measured 7x CPU under load)
_FAR = 1 << 30  # distance of a character from the document's own edges


@dataclass(frozen=True)
class WindowProbs:
    """One window's output: per token the original `(start, end)` and the label probabilities.

    Attributes:
        offsets: int array `(T, 2)`; `(0, 0)` (or any empty range) for special and pad tokens.
        probs: float array `(T, L)`, rows summing to 1.
        start: first character the window covers.
        end: end of the characters the window covers.
    """

    offsets: np.ndarray
    probs: np.ndarray
    start: int
    end: int


def stitch_windows(n: int, windows: Iterable[WindowProbs], n_labels: int, outside: int) -> np.ndarray:
    """Per-character probabilities `(n, L)` from overlapping windows.

    A character seen by several windows takes the row of the window where it is farthest from a
    window edge; a character no token covers is `outside` with probability 1.
    """
    out = np.zeros((n, n_labels), dtype=np.float32)
    if n == 0:
        return out
    out[:, outside] = 1.0
    best = np.full(n, -1, dtype=np.int64)
    for w in windows:
        offs = np.asarray(w.offsets, dtype=np.int64).reshape(-1, 2)
        keep = (offs[:, 1] > offs[:, 0]) & (offs[:, 0] < n)
        if not keep.any():
            continue
        starts, ends, probs = offs[keep, 0], np.minimum(offs[keep, 1], n), np.asarray(w.probs)[keep]
        left = starts - w.start if w.start > 0 else np.full_like(starts, _FAR)
        right = (w.end - 1) - starts if w.end < n else np.full_like(starts, _FAR)
        dist = np.minimum(left, right)
        better = dist > best[starts]
        out[starts[better]] = probs[better]
        best[starts[better]] = dist[better]
        # A token over several characters (rare with char-level tokens) labels all of them.
        for i in np.flatnonzero(better & (ends - starts > 1)):
            out[starts[i] + 1 : ends[i]] = probs[i]
            best[starts[i] + 1 : ends[i]] = dist[i]
    return out


def window_params(manifest: Any, model: Any) -> tuple[int, int]:
    """The window length and overlap a checkpoint was trained with (its manifest's train config).

    Falls back to `DEFAULT_WINDOW` / `DEFAULT_STRIDE` (a checkpoint made elsewhere), capped by the
    model's position embeddings.
    """
    train = ((getattr(manifest, "config", None) or {}).get("train")) or {}
    limit = int(getattr(model.config, "max_position_embeddings", DEFAULT_WINDOW) or DEFAULT_WINDOW)
    length = int(train.get("window") or min(DEFAULT_WINDOW, limit))
    stride = int(train.get("stride") if train.get("stride") is not None else DEFAULT_STRIDE)
    return min(length, limit), min(stride, max(0, length // 2))


class CharClassifier:
    """A token-classification model run over a whole text: per-character label probabilities.

    Args:
        model: a transformers token-classification model (eval mode is set here).
        tokenizer: its char-level tokenizer.
        max_length: tokens per window, specials included.
        stride: tokens shared by consecutive windows.
        batch_size: windows per forward pass.
        bf16: bf16 autocast; None -> only where the CPU computes bf16 natively (AMX, AVX512-BF16);
            elsewhere it is emulated and slower than fp32.
    """

    def __init__(
        self,
        model: Any,
        tokenizer: Any,
        max_length: int = DEFAULT_WINDOW,
        stride: int = DEFAULT_STRIDE,
        batch_size: int = 16,
        bf16: bool | None = None,
    ) -> None:
        self.model = model.eval()
        self.tokenizer = tokenizer
        self.max_length = max_length
        self.stride = stride
        self.batch_size = batch_size
        from models.encoder import resolve_bf16

        self.bf16 = resolve_bf16(bf16)
        id2label = model.config.id2label
        self.labels: tuple[str, ...] = tuple(id2label[i] for i in range(len(id2label)))
        if OUTSIDE not in self.labels:
            from models.artifacts import CheckpointError

            raise CheckpointError(f"[M101] the model's labels have no {OUTSIDE!r}, got: {self.labels[:5]!r}")
        self.outside = self.labels.index(OUTSIDE)
        self.groups = softmax_groups(self.labels)
        self.token_types = getattr(model.config, "nianbao_token_types", None)

    def char_probs(self, text: str, start: int = 0, end: int | None = None) -> np.ndarray:
        """Label probabilities `(end - start, L)`: row i is character `start + i` of `text`.

        The model sees only `text[start:end]` (a table region, say), in overlapping windows.
        """
        import torch

        from models.tokenizer import char_token_spans

        end = len(text) if end is None else end
        part = text[start:end]
        windows = char_token_spans(self.tokenizer, part, self.max_length, self.stride)
        types = token_type_array(self.token_types, part)
        outs: list[WindowProbs] = []
        pad = self.tokenizer.pad_token_id or 0
        for b in range(0, len(windows), self.batch_size):
            batch = windows[b : b + self.batch_size]
            width = max(len(w.input_ids) for w in batch)
            ids = torch.full((len(batch), width), pad, dtype=torch.long)
            mask = torch.zeros((len(batch), width), dtype=torch.long)
            type_ids = torch.zeros((len(batch), width), dtype=torch.long)
            for i, w in enumerate(batch):
                ids[i, : len(w.input_ids)] = torch.tensor(w.input_ids, dtype=torch.long)
                mask[i, : len(w.attention_mask)] = torch.tensor(w.attention_mask, dtype=torch.long)
                if types is not None:
                    type_ids[i, : len(w.input_ids)] = torch.from_numpy(window_types(types, w.offsets))
            extra = {"token_type_ids": type_ids} if types is not None else {}
            with torch.inference_mode(), torch.autocast("cpu", dtype=torch.bfloat16, enabled=self.bf16):
                logits = self.model(input_ids=ids, attention_mask=mask, **extra).logits
            logits = logits.float()
            probs = torch.cat([torch.softmax(logits[..., a:b], dim=-1) for a, b in self.groups], -1).numpy()
            for i, w in enumerate(batch):
                n = len(w.input_ids)
                outs.append(WindowProbs(np.asarray(w.offsets, dtype=np.int64), probs[i, :n], w.start, w.end))
        return stitch_windows(len(part), outs, len(self.labels), self.outside)


def token_type_array(kind: str | None, text: str) -> np.ndarray | None:
    """Per-character token type ids of `text` for a model trained with `kind` (None: no types)."""
    if kind is None:
        return None
    from models.figures import FIGURE_ORDINAL, figure_ordinals

    if kind != FIGURE_ORDINAL:
        from models.artifacts import CheckpointError

        raise CheckpointError(f"[M103] unknown nianbao_token_types in the model config, got: {kind!r}")
    return figure_ordinals(text)


def window_types(types: np.ndarray, offsets: Sequence[tuple[int, int]]) -> np.ndarray:
    """A window's token type ids: each token takes its first character's type; specials 0."""
    offs = np.asarray(offsets, dtype=np.int64).reshape(-1, 2)
    return np.where(offs[:, 1] > offs[:, 0], types[np.minimum(offs[:, 0], max(len(types) - 1, 0))], 0)


def softmax_groups(labels: Sequence[str]) -> list[tuple[int, int]]:
    """The label ranges that each get their own softmax: all labels, or, for the table model's
    factored labels (`models.table`), rows (with `O`) and then columns (`C:...`, at the end)."""
    cut = next((i for i, lab in enumerate(labels) if lab.startswith("C:")), None)
    if cut is None:
        return [(0, len(labels))]
    if not all(lab.startswith("C:") for lab in labels[cut:]):
        from models.artifacts import CheckpointError

        raise CheckpointError(f"[M102] column labels (C:...) must come last, got: {list(labels[cut:])[:5]!r}")
    return [(0, cut), (cut, len(labels))]


def load_classifier(path: Path, kind: str, threads: int = DEFAULT_THREADS, **kwargs: Any) -> tuple[Any, Any]:
    """Load a checkpoint of `kind` ("ner" | "table") as a `CharClassifier` plus its manifest.

    Raises:
        CheckpointError: the folder is missing, incomplete or corrupt (from models.artifacts).
    """
    from models.artifacts import load_checkpoint
    from models.encoder import set_threads

    set_threads(threads)
    model, tokenizer, manifest = load_checkpoint(Path(path), kind)
    length, stride = window_params(manifest, model)
    kwargs.setdefault("max_length", length)
    kwargs.setdefault("stride", stride)
    return CharClassifier(model, tokenizer, **kwargs), manifest


def model_version(manifest: Any) -> str:
    """`name@version` of a checkpoint, the string records carry as `model_version`."""
    name = getattr(manifest, "name", None) or "model"
    return f"{name}@{getattr(manifest, 'version', '0')}"


class NerModel:
    """Entities by the NER model (`source="model"`), with original offsets and normalized values.

    Build with `NerModel.load(path)`, or wrap an in-memory model (training, tests).
    """

    def __init__(self, classifier: CharClassifier, version: str = "ner@0") -> None:
        self.classifier = classifier
        self.version = version

    @classmethod
    def load(cls, path: Path, **kwargs: Any) -> NerModel:
        """Load a NER checkpoint folder.

        Raises:
            CheckpointError: missing, incomplete or corrupt checkpoint.
        """
        classifier, manifest = load_classifier(path, "ner", **kwargs)
        return cls(classifier, model_version(manifest))

    @property
    def labels(self) -> Sequence[str]:
        return self.classifier.labels

    def predict(self, text: str, skip: Sequence[tuple[int, int]] | None = None) -> list[Entity]:
        """The entities of a text, in text order, non-overlapping.

        Each entity has `text == text[start:end]`, `score` = mean probability of its tags, and
        `value` from `extraction.numbers` (a COUNT/AMOUNT/DATE whose value does not parse keeps
        value None and half its score).

        Args:
            text: the original text.
            skip: `(start, end)` ranges not to read (the table regions, which hold almost no
                narrative entity: a third of a report's characters for nothing); they decode as O.
        """
        if not text:
            return []
        if not skip:
            probs = self.classifier.char_probs(text)
        else:
            from extraction.normalize import merge_ranges

            probs = np.zeros((len(text), len(self.labels)), dtype=np.float32)
            probs[:, self.classifier.outside] = 1.0
            pos = 0
            for s, e in [*merge_ranges([(max(0, a), min(len(text), b)) for a, b in skip]), (len(text),) * 2]:
                if s > pos:
                    probs[pos:s] = self.classifier.char_probs(text, pos, s)
                pos = max(pos, e)
        return spans_to_entities(text, decode_bio(text, probs, self.labels))
