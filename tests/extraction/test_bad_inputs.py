"""The bad-input suite at the reading level: every damaged input fails with one clear, coded line."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from extraction.io import ReadError, iter_inputs, read_document
from tests.make_bad_inputs import EXPECTED_CODES, SAME_TEXT, SCRIPT_MARKERS, make_bad_inputs, table_blocks

ROOT = Path(__file__).resolve().parents[2]
SEEDS = sorted((ROOT / ".." / "shared" / "seeds").glob("*.txt"))
# A seed when ../shared is there; the invented example report otherwise, so the suite always runs.
SOURCE = SEEDS[0] if SEEDS else ROOT / "examples" / "tunxi_agriculture_2020.txt"
FAILING = sorted(k for k, code in EXPECTED_CODES.items() if code)


@pytest.fixture(scope="module")
def seed_text() -> str:
    return SOURCE.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def bad(tmp_path_factory: pytest.TempPathFactory, seed_text: str) -> dict[str, Path]:
    return make_bad_inputs(tmp_path_factory.mktemp("bad"), seed_text)


def test_bad_inputs_suite_is_complete(bad: dict[str, Path]) -> None:
    assert set(bad) == set(EXPECTED_CODES)
    assert bad["huge"].stat().st_size >= 50_000_000


@pytest.mark.parametrize("name", FAILING)
def test_bad_inputs_fail_with_one_coded_line(bad: dict[str, Path], name: str) -> None:
    with pytest.raises(ReadError) as err:
        read_document(bad[name])
    message = str(err.value)
    assert err.value.code == EXPECTED_CODES[name]
    assert message.startswith(f"[{EXPECTED_CODES[name]}] {bad[name]}: ")
    assert "\n" not in message and "; " in message  # problem; what to do
    assert err.value.path == str(bad[name])


@pytest.mark.parametrize("name", sorted(SAME_TEXT))
def test_bad_inputs_encoded_copies_read_to_the_same_text(
    bad: dict[str, Path], seed_text: str, name: str
) -> None:
    assert read_document(bad[name]).text == seed_text


@pytest.mark.parametrize("seed", SEEDS, ids=lambda p: p.stem[:3])
def test_bad_inputs_every_seed_decodes_identically(tmp_path: Path, seed: Path) -> None:
    text = seed.read_text(encoding="utf-8")
    files = make_bad_inputs(tmp_path, text, huge_bytes=0)
    decoded = {name: read_document(files[name]).text for name in sorted(SAME_TEXT)}
    assert decoded == dict.fromkeys(sorted(SAME_TEXT), text)


def test_bad_inputs_huge_file_is_refused_without_reading_it(bad: dict[str, Path]) -> None:
    start = time.perf_counter()
    with pytest.raises(ReadError, match="too large"):
        read_document(bad["huge"])
    assert time.perf_counter() - start < 0.05


def test_bad_inputs_html_keeps_text_and_drops_scripts(bad: dict[str, Path], seed_text: str) -> None:
    text = read_document(bad["good_html"]).text
    assert not [m for m in SCRIPT_MARKERS if m in text]
    paragraphs = [b for b in table_blocks(seed_text) if isinstance(b, str)]
    assert [line for line in text.splitlines() if "\t" not in line] == paragraphs


@pytest.mark.parametrize("name", ["good_docx", "good_html"])
def test_bad_inputs_tables_keep_cell_boundaries(bad: dict[str, Path], seed_text: str, name: str) -> None:
    """Each table row reads back as the same cells (whitespace in a cell collapsed, blank rows dropped)."""
    tables = [b for b in table_blocks(seed_text) if isinstance(b, list)]
    if not tables:
        pytest.skip(f"{SOURCE.name} has no tab-separated table text")
    expected = []
    for table in tables:
        width = max(map(len, table)) if name == "good_docx" else 0  # a Word table is rectangular
        for row in table:
            if any(c.strip() for c in row):
                cells = [" ".join(c.split()) for c in row]
                expected.append(cells + [""] * (width - len(cells)))
    rows = [line.split("\t") for line in read_document(bad[name]).text.splitlines() if "\t" in line]
    assert rows == expected


def test_bad_inputs_directory_batch_reads_good_and_reports_bad(bad: dict[str, Path]) -> None:
    skipped: list[Path] = []
    read, errors = [], {}
    for path in iter_inputs([bad["utf8"].parent], skipped):
        try:
            read.append(read_document(path).source)
        except ReadError as err:
            errors[Path(err.path).stem] = err.code
    assert skipped == []
    assert sorted(Path(s).stem for s in read) == sorted(k for k, c in EXPECTED_CODES.items() if c is None)
    assert errors == {k: c for k, c in EXPECTED_CODES.items() if c}
