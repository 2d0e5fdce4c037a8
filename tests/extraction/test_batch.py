"""extraction.batch: worker processes give the same bytes as one, failures land once each in order,
set-up failures never hang the pool, rules workers never import torch, Ctrl-C leaves no worker.

Inputs are the bundled examples, the generated synth fixtures and the generated bad-input suite.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from extraction.batch import BatchSummary, PathExtractor, available_cores, resolve_workers, run_batch
from extraction.io import iter_inputs
from tests.make_bad_inputs import EXPECTED_CODES, make_bad_inputs

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "tunxi_agriculture_2020.txt"
SYNTH = ROOT / "tests" / "fixtures" / "synth"


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[Path], dict[str, Path]]:
    """Good reports (examples, synth fixtures in every format) and the bad-input suite, in one order."""
    root = tmp_path_factory.mktemp("batch_in")
    bad = make_bad_inputs(root / "bad", EXAMPLE.read_text(encoding="utf-8"), huge_bytes=6_000_000)
    files = list(iter_inputs([ROOT / "examples", SYNTH, root / "bad"]))
    return files, bad


def _run(files: list[Path], out: Path, workers: int, extract: Any = None) -> BatchSummary:
    extract = extract or PathExtractor()
    return run_batch(files, out, extract, csv_out=out.with_suffix(".csv"), progress=False, workers=workers)


def _lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_batch_workers_output_is_byte_identical(
    inputs: tuple[list[Path], dict[str, Path]], tmp_path: Path
) -> None:
    files, bad = inputs
    one = _run(files, tmp_path / "one.jsonl", workers=1)
    two = _run(files, tmp_path / "two.jsonl", workers=2)
    for suffix in (".jsonl", ".errors.jsonl", ".csv"):
        a, b = tmp_path / f"one{suffix}", tmp_path / f"two{suffix}"
        assert a.read_bytes() == b.read_bytes(), suffix
    assert (one.ok, one.failed, one.error_codes) == (two.ok, two.failed, two.error_codes)
    assert (one.workers, two.workers) == (1, 2)
    # Every bad input is in the errors file once, with its code, in input order.
    failing = {str(p): EXPECTED_CODES[name] for name, p in bad.items() if EXPECTED_CODES[name]}
    errors = _lines(tmp_path / "two.errors.jsonl")
    assert [e["source"] for e in errors] == [str(p) for p in files if str(p) in failing]
    assert {e["source"]: e["code"] for e in errors} == failing
    records = _lines(tmp_path / "two.jsonl")
    assert [r["source"] for r in records] == [str(p) for p in files if str(p) not in failing]
    assert len(records) >= 8 and two.failed == len(failing)


def test_batch_model_fallback_is_the_same_with_workers(
    inputs: tuple[list[Path], dict[str, Path]], tmp_path: Path
) -> None:
    files = inputs[0][:4]
    empty = tmp_path / "no_model"
    empty.mkdir()
    summaries = [
        _run(files, tmp_path / f"w{w}.jsonl", workers=w, extract=PathExtractor("hybrid", empty))
        for w in (1, 2)
    ]
    assert (tmp_path / "w1.jsonl").read_bytes() == (tmp_path / "w2.jsonl").read_bytes()
    for s in summaries:
        assert any("[E002]" in w for w in s.setup_warnings), s.setup_warnings
    rec = _lines(tmp_path / "w2.jsonl")[0]
    assert rec["engine"] == "rules" and any("fell back" in w for w in rec["warnings"])


class _BrokenSetup:
    """An extractor whose set-up fails in every process (a Pool initializer that raised would respawn)."""

    def setup(self, worker: bool = False) -> list[str]:
        raise RuntimeError("model folder unreadable")

    def __call__(self, path: Path) -> dict[str, Any]:  # pragma: no cover - never reached
        raise AssertionError("called without set-up")


@pytest.mark.parametrize("workers", [1, 2])
def test_batch_setup_failure_fails_every_input_without_hanging(
    inputs: tuple[list[Path], dict[str, Path]], tmp_path: Path, workers: int
) -> None:
    files = inputs[0][:5]
    summary = _run(files, tmp_path / "x.jsonl", workers=workers, extract=_BrokenSetup())
    errors = _lines(tmp_path / "x.errors.jsonl")
    assert summary.failed == len(files) == len(errors) and summary.error_codes == {"B003": len(files)}
    assert [e["source"] for e in errors] == [str(p) for p in files]
    assert "model folder unreadable" in errors[0]["error"] and summary.setup_warnings == [errors[0]["error"]]


class _TorchProbe(PathExtractor):
    """The rules extractor, noting in each record whether its process has imported torch."""

    def __call__(self, path: Path) -> dict[str, Any]:
        rec = super().__call__(path)
        rec["torch_in_worker"] = [m for m in ("torch", "transformers") if m in sys.modules]
        rec["pid"] = os.getpid()
        return rec


def test_batch_rules_workers_never_import_torch(
    inputs: tuple[list[Path], dict[str, Path]], tmp_path: Path
) -> None:
    files = inputs[0][:6]
    _run(files, tmp_path / "x.jsonl", workers=2, extract=_TorchProbe())
    records = _lines(tmp_path / "x.jsonl")
    assert records and all(r["torch_in_worker"] == [] for r in records)
    assert os.getpid() not in {r["pid"] for r in records}  # really extracted in other processes


@pytest.mark.parametrize(("asked", "expected"), [(1, 1), (3, 3), (0, None)])
def test_batch_resolve_workers(asked: int, expected: int | None) -> None:
    assert resolve_workers(asked) == (expected or available_cores()) >= 1


@pytest.mark.parametrize("workers", [-1, -8])
def test_batch_resolve_workers_rejects_negative(workers: int) -> None:
    with pytest.raises(ValueError, match=r"\[B002\].*" + str(workers)):
        resolve_workers(workers)


@pytest.mark.parametrize(("summary", "part"), [(BatchSummary(ok=3, seconds=1.0, workers=2), "2 workers"),
                                               (BatchSummary(ok=3, seconds=1.0), "(3.0/s)")])  # fmt: skip
def test_batch_summary_line_names_the_workers(summary: BatchSummary, part: str) -> None:
    assert part in summary.line()


def _children(pid: int) -> dict[int, str]:
    """{child pid: command line} of `pid`, from /proc."""
    kids = {}
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            stat = (d / "stat").read_text(encoding="utf-8")
            cmd = (d / "cmdline").read_bytes().replace(b"\0", b" ").decode("utf-8", "replace")
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            kids[int(d.name)] = cmd
    return kids


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8")
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


N_CTRL_C = 3000


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc to find the worker processes")
def test_batch_ctrl_c_leaves_no_worker_behind(tmp_path: Path) -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    src = tmp_path / "in"
    src.mkdir()
    for i in range(N_CTRL_C):
        (src / f"r{i:04d}.txt").write_text(text, encoding="utf-8")
    out = tmp_path / "out.jsonl"
    cmd = [
        sys.executable,
        "-m",
        "extraction.cli",
        "extract",
        str(src),
        "-o",
        str(out),
        "--workers",
        "2",
        "-q",
    ]
    proc = subprocess.Popen(cmd, cwd=ROOT, start_new_session=True, stderr=subprocess.PIPE, text=True)
    workers: dict[int, str] = {}
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None:
            workers = {p: c for p, c in _children(proc.pid).items() if "--multiprocessing-fork" in c}
            if len(workers) == 2 and out.exists() and out.stat().st_size > 0:
                break
            time.sleep(0.05)
        assert proc.poll() is None and len(workers) == 2, f"batch not running with 2 workers: {workers}"
        os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C in a terminal sends: the whole group
        t_int = time.monotonic()
        _, err = proc.communicate(timeout=120)
        # Terminated, not drained: finishing the thousands of queued reports would take far longer.
        stopped_in = time.monotonic() - t_int
    finally:
        if proc.poll() is None:  # pragma: no cover - only when the test already failed
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode != 0, err
    assert "Traceback" not in err, err  # workers ignore SIGINT; the parent stops them
    assert len(out.read_text(encoding="utf-8").splitlines()) < N_CTRL_C  # interrupted mid-batch
    assert stopped_in < 5, f"the batch took {stopped_in:.1f}s to stop after Ctrl-C"
    time.sleep(0.5)
    assert not [p for p in workers if _alive(p)], f"workers left running: {workers}"
