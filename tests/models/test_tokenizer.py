"""The char tokenizer: exact offsets into the original, the fold, save/load, and the windows."""

from __future__ import annotations

import json
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

pytest.importorskip("transformers")

from models.tokenizer import (  # noqa: E402
    SPECIALS,
    TokenizerError,
    _fast_path,
    build_char_tokenizer,
    build_charsmap,
    char_token_spans,
    encode_offsets,
    fold_text,
    load_tokenizer,
)

# Invented report-like lines (no text of ../shared): simplified, traditional and full-width forms.
TEXTS = [
    "青禾县农业农村局2023年政府信息公开工作年度报告\n一、总体情况\n本年度共收到申请１２件，办结10件。",
    "青禾縣農業農村局政府信息公開工作年度報告（2022年）測試\n　　二、主动公开政府信息情况\n",
    "| 行政许可 | 3 | 0 | 12 |\n| 行政处罚 | 41 | -2 | 7 |\n采购总金额 356.5 万元\n",
    "收到行政复议2件，行政诉讼1件。⾏政机关答复……",
]
# Characters a damaged export can hold: full-width, traditional, Kangxi radicals, compatibility
# ideographs, NFKC expansions, spaces of every kind, combining marks, joiners, emoji, CR.
ALPHABET = list("政府信息公开年度报告局县市0123456789abcXYZ，。、（）《》：；")
ALPHABET += list("０１２３ＡＢｚ，（）：測試開縣農報⾏⼀豈…㈠⑴Ⅱ")
ALPHABET += [" ", "\u3000", "\xa0", "\t", "\n", "\r", "\u0301", "\u200d", "\u200b", "😀", "e", "\ufeff"]


@pytest.fixture(scope="module")
def tok():
    return build_char_tokenizer(TEXTS)


def _hf_encode(tokenizer, text):
    enc = tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
    return enc["input_ids"], [tuple(o) for o in enc["offset_mapping"]]


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=st.sampled_from(ALPHABET), max_size=60))
def test_tokenizer_offsets_exact_into_original(tok, text):
    ids, offsets = _hf_encode(tok, text)
    tokens = tok.convert_ids_to_tokens(ids)
    # the tokens tile the original text, in order, without gaps or overlaps
    assert "".join(text[s:e] for s, e in offsets) == text
    assert all(e > s for s, e in offsets)
    assert all(a[1] == b[0] for a, b in zip(offsets, offsets[1:], strict=False))
    for token, (s, e) in zip(tokens, offsets, strict=True):
        # one character, folded; or a folded character with the combining marks that follow it
        folded = fold_text(text[s:e]) if e - s == 1 else fold_text(text[s])
        assert token == folded or (token == "[UNK]" and folded not in tok.get_vocab())


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=st.sampled_from(ALPHABET), max_size=80))
def test_tokenizer_fast_path_equals_rust_path(tok, text):
    assert encode_offsets(tok, text) == _hf_encode(tok, text)


@pytest.mark.parametrize(
    "variant, plain",
    [
        ("０", "0"),
        ("９", "9"),
        ("Ａ", "A"),
        ("ｚ", "z"),
        ("，", ","),
        ("（", "("),
        ("\u3000", " "),
        ("\xa0", " "),
    ]
    + [("測", "测"), ("縣", "县"), ("報", "报"), ("⾏", "行"), ("⼀", "一")],
)
def test_tokenizer_fold_shares_ids(tok, variant, plain):
    assert unicodedata.normalize("NFKC", variant) == plain or fold_text(variant) == plain
    assert tok.convert_tokens_to_ids(plain) != tok.unk_token_id
    assert _hf_encode(tok, variant)[0] == _hf_encode(tok, plain)[0]


@pytest.mark.parametrize("expanding", ["…", "㈠", "⑴", "Ⅱ", "㎡"])
def test_tokenizer_never_expands_a_character(tok, expanding):
    text = f"共{expanding}件"
    ids, offsets = _hf_encode(tok, text)
    assert len(ids) == 3 and offsets == [(0, 1), (1, 2), (2, 3)]


def test_tokenizer_vocabulary_order_and_limits():
    texts = ["甲甲甲乙乙丙", "甲乙"]
    full = build_char_tokenizer(texts, min_freq=1)
    vocab = full.get_vocab()
    assert [vocab[s] for s in SPECIALS] == [0, 1, 2, 3, 4]
    assert vocab["甲"] < vocab["乙"] < vocab["丙"]  # by frequency
    assert all(c in vocab for c in "0123456789,。 \n")  # always present
    assert "丙" not in build_char_tokenizer(texts, min_freq=2).get_vocab()
    assert len(build_char_tokenizer(texts, max_vocab=8)) == 8
    assert build_char_tokenizer(texts).get_vocab() == vocab  # deterministic


@pytest.mark.parametrize("bad", [{"min_freq": 0}, {"max_vocab": 3}])
def test_tokenizer_build_rejects_bad_limits(bad):
    with pytest.raises(TokenizerError, match=r"\[K001\]"):
        build_char_tokenizer(TEXTS, **bad)


def test_tokenizer_save_load_roundtrip(tok, tmp_path):
    tok.save_pretrained(str(tmp_path))
    again = load_tokenizer(tmp_path)
    for text in TEXTS:
        assert encode_offsets(again, text) == encode_offsets(tok, text) == _hf_encode(again, text)
    assert again.get_vocab() == tok.get_vocab()
    assert _fast_path(again) is not None  # the saved fold is recognised: Python fast path


def test_tokenizer_load_errors(tok, tmp_path):
    with pytest.raises(TokenizerError, match=r"\[K002\]"):
        load_tokenizer(tmp_path / "missing")
    with pytest.raises(TokenizerError, match=r"\[K002\]"):
        load_tokenizer(tmp_path)
    tok.save_pretrained(str(tmp_path))
    (tmp_path / "tokenizer.json").write_text('{"version": "1.0", "model": ', encoding="utf-8")
    with pytest.raises(TokenizerError, match=r"\[K003\]"):
        load_tokenizer(tmp_path)


def test_tokenizer_loads_a_wordpiece_vocab_txt(tmp_path):
    """A bert-base-chinese style directory: vocab.txt only (no tokenizer.json)."""
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "政", "府", "信", "息", "公", "开", "20", "##23"]
    (tmp_path / "vocab.txt").write_text("\n".join(vocab) + "\n", encoding="utf-8")
    wp = load_tokenizer(tmp_path)
    text = "政府信息公开 2023"
    ids, offsets = encode_offsets(wp, text)
    assert wp.convert_ids_to_tokens(ids) == ["政", "府", "信", "息", "公", "开", "20", "##23"]
    assert [text[s:e] for s, e in offsets] == ["政", "府", "信", "息", "公", "开", "20", "23"]
    windows = char_token_spans(wp, text * 3, max_length=8, stride=2)
    assert windows[0].input_ids[0] == wp.cls_token_id and windows[-1].end == len(text * 3)


def _check_windows(tok, text, max_length, stride):
    windows = char_token_spans(tok, text, max_length=max_length, stride=stride)
    ids, offsets = encode_offsets(tok, text)
    if not ids:
        assert windows == []
        return
    covered = set()
    prev_last = None
    for w in windows:
        assert len(w.input_ids) <= max_length and len(w.attention_mask) == len(w.input_ids)
        assert w.input_ids[0] == tok.cls_token_id and w.input_ids[-1] == tok.sep_token_id
        assert w.offsets[0] == (0, 0) == w.offsets[-1]
        content = w.offsets[1:-1]
        assert w.start == content[0][0] and w.end == content[-1][1]
        first = offsets.index(content[0])
        assert w.input_ids[1:-1] == ids[first : first + len(content)]
        if prev_last is not None:
            assert prev_last - first + 1 >= stride  # shared tokens with the previous window
        prev_last = first + len(content) - 1
        covered.update(range(first, first + len(content)))
    assert covered == set(range(len(ids)))
    assert windows[-1].end == offsets[-1][1]


@pytest.mark.parametrize("n_chars", [0, 1, 9, 10, 11, 50, 333])
@pytest.mark.parametrize("max_length, stride", [(12, 0), (12, 3), (12, 9), (64, 16)])
def test_char_token_spans_cover_and_overlap(tok, n_chars, max_length, stride):
    text = ("".join(TEXTS) * 3)[:n_chars]
    _check_windows(tok, text, max_length, stride)


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet=st.sampled_from(ALPHABET), max_size=120), st.integers(4, 40), st.integers(0, 30))
def test_char_token_spans_any_text(tok, text, max_length, stride):
    if stride >= max_length - 2:
        with pytest.raises(TokenizerError, match=r"\[K005\]"):
            char_token_spans(tok, text, max_length, stride)
        return
    _check_windows(tok, text, max_length, stride)


def test_charsmap_maps_exactly_what_it_is_given():
    from tokenizers import normalizers

    mapping = {"Ａ": "A", "測": "测", "😀": "x", "é": "e"}
    norm = normalizers.Precompiled(build_charsmap(mapping))
    assert norm.normalize_str("Ａ測😀éB…") == "A测xeB…"


_PLAIN = st.characters(min_codepoint=0x21, max_codepoint=0x2FFFF, categories=("L", "N", "P", "S"))


@settings(max_examples=40, deadline=None)
@given(st.dictionaries(_PLAIN, _PLAIN, min_size=1, max_size=400), st.text(alphabet=_PLAIN, max_size=50))
def test_charsmap_any_mapping_any_text(mapping, text):
    from tokenizers import normalizers

    from models.tokenizer import _cluster_chars

    text = "".join(c for c in text if c not in _cluster_chars())
    norm = normalizers.Precompiled(build_charsmap(mapping))
    assert norm.normalize_str(text) == "".join(mapping.get(c, c) for c in text)


def test_tokenizer_config_marks_our_tokenizer(tok, tmp_path):
    tok.save_pretrained(str(tmp_path))
    with open(tmp_path / "tokenizer_config.json", encoding="utf-8") as fh:
        cfg = json.load(fh)
    assert cfg.get("nianbao_tokenizer", "").startswith("nianbao.char_tokenizer")
