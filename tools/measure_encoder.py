"""Measure encoder sizes for inference speed on this CPU and pick the largest that meets the targets.

For every (layers, hidden) the tool times a token-classification forward pass over a batch of
full windows (random ids), in fp32 and with bf16 autocast, and estimates what the hybrid engine
does per seed-sized report:

    CPU ms/report = rules + tokenization + (NER tokens + table tokens) / tokens per CPU-second

NER runs over the whole report (`--ner-chars`), the table model over its table regions
(`--table-chars`), both in windows of `--window` tokens overlapping by `--stride`.

Speed is measured as tokens per CPU-second of ONE torch thread (time.process_time): on a
machine shared with other work, wall-clock timings of 2 threads swing by 2-3x with the
neighbours' load, while one thread's CPU time is stable. Reports/s on `--cores` cores assumes the
cores work on different reports (batch extraction in worker processes), i.e. cores x 1000 / CPU
ms/report. A size qualifies when that reaches `--target` with `--headroom` to spare (decoding
is not in the estimate) and when two checkpoints (NER + table, bf16 weights) fit in
`--budget-mb`. `--wall-threads 2` adds the wall-clock speed of 2 threads, for reference.

Usage:
    .venv/bin/python tools/measure_encoder.py --out out/measure_encoder.json
    .venv/bin/python tools/measure_encoder.py --layers 2 --hidden 64,128 --reps 2   # quick
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

logger = logging.getLogger("measure_encoder")


def _ints(s: str) -> list[int]:
    return [int(x) for x in s.split(",") if x.strip()]


def windows_for(chars: int, window: int, stride: int) -> int:
    """Windows `char_token_spans` makes over `chars` characters (one token per character)."""
    content = window - 2
    if chars <= content:
        return 1
    return 1 + math.ceil((chars - content) / (content - stride))


def _sample_texts(n: int) -> list[str]:
    from training.synth.generator import derive_seed, generate_one

    return [generate_one(derive_seed(7, i), ("none", "low", "high")[i % 3]).text for i in range(n)]


def measure_rules_and_tokenizer(n: int, window: int, stride: int) -> tuple[float, float, int]:
    """(rules ms/report, tokenization ms per 1,000 chars, vocabulary size) on synthetic reports."""
    from extraction.pipeline import extract_text
    from models.tokenizer import build_char_tokenizer, char_token_spans

    texts = _sample_texts(n)
    corpus = Path(__file__).resolve().parents[1] / ".." / "shared" / "corpus"
    real = [p.read_text(encoding="utf-8") for p in sorted(corpus.glob("*.txt"))] if corpus.is_dir() else []
    tok = build_char_tokenizer(real + texts, min_freq=2)
    extract_text(texts[0])
    t0 = time.perf_counter()
    for text in texts:
        extract_text(text)
    rules_ms = (time.perf_counter() - t0) * 1000 / len(texts)
    char_token_spans(tok, texts[0], window, stride)
    t0 = time.perf_counter()
    for text in texts:
        char_token_spans(tok, text, window, stride)
    tok_ms_per_k = (time.perf_counter() - t0) * 1000 / (sum(map(len, texts)) / 1000)
    return rules_ms, tok_ms_per_k, len(tok)


def time_forward(model, batch: int, window: int, reps: int, bf16: bool, cpu: bool) -> list[float]:
    """Tokens per second (CPU-seconds when `cpu`, else wall) of `reps` forward passes after a warm-up."""
    import torch

    from models.encoder import inference_context

    clock = time.process_time if cpu else time.perf_counter
    gen = torch.Generator().manual_seed(0)
    ids = torch.randint(5, model.config.vocab_size, (batch, window), generator=gen)
    mask = torch.ones_like(ids)
    out = []
    with inference_context(bf16):
        model(input_ids=ids, attention_mask=mask)
        for _ in range(reps):
            t0 = clock()
            model(input_ids=ids, attention_mask=mask).logits.float()
            out.append(batch * window / (clock() - t0))
    return out


def _measure_size(args: argparse.Namespace, vocab: int, layers: int, hidden: int, cost: dict) -> dict:
    from transformers import BertForTokenClassification

    from models.encoder import EncoderSize, bert_config, parameter_count

    size = EncoderSize(layers, hidden).resolved()
    model = BertForTokenClassification(bert_config(vocab, size, num_labels=args.ner_labels)).eval()
    body = parameter_count(vocab, size)
    params = 2 * body + hidden * (args.ner_labels + args.table_labels)
    row: dict = {"layers": layers, "hidden": hidden, "heads": size.heads, "params_m": round(body / 1e6, 2)}
    embeddings = (vocab + 512 + 1) * hidden + 2 * hidden
    row["layer_params_m"] = round((body - embeddings) / 1e6, 3)  # the compute, embeddings aside
    row["mb_two_models_bf16"] = round(params * 2 / 1e6 + 0.4, 1)  # + two tokenizer files
    variants = [("fp32", False)] + ([] if hidden > args.bf16_max_hidden else [("bf16", True)])
    for name, bf16 in variants:
        speeds = time_forward(model, args.batch, args.window, args.reps, bf16, cpu=True)
        tok_s = statistics.median(speeds)
        ms = cost["rules_ms"] + cost["tok_ms"] + cost["tokens"] / tok_s * 1000
        row[f"{name}_cpu_tok_s"] = round(tok_s)
        row[f"{name}_cpu_ms_report"] = round(ms, 1)
        row[f"{name}_reports_s"] = round(args.cores * 1000 / ms, 1)
    if args.wall_threads:
        import torch

        torch.set_num_threads(args.wall_threads)
        speeds = time_forward(model, args.batch, args.window, args.reps, False, cpu=False)
        row[f"fp32_wall_tok_s_{args.wall_threads}threads"] = round(statistics.median(speeds))
        torch.set_num_threads(1)
    best = max(v for k, v in row.items() if k.endswith("_reports_s"))
    row["ok"] = best >= args.target * args.headroom and row["mb_two_models_bf16"] <= args.budget_mb
    return row


def _table(rows: list[dict], pick: dict | None) -> str:
    lines = [
        f"{'L':>2} {'H':>4} {'params':>7} {'MB(2,bf16)':>10} {'fp32 tok/cpu-s':>14} {'ms/rep':>7} "
        f"{'rep/s':>6} {'bf16 tok/cpu-s':>14} {'rep/s':>6}  ok"
    ]
    for r in rows:
        lines.append(
            f"{r['layers']:>2} {r['hidden']:>4} {r['params_m']:>6}M {r['mb_two_models_bf16']:>10} "
            f"{r['fp32_cpu_tok_s']:>14} {r['fp32_cpu_ms_report']:>7} {r['fp32_reports_s']:>6} "
            f"{r.get('bf16_cpu_tok_s', '-'):>14} {r.get('bf16_reports_s', '-'):>6}  {'yes' if r['ok'] else ''}"
        )
    lines.append(
        f"pick: {pick['layers']} layers x {pick['hidden']} hidden" if pick else "pick: none qualifies"
    )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--layers", type=_ints, default=[1, 2, 3, 4, 6])
    ap.add_argument("--hidden", type=_ints, default=[64, 96, 128, 192, 256, 384])
    ap.add_argument("--batch", type=int, default=8, help="windows per forward pass")
    ap.add_argument("--window", type=int, default=512)
    ap.add_argument("--stride", type=int, default=64)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--ner-chars", type=int, default=4000)
    ap.add_argument("--table-chars", type=int, default=2500)
    ap.add_argument("--ner-labels", type=int, default=9)
    ap.add_argument("--table-labels", type=int, default=453)
    ap.add_argument("--cores", type=int, default=2, help="cores working on different reports")
    ap.add_argument("--target", type=float, default=15.0, help="hybrid reports/s to reach")
    ap.add_argument("--headroom", type=float, default=1.25, help="required margin over the target")
    ap.add_argument("--budget-mb", type=float, default=25.0, help="NER + table checkpoints, bf16 weights")
    ap.add_argument("--bf16-max-hidden", type=int, default=128, help="time bf16 autocast up to this width")
    ap.add_argument("--wall-threads", type=int, default=0, help="also time fp32 wall-clock with N threads")
    ap.add_argument("--out", type=Path, default=None, help="write the results as JSON here")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")

    import torch

    from models.encoder import bf16_native

    torch.set_num_threads(1)
    rules_ms, tok_ms_k, vocab = measure_rules_and_tokenizer(20, args.window, args.stride)
    n_win = windows_for(args.ner_chars, args.window, args.stride) + windows_for(
        args.table_chars, args.window, args.stride
    )
    cost = {
        "rules_ms": rules_ms,
        "tok_ms": tok_ms_k * (args.ner_chars + args.table_chars) / 1000,
        "tokens": n_win * args.window,
    }
    logger.info(
        "bf16 native: %s; rules %.1f ms/report; tokenization %.2f ms/report; vocab %d; %d windows = %d tokens",
        bf16_native(), rules_ms, cost["tok_ms"], vocab, n_win, cost["tokens"],
    )  # fmt: skip
    rows = []
    for layers in args.layers:
        for hidden in args.hidden:
            rows.append(_measure_size(args, vocab, layers, hidden, cost))
            logger.info(json.dumps(rows[-1]))
    ok = [r for r in rows if r["ok"]]
    # The largest by non-embedding parameters, preferring 2+ layers (one attention hop cannot
    # combine evidence from two places, e.g. a number and its row label).
    pick = max(ok, key=lambda r: (r["layers"] >= 2, r["layer_params_m"], r["layers"])) if ok else None
    sys.stdout.write(_table(rows, pick))
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        result = {
            "settings": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
            "bf16_native": bf16_native(),
            "rules_ms_per_report": round(rules_ms, 2),
            "tokenization_ms_per_report": round(cost["tok_ms"], 2),
            "vocab": vocab,
            "windows_per_report": n_win,
            "rows": rows,
            "pick": pick,
        }
        with open(args.out, "w", encoding="utf-8") as fh:
            json.dump(result, fh, ensure_ascii=False, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
