"""`nianbao review ...`: the review desk around a local Label Studio. Thin: parse, call, report.

Gathered into the one console script by extraction/cli.py. Nothing heavy is imported here: the
SDK loads inside the commands that talk to the server, the models inside `backend`.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Annotated, NoReturn

import typer

from annotations.credentials import install_log_filter, redact

review_app = typer.Typer(
    help=(
        "Review extractions in a local Label Studio and pull the corrections back as gold records.\n\n"
        "  nianbao review server start\n\n"
        "  nianbao review push out/records.jsonl --project reports\n\n"
        "  nianbao review pull --project reports -o data/reviewed"
    ),
    no_args_is_help=True,
)
server_app = typer.Typer(
    help="The local Label Studio server (its own venv, bound to 127.0.0.1).", no_args_is_help=True
)
review_app.add_typer(server_app, name="server")

DataDirOption = Annotated[
    Path | None,
    typer.Option(
        "--data-dir",
        help="The server's data folder (database, credentials, log). Default: $NIANBAO_LS_HOME or .cache/label-studio/data.",
    ),
]
UrlOption = Annotated[
    str | None,
    typer.Option("--url", help="The server's URL (default: the one this data folder's server runs at)."),
]
ProjectOption = Annotated[str, typer.Option("--project", "-p", help="The Label Studio project's title.")]
VerboseOption = Annotated[bool, typer.Option("--verbose", "-v", help="Log what is done.")]


def _setup_logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    install_log_filter()
    # httpx logs every request at INFO; keep -v readable.
    logging.getLogger("httpx").setLevel(logging.WARNING)


def _fail(message: object, code: int = 1) -> NoReturn:
    typer.echo(f"error: {redact(message)}", err=True)
    raise typer.Exit(code)


def _say(message: object) -> None:
    typer.echo(redact(message), err=True)


def _paths(data_dir: Path | None):
    from annotations.server import server_paths

    return server_paths(data_dir)


# --- server -------------------------------------------------------------------------------------


@server_app.command("install")
def server_install(verbose: VerboseOption = False) -> None:
    """Install Label Studio into its own venv (.cache/label-studio/venv); quick when already there."""
    _setup_logging(verbose)
    from annotations.server import LS_VERSION, ServerError, install, is_installed

    paths = _paths(None)
    if is_installed(paths):
        _say(f"Label Studio {LS_VERSION} already installed in {paths.venv}")
        return
    _say(f"installing Label Studio {LS_VERSION} into {paths.venv} (about a minute, 1 GB) ...")
    try:
        install(paths)
    except ServerError as exc:
        _fail(exc)
    _say(f"Label Studio {LS_VERSION} installed in {paths.venv}")


@server_app.command("start")
def server_start(
    port: Annotated[int, typer.Option("--port", help="Port on 127.0.0.1.")] = 8085,
    data_dir: DataDirOption = None,
    timeout: Annotated[float, typer.Option("--timeout", help="Seconds to wait for /health.")] = 180.0,
    verbose: VerboseOption = False,
) -> None:
    """Start Label Studio on 127.0.0.1 (detached); the API token is made on the first start."""
    _setup_logging(verbose)
    from annotations.server import ServerError, start

    paths = _paths(data_dir)
    try:
        st = start(paths, port=port, timeout=timeout, progress=_say)
    except ServerError as exc:
        _fail(exc)
    _say(f"Label Studio runs at {st.url} (pid {st.pid}); data in {paths.data}")
    _say(f"log in as the user and password in {paths.credentials} (owner-only); log: {paths.log_file}")


@server_app.command("stop")
def server_stop(data_dir: DataDirOption = None, verbose: VerboseOption = False) -> None:
    """Stop the server of this data folder."""
    _setup_logging(verbose)
    from annotations.server import stop

    paths = _paths(data_dir)
    _say("stopped Label Studio" if stop(paths) else f"no Label Studio of {paths.data} was running")


@server_app.command("status")
def server_status(data_dir: DataDirOption = None, verbose: VerboseOption = False) -> None:
    """Say whether the server runs, where, and how many projects it holds."""
    _setup_logging(verbose)
    from annotations.client import ReviewError, connect, count_projects
    from annotations.server import status

    paths = _paths(data_dir)
    st = status(paths)
    if not st.running:
        typer.echo(f"stopped (data: {paths.data}); start it with `nianbao review server start`")
        raise typer.Exit(3)
    if not st.healthy:
        typer.echo(f"running (pid {st.pid}) at {st.url} but not answering /health yet")
        raise typer.Exit(1)
    try:
        n = count_projects(connect(paths, st.url))
        projects = f"{n} project(s)"
    except ReviewError as exc:
        projects = f"projects unknown: {redact(exc)}"
    typer.echo(f"running at {st.url} (pid {st.pid}); {projects}; data: {paths.data}")


# --- the loop -----------------------------------------------------------------------------------


@review_app.command("config")
def config_cmd(
    out: Annotated[
        Path | None, typer.Option("-o", "--out", help="Write the XML here instead of stdout.")
    ] = None,
) -> None:
    """Print the labeling config (generated from the record schema)."""
    from annotations.label_config import label_config

    xml = label_config()
    if out is None:
        typer.echo(xml)
    else:
        out.write_text(xml + "\n", encoding="utf-8")
        _say(f"wrote {out}")


@review_app.command("push")
def push_cmd(
    records: Annotated[Path, typer.Argument(help="Records JSONL from `nianbao extract`.")],
    project: ProjectOption,
    texts: Annotated[
        Path | None,
        typer.Option("--texts", help="Folder of the reports, when the records' `source` paths moved."),
    ] = None,
    data_dir: DataDirOption = None,
    url: UrlOption = None,
    verbose: VerboseOption = False,
) -> None:
    """Create or update a project and import each report as a task with its prediction.

    Pushing a report again replaces its prediction; it never adds a second task.
    """
    _setup_logging(verbose)
    from annotations.client import ReviewError, connect
    from annotations.push import push

    if not records.is_file():
        _fail(f"{records} not found; write it with `nianbao extract REPORTS -o {records}`", code=2)
    try:
        summary = push(connect(_paths(data_dir), url), records, project, texts)
    except ReviewError as exc:
        _fail(exc)
    for name, reason in summary.failed:
        _say(f"failed: {name}: {reason}")
    _say(summary.line())
    raise typer.Exit(1 if summary.failed else 0)


@review_app.command("pull")
def pull_cmd(
    project: ProjectOption,
    out: Annotated[
        Path, typer.Option("-o", "--out", help="Folder for NAME.json + NAME.txt (+ NAME.meta.json).")
    ],
    force: Annotated[bool, typer.Option("--force", help="Overwrite records already in OUT.")] = False,
    data_dir: DataDirOption = None,
    url: UrlOption = None,
    verbose: VerboseOption = False,
) -> None:
    """Export the finished annotations as gold records, ready for `nianbao dataset build --from OUT`."""
    _setup_logging(verbose)
    from annotations.client import ReviewError, connect
    from annotations.pull import pull

    try:
        summary = pull(connect(_paths(data_dir), url), project, out, force=force)
    except ReviewError as exc:
        _fail(exc)
    _say(summary.line())
    if summary.written:
        _say(f"next: nianbao dataset build --from {out} -o DATASET")


@review_app.command("backend")
def backend_cmd(
    host: Annotated[str, typer.Option("--host", help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port to listen on.")] = 9090,
    engine: Annotated[
        str | None,
        typer.Option("--engine", help="rules | model | hybrid (default: hybrid when a model is present)."),
    ] = None,
    model: Annotated[
        Path | None, typer.Option("--model", help="A model folder with ner/ and table/.")
    ] = None,
    project: Annotated[
        str | None,
        typer.Option("--connect", help="Also connect the backend to this project through the SDK."),
    ] = None,
    data_dir: DataDirOption = None,
    url: UrlOption = None,
    verbose: VerboseOption = False,
) -> None:
    """Serve the Label Studio ML backend protocol (/health, /setup, /predict, /webhook) over the pipeline."""
    _setup_logging(verbose)
    import threading

    from annotations.backend import Predictor, make_server

    try:
        server = make_server(host, port, Predictor(engine=engine, model=model))
    except OSError as exc:
        _fail(f"[R307] cannot listen on {host}:{port} ({exc.strerror}); pick another --port")
    backend_url = f"http://{host}:{server.server_address[1]}"
    _say(
        f"ML backend ({server.predictor.engine}, {server.predictor.model_version}) at {backend_url}; Ctrl-C stops it"
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        if project is not None:
            _connect_backend(project, backend_url, data_dir, url)
        while thread.is_alive():
            thread.join(0.5)
    except KeyboardInterrupt:
        _say("stopping the ML backend")
    finally:
        server.shutdown()
        server.server_close()


def _connect_backend(project: str, backend_url: str, data_dir: Path | None, url: str | None) -> None:
    from annotations.client import ReviewError, attach_backend, connect, find_project

    try:
        desk = connect(_paths(data_dir), url)
        found = find_project(desk, project)
        if found is None:
            _fail(f"[R230] no project named {project!r} at {desk.url}; push records to it first")
        attach_backend(desk, found.id, backend_url)
    except ReviewError as exc:
        _fail(exc)
    _say(f"connected to project {project!r} (id {found.id})")


@review_app.command("connect")
def connect_cmd(
    project: ProjectOption,
    backend_url: Annotated[
        str, typer.Option("--backend-url", help="Where `nianbao review backend` listens.")
    ] = ("http://127.0.0.1:9090"),
    data_dir: DataDirOption = None,
    url: UrlOption = None,
    verbose: VerboseOption = False,
) -> None:
    """Connect a running ML backend to a project (through the SDK)."""
    _setup_logging(verbose)
    _connect_backend(project, backend_url, data_dir, url)
