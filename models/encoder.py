"""The BERT-style encoder our models share: sizes, a `BertConfig` builder and bf16 inference.

Sizes were chosen by measurement (tools/measure_encoder.py): the hybrid engine runs an NER model
over the whole report and a table model over its table regions, and must stay at >= 15
seed-sized reports/s on 2 cores with both checkpoints <= 25 MB together. `torch` and
`transformers` are imported inside the functions, so importing this module stays cheap.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    pass

log = logging.getLogger(__name__)

MAX_POSITIONS = 512  # window length including [CLS] and [SEP]


class EncoderError(ValueError):
    """A bad encoder size or setting."""


@dataclass(frozen=True)
class EncoderSize:
    """The shape of a BERT-style encoder.

    `heads` 0 means hidden // 64 (at least 2); `intermediate` 0 means 4 * hidden.
    """

    layers: int
    hidden: int
    heads: int = 0
    intermediate: int = 0

    def resolved(self) -> EncoderSize:
        """This size with `heads` and `intermediate` filled in and checked."""
        heads = self.heads or max(2, self.hidden // 64)
        inter = self.intermediate or 4 * self.hidden
        if self.layers < 1 or self.hidden < 8:
            raise EncoderError(
                f"[E101] layers >= 1 and hidden >= 8 required, got: {self.layers}x{self.hidden}"
            )
        if self.hidden % heads:
            raise EncoderError(f"[E102] hidden must be divisible by heads, got: {self.hidden} / {heads}")
        return EncoderSize(self.layers, self.hidden, heads, inter)

    def to_json(self) -> dict[str, int]:
        return asdict(self.resolved())


# Named sizes. "default" is the largest size that met the targets when measured with
# tools/measure_encoder.py on the 2-core AVX2 machine (no native bf16; fp32 throughput per core:
# 2x64 ~90-100k tokens/s, 2x96 ~55-65k, 2x128 ~30-35k): ~7,700 tokens per report (NER over
# 4,000 chars + table over 2,500) leave room for 2 layers x 64 only at >= 15 reports/s on 2 cores.
# "small" and "base" are for when the speed target is relaxed (or a faster CPU); "tiny" is for tests.
SIZES: dict[str, EncoderSize] = {
    "tiny": EncoderSize(layers=1, hidden=32, heads=2, intermediate=64),
    "default": EncoderSize(layers=2, hidden=64, heads=2),
    "small": EncoderSize(layers=2, hidden=128),
    "base": EncoderSize(layers=4, hidden=256),
}


def get_size(size: EncoderSize | str) -> EncoderSize:
    """A named size from `SIZES` or the given size, resolved."""
    if isinstance(size, str):
        if size not in SIZES:
            raise EncoderError(f"[E103] unknown encoder size (known: {', '.join(SIZES)}), got: {size!r}")
        size = SIZES[size]
    return size.resolved()


ARCHS = ("bert", "convbert")


def bert_config(
    vocab_size: int,
    size: EncoderSize | str = "default",
    *,
    max_positions: int = MAX_POSITIONS,
    dropout: float = 0.1,
    pad_token_id: int = 0,
    type_vocab_size: int = 1,
    arch: str = "bert",
    **extra: Any,
) -> Any:
    """A transformers config for our vocabulary and one of our sizes.

    Args:
        vocab_size: the tokenizer's vocabulary size (`len(tokenizer)`).
        size: a name from `SIZES` or an `EncoderSize`.
        max_positions: the longest window the model will see, special tokens included.
        dropout: hidden and attention dropout.
        pad_token_id: the tokenizer's [PAD] id.
        type_vocab_size: token type ids the model takes (1: none; the table model's figure ordinals).
        arch: "bert", or "convbert" (BERT with span-based convolution heads beside self-attention:
            the local patterns of a character sequence are learned in far fewer steps).
        **extra: passed to the config (e.g. `num_labels`, `id2label`).
    """
    s = get_size(size)
    if vocab_size < 6:
        raise EncoderError(f"[E104] vocab_size too small, got: {vocab_size}")
    if arch not in ARCHS:
        raise EncoderError(f"[E105] unknown encoder arch (one of {', '.join(ARCHS)}), got: {arch!r}")
    common = dict(
        vocab_size=vocab_size,
        hidden_size=s.hidden,
        num_hidden_layers=s.layers,
        intermediate_size=s.intermediate,
        max_position_embeddings=max_positions,
        hidden_dropout_prob=dropout,
        attention_probs_dropout_prob=dropout,
        pad_token_id=pad_token_id,
        type_vocab_size=type_vocab_size,
        **extra,
    )
    if arch == "convbert":
        from transformers import ConvBertConfig

        # head_ratio 2: half the heads attend, half are span-based convolutions over 9 characters
        return ConvBertConfig(
            num_attention_heads=max(2, s.heads), embedding_size=s.hidden, head_ratio=2, conv_kernel_size=9,
            **common,
        )  # fmt: skip
    from transformers import BertConfig

    return BertConfig(num_attention_heads=s.heads, **common)


def parameter_count(vocab_size: int, size: EncoderSize | str, max_positions: int = MAX_POSITIONS) -> int:
    """Parameters of the encoder body (embeddings + layers + pooler-free), computed, not built."""
    s = get_size(size)
    h, i = s.hidden, s.intermediate
    embeddings = (vocab_size + max_positions + 1) * h + 2 * h
    layer = 4 * (h * h + h) + 2 * h + (h * i + i) + (i * h + h) + 2 * h
    return embeddings + s.layers * layer


def bf16_native() -> bool:
    """True when this CPU computes bf16 natively (AVX512-BF16 or AMX), where autocast pays off.

    On AVX2-only CPUs bf16 autocast is emulated and measured slower than fp32.
    """
    import torch

    try:
        return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except (AttributeError, RuntimeError):  # pragma: no cover - depends on the torch build
        return False


def resolve_bf16(setting: bool | None) -> bool:
    """The bf16 choice: `None` means auto (native bf16 only), True/False force it."""
    return bf16_native() if setting is None else bool(setting)


def set_threads(n: int) -> None:
    """Limit torch's intra-op threads (the engine runs on 2 shared cores)."""
    import torch

    if n < 1:
        raise EncoderError(f"[E105] threads must be >= 1, got: {n}")
    if torch.get_num_threads() != n:
        torch.set_num_threads(n)


@contextlib.contextmanager
def inference_context(bf16: bool | None = None) -> Iterator[None]:
    """`torch.inference_mode()`, with bf16 autocast on CPU when `resolve_bf16(bf16)` is true.

    Example:
        with inference_context():
            logits = model(**batch).logits.float()
    """
    import torch

    with torch.inference_mode():
        if resolve_bf16(bf16):
            with torch.autocast("cpu", dtype=torch.bfloat16):
                yield
        else:
            yield
