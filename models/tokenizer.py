"""The char-level tokenizer and the one windowing function both models use.

Every character of a text is one token, whitespace included. The tokenizer's normalizer folds
characters one to one (never expanding one into several, so offsets stay exact into the
ORIGINAL text):

- NFKC where NFKC gives a single character: full-width digits, letters and punctuation share
  ids with ASCII, U+3000 and no-break spaces become " ", Kangxi radicals and CJK compatibility
  ideographs (common in PDF exports: ⾏ for 行) become the unified ideograph;
- traditional -> simplified, character by character (opencc's first choice, the same table as
  `extraction.normalize`), so traditional-script reports share the simplified vocabulary.

Characters whose NFKC form is several characters (…, ㈠, ⑴) are kept as they are. The fold is
a `tokenizers` `Precompiled` char map built here (a darts-clone double array), so it is saved in
tokenizer.json and runs in Rust. That normalizer works on grapheme clusters, so characters that
would join a cluster (combining marks, joiners, Hangul jamo, emoji modifiers: never part of a
report's meaning) are first replaced by U+FFFD, one to one; every token is then exactly one
character of the original text.

`torch`/`transformers` are imported only inside functions.
"""

from __future__ import annotations

import json
import logging
import re
import struct
import unicodedata
import weakref
from array import array
from collections import Counter, deque
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from transformers import PreTrainedTokenizerFast

log = logging.getLogger(__name__)

TOKENIZER_VERSION = "nianbao.char_tokenizer.v1"
SPECIALS = ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")
_SPLIT_PATTERN = r"[\s\S]"  # every character is a word (Oniguruma has no (?s))
# Always in the vocabulary, whatever the texts: digits, ASCII, the punctuation of the reports.
_ALWAYS = (
    "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
    " \n\t!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"
    "。、《》“”‘’【】〔〕—…·％"
)


# Characters that can continue a grapheme cluster (combining marks, joiners, Hangul jamo,
# regional indicators, emoji modifiers, tags) or start one (prepend): replaced by U+FFFD.
_EXTRA_CLUSTER = (
    "\u200c\u200d\u0e33\u0eb3\uff9e\uff9f\u1100-\u11ff\ua960-\ua97f\ud7b0-\ud7ff"
    "\U0001f1e6-\U0001f1ff\U0001f3fb-\U0001f3ff\U000e0000-\U000e0fff\u0600-\u0605\u06dd\u070f"
    "\u0890\u0891\u08e2\u0d4e"
)
CLUSTER_MARK = "\ufffd"


@lru_cache(maxsize=1)
def _cluster_chars() -> frozenset[str]:
    chars = {chr(cp) for cp in range(0x30000) if unicodedata.category(chr(cp)) in ("Mn", "Mc", "Me")}
    chars.update(re.findall(f"[{_EXTRA_CLUSTER}]", "".join(map(chr, range(0x0600, 0xE1000)))))
    return frozenset(chars)


@lru_cache(maxsize=1)
def _cluster_pattern() -> str:
    """The cluster characters as an Oniguruma class of \\x{...} ranges."""
    ranges: list[list[int]] = []
    for cp in sorted(map(ord, _cluster_chars())):
        if ranges and ranges[-1][1] == cp - 1:
            ranges[-1][1] = cp
        else:
            ranges.append([cp, cp])
    parts = (f"\\x{{{a:X}}}" if a == b else f"\\x{{{a:X}}}-\\x{{{b:X}}}" for a, b in ranges)
    return "[" + "".join(parts) + "]"


class TokenizerError(ValueError):
    """A tokenizer that cannot be built, loaded or used as asked."""


@dataclass
class Window:
    """One model input window over a text.

    `offsets[i]` is the `[start, end)` of token i in the ORIGINAL text, `(0, 0)` for special
    tokens; `start`/`end` are the characters the window's content tokens cover.
    """

    input_ids: list[int]
    attention_mask: list[int]
    offsets: list[tuple[int, int]]
    start: int
    end: int


# --- the fold ---------------------------------------------------------------------------------


@lru_cache(maxsize=2)
def fold_map(fold_traditional: bool = True) -> dict[str, str]:
    """Character -> folded character for every character the normalizer changes."""
    t2s: dict[int, str] = {}
    if fold_traditional:
        from extraction.normalize import t2s_table

        t2s = t2s_table()
    candidates = {chr(cp) for cp in range(0x30000) if not 0xD800 <= cp < 0xE000}
    candidates = {c for c in candidates if not unicodedata.is_normalized("NFKC", c)}
    candidates.update(chr(cp) for cp in t2s)
    out: dict[str, str] = {}
    for c in sorted(candidates):
        x = c
        for _ in range(3):  # NFKC and t2s can chain (compatibility form of a traditional char)
            n = unicodedata.normalize("NFKC", x)
            y = n if len(n) == 1 else x
            y = t2s.get(ord(y), y)
            if y == x:
                break
            x = y
        if x != c:
            out[c] = x
    out.update(dict.fromkeys(_cluster_chars(), CLUSTER_MARK))
    return out


def build_charsmap(mapping: dict[str, str]) -> bytes:
    """A `tokenizers.normalizers.Precompiled` char map (sentencepiece format) for `mapping`.

    Layout: u32 trie byte size, the trie (darts-clone double-array units, u32 LE), then the
    NUL-terminated replacement strings. A unit holds its label in bits 0-7, a has-leaf flag in
    bit 8 and the XOR offset to its children in bits 10-30; a leaf unit has bit 31 set and the
    replacement's byte offset as value. Children of the node at `pos` with base `b = pos ^ offset`
    sit at `b ^ label` (label 0 = the leaf), every base unique, so a label check suffices.
    """
    blob = bytearray()
    where: dict[str, int] = {}
    for target in sorted(set(mapping.values())):
        where[target] = len(blob)
        blob += target.encode("utf-8") + b"\0"
    root: dict[int, Any] = {}
    for key in sorted(mapping):
        node = root
        for byte in key.encode("utf-8"):
            node = node.setdefault(byte, {})
        node[-1] = where[mapping[key]]
    size = 1 << 16
    used, is_base, units = bytearray(size), bytearray(size), [0] * size
    used[0] = 1  # the root
    lo = 256
    queue: deque[tuple[int, dict[int, Any]]] = deque([(0, root)])
    while queue:
        pos, node = queue.popleft()
        labels = [0 if k == -1 else k for k in node]
        free, tries = used.find(0, lo), 0
        while True:
            if free < 0 or free + 512 > size:  # keep a block of headroom above every candidate
                free = size if free < 0 else free
                used.extend(bytes(size))
                is_base.extend(bytes(size))
                units.extend([0] * size)
                size *= 2
            base = free ^ labels[0]
            if base >= 256 and not is_base[base] and not any(used[base ^ c] for c in labels):
                break
            free, tries = used.find(0, free + 1), tries + 1
        if tries > 64:  # stop rescanning a crowded prefix
            lo = free
        is_base[base] = 1
        units[pos] |= ((pos ^ base) << 10) | ((1 << 8) if -1 in node else 0)
        for k, child in node.items():
            if k == -1:
                used[base] = 1
                units[base] = child | (1 << 31)
            else:
                used[base ^ k] = 1
                units[base ^ k] = k
                queue.append((base ^ k, child))
    # Lookups of any byte from any node land in its base's 256-block: keep every block whole.
    n = (is_base.rfind(1) | 255) + 1
    if n >= 1 << 21:
        raise TokenizerError(f"[K006] char map too large for 21-bit offsets, got: {n} units")
    trie = struct.pack(f"<{n}I", *units[:n])
    return struct.pack("<I", len(trie)) + trie + bytes(blob)


@lru_cache(maxsize=2)
def _charsmap(fold_traditional: bool) -> bytes:
    return build_charsmap(fold_map(fold_traditional))


def _normalizer(fold_traditional: bool) -> Any:
    from tokenizers import Regex, normalizers

    return normalizers.Sequence(
        [
            normalizers.Replace(Regex(_cluster_pattern()), CLUSTER_MARK),
            normalizers.Precompiled(_charsmap(fold_traditional)),
        ]
    )


@lru_cache(maxsize=2)
def _normalizer_spec(fold_traditional: bool) -> dict[str, Any]:
    """The normalizer as tokenizer.json stores it (to recognise a tokenizer with today's fold)."""
    from tokenizers import Tokenizer, models

    tok = Tokenizer(models.WordLevel({"[UNK]": 0}, unk_token="[UNK]"))
    tok.normalizer = _normalizer(fold_traditional)
    return json.loads(tok.to_str())["normalizer"]


def fold_text(text: str, fold_traditional: bool = True) -> str:
    """The text as the tokenizer's normalizer sees it, character by character (same length)."""
    return text.translate(_translate_table(fold_traditional))


@lru_cache(maxsize=2)
def _translate_table(fold_traditional: bool) -> dict[int, str]:
    return {ord(k): v for k, v in fold_map(fold_traditional).items()}


# --- building and loading ---------------------------------------------------------------------


def build_char_tokenizer(
    texts: Iterable[str],
    min_freq: int = 1,
    max_vocab: int = 12000,
    *,
    fold_traditional: bool = True,
    model_max_length: int = 512,
) -> PreTrainedTokenizerFast:
    """A char-level tokenizer whose vocabulary is every folded character seen >= `min_freq` times.

    Ids: the specials [PAD] [UNK] [CLS] [SEP] [MASK] are 0-4, then characters by descending
    frequency (ties by code point), at most `max_vocab` entries in all. Digits, ASCII and the
    common report punctuation are always included.
    """
    from tokenizers import Regex, Tokenizer, models, pre_tokenizers, processors
    from transformers import PreTrainedTokenizerFast

    if min_freq < 1 or max_vocab < len(SPECIALS) + 1:
        raise TokenizerError(f"[K001] need min_freq >= 1 and max_vocab > 5, got: {min_freq}, {max_vocab}")
    counts: Counter[str] = Counter()
    for text in texts:
        counts.update(fold_text(text, fold_traditional))
    for c in _ALWAYS:
        counts[c] += min_freq
    ranked = sorted((c for c, n in counts.items() if n >= min_freq), key=lambda c: (-counts[c], c))
    vocab = {s: i for i, s in enumerate(SPECIALS)}
    for c in ranked[: max_vocab - len(SPECIALS)]:
        vocab[c] = len(vocab)
    tok = Tokenizer(models.WordLevel(vocab, unk_token="[UNK]"))
    tok.normalizer = _normalizer(fold_traditional)
    tok.pre_tokenizer = pre_tokenizers.Split(Regex(_SPLIT_PATTERN), behavior="isolated")
    cls_id, sep_id = vocab["[CLS]"], vocab["[SEP]"]
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]",
        pair="[CLS] $A [SEP] $B [SEP]",
        special_tokens=[("[CLS]", cls_id), ("[SEP]", sep_id)],
    )
    log.info("char tokenizer: %d entries from %d distinct characters", len(vocab), len(counts))
    return PreTrainedTokenizerFast(
        tokenizer_object=tok,
        unk_token="[UNK]",
        pad_token="[PAD]",
        cls_token="[CLS]",
        sep_token="[SEP]",
        mask_token="[MASK]",
        model_max_length=model_max_length,
        nianbao_tokenizer=TOKENIZER_VERSION,
        fold_traditional=fold_traditional,
    )


def load_tokenizer(path: str | Path) -> PreTrainedTokenizerFast:
    """The fast tokenizer saved in a checkpoint directory (ours or any local HF checkpoint's).

    A directory with only a WordPiece `vocab.txt` (older BERT checkpoints such as
    bert-base-chinese) gets a `tokenizers` WordPiece tokenizer built from that file: transformers
    5 can silently ignore the file and map everything to [UNK], which is checked for here.
    Raises `TokenizerError` ([K002] missing, [K003] unreadable, [K004] unusable).
    """
    p = Path(path)
    if not p.is_dir():
        raise TokenizerError(f"[K002] tokenizer directory not found, got: {str(p)!r}")
    try:
        if (p / "tokenizer.json").is_file():
            from transformers import AutoTokenizer

            tok = AutoTokenizer.from_pretrained(str(p), local_files_only=True)
        elif (p / "vocab.txt").is_file():
            tok = _wordpiece_from_vocab(p)
        else:
            raise TokenizerError(f"[K002] no tokenizer.json or vocab.txt in {str(p)!r}")
    except TokenizerError:
        raise
    except Exception as exc:  # tokenizers raises a plain `Exception` on a malformed tokenizer.json
        raise TokenizerError(f"[K003] tokenizer in {str(p)!r} unreadable: {exc}") from exc
    _check_usable(tok, p)
    return tok


def _wordpiece_from_vocab(p: Path) -> PreTrainedTokenizerFast:
    from tokenizers.implementations import BertWordPieceTokenizer
    from transformers import PreTrainedTokenizerFast

    cfg: dict[str, Any] = {}
    if (p / "tokenizer_config.json").is_file():
        with open(p / "tokenizer_config.json", encoding="utf-8") as fh:
            cfg = json.load(fh)
    lower = bool(cfg.get("do_lower_case", True))
    wp = BertWordPieceTokenizer(str(p / "vocab.txt"), lowercase=lower, handle_chinese_chars=True)
    return PreTrainedTokenizerFast(
        tokenizer_object=wp._tokenizer,
        unk_token="[UNK]",
        pad_token="[PAD]",
        cls_token="[CLS]",
        sep_token="[SEP]",
        mask_token="[MASK]",
        model_max_length=int(cfg.get("model_max_length", 512)),
    )


def _check_usable(tok: Any, p: Path) -> None:
    if not getattr(tok, "is_fast", False):
        raise TokenizerError(f"[K004] tokenizer in {str(p)!r} is not a fast tokenizer (offsets needed)")
    probe = "政府信息公开工作年度报告2023"
    ids = tok(probe, add_special_tokens=False)["input_ids"]
    if ids and all(i == tok.unk_token_id for i in ids):
        raise TokenizerError(
            f"[K004] tokenizer in {str(p)!r} maps everything to [UNK] (vocabulary not loaded)"
        )


# --- encoding and windows ---------------------------------------------------------------------


class _IdTable(dict):
    """str.translate table: character -> chr(token id); unknown characters -> chr([UNK])."""

    def __init__(self, table: dict[int, str], unk: int) -> None:
        super().__init__(table)
        self.unk = chr(unk)

    def __missing__(self, key: int) -> str:
        return self.unk


@dataclass(frozen=True)
class _Fast:
    ids: _IdTable


_FAST: weakref.WeakKeyDictionary[Any, _Fast | None] = weakref.WeakKeyDictionary()


def _fast_path(tokenizer: Any) -> _Fast | None:
    """Our char tokenizer with the current fold: encode in Python (several times faster), same ids."""
    try:
        return _FAST[tokenizer]
    except KeyError:
        pass
    except TypeError:  # not weak-referenceable
        return None
    fast: _Fast | None = None
    if tokenizer.init_kwargs.get("nianbao_tokenizer") == TOKENIZER_VERSION:
        spec = json.loads(tokenizer.backend_tokenizer.to_str())
        pre = spec.get("pre_tokenizer") or {}
        fold_trad = bool(tokenizer.init_kwargs.get("fold_traditional", True))
        same_fold = spec.get("normalizer") == _normalizer_spec(fold_trad)
        vocab: dict[str, int] = spec["model"].get("vocab") or {}
        # ids travel as characters: keep them below the surrogate range
        small = len(vocab) < 0xD800
        if same_fold and small and pre.get("type") == "Split" and spec["model"]["type"] == "WordLevel":
            table = {ord(c): chr(i) for c, i in vocab.items() if len(c) == 1}
            for src, dst in fold_map(fold_trad).items():
                table[ord(src)] = chr(vocab[dst]) if dst in vocab else chr(tokenizer.unk_token_id)
            fast = _Fast(_IdTable(table, tokenizer.unk_token_id))
    _FAST[tokenizer] = fast
    return fast


def encode_offsets(tokenizer: Any, text: str) -> tuple[list[int], list[tuple[int, int]]]:
    """Token ids and ORIGINAL-text offsets of `text`, without special tokens."""
    fast = _fast_path(tokenizer)
    if fast is not None:
        ids = array("I")
        ids.frombytes(text.translate(fast.ids).encode("utf-32-le"))
        n = len(text)
        return ids.tolist(), list(zip(range(n), range(1, n + 1), strict=True))
    enc = tokenizer(text, add_special_tokens=False, return_offsets_mapping=True, verbose=False)
    ids, offsets = enc["input_ids"], [tuple(o) for o in enc["offset_mapping"]]
    keep = [i for i, (s, e) in enumerate(offsets) if e > s]  # tokens with no text (rare) carry nothing
    if len(keep) != len(ids):
        ids, offsets = [ids[i] for i in keep], [offsets[i] for i in keep]
    return ids, offsets


def char_token_spans(tokenizer: Any, text: str, max_length: int = 512, stride: int = 64) -> list[Window]:
    """Overlapping windows of at most `max_length` tokens ([CLS] and [SEP] included) over `text`.

    Consecutive windows share at least `stride` tokens; the last window is moved back to end at
    the text's end, so it is full length (more context, never a stub). An empty text (no tokens)
    gives no windows. Works with any fast tokenizer; with ours, tokens are characters.
    """
    cls_id, sep_id = tokenizer.cls_token_id, tokenizer.sep_token_id
    head = [cls_id] if cls_id is not None else []
    tail = [sep_id] if sep_id is not None else []
    content = max_length - len(head) - len(tail)
    if stride < 0 or content <= stride:
        raise TokenizerError(
            f"[K005] need 0 <= stride < max_length - specials, got: max_length={max_length}, stride={stride}"
        )
    ids, offsets = encode_offsets(tokenizer, text)
    n = len(ids)
    if n == 0:
        return []
    starts = [0]
    while starts[-1] + content < n:
        starts.append(min(starts[-1] + content - stride, n - content))
    windows = []
    for a in starts:
        b = min(a + content, n)
        win_ids = head + ids[a:b] + tail
        win_offsets = [(0, 0)] * len(head) + offsets[a:b] + [(0, 0)] * len(tail)
        windows.append(Window(win_ids, [1] * len(win_ids), win_offsets, offsets[a][0], offsets[b - 1][1]))
    return windows
