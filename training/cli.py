"""`nianbao synth` and `nianbao dataset ...`: thin commands over training.synth and training.dataset.

Gathered into the one console script by extraction/cli.py. Nothing heavy is imported here.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Annotated

import typer

dataset_app = typer.Typer(
    help="Training datasets: gold records -> char-level labels (HF datasets).", no_args_is_help=True
)


def _fail(message: str, code: int = 2) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def _setup_logging(verbose: bool) -> None:
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, stream=sys.stderr)


@dataset_app.command("build")
def dataset_build(
    out: Annotated[
        Path, typer.Option("-o", "--out", help="Output folder: the DatasetDict, card.json and README.md.")
    ],
    sources: Annotated[
        list[Path] | None,
        typer.Option(
            "--from",
            help="A folder of gold records (NAME.json + its text, optional NAME.meta.json); repeatable.",
        ),
    ] = None,
    eval_only: Annotated[
        list[Path] | None,
        typer.Option("--eval-only", help="A folder whose documents all go to the test split; repeatable."),
    ] = None,
    train_only: Annotated[
        list[Path] | None,
        typer.Option(
            "--train-only",
            help="A folder whose documents all go to the train split (corrected reports); repeatable.",
        ),
    ] = None,
    text_dir: Annotated[
        Path | None,
        typer.Option(
            "--text-dir",
            help="Where to find texts that are not beside their records (default: DIR/../seeds).",
        ),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace an existing dataset at OUT.")] = False,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Log each record that could not be used.")
    ] = False,
) -> None:
    """Build an HF DatasetDict (train/validation/test, split by document hash) with char-level labels.

    Example: nianbao dataset build --from data/synth --eval-only ../shared/gold -o data/ds;
    for retraining: nianbao dataset build --train-only data/reviewed -o data/ds-reviewed
    """
    _setup_logging(verbose)
    from training.dataset import DatasetError, build_dataset

    try:
        card = build_dataset(
            sources or [],
            out,
            eval_only=eval_only or [],
            force=force,
            text_dir=text_dir,
            train_only=train_only or [],
        )
    except DatasetError as exc:
        _fail(str(exc))
    c = card.cells
    typer.echo(
        f"{card.dataset_version}: docs {card.docs}, cells aligned {c['aligned']}, unaligned {c['unaligned']}, "
        f"records not used {len(card.problems)} -> {out}",
        err=True,
    )


def synth(
    out: Annotated[
        Path,
        typer.Option("-o", "--out", help="Output folder for the reports, their gold records and sidecars."),
    ],
    n: Annotated[int, typer.Option("-n", help="How many reports to generate.")] = 100,
    seed: Annotated[
        int, typer.Option("--seed", help="Random seed: the same seed gives the same reports.")
    ] = 0,
    noise: Annotated[str, typer.Option("--noise", help="Damage level: none | low | high.")] = "low",
    version: Annotated[
        str, typer.Option("--version", help="Template version: 2019 | 2021 | legacy | mix.")
    ] = "mix",
    workers: Annotated[int, typer.Option("--workers", help="Worker processes.")] = 2,
    force: Annotated[
        bool, typer.Option("--force", help="Write into a folder that already holds generated reports.")
    ] = False,
) -> None:
    """Generate realistic synthetic annual reports with exact gold records (for training and checks).

    Writes NAME.txt|.html|.docx, NAME.json (gold, the format of ../shared/gold) and NAME.meta.json
    (renderings, noise, cell offsets, damaged cells) per report. Example:
    nianbao synth -n 500 --seed 1 --noise high -o data/synth-high
    """
    from training.synth import generate

    if noise not in ("none", "low", "high"):
        _fail(f"--noise must be none, low or high, got: {noise!r}")
    if version not in ("2019", "2021", "legacy", "mix"):
        _fail(f"--version must be 2019, 2021, legacy or mix, got: {version!r}")
    if n < 1:
        _fail(f"-n must be at least 1, got: {n}")
    try:
        summary = generate(n, seed, out, noise=noise, version=version, workers=workers, force=force)
    except (ValueError, FileExistsError) as exc:
        _fail(str(exc))
    typer.echo(
        f"generated {summary.n} reports (seed {seed}, noise {noise}, versions {dict(summary.versions)}) "
        f"in {summary.seconds:.1f}s -> {out}",
        err=True,
    )


train_app = typer.Typer(
    help="Train the models: pretrain the encoder, fine-tune NER and table models.", no_args_is_help=True
)

_OVERRIDES_HELP = "Dotted overrides of the config, e.g. train.lr=3e-4 train.max_steps=200 out.dir=out/x."


_DATA_HELP = (
    "A dataset of corrected reports (`nianbao dataset build --train-only PULLED -o DIR`), mixed with "
    "replay of the config's dataset (data.replay, data.oversample); repeatable."
)


def _train(
    kind: str,
    config: Path,
    overrides: list[str] | None,
    resume_from: Path | None = None,
    data: list[Path] | None = None,
) -> None:
    from training.config import ConfigError, load_config

    if not config.is_file():
        _fail(f"--config {config} not found; see training/configs/ for examples")
    logging.basicConfig(
        level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(message)s", datefmt="%H:%M:%S"
    )
    for folder in data or []:
        if not (folder / "card.json").is_file():
            _fail(
                f"--data {folder} is not a dataset; build it with nianbao dataset build --train-only DIR -o DIR"
            )
    try:
        cfg = load_config(config, kind, overrides or [])
        if data:
            cfg.data.corrected = [*cfg.data.corrected, *(str(p) for p in data)]
    except (ConfigError, ValueError) as exc:
        _fail(" ".join(str(exc).split()))
    try:
        if kind == "pretrain":
            from training.pretrain import run_pretrain

            out = run_pretrain(cfg)
        else:
            from training.train import run_train

            out = run_train(cfg, resume_from=resume_from)
    except ImportError as exc:
        _fail(f"training needs the ml extras ({exc.name} missing): pip install -e '.[ml]'")
    except (ValueError, FileExistsError, FileNotFoundError) as exc:
        _fail(" ".join(str(exc).split()))
    typer.echo(f"wrote checkpoint {out} (manifest: {out}/manifest.json)", err=True)


@train_app.command("pretrain")
def train_pretrain(
    config: Annotated[Path, typer.Option("--config", help="A pretrain config (.json/.toml).")],
    overrides: Annotated[list[str] | None, typer.Argument(help=_OVERRIDES_HELP)] = None,
) -> None:
    """Pretrain the char-level BERT-style encoder with masked-language modelling.

    Example: nianbao train pretrain --config training/configs/pretrain-default.json train.max_steps=2000
    """
    _train("pretrain", config, overrides)


@train_app.command("ner")
def train_ner(
    config: Annotated[Path, typer.Option("--config", help="A NER config (.json/.toml).")],
    overrides: Annotated[list[str] | None, typer.Argument(help=_OVERRIDES_HELP)] = None,
    resume_from: Annotated[
        Path | None, typer.Option("--resume-from", help="Continue from this NER checkpoint (same labels).")
    ] = None,
    data: Annotated[list[Path] | None, typer.Option("--data", help=_DATA_HELP)] = None,
) -> None:
    """Fine-tune the NER model (BIO over AGENCY, COUNT, AMOUNT, DATE) on a built dataset.

    Retrain on corrections: nianbao train ner --config C --resume-from models/default/ner --data data/ds-reviewed
    """
    _train("ner", config, overrides, resume_from, data)


@train_app.command("table")
def train_table(
    config: Annotated[Path, typer.Option("--config", help="A table config (.json/.toml).")],
    overrides: Annotated[list[str] | None, typer.Argument(help=_OVERRIDES_HELP)] = None,
    resume_from: Annotated[
        Path | None, typer.Option("--resume-from", help="Continue from this table checkpoint (same labels).")
    ] = None,
    data: Annotated[list[Path] | None, typer.Option("--data", help=_DATA_HELP)] = None,
) -> None:
    """Fine-tune the table-structure model (cell keys for every number of the table regions)."""
    _train("table", config, overrides, resume_from, data)


models_app = typer.Typer(
    help="The default models: promote a retrained candidate, list the registry of decisions.",
    no_args_is_help=True,
)

_DEFAULT_HELP = "The default model folder (ner/ and table/); default: models/default."


@models_app.command("promote")
def models_promote(
    candidate: Annotated[
        Path, typer.Argument(help="A folder holding ner/ and/or table/ checkpoints, or one checkpoint.")
    ],
    default: Annotated[Path | None, typer.Option("--default", help=_DEFAULT_HELP)] = None,
    eval_dir: Annotated[
        Path | None,
        typer.Option(
            "--eval",
            help="Gold records with their texts (default: ../shared gold+seeds, else a fixed synthetic set).",
        ),
    ] = None,
    registry: Annotated[
        Path | None,
        typer.Option("--registry", help="The registry file (default: registry.jsonl beside --default)."),
    ] = None,
    engine: Annotated[
        str, typer.Option("--engine", help="hybrid (as nianbao extract runs it) | model.")
    ] = "hybrid",
    threads: Annotated[int, typer.Option("--threads", help="torch threads.")] = 1,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log progress.")] = False,
) -> None:
    """Replace the default models with CANDIDATE only if no headline metric regresses on a fixed set.

    Headline metrics: cells (blank = 0), entity strict F1, document fields.
    Tolerance 0: equal passes, any drop refuses. Every decision is appended to the registry.
    Exit code 0 promoted, 1 refused, 2 on an error. Example: nianbao models promote out/retrained
    """
    _setup_logging(verbose)
    from training.promote import PromoteError, promote

    if threads < 1:
        _fail(f"--threads must be at least 1, got: {threads}")
    try:
        result = promote(candidate, default, eval_dir, registry, engine=engine, threads=threads)
    except ImportError as exc:
        _fail(
            f"promotion runs the models and needs the ml extras ({exc.name} missing): pip install -e '.[ml]'"
        )
    except (PromoteError, ValueError, OSError) as exc:
        _fail(" ".join(str(exc).split()))
    typer.echo(result.message, err=not result.promoted)
    if not result.promoted:
        raise typer.Exit(1)


@models_app.command("list")
def models_list(
    default: Annotated[Path | None, typer.Option("--default", help=_DEFAULT_HELP)] = None,
    registry: Annotated[
        Path | None,
        typer.Option("--registry", help="The registry file (default: registry.jsonl beside --default)."),
    ] = None,
) -> None:
    """Show the registry: every candidate judged, its metrics, data hashes and the decision."""
    from rich.console import Console

    from extraction.engine import DEFAULT_MODEL_DIR
    from training.registry import RegistryError, default_registry, read_registry, render_table

    path = registry or default_registry(default or DEFAULT_MODEL_DIR)
    try:
        entries = read_registry(path)
    except RegistryError as exc:
        _fail(str(exc))
    if not entries:
        typer.echo(f"no registry entries in {path}", err=True)
        return
    Console(width=None if sys.stdout.isatty() else 200).print(render_table(entries))
