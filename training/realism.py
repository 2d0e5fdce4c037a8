"""How easy synthetic reports are to tell apart from real ones (issue 3's realism check).

`realism_report(real, synth)` trains character n-gram (1-3) discriminators, a binarized
multinomial naive Bayes and a linear logistic regression, both in numpy, to tell real report
text from synthetic text, and cross-validates them: accuracy and AUC near 0.5 mean the two are
indistinguishable. The texts are compared as excerpts of the same length (the corpus holds report
beginnings, so each synthetic text is cut to a length drawn from the real lengths) and in four
views: `raw`; `folded` (NFKC and traditional→simplified on both sides: every corpus text arrives
NFKC-folded by the copy that collected it, a surface that says nothing about the report); `words`
(Chinese characters only: wording) and `shape` (every character replaced by its class: layout,
punctuation, numbering). The report also lists the n-grams that give each side away, a learning
curve, and distribution statistics side by side (`training.synth.textstats`).

CLI: python -m training.realism --synth DIR [--corpus ../shared/corpus] [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections import Counter
from pathlib import Path
from random import Random
from typing import Any

import numpy as np

from training.synth.textstats import fold, shape, stats, words

logger = logging.getLogger(__name__)

ORDERS = (1, 2, 3)
MODELS = ("nb", "logreg")
VIEWS = ("raw", "folded", "words", "shape")
DEFAULT_CORPUS = Path(__file__).resolve().parents[1] / ".." / "shared" / "corpus"


class RealismError(ValueError):
    """Bad input to the realism check (coded, names the bad value)."""


# --- inputs -------------------------------------------------------------------------------------


def load_corpus(corpus_dir: Path, include_spam: bool = False) -> list[str]:
    """The real report beginnings of a corpus folder (index.jsonl + ID.txt), spam excluded."""
    index = Path(corpus_dir) / "index.jsonl"
    if not index.is_file():
        raise RealismError(f"[Q001] corpus folder has no index.jsonl, got: {str(corpus_dir)!r}")
    texts = []
    with open(index, encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            if row.get("spam") and not include_spam:
                continue
            path = Path(corpus_dir) / f"{row['id']}.txt"
            if path.is_file():
                texts.append(path.read_text(encoding="utf-8"))
    return texts


def load_synth(synth_dir: Path, limit: int | None = None) -> list[str]:
    """The texts a reader gets from the generated reports of a folder (.txt, .html, .docx)."""
    from extraction.io import read_document

    folder = Path(synth_dir)
    paths = (
        sorted(p for p in folder.iterdir() if p.suffix in (".txt", ".html", ".docx"))
        if folder.is_dir()
        else []
    )
    if not paths:
        raise RealismError(f"[Q002] no .txt/.html/.docx reports in folder, got: {str(synth_dir)!r}")
    return [read_document(p).text for p in paths[:limit]]


def excerpts(real: list[str], synth: list[str], rng: Random) -> list[str]:
    """Each synthetic text cut to a length drawn from the real texts' lengths."""
    lengths = [len(t) for t in real]
    return [t[: rng.choice(lengths)] for t in synth]


_VIEW_FN = {"raw": lambda t: t, "folded": fold, "words": words, "shape": shape}


# --- features -----------------------------------------------------------------------------------


def grams(text: str, orders: tuple[int, ...] = ORDERS) -> set[str]:
    """The character n-grams of a text (presence, not counts)."""
    out: set[str] = set()
    for n in orders:
        out.update(text[i : i + n] for i in range(len(text) - n + 1))
    return out


def _featurize(docs: list[set[str]], min_df: int = 2) -> tuple[list[str], list[np.ndarray]]:
    df = Counter(g for d in docs for g in d)
    vocab = sorted(g for g, c in df.items() if c >= min_df)
    index = {g: i for i, g in enumerate(vocab)}
    ids = [np.array(sorted(index[g] for g in d if g in index), dtype=np.int64) for d in docs]
    return vocab, ids


def _doc_freq(ids: list[np.ndarray], rows: np.ndarray, v: int) -> np.ndarray:
    if len(rows) == 0:
        return np.zeros(v)
    return np.bincount(np.concatenate([ids[i] for i in rows]), minlength=v).astype(np.float64)


def _nb_weights(ids: list[np.ndarray], y: np.ndarray, rows: np.ndarray, v: int, alpha: float = 1.0):
    """Binarized multinomial naive Bayes: per-feature log-ratio synth/real and the prior term."""
    pos, neg = rows[y[rows] == 1], rows[y[rows] == 0]
    dp, dn = _doc_freq(ids, pos, v) + alpha, _doc_freq(ids, neg, v) + alpha
    w = np.log(dp / dp.sum()) - np.log(dn / dn.sum())
    return w, float(np.log(max(len(pos), 1) / max(len(neg), 1)))


def _kernel(ids: list[np.ndarray], v: int, chunk: int = 8192) -> np.ndarray:
    """Linear kernel of L2-normalized presence vectors (cosine similarity), built in column chunks."""
    n = len(ids)
    k = np.zeros((n, n), dtype=np.float64)
    for lo in range(0, v, chunk):
        x = np.zeros((n, min(chunk, v - lo)), dtype=np.float32)
        for i, d in enumerate(ids):
            sel = d[(d >= lo) & (d < lo + chunk)] - lo
            x[i, sel] = 1.0
        k += x @ x.T
    norm = np.sqrt(np.maximum(np.diag(k), 1.0))
    return k / norm[:, None] / norm[None, :]


def _logreg(k_train: np.ndarray, y: np.ndarray, steps: int = 300, lam: float = 1e-3) -> np.ndarray:
    """Kernel (linear) logistic regression by functional gradient descent; returns dual weights."""
    n = len(y)
    v = np.ones(n) / np.sqrt(max(n, 1))
    for _ in range(30):  # power iteration: the largest eigenvalue sets a stable step
        v = k_train @ v
        v /= max(float(np.linalg.norm(v)), 1e-12)
    top = float(v @ k_train @ v) * 1.05
    eta = 2.0 * n / max(top, 1e-9)
    a = np.zeros(n)
    bias = 0.0
    for _ in range(steps):
        f = k_train @ a + bias
        g = (1.0 / (1.0 + np.exp(-f)) - y) / n
        a -= eta * (g + lam * a)
        bias -= 4.0 * g.sum()
    return np.append(a, bias)


def _auc(scores: np.ndarray, y: np.ndarray) -> float:
    """Area under the ROC curve (Mann-Whitney, ties counted half)."""
    pos, neg = scores[y == 1], scores[y == 0]
    if len(pos) == 0 or len(neg) == 0:
        return float("nan")
    order = np.argsort(np.concatenate([pos, neg]), kind="mergesort")
    allv = np.concatenate([pos, neg])[order]
    ranks = np.empty(len(allv))
    _, inv, counts = np.unique(allv, return_inverse=True, return_counts=True)
    cum = np.cumsum(counts)
    avg = cum - (counts - 1) / 2.0
    ranks[order] = avg[inv]
    return float((ranks[: len(pos)].sum() - len(pos) * (len(pos) + 1) / 2) / (len(pos) * len(neg)))


def cross_validate(
    texts: list[str], y: np.ndarray, k: int = 5, seed: int = 0, models: tuple[str, ...] = MODELS
) -> tuple[dict[str, dict[str, float]], list[str], list[np.ndarray]]:
    """k-fold (stratified) accuracy and AUC of each model; also returns the vocabulary and features."""
    bad = [m for m in models if m not in MODELS]
    if bad:
        raise RealismError(f"[Q003] unknown model (nb|logreg), got: {bad[0]!r}")
    vocab, ids = _featurize([grams(t) for t in texts])
    v, n = len(vocab), len(texts)
    rng = np.random.default_rng(seed)
    folds = np.zeros(n, dtype=np.int64)
    for label in (0, 1):
        idx = np.flatnonzero(y == label)
        folds[rng.permutation(idx)] = np.arange(len(idx)) % k
    kern = _kernel(ids, v) if "logreg" in models else None
    scores = {m: np.zeros(n) for m in models}
    for f in range(k):
        test, train = np.flatnonzero(folds == f), np.flatnonzero(folds != f)
        if "nb" in models:
            w, b = _nb_weights(ids, y, train, v)
            scores["nb"][test] = [w[ids[i]].sum() + b for i in test]
        if kern is not None:
            dual = _logreg(kern[np.ix_(train, train)], y[train].astype(np.float64))
            scores["logreg"][test] = kern[np.ix_(test, train)] @ dual[:-1] + dual[-1]
    out = {
        m: {"accuracy": round(float(((s > 0).astype(int) == y).mean()), 3), "auc": round(_auc(s, y), 3)}
        for m, s in scores.items()
    }
    return out, vocab, ids


def learning_curve(
    ids: list[np.ndarray],
    y: np.ndarray,
    v: int,
    sizes: tuple[int, ...] = (5, 20, 50),
    repeats: int = 10,
    seed: int = 0,
) -> dict[str, float]:
    """Naive Bayes accuracy when trained on only m documents per side (tested on all the others).

    Full cross-validation saturates once any tell exists; how few examples the classifier needs
    says how blatant the tells are, so this curve still moves when a generator gets closer.
    """
    rng = np.random.default_rng(seed)
    pos, neg = np.flatnonzero(y == 1), np.flatnonzero(y == 0)
    out: dict[str, float] = {}
    for m in sizes:
        if m >= min(len(pos), len(neg)):
            continue
        accs = []
        for _ in range(repeats):
            train = np.concatenate([rng.choice(pos, m, replace=False), rng.choice(neg, m, replace=False)])
            test = np.setdiff1d(np.arange(len(y)), train)
            w, b = _nb_weights(ids, y, train, v)
            pred = np.array([w[ids[i]].sum() + b > 0 for i in test], dtype=int)
            accs.append(float((pred == y[test]).mean()))
        out[str(m)] = round(float(np.mean(accs)), 3)
    return out


def giveaways(
    vocab: list[str], ids: list[np.ndarray], y: np.ndarray, top: int = 20, min_df: int = 5
) -> dict[str, list[dict[str, Any]]]:
    """The n-grams with the largest document-frequency log-odds each way (synth vs real).

    An n-gram contained in (or containing) one already listed is skipped, so the list names
    distinct tells rather than the n-grams of one phrase.
    """
    v = len(vocab)
    pos, neg = np.flatnonzero(y == 1), np.flatnonzero(y == 0)
    dp, dn = _doc_freq(ids, pos, v), _doc_freq(ids, neg, v)
    ps, pr = (dp + 0.5) / (len(pos) + 1.0), (dn + 0.5) / (len(neg) + 1.0)
    lo = np.log(ps / (1 - ps)) - np.log(pr / (1 - pr))
    out: dict[str, list[dict[str, Any]]] = {}
    for side, order in (("synth", np.argsort(-lo)), ("real", np.argsort(lo))):
        picked: list[dict[str, Any]] = []
        for i in order:
            g = vocab[i]
            if dp[i] + dn[i] < min_df or not g.strip():
                continue
            if any(g in p["ngram"] or p["ngram"] in g for p in picked):
                continue
            picked.append({"ngram": g, "synth_df": round(float(ps[i]), 3), "real_df": round(float(pr[i]), 3),
                           "log_odds": round(float(lo[i]), 2)})  # fmt: skip
            if len(picked) >= top:
                break
        out[side] = picked
    return out


# --- the report ---------------------------------------------------------------------------------


def realism_report(
    real_texts: list[str],
    synth_texts: list[str],
    seed: int = 0,
    *,
    k: int = 5,
    models: tuple[str, ...] = MODELS,
    views: tuple[str, ...] = VIEWS,
    top: int = 20,
) -> dict[str, Any]:
    """Discriminator scores, give-away n-grams and distribution stats of real vs synthetic text.

    Args:
        real_texts: real report texts (beginnings, as in ../shared/corpus).
        synth_texts: synthetic report texts (whole; cut to real-like lengths here).
        seed: seeds the excerpt lengths, the class balancing and the folds.
        k: cross-validation folds.
        models: "nb" and/or "logreg".
        views: "raw" and/or "folded" (NFKC + traditional→simplified on both sides).
        top: give-away n-grams listed per side.

    Returns:
        {"n_real", "n_synth", "n_compared", "excerpt_chars", "discriminator": {view: {model:
        {"accuracy", "auc"}, "giveaways": {"synth": [...], "real": [...]}}}, "accuracy", "auc"
        (the strongest model of the raw view), "stats": {"real": {...}, "synth": {...}}}.
    """
    if len(real_texts) < k or len(synth_texts) < k:
        raise RealismError(
            f"[Q004] need at least k={k} texts per side, got: {(len(real_texts), len(synth_texts))!r}"
        )
    bad = [v for v in views if v not in VIEWS]
    if bad:
        raise RealismError(f"[Q005] unknown view (raw|folded|words|shape), got: {bad[0]!r}")
    rng = Random(seed)
    synth = excerpts(real_texts, synth_texts, rng)
    m = min(len(real_texts), len(synth))  # balanced classes: chance is 0.5
    real = rng.sample(real_texts, m)
    synth = rng.sample(synth, m)
    y = np.array([0] * m + [1] * m)
    report: dict[str, Any] = {
        "n_real": len(real_texts),
        "n_synth": len(synth_texts),
        "n_compared": m,
        "excerpt_chars": {
            "real": int(np.median([len(t) for t in real])),
            "synth": int(np.median([len(t) for t in synth])),
        },  # fmt: skip
        "discriminator": {},
    }
    for view in views:
        texts = [_VIEW_FN[view](t) for t in real + synth]
        scores, vocab, ids = cross_validate(texts, y, k=k, seed=seed, models=models)
        report["discriminator"][view] = {
            **scores,
            "nb_trained_on": learning_curve(ids, y, len(vocab), seed=seed),
            "giveaways": giveaways(vocab, ids, y, top=top),
        }
    head = report["discriminator"][views[0]]
    best = max(models, key=lambda mo: head[mo]["auc"])
    report["accuracy"], report["auc"], report["model"] = head[best]["accuracy"], head[best]["auc"], best
    report["stats"] = {"real": stats(real), "synth": stats(synth)}
    return report


def format_report(report: dict[str, Any]) -> str:
    """A readable rendering of `realism_report`'s result."""
    lines = [
        f"real {report['n_real']}, synthetic {report['n_synth']}, compared {report['n_compared']} each; "
        f"median excerpt {report['excerpt_chars']['real']} / {report['excerpt_chars']['synth']} chars",
        "",
        "discriminator (k-fold CV; 0.5 = indistinguishable):",
    ]
    for view, d in report["discriminator"].items():
        scores = "  ".join(f"{m}: acc {d[m]['accuracy']:.3f} auc {d[m]['auc']:.3f}" for m in MODELS if m in d)
        curve = ", ".join(f"{m}: {a:.3f}" for m, a in d["nb_trained_on"].items())
        lines.append(f"  {view:<7}{scores}  | nb trained on n per side: {curve}")
    for view, d in report["discriminator"].items():
        for side in ("synth", "real"):
            lines.append(f"\n{view}: n-grams that give {side} text away (share of synth docs / real docs):")
            lines.extend(
                f"  {json.dumps(g['ngram'], ensure_ascii=False):<10} {g['synth_df']:.2f} / {g['real_df']:.2f}"
                for g in d["giveaways"][side]
            )
    lines.append("\nstats (real | synthetic):")
    real, synth = report["stats"]["real"], report["stats"]["synth"]
    for key in real:
        a, b = real[key], synth[key]
        if isinstance(a, dict):
            keys = list(dict.fromkeys([*a, *b]))
            lines.append(f"  {key}:")
            lines.extend(f"    {kk:<14} {a.get(kk, 0):>7} | {b.get(kk, 0):>7}" for kk in keys)
        else:
            lines.append(f"  {key:<28} {a:>8} | {b:>8}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """`python -m training.realism --synth DIR [--corpus DIR] [--json OUT]`."""
    ap = argparse.ArgumentParser(prog="python -m training.realism", description=__doc__.split("\n")[0])
    ap.add_argument("--synth", type=Path, required=True, help="folder of generated reports (nianbao synth)")
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="corpus folder (index.jsonl + *.txt)")
    ap.add_argument("--limit", type=int, default=None, help="use at most this many synthetic reports")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--json", type=Path, default=None, help="also write the report as JSON here")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    try:
        report = realism_report(
            load_corpus(args.corpus), load_synth(args.synth, args.limit), args.seed, k=args.folds
        )
    except RealismError as err:
        logger.error("%s", err)
        return 2
    sys.stdout.write(format_report(report) + "\n")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(report, fh, ensure_ascii=False, indent=1)
    return 0


__all__ = ["fold", "grams", "load_corpus", "load_synth", "realism_report", "format_report", "shape", "words"]

if __name__ == "__main__":
    raise SystemExit(main())
