"""The char-level dataset: tag round trips, cell alignment, splits by document, the card.

Fixtures are invented reports built by code (agencies, numbers and the table layout are made up),
read by a tiny fake table extractor; ../shared/gold is read at run time when present.
"""

from __future__ import annotations

import json
import random
import shutil
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from extraction.normalize import Normalized
from extraction.schema import APPEAL_COLS, LABELS, Cell
from training import align
from training.align import (
    BAD_OFFSETS,
    NO_TEMPLATE,
    NOT_FOUND,
    OVERLAP,
    ROW_MISMATCH,
    SUSPECT_TABLE,
    VALUE_MISMATCH,
    align_cells,
    check_cell_offsets,
    token_shows,
)
from training.card import SPLITS, label_counts
from training.dataset import (
    DatasetError,
    build_dataset,
    decode_rows,
    doc_hash,
    load_dataset_dir,
    split_of,
)
from training.labels import CELL_KEYS, TagError, bio_tags, cell_tags, cells_from_tags, spans_from_bio

# --- tag round trips ------------------------------------------------------------------------


@st.composite
def _spans(draw: st.DrawFn, labels: tuple[str, ...]) -> tuple[int, list[tuple[str, int, int]]]:
    """A text length and random non-overlapping, non-empty spans (adjacent ones included)."""
    n = draw(st.integers(min_value=0, max_value=300))
    cuts = sorted(draw(st.sets(st.integers(min_value=0, max_value=n), max_size=40)))
    spans = []
    for start, end in zip(cuts, cuts[1:], strict=False):
        if draw(st.booleans()):
            spans.append((draw(st.sampled_from(labels)), start, end))
    return n, spans


@settings(max_examples=200, deadline=None)
@given(_spans(LABELS))
def test_align_bio_round_trip(case: tuple[int, list[tuple[str, int, int]]]) -> None:
    n, spans = case
    tags = bio_tags(n, spans)
    assert len(tags) == n
    assert spans_from_bio(tags) == spans


@settings(max_examples=200, deadline=None)
@given(_spans(CELL_KEYS))
def test_align_cell_tags_round_trip(case: tuple[int, list[tuple[str, int, int]]]) -> None:
    n, spans = case
    cells = {}
    for key, start, end in spans:
        cells.setdefault(key, (start, end))  # one span per key, as in a record
    assert cells_from_tags(cell_tags(n, cells)) == cells


def _decode_char_by_char(tags: list[str]) -> list[tuple[str, int, int]]:
    """The plain reading of BIO, one character at a time: the reference for the fast decoder."""
    spans, label, start = [], None, 0
    for i, tag in enumerate([*tags, "O"]):
        if label is not None and not (tag.startswith("I-") and tag[2:] == label):
            spans.append((label, start, i))
            label = None
        if tag != "O" and label is None:
            label, start = tag[2:], i
    return spans


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["O", "B-DATE", "I-DATE", "B-COUNT", "I-COUNT"]), max_size=60))
def test_align_spans_from_bio_reads_any_tag_sequence(tags: list[str]) -> None:
    assert spans_from_bio(tags) == _decode_char_by_char(tags)


@pytest.mark.parametrize(
    ("n", "spans"),
    [
        (10, [("DATE", 2, 2)]),
        (10, [("DATE", 8, 11)]),
        (10, [("DATE", -1, 2)]),
        (10, [("DATE", 1, 5), ("COUNT", 4, 6)]),
    ],
    ids=["empty", "past-end", "negative", "overlap"],
)
def test_align_bio_tags_rejects_untaggable_spans(n: int, spans: list[tuple[str, int, int]]) -> None:
    with pytest.raises(TagError, match=r"\[A00[12]\]"):
        bio_tags(n, spans)


@pytest.mark.parametrize(
    ("tags", "spans"),
    [
        (["I-DATE", "I-DATE", "O"], [("DATE", 0, 2)]),
        (["B-DATE", "I-COUNT", "O"], [("DATE", 0, 1), ("COUNT", 1, 2)]),
        (["B-DATE", "B-DATE", "I-DATE"], [("DATE", 0, 1), ("DATE", 1, 3)]),
        (["O", "B-AGENCY"], [("AGENCY", 1, 2)]),
    ],
    ids=["i-without-b", "label-change", "adjacent", "at-end"],
)
def test_align_spans_from_bio_reads_model_output(tags: list[str], spans: list[tuple[str, int, int]]) -> None:
    assert spans_from_bio(tags) == spans


@pytest.mark.parametrize(
    ("token", "value", "amount", "shows"),
    [
        ("１２", 12, False, True),
        ("减 17", -17, False, True),
        ("-1", -1, False, True),
        ("10709.63 万元", 10709.63, True, True),
        ("1.2万", 12000, False, True),
        ("1,024", 1024, False, True),
        ("O", 0, False, True),
        ("35", 3, False, False),
        ("\t", 0, False, False),
        ("1070963元", 107.0963, True, True),
        ("1070963", 107.0963, False, False),
    ],
)
def test_align_token_shows(token: str, value: float, amount: bool, shows: bool) -> None:
    assert token_shows(token, value, amount) is shows


# --- invented reports -----------------------------------------------------------------------

MARK = "（虚构示例）"
# Fake table layout: a row label, then its cells separated by tabs (2021 template).
FAKE_ROWS = {
    "规章": ("active", "regulations", ("issued", "repealed", "in_force")),
    "行政规范性文件": ("active", "normative_documents", ("issued", "repealed", "in_force")),
    "行政许可": ("active", "licensing", ("decisions",)),
    "行政事业性收费": ("active", "fees", ("amount",)),
    "行政复议": ("appeals", "review", APPEAL_COLS),
}
FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


class _Report:
    """Builds a text piece by piece and records where each entity and cell lands."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.n = 0
        self.entities: list[dict[str, Any]] = []
        self.cells: dict[str, tuple[int, int]] = {}
        self.tables: dict[str, dict[str, Any]] = {"active": {}, "requests": {}, "appeals": {}}

    def add(self, s: str, label: str | None = None, value: Any = None) -> None:
        if label:
            self.entities.append(
                {"label": label, "start": self.n, "end": self.n + len(s), "text": s, "value": value}
            )
        self.parts.append(s)
        self.n += len(s)

    def cell(self, table: str, key: str, value: int | float | None, token: str) -> None:
        self.tables[table][key] = value
        if value is not None:
            self.cells[f"{table}.{key}"] = (self.n, self.n + len(token))
        self.add(token)

    @property
    def text(self) -> str:
        return "".join(self.parts)


def invent_report(seed: int) -> _Report:
    """An invented 2021-template report: title, narrative entities, a small tab table."""
    rng = random.Random(seed)
    agency = rng.choice(["青禾县", "临溪市", "白石镇", "云岭区"]) + rng.choice(
        ["市场监督管理局", "公安局", "人民政府办公室"]
    )
    year = rng.randint(2021, 2024)
    r = _Report()
    r.add(agency, "AGENCY")
    r.add(f"{MARK}")
    r.add(f"{year}年", "DATE", str(year))
    r.add("政府信息公开工作年度报告\n\n一、总体情况\n\u200b本年度，")
    r.add(agency, "AGENCY")
    r.add("共主动公开政府信息")
    n = rng.randint(2, 900)
    r.add(f"{n}条", "COUNT", {"number": n, "unit": "条", "approx": False})
    r.add("，收费")
    fee = round(rng.uniform(1, 999), 2)
    r.add(f"{fee}万元", "AMOUNT", {"yuan": fee * 10_000})
    r.add("。\n\n二、主动公开政府信息情况\n")
    for label, (table, row, cols) in FAKE_ROWS.items():
        r.add(f"**{label}**")
        for col in cols:
            r.add("\t")
            value = None if rng.random() < 0.15 else (fee if col == "amount" else rng.randint(0, 60))
            token = "" if value is None else str(value)
            r.cell(table, f"{row}.{col}", value, token.translate(FULLWIDTH) if rng.random() < 0.3 else token)
        r.add("\n")
    r.add(f"\n五、存在的主要问题及改进情况\n{MARK}无。\n")
    return r


def fake_extract_tables(norm: Normalized, version: str, map_offsets: bool = True) -> SimpleNamespace:
    """A stand-in for extraction.tables: reads FAKE_ROWS lines of the normalized text."""
    cells: dict[str, dict[str, Cell]] = {"active": {}, "requests": {}, "appeals": {}}
    pos = 0
    for line in norm.text.split("\n"):
        parts = line.split("\t")
        row = FAKE_ROWS.get(parts[0])
        if row:
            table, name, cols = row
            at = pos + len(parts[0]) + 1
            for col, raw in zip(cols, parts[1:], strict=False):
                start, end = norm.span(at, at + len(raw)) if map_offsets else (at, at + len(raw))
                value = None if not raw else (float(raw) if "." in raw else int(raw))
                cells[table][f"{name}.{col}"] = Cell(table, f"{name}.{col}", value, raw, start, end)
                at += len(raw) + 1
        pos += len(line) + 1
    return SimpleNamespace(cells=cells)


def write_record(folder: Path, name: str, r: _Report, meta: dict[str, Any] | None = None) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.txt").write_text(r.text, encoding="utf-8")
    record = {
        "doc": f"{name}.txt",
        "format_version": "2021",
        "tables": r.tables,
        "entities": r.entities,
        "findings": [],
    }
    (folder / f"{name}.json").write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    if meta is not None:
        (folder / f"{name}.meta.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")


# --- align_cells with the fake extractor ----------------------------------------------------


@pytest.mark.parametrize("seed", range(6))
def test_align_cells_finds_every_filled_cell(seed: int) -> None:
    r = invent_report(seed)
    got = align_cells(r.text, r.tables, "2021", extract=fake_extract_tables)
    assert got.cells == r.cells
    assert not got.unaligned
    assert got.blank == sum(v is None for t in r.tables.values() for v in t.values())


def _unmapped(norm: Normalized, version: str) -> SimpleNamespace:
    """An extractor bug: offsets into the normalized text handed out as original offsets."""
    return fake_extract_tables(norm, version, map_offsets=False)


def test_align_cells_refuses_offsets_that_miss_the_number() -> None:
    r = invent_report(1)
    got = align_cells(r.text, r.tables, "2021", extract=_unmapped)
    assert not got.cells
    assert set(got.unaligned.values()) == {BAD_OFFSETS}
    assert set(got.unaligned) == set(r.cells)


def _printed_row(key: str) -> str:
    # The appeals table prints its three groups on one line.
    return "appeals" if key.startswith("appeals.") else key.rsplit(".", 1)[0]


def test_align_cells_reports_what_it_cannot_align() -> None:
    r = invent_report(2)
    keys = sorted(r.cells)
    wrong, missing = keys[0], keys[-1]

    def extract(norm: Normalized, version: str) -> SimpleNamespace:
        res = fake_extract_tables(norm, version)
        t, k = wrong.split(".", 1)
        res.cells[t][k].value = res.cells[t][k].value + 1
        t, k = missing.split(".", 1)
        del res.cells[t][k]
        return res

    got = align_cells(r.text, r.tables, "2021", extract=extract)
    suspect = {_printed_row(wrong), _printed_row(missing)}
    row_mates = {k: ROW_MISMATCH for k in r.cells if _printed_row(k) in suspect}
    assert got.unaligned == {**row_mates, wrong: VALUE_MISMATCH, missing: NOT_FOUND}
    assert got.cells == {k: v for k, v in r.cells.items() if _printed_row(k) not in suspect}


def test_align_cells_distrusts_a_shifted_row() -> None:
    """A damaged first cell skipped: the row is read one column off, and its zeros still match."""
    r = _Report()
    r.add("临溪市示范局（虚构示例）年度报告\n二、主动公开政府信息情况\n规章\t")
    r.cell("active", "regulations.issued", 1, "I")  # OCR damage: the extractor skips it
    for col in ("repealed", "in_force"):
        r.add("\t")
        r.cell("active", f"regulations.{col}", 0, "0")
    r.add("\t0\n行政许可\t")  # a stray number ends the row
    r.cell("active", "licensing.decisions", 3, "3")
    r.add("\n")

    def skipping(norm: Normalized, version: str) -> SimpleNamespace:
        line = norm.text.index("规章")
        zeros = [i for i in range(line, norm.text.index("\n", line)) if norm.text[i] == "0"]
        cells = {"active": {}}
        for col, at in zip(("issued", "repealed", "in_force"), zeros, strict=False):
            s, e = norm.span(at, at + 1)
            cells["active"][f"regulations.{col}"] = Cell("active", f"regulations.{col}", 0, "0", s, e)
        at = norm.text.index("3\n")
        s, e = norm.span(at, at + 1)
        cells["active"]["licensing.decisions"] = Cell("active", "licensing.decisions", 3, "3", s, e)
        return SimpleNamespace(cells=cells)

    got = align_cells(r.text, r.tables, "2021", extract=skipping)
    assert got.cells == {"active.licensing.decisions": r.cells["active.licensing.decisions"]}
    assert got.unaligned == {
        "active.regulations.issued": VALUE_MISMATCH,
        "active.regulations.repealed": ROW_MISMATCH,
        "active.regulations.in_force": ROW_MISMATCH,
    }


def test_align_cells_has_no_template_for_legacy() -> None:
    r = invent_report(3)
    got = align_cells(r.text, r.tables, "legacy", extract=fake_extract_tables)
    assert not got.cells
    assert set(got.unaligned.values()) == {NO_TEMPLATE}


def test_align_check_cell_offsets_keeps_a_damaged_token() -> None:
    r = invent_report(4)
    first = sorted(r.cells)[0]
    s, e = r.cells[first]
    text = r.text[:s] + "■" * (e - s) + r.text[e:]
    got = check_cell_offsets(text, r.tables, "2021", r.cells, damaged={first: {"raw": "■"}})
    assert got.cells == r.cells
    assert not got.unaligned


def test_align_check_cell_offsets_distrusts_a_table_with_a_slipped_cell() -> None:
    r = invent_report(4)
    first = sorted(r.cells)[0]
    s, e = r.cells[first]
    text = r.text[:s] + "■" * (e - s) + r.text[e:]
    got = check_cell_offsets(text, r.tables, "2021", r.cells)
    table = first.split(".")[0]
    assert got.unaligned == {k: SUSPECT_TABLE for k in r.cells if k.startswith(table + ".")} | {
        first: BAD_OFFSETS
    }
    assert got.cells == {k: v for k, v in r.cells.items() if not k.startswith(table + ".")}


def test_align_check_cell_offsets_refuses_overlap() -> None:
    r = invent_report(5)
    a, b = sorted(r.cells)[:2]
    offsets = {**r.cells, b: r.cells[a]}  # two cells on one token; both marked damaged so the value passes
    got = check_cell_offsets(r.text, r.tables, "2021", offsets, damaged={a: {}, b: {}})
    assert sorted(got.unaligned.values()) == [OVERLAP]
    assert len({a, b} & set(got.cells)) == 1


# --- the dataset ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def patched_extractor() -> Iterator[None]:
    """The fake extractor for invented reports; the real one (if installed) for everything else."""
    real = align._default_extract()

    def extract(norm: Normalized, version: str) -> Any:
        if MARK in norm.original or real is None:
            return fake_extract_tables(norm, version)
        return real(norm, version)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(align, "_default_extract", lambda: extract)
        yield


@pytest.fixture(scope="module")
def hand_dir(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, _Report]]:
    """Invented records: six aligned by the extractor, one with generator offsets, three bad files."""
    folder = tmp_path_factory.mktemp("hand")
    reports = {f"inv{i:02d}": invent_report(100 + i) for i in range(6)}
    for name, r in reports.items():
        write_record(folder, name, r)
    gen = invent_report(200)
    key = sorted(gen.cells)[0]
    s, e = gen.cells[key]
    gen.parts = [gen.text[:s] + "■" * (e - s) + gen.text[e:]]
    meta = {
        "cells": gen.cells,
        "rendering": "pdf_text",
        "noise": "heavy",
        "damaged": {key: {"kind": "smudge"}},
    }
    write_record(folder, "gen00", gen, meta)
    reports["gen00"] = gen
    bad = invent_report(300)
    bad.entities[0]["start"] += 1
    write_record(folder, "bad_offsets", bad)
    (folder / "notes.json").write_text('{"hello": 1}', encoding="utf-8")
    (folder / "lost.json").write_text(json.dumps({"doc": "lost.txt", "entities": []}), encoding="utf-8")
    return folder, reports


@pytest.fixture(scope="module")
def built(
    patched_extractor: None,
    hand_dir: tuple[Path, dict[str, _Report]],
    shared: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Path, Any]:
    out = tmp_path_factory.mktemp("ds") / "dataset"
    card = build_dataset([hand_dir[0]], out, eval_only=[shared / "gold"])
    return out, card


def _all_rows(path: Path) -> list[dict[str, Any]]:
    dsd, _ = load_dataset_dir(path)
    return [row for split in SPLITS for row in decode_rows(dsd[split])]


def test_dataset_round_trips_hand_made_records(
    built: tuple[Path, Any], hand_dir: tuple[Path, dict[str, _Report]]
) -> None:
    rows = {r["id"]: r for r in _all_rows(built[0])}
    reports = hand_dir[1]
    for name, rep in reports.items():
        row = rows[f"{name}.txt"]
        assert row["text"] == rep.text
        assert spans_from_bio(row["ner_tags"]) == [(e["label"], e["start"], e["end"]) for e in rep.entities]
        assert cells_from_tags(row["cell_tags"]) == rep.cells
    gen = rows["gen00.txt"]
    assert (gen["rendering"], gen["noise"], len(gen["damaged_cells"])) == ("pdf_text", "heavy", 1)
    assert {r["rendering"] for n, r in rows.items() if n.startswith("inv")} == {"txt"}


def test_dataset_round_trips_shared_gold(built: tuple[Path, Any], shared: Path) -> None:
    rows = {r["id"]: r for r in _all_rows(built[0])}
    golds = [json.loads(p.read_text(encoding="utf-8")) for p in sorted((shared / "gold").glob("*.json"))]
    assert golds
    for gold in golds:
        row = rows[gold["doc"]]
        assert row["split"] == "test"
        assert row["text"] == (shared / "seeds" / gold["doc"]).read_text(encoding="utf-8")
        want = sorted(((e["label"], e["start"], e["end"]) for e in gold["entities"]), key=lambda s: s[1])
        assert spans_from_bio(row["ner_tags"]) == want
        filled = {f"{t}.{k}": v for t, cs in gold["tables"].items() for k, v in cs.items() if v is not None}
        cells = cells_from_tags(row["cell_tags"])
        assert set(cells).isdisjoint(row["unaligned_cells"])
        assert set(cells) | set(row["unaligned_cells"]) == set(filled)
        for key, (s, e) in cells.items():
            assert token_shows(row["text"][s:e], filled[key], key.endswith("amount")), (gold["doc"], key)


def test_dataset_splits_by_document(
    built: tuple[Path, Any], hand_dir: tuple[Path, dict[str, _Report]], tmp_path: Path
) -> None:
    rows = _all_rows(built[0])
    hashes = [r["doc_hash"] for r in rows]
    assert len(hashes) == len(set(hashes))  # one document, one split
    for r in rows:
        assert r["doc_hash"] == doc_hash(r["text"])
        if "shared" not in r["source"]:
            assert r["split"] == split_of(r["doc_hash"])
    again = build_dataset([hand_dir[0]], tmp_path / "again")
    first = {r["id"]: r["split"] for r in rows if "shared" not in r["source"]}
    assert {r["id"]: r["split"] for r in _all_rows(tmp_path / "again")} == first
    assert (
        again.dataset_version == build_dataset([hand_dir[0]], tmp_path / "again", force=True).dataset_version
    )


@settings(max_examples=50, deadline=None)
@given(st.lists(st.text(min_size=1, max_size=30), min_size=1, max_size=20))
def test_dataset_split_of_is_a_function_of_the_text(texts: list[str]) -> None:
    for t in texts:
        assert split_of(doc_hash(t)) == split_of(doc_hash(str(t))) in SPLITS


def test_dataset_split_shares() -> None:
    counts = {s: 0 for s in SPLITS}
    for i in range(3000):
        counts[split_of(doc_hash(f"report {i}"))] += 1
    assert 0.75 < counts["train"] / 3000 < 0.85
    assert 0.07 < counts["validation"] / 3000 < 0.13


def test_dataset_card_counts_match(
    built: tuple[Path, Any], hand_dir: tuple[Path, dict[str, _Report]], shared: Path
) -> None:
    path, card = built
    rows = _all_rows(path)
    loaded = load_dataset_dir(path)[1]
    assert loaded.to_json() == card.to_json()
    assert label_counts(rows) == card.counts
    n_gold = len(list((shared / "gold").glob("*.json")))
    assert sum(card.docs.values()) == len(rows) == len(hand_dir[1]) + n_gold
    assert card.cells["aligned"] == sum(len(cells_from_tags(r["cell_tags"])) for r in rows)
    assert card.cells["unaligned"] == sum(len(r["unaligned_cells"]) for r in rows)
    assert card.cells["damaged"] == 1
    assert sorted(card.counts["entity_spans"]["test"]) == sorted(LABELS)
    problems = {Path(p["file"]).name: p["reason"] for p in card.problems}
    assert set(problems) == {"bad_offsets.json", "notes.json", "lost.json"}
    assert "[A004]" in problems["bad_offsets.json"]
    assert card.dataset_version in (path / "README.md").read_text(encoding="utf-8")


def test_dataset_eval_only_wins_over_a_duplicate(
    patched_extractor: None, hand_dir: tuple[Path, dict[str, _Report]], tmp_path: Path
) -> None:
    held = tmp_path / "held"
    held.mkdir()
    for suffix in (".json", ".txt"):
        shutil.copy(hand_dir[0] / f"inv00{suffix}", held / f"inv00{suffix}")
    card = build_dataset([hand_dir[0]], tmp_path / "ds", eval_only=[held])
    rows = _all_rows(tmp_path / "ds")
    copies = [r for r in rows if r["id"] == "inv00.txt"]
    assert len(copies) == 1 and copies[0]["split"] == "test" and copies[0]["source"] == str(held.resolve())
    assert any("duplicate" in p["reason"] for p in card.problems)


def test_dataset_refuses_to_overwrite(
    patched_extractor: None, hand_dir: tuple[Path, dict[str, _Report]], tmp_path: Path
) -> None:
    out = tmp_path / "ds"
    build_dataset([hand_dir[0]], out)
    with pytest.raises(DatasetError, match=r"\[D001\]"):
        build_dataset([hand_dir[0]], out)
    build_dataset([hand_dir[0]], out, force=True)
    other = tmp_path / "other"
    other.mkdir()
    (other / "keep.txt").write_text("x", encoding="utf-8")
    with pytest.raises(DatasetError, match=r"\[D008\]"):
        build_dataset([hand_dir[0]], other, force=True)
    assert (other / "keep.txt").exists()
    with pytest.raises(DatasetError, match=r"\[D002\]"):
        build_dataset([tmp_path / "missing"], tmp_path / "ds2")


def test_dataset_builds_from_generated_reports(tmp_path: Path) -> None:
    generator = pytest.importorskip("training.synth.generator", reason="training/synth not installed")
    synth = tmp_path / "synth"
    generator.generate(4, 5, synth, noise="low", workers=1)
    card = build_dataset([synth], tmp_path / "ds")
    assert not card.problems
    assert sum(card.docs.values()) == 4
    assert set(card.counts["noise"]) == {"low"}
    for row in _all_rows(tmp_path / "ds"):
        stem = row["id"][: -len(".txt")]
        gold = json.loads((synth / f"{stem}.json").read_text(encoding="utf-8"))
        meta = json.loads((synth / f"{stem}.meta.json").read_text(encoding="utf-8"))
        assert spans_from_bio(row["ner_tags"]) == sorted(
            ((e["label"], e["start"], e["end"]) for e in gold["entities"]), key=lambda s: s[1]
        )
        cells = cells_from_tags(row["cell_tags"])
        assert all(tuple(meta["cells"][k]) == span for k, span in cells.items())
        filled = {f"{t}.{k}" for t, cs in gold["tables"].items() for k, v in cs.items() if v is not None}
        assert set(cells) | set(row["unaligned_cells"]) == filled
        assert set(row["damaged_cells"]) <= set(meta["damaged"])
