"""Tests for extraction.evaluate: hand-built gold/pred pairs with known answers, and the shared gold
scored against itself."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from extraction.evaluate import EvalError, evaluate, score_entities, score_record, values_equal
from extraction.schema import TABLES, cell_keys

SHARED_GOLD = Path(__file__).resolve().parents[2] / ".." / "shared" / "gold"

TEXT = "青松县气象局2020年共收到申请12件，采购金额3.5万元。青松县人民政府网站"


def ent(label: str, start: int, end: int, value: object = None) -> dict:
    return {"label": label, "start": start, "end": end, "text": TEXT[start:end], "value": value}


def gold_record(doc: str = "900_invented.txt") -> dict:
    """An invented 2019-template gold record with a few blank cells."""
    tables = {t: {k: i % 3 for i, k in enumerate(cell_keys(t, "2019"))} for t in TABLES}
    tables["requests"]["new.commercial"] = None
    tables["active"]["procurement.amount"] = 3.5
    return {
        "doc": doc,
        "agency": "青松县气象局",
        "year": 2020,
        "format_version": "2019",
        "period": {"start": "2020-01-01", "end": "2020-12-31"},
        "published": None,
        "contact": {
            "department": "青松县气象局办公室",
            "address": None,
            "postcode": "999001",
            "phone": ["0999-1234567", "0999-7654321"],
            "email": [],
            "website": [],
        },
        "tables": tables,
        "entities": [
            ent("AGENCY", 0, 6),
            ent("DATE", 6, 11, "2020"),
            ent("COUNT", 16, 19, {"number": 12, "unit": "件", "approx": False}),
            ent("AMOUNT", 24, 29, {"yuan": 35000.0}),
            ent("AGENCY", 30, 37),
        ],
        "findings": [
            {"code": "table.blank", "detail": "requests"},
            {"code": "section.missing", "detail": "六"},
            {"code": "section.missing", "detail": "五"},
        ],
    }


def test_evaluate_text_fixture_offsets() -> None:
    # The fixture itself: every span must cut the text it claims.
    for e in gold_record()["entities"]:
        assert TEXT[e["start"] : e["end"]] == e["text"] and e["text"]


# --- entities ------------------------------------------------------------------------------


def test_evaluate_entities_shifted_span() -> None:
    gold = gold_record()["entities"]
    pred = copy.deepcopy(gold)
    pred[2]["end"] += 1  # 12件 -> 12件，
    s = score_entities(gold, pred)
    assert (s["strict"]["tp"], s["strict"]["fp"], s["strict"]["fn"]) == (4, 1, 1)
    assert (s["overlap"]["tp"], s["overlap"]["fp"], s["overlap"]["fn"]) == (5, 0, 0)
    assert s["strict"]["p"] == pytest.approx(0.8) and s["strict"]["f1"] == pytest.approx(0.8)
    assert s["per_label"]["COUNT"]["strict"]["tp"] == 0
    assert s["per_label"]["COUNT"]["overlap"]["tp"] == 1
    assert s["per_label"]["AGENCY"]["strict"]["f1"] == 1.0
    assert s["value_accuracy"] == 1.0 and s["value_total"] == 4


@pytest.mark.parametrize(
    ("pred_value", "ok"),
    [
        ({"yuan": 35000.0}, True),
        ({"yuan": 35000.00001}, True),  # within 1e-6 relative
        ({"yuan": 35001.0}, False),
        ({"yuan": 35000.0, "extra": 1}, False),
        (None, False),
    ],
)
def test_evaluate_entities_value_accuracy(pred_value: object, ok: bool) -> None:
    gold = gold_record()["entities"]
    pred = copy.deepcopy(gold)
    pred[3]["value"] = pred_value
    s = score_entities(gold, pred)
    assert s["strict"]["f1"] == 1.0
    assert s["value_accuracy"] == pytest.approx(1.0 if ok else 0.8)
    assert s["per_label"]["AMOUNT"]["value_accuracy"] == (1.0 if ok else 0.0)


@pytest.mark.parametrize(
    ("gold_spans", "pred_spans", "pairs"),
    [
        # one pred over two golds: only one overlap match (one-to-one)
        ([(0, 10), (10, 20)], [(5, 15)], 1),
        # greedy by overlap size: the pred goes to the gold it covers most
        ([(0, 4), (4, 12)], [(2, 10), (0, 3)], 2),
        # disjoint spans never match
        ([(0, 4)], [(4, 8)], 0),
        # two preds inside one gold: one match, one false positive
        ([(0, 20)], [(0, 5), (6, 10)], 1),
    ],
)
def test_evaluate_entities_overlap_matching(gold_spans: list, pred_spans: list, pairs: int) -> None:
    gold = [{"label": "COUNT", "start": s, "end": e} for s, e in gold_spans]
    pred = [{"label": "COUNT", "start": s, "end": e} for s, e in pred_spans]
    s = score_entities(gold, pred)["overlap"]
    assert s["tp"] == pairs
    assert s["fp"] == len(pred) - pairs and s["fn"] == len(gold) - pairs


def test_evaluate_entities_overlap_prefers_larger_overlap() -> None:
    gold = [{"label": "DATE", "start": 0, "end": 4}, {"label": "DATE", "start": 4, "end": 12}]
    pred = [{"label": "DATE", "start": 2, "end": 10}]
    rec = score_record({"doc": "a.txt", "entities": gold}, {"doc": "a.txt", "entities": pred})
    boundary = [e for e in rec["errors"] if e["kind"] == "entity.boundary"]
    assert len(boundary) == 1 and boundary[0]["gold"].endswith("[4:12]")
    assert [e["kind"] for e in rec["errors"] if e["kind"].startswith("entity")] == [
        "entity.boundary",
        "entity.missed",
    ]


def test_evaluate_entities_label_must_match() -> None:
    gold = [{"label": "AGENCY", "start": 0, "end": 6}]
    pred = [{"label": "COUNT", "start": 0, "end": 6}]
    s = score_entities(gold, pred)
    assert s["strict"]["tp"] == 0 and s["overlap"]["tp"] == 0
    assert s["per_label"]["COUNT"]["strict"]["fp"] == 1 and s["per_label"]["AGENCY"]["strict"]["fn"] == 1


@pytest.mark.parametrize("bad", [{"label": "DATE", "start": "0", "end": 3}, {"start": 0, "end": 3}])
def test_evaluate_entities_reject_malformed(bad: dict) -> None:
    with pytest.raises(EvalError, match=r"\[V003\]"):
        score_entities([], [bad])


spans = st.lists(
    st.tuples(st.sampled_from(["AGENCY", "DATE"]), st.integers(0, 40), st.integers(1, 8)).map(
        lambda t: {"label": t[0], "start": t[1], "end": t[1] + t[2], "value": t[1] % 3}
    ),
    max_size=12,
)


@settings(max_examples=150, deadline=None)
@given(gold=spans, pred=spans)
def test_evaluate_entities_counts_consistent(gold: list, pred: list) -> None:
    s = score_entities(gold, pred)
    for kind in ("strict", "overlap"):
        assert s[kind]["tp"] + s[kind]["fn"] == len(gold)
        assert s[kind]["tp"] + s[kind]["fp"] == len(pred)
        assert 0.0 <= s[kind]["f1"] <= 1.0
    assert s["strict"]["tp"] <= s["overlap"]["tp"]
    same = score_entities(gold, gold)
    assert same["strict"]["f1"] == same["overlap"]["f1"] == same["value_accuracy"] == 1.0


# --- one record ----------------------------------------------------------------------------


def test_evaluate_record_perfect() -> None:
    gold = gold_record()
    s = score_record(gold, copy.deepcopy(gold))
    assert all(s["fields"].values()) and s["errors"] == []
    assert s["cells"]["total"] == s["cells"]["strict"] == s["cells"]["blank_eq_zero"] == 22 + 161 + 15
    assert s["findings"]["f1"] == 1.0 and s["entities"]["strict"]["f1"] == 1.0


@pytest.mark.parametrize(
    ("table", "key", "pred_value", "loose_ok", "strict_ok", "kind"),
    [
        ("requests", "new.commercial", 0, True, False, "cell.blank"),  # gold None, pred 0
        ("requests", "new.natural_person", None, True, False, "cell.blank"),  # gold 0, pred None
        ("requests", "new.total", 99, False, False, "cell"),
        ("active", "procurement.amount", 3.5000001, True, True, None),
        ("active", "procurement.amount", 35, False, False, "cell"),
        ("appeals", "review.total", "missing", False, False, "cell.missing"),
    ],
)
def test_evaluate_record_cells(
    table: str, key: str, pred_value: object, loose_ok: bool, strict_ok: bool, kind: str | None
) -> None:
    gold = gold_record()
    pred = copy.deepcopy(gold)
    if pred_value == "missing":
        del pred["tables"][table][key]
    else:
        pred["tables"][table][key] = pred_value
    c = score_record(gold, pred)["cells"]
    total = c["total"]
    assert c["blank_eq_zero"] == total - (not loose_ok)
    assert c["strict"] == total - (not strict_ok)
    assert c["per_table"][table]["strict"] == c["per_table"][table]["total"] - (not strict_ok)
    kinds = [e["kind"] for e in score_record(gold, pred)["errors"]]
    assert kinds == ([kind] if kind else [])


def test_evaluate_record_cells_from_cells_field() -> None:
    # A record from another engine may carry only `cells` (no `tables`).
    gold = gold_record()
    pred = copy.deepcopy(gold)
    tables = pred.pop("tables")
    pred["cells"] = {t: {k: {"value": v, "raw": str(v)} for k, v in kv.items()} for t, kv in tables.items()}
    pred["cells"]["requests"]["new.total"]["value"] = 7
    c = score_record(gold, pred)["cells"]
    assert c["strict"] == c["total"] - 1


@pytest.mark.parametrize(
    ("name", "pred_value", "ok"),
    [
        ("contact.phone", ["0999-7654321", "0999-1234567"], True),  # a set: order is free
        ("contact.phone", ["0999-1234567"], False),
        ("contact.email", None, True),  # empty list == absent list
        ("period", {"start": "2020-01-01", "end": "2020-12-30"}, False),
        ("year", 2021, False),
        ("published", "2021-01-18", False),
        ("agency", "青松县气象局", True),
    ],
)
def test_evaluate_record_fields(name: str, pred_value: object, ok: bool) -> None:
    gold = gold_record()
    pred = copy.deepcopy(gold)
    if name.startswith("contact."):
        pred["contact"][name.split(".")[1]] = pred_value
    else:
        pred[name] = pred_value
    s = score_record(gold, pred)
    assert s["fields"][name] is ok
    assert sum(not v for v in s["fields"].values()) == (not ok)


def test_evaluate_record_findings_multiset() -> None:
    gold = gold_record()  # table.blank, section.missing x2
    pred = copy.deepcopy(gold)
    pred["findings"] = [
        {"code": "section.missing", "detail": ""},
        {"code": "identity.appeals.total", "detail": ""},
    ]
    f = score_record(gold, pred)["findings"]
    assert (f["tp"], f["fp"], f["fn"]) == (1, 1, 2)
    assert f["per_code"]["section.missing"]["recall"] == 0.5
    assert f["per_code"]["identity.appeals.total"]["precision"] == 0.0


def test_evaluate_record_missing_prediction_all_wrong() -> None:
    gold = gold_record()
    s = score_record(gold, None)
    assert not any(s["fields"].values())  # even fields whose gold is None
    assert s["cells"]["blank_eq_zero"] == 0 and s["cells"]["strict"] == 0
    assert s["entities"]["strict"]["fn"] == len(gold["entities"]) and s["entities"]["strict"]["r"] == 0.0
    assert s["findings"]["fn"] == 3
    assert [e["kind"] for e in s["errors"]] == ["doc.missing"]


@pytest.mark.parametrize(
    ("a", "b", "equal"),
    [
        (1, 1.0, True),
        (0, None, False),
        (True, 1, False),
        ([1, 2], [1, 2.0000001], True),
        ("2020", 2020, False),
    ],
)
def test_evaluate_values_equal(a: object, b: object, equal: bool) -> None:
    assert values_equal(a, b) is equal


# --- folders -------------------------------------------------------------------------------


def write_gold(folder: Path, records: list[dict]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for r in records:
        name = Path(r["doc"]).stem + ".json"
        (folder / name).write_text(json.dumps(r, ensure_ascii=False), encoding="utf-8")


def write_jsonl(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


def test_evaluate_folder_micro_average(tmp_path: Path) -> None:
    g1, g2, g3 = (gold_record(f"90{i}_invented.txt") for i in range(3))
    g2["entities"] = g2["entities"][:2]
    write_gold(tmp_path / "gold", [g1, g2, g3])
    (tmp_path / "gold" / "901_invented.meta.json").write_text('{"seed": 1}', encoding="utf-8")
    p1 = copy.deepcopy(g1)
    p1["entities"][0]["end"] += 1  # one shifted entity
    p1["tables"]["requests"]["new.commercial"] = 0  # None vs 0
    p2 = copy.deepcopy(g2)
    p2["doc"] = "some/dir/901_invented.txt"  # matched by basename stem
    p2["tables"]["requests"]["new.total"] = 42  # one wrong cell
    stray = gold_record("999_no_gold.txt")
    rep = evaluate(tmp_path / "gold", write_jsonl(tmp_path / "pred.jsonl", [p1, p2, stray]))

    assert rep.docs["gold"] == 3 and rep.docs["predicted"] == 2
    assert rep.docs["missing"] == ["902_invented.txt"] and rep.docs["unmatched_predictions"] == 1
    n_cells = 22 + 161 + 15
    assert rep.metrics["cells"]["total"] == 3 * n_cells
    assert rep.metrics["cells"]["blank_eq_zero"] == pytest.approx((2 * n_cells - 1) / (3 * n_cells))
    assert rep.metrics["cells"]["strict"] == pytest.approx((2 * n_cells - 2) / (3 * n_cells))
    # entities: 5 + 2 + 5 gold; doc 1 has one shifted, doc 3 has no prediction
    assert (
        rep.metrics["entities"]["strict"]["tp"] == 4 + 2 and rep.metrics["entities"]["strict"]["fn"] == 1 + 5
    )
    assert rep.metrics["entities"]["overlap"]["tp"] == 5 + 2
    assert rep.metrics["fields"]["per_field"]["agency"]["accuracy"] == pytest.approx(2 / 3)
    assert rep.metrics["findings"]["tp"] == 6 and rep.metrics["findings"]["fn"] == 3
    kinds = sorted(e["kind"] for e in rep.errors)
    assert kinds == ["cell", "cell.blank", "doc.missing", "entity.boundary"]
    text = rep.to_text()
    assert "902_invented.txt" in text and "requests.new.total" in text
    data = json.loads(json.dumps(rep.to_json(), ensure_ascii=False))
    assert data["docs"]["gold"] == 3 and data["metrics"]["cells"]["strict"] == rep.metrics["cells"]["strict"]
    assert len(data["errors"]) == 4 and data["per_doc"][2]["predicted"] is False


def test_evaluate_folder_engine_filter_and_duplicates(tmp_path: Path) -> None:
    g = gold_record()
    write_gold(tmp_path / "gold", [g])
    good = dict(copy.deepcopy(g), engine="model")
    bad = dict(copy.deepcopy(g), engine="rules", agency="别的机关")
    pred = write_jsonl(tmp_path / "pred.jsonl", [good, bad])
    assert (
        evaluate(tmp_path / "gold", pred).metrics["fields"]["per_field"]["agency"]["accuracy"] == 0.0
    )  # last wins
    assert evaluate(tmp_path / "gold", pred).docs["duplicate_predictions"] == 1
    assert evaluate(tmp_path / "gold", pred, engine="model").metrics["fields"]["accuracy"] == 1.0


@pytest.mark.parametrize(
    ("content", "code"), [("{not json\n", "V002"), ('{"agency": "x"}\n', "V005"), ("[1, 2]\n", "V005")]
)
def test_evaluate_folder_bad_prediction_file(tmp_path: Path, content: str, code: str) -> None:
    write_gold(tmp_path / "gold", [gold_record()])
    (tmp_path / "pred.jsonl").write_text(content, encoding="utf-8")
    with pytest.raises(EvalError, match=rf"\[{code}\]"):
        evaluate(tmp_path / "gold", tmp_path / "pred.jsonl")


def test_evaluate_folder_missing_inputs(tmp_path: Path) -> None:
    with pytest.raises(EvalError, match=r"\[V001\]"):
        evaluate(tmp_path / "nope", tmp_path / "pred.jsonl")
    (tmp_path / "gold").mkdir()
    with pytest.raises(EvalError, match=r"\[V004\]"):
        evaluate(tmp_path / "gold", tmp_path / "pred.jsonl")


@pytest.mark.skipif(not SHARED_GOLD.is_dir(), reason="../shared/gold not found beside the repository")
def test_evaluate_shared_gold_against_itself(tmp_path: Path) -> None:
    records = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(SHARED_GOLD.glob("*.json"))]
    assert records, "shared gold folder holds no records"
    rep = evaluate(SHARED_GOLD, write_jsonl(tmp_path / "self.jsonl", records))
    assert rep.docs["gold"] == len(records) and rep.docs["missing"] == []
    assert rep.metrics["fields"]["accuracy"] == 1.0
    assert (
        rep.metrics["cells"]["blank_eq_zero"] == rep.metrics["cells"]["strict"] == 1.0
        and rep.metrics["cells"]["total"] > 0
    )
    for kind in ("strict", "overlap"):
        assert rep.metrics["entities"][kind]["f1"] == 1.0
        assert all(m[kind]["f1"] == 1.0 for m in rep.metrics["entities"]["per_label"].values())
    assert rep.metrics["entities"]["value_accuracy"] == 1.0
    assert rep.metrics["findings"]["precision"] == rep.metrics["findings"]["recall"] == 1.0
    assert rep.errors == []
    # and perturbing one cell of one report costs exactly that cell
    records[0]["tables"]["requests"]["new.total"] = -1
    worse = evaluate(SHARED_GOLD, write_jsonl(tmp_path / "worse.jsonl", records))
    assert worse.metrics["cells"]["strict"] == pytest.approx(1 - 1 / rep.metrics["cells"]["total"])
    assert [e["key"] for e in worse.errors] == ["requests.new.total"]
