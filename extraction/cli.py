"""`nianbao`: the one console script. Thin: parse and validate arguments, call a library function.

Heavy libraries (torch, transformers, datasets) are imported inside the commands that need them.
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(
    name="nianbao",
    help=(
        "nianbao (年报): turn 政府信息公开工作年度报告 into validated data.\n\n"
        "Typical use:\n\n"
        "  nianbao extract reports/ -o out/records.jsonl --csv out/cells.csv\n\n"
        "  nianbao show reports/x.txt --html x.html\n\n"
        "  nianbao eval --gold gold/ out/records.jsonl"
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _setup_logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.INFO if verbose else logging.ERROR,
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )


def _fail(message: str, code: int = 2) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


EngineOption = Annotated[
    str | None,
    typer.Option(
        "--engine", help="rules | model | hybrid (default: hybrid when a model is present, else rules)."
    ),
]
ModelOption = Annotated[
    Path | None,
    typer.Option(
        "--model", help="A model folder holding ner/ and table/ checkpoints (default: the shipped one)."
    ),
]


WorkersOption = Annotated[
    int,
    typer.Option(
        "--workers",
        help="Worker processes (0: one per core). Output is the same as with 1; each uses 1 torch thread.",
    ),
]


def _resolve_engine(engine: str | None, model: Path | None) -> str:
    """Validate --engine/--model (cheap: nothing is loaded)."""
    from extraction.engine import ENGINES, default_engine

    engine = engine or default_engine(model)
    if engine not in ENGINES:
        _fail(f"--engine must be one of {', '.join(ENGINES)}, got: {engine!r}")
    if model is not None and not model.is_dir():
        _fail(f"--model {model} is not a folder; give a folder holding ner/ and table/ checkpoints")
    return engine


def _resolve_workers(workers: int) -> int:
    """--workers N: 0 is one per core; a negative number is a usage error."""
    from extraction.batch import resolve_workers

    resolved = 1
    try:
        resolved = resolve_workers(workers)
    except ValueError as exc:
        _fail(f"--workers: {exc}")
    return resolved


def _engine_and_models(engine: str | None, model: Path | None):
    """Validate --engine/--model and load the models once for the whole batch."""
    from extraction.engine import load_models

    engine = _resolve_engine(engine, model)
    models = load_models(model) if engine != "rules" else None
    if models is not None:
        for w in models.warnings:
            typer.echo(f"warning: {w}", err=True)
    return engine, models


@app.command()
def extract(
    inputs: Annotated[
        list[Path],
        typer.Argument(help="Report files or folders (searched recursively): .txt .md .html .htm .docx"),
    ],
    out: Annotated[
        Path,
        typer.Option(
            "-o", "--out", help="Output JSONL, one record per report. Failures go to OUT.errors.jsonl."
        ),
    ],
    csv_out: Annotated[
        Path | None,
        typer.Option("--csv", help="Also write a wide CSV: a row per report, a column per cell key."),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite existing output files.")] = False,
    max_mb: Annotated[
        float, typer.Option("--max-mb", help="Reject input files larger than this many MB.")
    ] = 5.0,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Log warnings for each failed input.")
    ] = False,
    engine: EngineOption = None,
    model: ModelOption = None,
    workers: WorkersOption = 1,
) -> None:
    """Extract records from annual reports.

    Exit code 0 when every input was extracted, 1 when some failed (see OUT.errors.jsonl),
    2 on a usage error.
    """
    _setup_logging(verbose)
    from extraction.batch import OutputExistsError, PathExtractor, run_batch
    from extraction.io import ReadError, iter_inputs

    n_workers = _resolve_workers(workers)
    try:
        files = list(iter_inputs(inputs))
    except ReadError as exc:
        _fail(str(exc))
    if not files:
        _fail(f"no report files (.txt .md .html .htm .docx) found in: {', '.join(map(str, inputs))}")
    engine = _resolve_engine(engine, model)
    extractor = PathExtractor(engine=engine, model=model, max_bytes=int(max_mb * 1_000_000), threads=1)
    try:
        summary = run_batch(
            files, out, extractor, force=force, csv_out=csv_out, progress=not quiet, workers=n_workers
        )
    except OutputExistsError as exc:
        _fail(str(exc))
    for w in summary.setup_warnings:
        typer.echo(f"warning: {w}", err=True)
    typer.echo(summary.line(), err=True)
    raise typer.Exit(1 if summary.failed else 0)


@app.command()
def show(
    report: Annotated[Path, typer.Argument(help="One report file.")],
    html: Annotated[
        Path | None,
        typer.Option(
            "--html",
            help="Write a self-contained HTML view (entities highlighted, the three tables, failing identities in red).",
        ),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the record as JSON instead of a summary.")
    ] = False,
    engine: EngineOption = None,
    model: ModelOption = None,
) -> None:
    """Look at one report: a summary in the terminal, or an HTML page with --html."""
    _setup_logging(False)
    from extraction.io import ReadError, read_document
    from extraction.pipeline import NotAReportError, extract_text
    from extraction.render import render_html, render_terminal

    try:
        doc = read_document(report)
        engine, models = _engine_and_models(engine, model)
        rec = extract_text(
            doc.text, source=str(report), encoding=doc.encoding, engine=engine, models=models
        ).to_json()
    except (ReadError, NotAReportError) as exc:
        _fail(str(exc), code=1)
    if as_json:
        typer.echo(json.dumps(rec, ensure_ascii=False, indent=1))
    else:
        typer.echo(render_terminal(rec))
    if html is not None:
        html.parent.mkdir(parents=True, exist_ok=True)
        html.write_text(render_html(rec, doc.text), encoding="utf-8")
        typer.echo(f"wrote {html}", err=True)


@app.command("eval")
def eval_cmd(
    pred: Annotated[Path, typer.Argument(help="Predicted records (JSONL from `nianbao extract`).")],
    gold: Annotated[Path, typer.Option("--gold", help="Folder of gold records (*.json, the spec's format).")],
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the full report as JSON (with every error).")
    ] = False,
    errors: Annotated[
        int, typer.Option("--errors", help="How many individual errors to list in the text report.")
    ] = 30,
) -> None:
    """Score predicted records against gold: fields, cells (blank≡0 and strict), entities, findings."""
    from extraction.evaluate import EvalError, evaluate

    if not gold.is_dir():
        _fail(f"--gold {gold} is not a folder of gold *.json files")
    if not pred.is_file():
        _fail(f"{pred} not found; run `nianbao extract ... -o {pred}` first")
    try:
        report = evaluate(gold, pred)
    except EvalError as exc:
        _fail(str(exc))
    if as_json:
        typer.echo(json.dumps(report.to_json(), ensure_ascii=False, indent=1))
    else:
        typer.echo(report.to_text(max_errors=errors))


@app.command()
def bench(
    inputs: Annotated[
        list[Path] | None, typer.Argument(help="Reports to cycle through (default: the bundled examples).")
    ] = None,
    n: Annotated[
        int, typer.Option("-n", help="How many reports to extract in total (inputs are cycled).")
    ] = 500,
    as_json: Annotated[bool, typer.Option("--json", help="Print the measurements as JSON.")] = False,
    engine: EngineOption = None,
    model: ModelOption = None,
    threads: Annotated[
        int | None,
        typer.Option(
            "--threads",
            help="torch threads per process for the model and hybrid engines (default: 2 with one worker, else 1).",
        ),
    ] = None,
    workers: Annotated[
        int, typer.Option("--workers", help="Worker processes (0: one per core); start-up is reported apart.")
    ] = 1,
) -> None:
    """Measure an engine: reports/s (wall and per CPU-second), start-up, per-stage time, model share, memory.

    Example: nianbao bench ../shared/seeds -n 200 --engine hybrid --model models/default --workers 2
    """
    _setup_logging(False)
    from extraction.bench import default_inputs, run_bench

    if threads is not None and threads < 1:
        _fail(f"--threads must be at least 1, got: {threads}")
    if n < 1:
        _fail(f"-n must be at least 1, got: {n}")
    n_workers = _resolve_workers(workers)
    paths = list(inputs) if inputs else default_inputs()
    if not paths:
        _fail("no inputs to benchmark; pass report files or folders")
    engine = _resolve_engine(engine, model)
    try:
        # The models load inside the bench (timed as start-up), in every worker process.
        result = run_bench(paths, n=n, engine=engine, threads=threads, workers=n_workers, model=model)
    except ValueError as exc:
        _fail(str(exc))
    typer.echo(json.dumps(result.to_json(), indent=1, ensure_ascii=False) if as_json else result.to_text())


def _gather() -> None:
    """Add the subcommands of the other packages (their modules import nothing heavy)."""
    from annotations.cli import review_app
    from training.cli import dataset_app, models_app, synth, train_app

    app.command()(synth)
    app.add_typer(dataset_app, name="dataset")
    app.add_typer(train_app, name="train")
    app.add_typer(review_app, name="review")
    app.add_typer(models_app, name="models")


_gather()


def main() -> None:  # pragma: no cover
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
