"""Ablation: extract every dataset with every engine, score with `extraction.evaluate`, one table.

Datasets (repeat `--dataset`, or give a comma-separated list):

- `seeds`: the real seeds against their gold (`SHARED/seeds`, `SHARED/gold`);
- `seeds:KIND`: the seeds re-rendered or damaged by `tests/rerender.py` (KIND one of its
  `ALL_KINDS`: pipes, ..., all, traditional, confusables, digit_damage, all_damage), gold remapped;
  `seeds:every` is all of them;
- `synth:LEVEL[:N]`: N generated reports (default 30) at noise none|low|high, made here with the
  generator of `nianbao synth` (seed `--synth-seed`);
- a folder (or `NAME=FOLDER`): report files beside their gold `NAME.json`, e.g. the output of
  `nianbao synth -n 200 --noise high -o data/synth-high`.

Engines: rules, model, hybrid (`--model DIR`, default the shipped `models/default`). A model
engine whose checkpoint is missing or broken falls back to rules inside the pipeline; the table
then says "fell back to rules" and shows no numbers for that row, so rules numbers are never
reported as model numbers. A model folder with only one of ner/ and table/ runs "partly rules",
and the row says which part.

    .venv/bin/python tools/ablation.py --engines rules,model,hybrid --model models/default \\
        --dataset seeds,seeds:every,synth:none:50,synth:low:50,synth:high:50 -o out/ablation.json

Prints a Markdown table (fields accuracy; cells blank≡0 and strict; entity strict and overlap F1;
findings P and R; ms per report) and writes the full results as JSON.
"""

from __future__ import annotations

import json
import logging
import sys
import tempfile
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Annotated, Any

import typer

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

logger = logging.getLogger("ablation")

ROOT = Path(__file__).resolve().parents[1]
SHARED = (ROOT / ".." / "shared").resolve()
ENGINES = ("rules", "model", "hybrid")
COLUMNS = (
    ("fields", "fields"),
    ("cells blank≡0", "cells_blank_eq_zero"),
    ("cells strict", "cells_strict"),
    ("ent strict F1", "entity_strict_f1"),
    ("ent overlap F1", "entity_overlap_f1"),
    ("findings P", "findings_p"),
    ("findings R", "findings_r"),
)


class AblationError(ValueError):
    """A bad dataset spec, engine list or output path."""


@dataclass
class Dataset:
    """A folder of report files with their gold records beside them."""

    label: str
    folder: Path


@dataclass
class Row:
    """One (dataset, engine) result. `metrics` is None when the engine fell back to rules."""

    dataset: str
    engine: str
    status: str  # "ok" | "fell back to rules" | "partly rules (...)"
    docs: int
    failed: int
    ms_per_report: float
    metrics: dict[str, float] | None
    engines_used: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    eval: dict[str, Any] | None = None


# --- datasets ---------------------------------------------------------------------------------


def _write_seeds(shared: Path, kind: str | None, out: Path) -> None:
    from tests.rerender import rerender

    gold_files = sorted((shared / "gold").glob("*.json"))
    if not gold_files:
        raise AblationError(f"[A002] no gold records in {str(shared / 'gold')!r}; pass --shared")
    out.mkdir(parents=True, exist_ok=True)
    for path in gold_files:
        gold = json.loads(path.read_text(encoding="utf-8"))
        text = (shared / "seeds" / gold["doc"]).read_text(encoding="utf-8")
        if kind is not None:
            text, gold = rerender(text, gold, kind)
        (out / gold["doc"]).write_text(text, encoding="utf-8")
        (out / path.name).write_text(json.dumps(gold, ensure_ascii=False), encoding="utf-8")


def resolve_datasets(
    specs: list[str], work: Path, shared: Path = SHARED, synth_seed: int = 1
) -> list[Dataset]:
    """Turn dataset specs (see the module notes) into folders, writing generated ones under `work`.

    Raises:
        AblationError: `[A001]` for a spec that is none of the known forms.
    """
    from tests.rerender import ALL_KINDS

    out: list[Dataset] = []
    for spec in [s.strip() for item in specs for s in item.split(",") if s.strip()]:
        head, _, rest = spec.partition(":")
        if spec == "seeds":
            _write_seeds(shared, None, work / "seeds")
            out.append(Dataset("seeds", work / "seeds"))
        elif head == "seeds" and rest in (*ALL_KINDS, "every"):
            for kind in ALL_KINDS if rest == "every" else (rest,):
                _write_seeds(shared, kind, work / f"seeds-{kind}")
                out.append(Dataset(f"seeds:{kind}", work / f"seeds-{kind}"))
        elif head == "synth" and rest.split(":")[0] in ("none", "low", "high"):
            level, _, n = rest.partition(":")
            if n and not n.isdigit():
                raise AblationError(f"[A001] synth:LEVEL:N needs a number N, got: {spec!r}")
            from training.synth import generate

            folder = work / f"synth-{level}-{n or 30}"
            generate(int(n or 30), synth_seed, folder, noise=level, workers=1, force=True)
            out.append(Dataset(f"synth:{level}:{n or 30}", folder))
        elif Path(spec.partition("=")[2] or spec).is_dir():
            label, _, folder = spec.rpartition("=") if "=" in spec else (Path(spec).name, "", spec)
            out.append(Dataset(label, Path(folder)))
        else:
            raise AblationError(
                f"[A001] unknown dataset, expected seeds, seeds:KIND (KIND in {', '.join(ALL_KINDS)} or "
                f"every), synth:LEVEL[:N] or a folder, got: {spec!r}"
            )
    return out


# --- extraction and scoring -------------------------------------------------------------------


def _summary(m: dict[str, Any]) -> dict[str, float]:
    return {
        "fields": m["fields"]["accuracy"],
        "cells_blank_eq_zero": m["cells"]["blank_eq_zero"],
        "cells_strict": m["cells"]["strict"],
        "entity_strict_f1": m["entities"]["strict"]["f1"],
        "entity_overlap_f1": m["entities"]["overlap"]["f1"],
        "findings_p": m["findings"]["precision"],
        "findings_r": m["findings"]["recall"],
    }


def _status(engine: str, used: Counter, warnings: list[str]) -> str:
    if engine == "rules":
        return "ok"
    if used and set(used) == {"rules"}:
        return "fell back to rules"
    partial = sorted({w.split(";")[0] for w in warnings if "from the rules engine" in w})
    return f"partly rules ({'; '.join(partial)})" if partial else "ok"


def run_one(dataset: Dataset, engine: str, models: Any, preds_dir: Path) -> Row:
    """Extract every report of `dataset` with `engine`, write the records, score them."""
    from extraction.batch import dumps
    from extraction.evaluate import evaluate
    from extraction.io import ReadError, iter_inputs
    from extraction.pipeline import NotAReportError, extract_path

    pred = preds_dir / f"{dataset.label.replace(':', '-').replace('/', '_')}.{engine}.jsonl"
    used: Counter = Counter()
    warnings: set[str] = set()
    failed = docs = 0
    t0 = time.perf_counter()
    with pred.open("w", encoding="utf-8") as fh:
        for path in iter_inputs([dataset.folder]):
            docs += 1
            try:
                rec = extract_path(path, engine=engine, models=models)
            except (ReadError, NotAReportError) as exc:
                failed += 1
                logger.info("%s: %s", path, exc)
                continue
            used[rec.engine.split(":")[0]] += 1
            warnings.update(w for w in rec.warnings if "fell back" in w or "rules engine" in w)
            fh.write(dumps(rec.to_json()) + "\n")
    seconds = time.perf_counter() - t0
    report = evaluate(dataset.folder, pred).to_json()
    status = _status(engine, used, sorted(warnings))
    return Row(
        dataset=dataset.label,
        engine=engine,
        status=status,
        docs=docs,
        failed=failed,
        ms_per_report=round(1000 * seconds / max(1, docs), 1),
        metrics=None if status == "fell back to rules" else _summary(report["metrics"]),
        engines_used=dict(used),
        warnings=sorted(warnings),
        eval={"docs": report["docs"], "metrics": report["metrics"]}
        if status != "fell back to rules"
        else None,
    )


def _load(engines: list[str], model_dir: Path | None, threads: int) -> Any:
    if all(e == "rules" for e in engines):
        return None
    from extraction.engine import load_models

    models = load_models(model_dir)
    if models.any:
        import torch

        torch.set_num_threads(threads)
    return models


def run_ablation(
    engines: list[str], datasets: list[Dataset], work: Path, model_dir: Path | None = None, threads: int = 2
) -> list[Row]:
    """Every engine on every dataset; the models are loaded once.

    Raises:
        AblationError: `[A003]` for an unknown engine.
    """
    bad = [e for e in engines if e not in ENGINES]
    if bad or not engines:
        raise AblationError(f"[A003] engines must be among {', '.join(ENGINES)}, got: {engines!r}")
    models = _load(engines, model_dir, threads)
    preds = work / "preds"
    preds.mkdir(parents=True, exist_ok=True)
    return [
        run_one(ds, engine, models if engine != "rules" else None, preds)
        for ds in datasets
        for engine in engines
    ]


def to_markdown(rows: list[Row]) -> str:
    """The table: one line per (dataset, engine); fallen-back rows say so instead of numbers."""
    head = ["dataset", "engine", "docs", *(c for c, _ in COLUMNS), "ms/report"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        engine = r.engine if r.status == "ok" else f"{r.engine} ({r.status})"
        if r.metrics is None:
            values = ["—"] * len(COLUMNS)
        else:
            values = [f"{r.metrics[k]:.4f}" for _, k in COLUMNS]
        docs = f"{r.docs}" + (f" ({r.failed} failed)" if r.failed else "")
        lines.append("| " + " | ".join([r.dataset, engine, docs, *values, f"{r.ms_per_report}"]) + " |")
    return "\n".join(lines)


# --- command line -----------------------------------------------------------------------------


def main(
    dataset: Annotated[
        list[str],
        typer.Option("--dataset", "-d", help="seeds | seeds:KIND | seeds:every | synth:LEVEL[:N] | FOLDER"),
    ],
    out: Annotated[
        Path, typer.Option("-o", "--out", help="JSON output (the Markdown table goes to stdout).")
    ],
    engines: Annotated[str, typer.Option("--engines", help="Comma-separated: rules,model,hybrid.")] = "rules",
    model: Annotated[
        Path | None,
        typer.Option("--model", help="Model folder with ner/ and table/ (default: models/default)."),
    ] = None,
    threads: Annotated[int, typer.Option("--threads", help="torch threads for the models.")] = 2,
    shared: Annotated[Path, typer.Option("--shared", help="The shared folder (seeds, gold).")] = SHARED,
    work: Annotated[
        Path | None,
        typer.Option("--work", help="Where generated datasets and predictions go (default: a temp dir)."),
    ] = None,
    synth_seed: Annotated[int, typer.Option("--synth-seed", help="Seed of synth:LEVEL datasets.")] = 1,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing --out.")] = False,
) -> None:
    """Run the ablation and print the Markdown table; write everything to --out as JSON."""
    logging.basicConfig(
        level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr
    )
    if out.exists() and not force:
        typer.echo(f"error: {out} exists; pass --force to overwrite it", err=True)
        raise typer.Exit(2)
    tmp = None if work is not None else tempfile.TemporaryDirectory(prefix="nianbao-ablation-")
    work_dir = work if work is not None else Path(tmp.name)  # type: ignore[union-attr]
    try:
        datasets = resolve_datasets(dataset, work_dir, shared, synth_seed)
        rows = run_ablation(
            [e.strip() for e in engines.split(",") if e.strip()], datasets, work_dir, model, threads
        )
    except AblationError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    finally:
        if tmp is not None:
            tmp.cleanup()
    table = to_markdown(rows)
    out.parent.mkdir(parents=True, exist_ok=True)
    payload = {"model": str(model) if model else None, "table": table, "rows": [asdict(r) for r in rows]}
    out.write_text(json.dumps(payload, ensure_ascii=False, indent=1), encoding="utf-8")
    typer.echo(table)
    typer.echo(f"wrote {out}", err=True)


if __name__ == "__main__":  # pragma: no cover
    typer.run(main)
