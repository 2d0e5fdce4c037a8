"""training.realism: the real-vs-synthetic discriminator, its report and its CLI."""

from __future__ import annotations

import json
from pathlib import Path
from random import Random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from training.realism import (
    MODELS,
    VIEWS,
    RealismError,
    _auc,
    excerpts,
    fold,
    load_corpus,
    main,
    realism_report,
    shape,
    words,
)
from training.synth.textstats import heading_form, opening, stats, table_text, traditional_share

# Two invented "families" of report-like text: same genre, different wording and punctuation.
FAMILY_A = ("加强组织领导", "完善工作机制", "规范信息发布", "做好政策解读", "回应社会关切", "推进平台建设")
FAMILY_B = ("深化改革创新", "优化营商环境", "提升服务效能", "强化安全生产", "推动乡村振兴", "保障改善民生")


def family(words_: tuple[str, ...], n: int, seed: int, comma: str = "，") -> list[str]:
    """n texts of 6-12 sentences drawn from a word family (invented, not real reports)."""
    rng = Random(seed)
    out = []
    for _ in range(n):
        sentences = []
        for _ in range(rng.randrange(6, 13)):
            parts = [rng.choice(words_) for _ in range(rng.randrange(2, 5))]
            sentences.append(comma.join(parts) + f"{rng.randrange(1, 500)}条。")
        out.append("\n".join(sentences))
    return out


@pytest.fixture(scope="module")
def separable() -> dict:
    return realism_report(family(FAMILY_A, 40, 1), family(FAMILY_B, 40, 2, comma=","), seed=0, views=("raw",))


@pytest.fixture(scope="module")
def same() -> dict:
    return realism_report(family(FAMILY_A, 60, 3), family(FAMILY_A, 60, 4), seed=0, views=("raw",))


@pytest.mark.parametrize("model", MODELS)
def test_realism_separates_two_different_families(separable, model):
    scores = separable["discriminator"]["raw"][model]
    assert scores["accuracy"] >= 0.9
    assert scores["auc"] >= 0.95


@pytest.mark.parametrize("model", MODELS)
def test_realism_cannot_separate_two_samples_of_one_family(same, model):
    scores = same["discriminator"]["raw"][model]
    assert abs(scores["accuracy"] - 0.5) <= 0.15
    assert abs(scores["auc"] - 0.5) <= 0.2


def test_realism_giveaways_name_the_distinguishing_ngrams(separable):
    tells = separable["discriminator"]["raw"]["giveaways"]
    synth = "".join(g["ngram"] for g in tells["synth"])
    real = "".join(g["ngram"] for g in tells["real"])
    assert any(w[:2] in synth for w in FAMILY_B)
    assert any(w[:2] in real for w in FAMILY_A)
    assert all(g["synth_df"] > g["real_df"] for g in tells["synth"])
    assert all(g["real_df"] > g["synth_df"] for g in tells["real"])


def test_realism_learning_curve_rises_on_separable_text(separable, same):
    curve = separable["discriminator"]["raw"]["nb_trained_on"]
    assert set(curve) == {"5", "20"}  # 50 per side is more than 40 documents allow
    assert curve["20"] >= 0.9
    assert abs(same["discriminator"]["raw"]["nb_trained_on"]["20"] - 0.5) <= 0.15


def test_realism_report_has_the_expected_keys():
    real = family(FAMILY_A, 12, 5)
    synth = family(FAMILY_B, 15, 6)
    rep = realism_report(real, synth, seed=1, k=3)
    assert {"n_real", "n_synth", "n_compared", "excerpt_chars", "discriminator", "accuracy", "auc", "model",
            "stats"} <= set(rep)  # fmt: skip
    assert (rep["n_real"], rep["n_synth"], rep["n_compared"]) == (12, 15, 12)
    assert set(rep["discriminator"]) == set(VIEWS)
    for view in VIEWS:
        d = rep["discriminator"][view]
        assert set(d) == {*MODELS, "nb_trained_on", "giveaways"}
        assert all(0.0 <= d[m]["accuracy"] <= 1.0 and 0.0 <= d[m]["auc"] <= 1.0 for m in MODELS)
    assert set(rep["stats"]) == {"real", "synth"}
    assert set(rep["stats"]["real"]) == set(rep["stats"]["synth"])
    assert {"line_chars_median", "fullwidth_punct_share", "digit_share", "traditional_docs", "table_text_docs",
            "sentence_chars_median", "heading_forms", "openings"} <= set(rep["stats"]["real"])  # fmt: skip
    json.dumps(rep, ensure_ascii=False)  # JSON-serializable


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"real_texts": ["a"] * 3, "synth_texts": ["b"] * 10}, "Q004"),
        ({"real_texts": ["a"] * 10, "synth_texts": ["b"] * 10, "views": ("plain",)}, "Q005"),
        ({"real_texts": ["a"] * 10, "synth_texts": ["b"] * 10, "models": ("svm",)}, "Q003"),
    ],
)
def test_realism_rejects_bad_arguments(kwargs, code):
    with pytest.raises(RealismError, match=code):
        realism_report(**kwargs)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.integers(0, 5), min_size=1, max_size=12),
    st.lists(st.integers(0, 5), min_size=1, max_size=12),
)
def test_realism_auc_counts_pairs(pos, neg):
    scores = np.array(pos + neg, dtype=float)
    y = np.array([1] * len(pos) + [0] * len(neg))
    pairs = sum(1.0 if p > n else 0.5 if p == n else 0.0 for p in pos for n in neg)
    assert _auc(scores, y) == pytest.approx(pairs / (len(pos) * len(neg)))


def test_realism_excerpts_take_their_lengths_from_the_real_texts():
    real = ["甲" * 30, "乙" * 50]
    cut = excerpts(real, ["字" * 200] * 20, Random(0))
    assert {len(t) for t in cut} <= {30, 50}
    assert excerpts(real, ["短"], Random(0)) == ["短"]


@pytest.mark.parametrize(
    ("fn", "text", "expected"),
    [
        (fold, "本報告，（一）２０２０年", "本报告,(一)2020年"),
        (words, "一、總體情況: 2020年", "一总体情况年"),
        (shape, "一、总体 2020 abc", "字、字字 0000 aaa"),
    ],
)
def test_realism_views_fold_the_surface(fn, text, expected):
    assert fn(text) == expected


@pytest.mark.parametrize(
    ("line", "form"),
    [
        ("一、总体情况", "一、"),
        ("## 二 、主动公开", "一、"),
        ("（一）主动公开情况", "（一）"),
        ("(三)平台建设", "(一)"),
        ("1.政府信息管理", "1."),
        ("2、监督保障", "1、"),
        ("一是加强组织领导。", "一是"),
        ("第三部分 收到和处理", "第一部分"),
        ("2020年，我局", None),
        ("1.5万条", None),
    ],
)
def test_realism_stats_heading_forms(line, form):
    assert heading_form(line) == form


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("某县某局2020年政府信息公开工作年度报告\n本报告根据", "title"),
        ("本报告根据《中华人民共和国政府信息公开条例》要求编制。", "intro"),
        ("一、总体情况\n2020年，", "heading"),
        ("首页 > 政务公开 > 年报\n", "chrome"),
        ("用微信扫描二维码", "other"),
    ],
)
def test_realism_stats_openings(text, kind):
    assert opening(text) == kind


def test_realism_stats_measure_what_they_name():
    table = "信息内容 | 本年制发件数 | 本年废止件数 |\n规章 | 0 | 0 |"
    assert table_text(table) and not table_text("本年制发件数一项")
    assert traditional_share("政府信息公開年度報告") == pytest.approx(2 / 10)
    s = stats(["一、总体情况\n全年公开信息12条，办结3件。", "（一）主动公开\n本年度，共公开1条。"])
    assert s["docs"] == 2
    assert s["fullwidth_punct_share"] == 1.0
    assert s["heading_forms"] == {"一、": 0.5, "（一）": 0.5}
    assert 0 < s["digit_share"] < 0.2


def _write_corpus(root: Path, texts: list[str], spam: int) -> None:
    root.mkdir()
    with open(root / "index.jsonl", "w", encoding="utf-8") as fh:
        for i, t in enumerate(texts):
            (root / f"r{i:04d}.txt").write_text(t, encoding="utf-8")
            fh.write(json.dumps({"id": f"r{i:04d}", "spam": i < spam}, ensure_ascii=False) + "\n")


def test_realism_load_corpus_skips_spam_and_needs_an_index(tmp_path):
    _write_corpus(tmp_path / "c", family(FAMILY_A, 8, 9), spam=3)
    assert len(load_corpus(tmp_path / "c")) == 5
    assert len(load_corpus(tmp_path / "c", include_spam=True)) == 8
    with pytest.raises(RealismError, match="Q001"):
        load_corpus(tmp_path)


def test_realism_cli_prints_a_report_on_generated_reports(tmp_path, capsys):
    from training.synth import generate

    generate(12, seed=3, out_dir=tmp_path / "synth", noise="none", workers=1)
    _write_corpus(tmp_path / "corpus", family(FAMILY_A, 14, 10), spam=2)
    out = tmp_path / "report.json"
    rc = main(["--synth", str(tmp_path / "synth"), "--corpus", str(tmp_path / "corpus"), "--folds", "3",
               "--json", str(out)])  # fmt: skip
    printed = capsys.readouterr().out
    assert rc == 0
    assert "discriminator" in printed and "stats (real | synthetic)" in printed
    rep = json.loads(out.read_text(encoding="utf-8"))
    assert (rep["n_real"], rep["n_synth"]) == (12, 12)
    assert main(["--synth", str(tmp_path / "corpus" / "missing"), "--corpus", str(tmp_path / "corpus")]) == 2


def test_realism_shared_corpus_is_told_from_two_word_families(shared):
    """The real corpus against invented text: the check must call that gap obvious."""
    real = load_corpus(shared / "corpus")
    if len(real) < 50:
        pytest.skip(f"corpus too small: {len(real)} texts")
    rep = realism_report(real[:60], family(FAMILY_B, 60, 11), views=("folded",), models=("nb",))
    assert rep["accuracy"] >= 0.95


@pytest.mark.parametrize("noise", ["none", "low"])
def test_realism_generated_text_leaks_no_pattern_markup(noise):
    """What the realism pass relies on: slots, alternatives and year tags never reach the text."""
    from training.synth import derive_seed, generate_one

    for i in range(60):
        text = generate_one(derive_seed(17, i), noise).text
        assert "@20" not in text and "{" not in text and "[无" not in text, text[:200]
        assert "|]" not in text and "[|" not in text
