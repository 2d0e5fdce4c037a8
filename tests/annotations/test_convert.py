"""Records <-> Label Studio results: round trips, offsets, and the errors that name the task."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annotations import label_config as lc
from annotations.convert import (
    ConvertError,
    annotation_to_gold,
    record_to_prediction,
    shows_value,
    task_data,
    task_key,
)
from extraction.schema import LABELS, all_cell_keys

ROOT = Path(__file__).resolve().parents[2]
KEYS_2021 = all_cell_keys("2021")
FILLER = st.text(alphabet="年月日局政府公开信息的了。，、\n\tabc 𠀀𪚥", min_size=1, max_size=6)


@st.composite
def records(draw: Any) -> tuple[dict[str, Any], str]:
    """A record with entities and cells at known offsets in a generated text (astral characters included)."""
    parts: list[str] = []
    entities, cells = [], {"active": {}, "requests": {}, "appeals": {}}
    keys = iter(draw(st.lists(st.sampled_from(KEYS_2021), unique=True, max_size=8)))
    for _ in range(draw(st.integers(1, 12))):
        pos = sum(map(len, parts))
        kind = draw(st.sampled_from(["filler", "entity", "cell"]))
        if kind == "entity":
            span = draw(st.text(alphabet="南浔区水利局2021年件条万元𠀀", min_size=1, max_size=8))
            entities.append(
                {"label": draw(st.sampled_from(LABELS)), "start": pos, "end": pos + len(span), "text": span}
            )
            parts.append(span)
        elif kind == "cell" and (key := next(keys, None)) is not None:
            value = draw(st.integers(0, 99999))
            table, _, rest = key.partition(".")
            cells[table][rest] = {"value": value, "start": pos, "end": pos + len(str(value)), "score": 0.9}
            parts.append(str(value))
        parts.append(draw(FILLER))  # keeps spans apart
    text = "".join(parts)
    record = {
        "doc": "gen.txt",
        "source": "gen.txt",
        "agency": "南浔区水利局",
        "year": 2021,
        "format_version": "2021",
        "period": {"start": "2021-01-01", "end": "2021-12-31"},
        "published": None,
        "contact": {
            "department": None,
            "address": "某路1号",
            "postcode": None,
            "phone": ["0572-1", "0572-2"],
        },
        "cells": cells,
        "entities": entities,
        "findings": [{"code": "table.blank", "detail": "x"}],
        "confidence": 0.5,
        "rules_version": "rules.v1",
    }
    return record, text


def _task(record: dict[str, Any], text: str, task_id: int = 7) -> dict[str, Any]:
    return {"id": task_id, "data": task_data(record, text)}


@settings(max_examples=60, deadline=None)
@given(records())
def test_convert_prediction_round_trips_to_gold(pair: tuple[dict[str, Any], str]) -> None:
    record, text = pair
    pred = record_to_prediction(record, text)
    gold, meta = annotation_to_gold(_task(record, text), pred["result"])
    want = [(e["label"], e["start"], e["end"], e["text"]) for e in record["entities"]]  # in text order
    assert [(e["label"], e["start"], e["end"], e["text"]) for e in gold["entities"]] == want
    for table, cells in record["cells"].items():
        for key, cell in cells.items():
            assert gold["tables"][table][key] == cell["value"]
            assert meta["cells"][f"{table}.{key}"] == [cell["start"], cell["end"]]
    filled = sum(v is not None for t in gold["tables"].values() for v in t.values())
    assert filled == sum(len(c) for c in record["cells"].values())
    assert set(gold["tables"]["requests"]) == {
        k.split(".", 1)[1] for k in KEYS_2021 if k.startswith("requests.")
    }
    assert meta["damaged"] == []
    assert (gold["agency"], gold["year"], gold["format_version"]) == ("南浔区水利局", 2021, "2021")
    assert gold["period"] == record["period"] and gold["published"] is None
    assert gold["contact"]["phone"] == ["0572-1", "0572-2"] and gold["contact"]["address"] == "某路1号"
    assert gold["contact"]["email"] == [] and gold["contact"]["department"] is None
    assert [f["code"] for f in gold["findings"]] == ["table.blank"]


def test_convert_prediction_carries_versions_and_scores() -> None:
    record = json.loads(_example_record())
    text = _example_text(record)
    pred = record_to_prediction({**record, "confidence": 0.37, "model_version": "ner-x+table-y"}, text)
    assert pred["score"] == 0.37 and pred["model_version"] == "ner-x+table-y"
    assert record_to_prediction(record, text)["model_version"] == record["rules_version"]
    spans = [r for r in pred["result"] if r["type"] == "labels"]
    assert spans and all(isinstance(r["score"], float) for r in spans)
    for r in spans:
        assert text[r["value"]["start"] : r["value"]["end"]] == r["value"]["text"]
    assert all(re.fullmatch(r"[A-Za-z0-9_-]+", r["id"]) for r in pred["result"])  # CSS-safe region ids
    controls = {r["from_name"] for r in pred["result"]}
    assert {lc.ENT, lc.CELL, lc.CELL_KEY, lc.CELL_VALUE, lc.FORMAT_VERSION, lc.YEAR, "agency"} <= controls


def _example_record() -> str:
    from extraction.pipeline import extract_path

    return json.dumps(
        extract_path(ROOT / "examples" / "yufeng_health_2022.html").to_json(), ensure_ascii=False
    )


def _example_text(record: dict[str, Any]) -> str:
    from extraction.io import read_document

    return read_document(record["source"]).text


def test_convert_prediction_refuses_offsets_that_miss_the_text() -> None:
    record = {
        "doc": "a.txt",
        "entities": [{"label": "AGENCY", "start": 0, "end": 3, "text": "水利局"}],
        "cells": {},
    }
    with pytest.raises(ConvertError, match=r"\[R201\] a.txt: entity 0"):
        record_to_prediction(record, "卫健委的报告")


def test_convert_task_key_is_stable_and_text_sensitive() -> None:
    assert task_key("a.txt", "x") == task_key("a.txt", "x")
    assert task_key("a.txt", "x") != task_key("a.txt", "y") != task_key("b.txt", "y")


def _span(rid: str, control: str, start: int, end: int, text: str, label: str) -> dict[str, Any]:
    return {"id": rid, "from_name": control, "to_name": "text", "type": "labels",
            "value": {"start": start, "end": end, "text": text, "labels": [label]}}  # fmt: skip


def _key(rid: str, key: str) -> dict[str, Any]:
    return {"id": rid, "from_name": lc.CELL_KEY, "type": "choices", "value": {"choices": [key]}}


def _value(rid: str, number: float) -> dict[str, Any]:
    return {"id": rid, "from_name": lc.CELL_VALUE, "type": "number", "value": {"number": number}}


VERSION = {"id": "v", "from_name": lc.FORMAT_VERSION, "type": "choices", "value": {"choices": ["2021"]}}
TASK = {"id": 42, "data": {"text": "收到申请1O3件，南浔区水利局。", "doc": "r.txt"}}


@pytest.mark.parametrize(
    ("result", "code"),
    [
        ([_span("a", lc.ENT, 0, 2, "收申", "COUNT")], "R203"),  # the region's text is not the text there
        ([_span("a", lc.ENT, 0, 99, "x", "COUNT")], "R202"),
        ([_span("a", lc.ENT, 0, 2, "收到", "PERSON")], "R205"),
        ([VERSION, _span("c", lc.CELL, 4, 7, "1O3", "CELL")], "R206"),  # no key
        (
            [VERSION, _span("c", lc.CELL, 7, 8, "件", "CELL"), _key("c", "requests.new.total")],
            "R207",
        ),  # no value
        (
            [
                VERSION,
                _span("c", lc.CELL, 4, 5, "1", "CELL"),
                _key("c", "requests.new.total"),
                _span("d", lc.CELL, 6, 7, "3", "CELL"),
                _key("d", "requests.new.total"),
            ],
            "R208",
        ),  # fmt: skip
        ([_span("c", lc.CELL, 6, 7, "3", "CELL"), _key("c", "requests.new.total")], "R209"),  # no version
        (
            [VERSION, _span("c", lc.CELL, 6, 7, "3", "CELL"), _key("c", "active.regulations.made")],
            "R210",
        ),  # a 2019-only key
        (
            [
                _span("a", lc.ENT, 9, 15, "南浔区水利局", "AGENCY"),
                _span("b", lc.ENT, 12, 15, "水利局", "AGENCY"),
            ],
            "R211",
        ),
    ],
)
def test_convert_bad_annotations_name_the_task(result: list[dict[str, Any]], code: str) -> None:
    with pytest.raises(ConvertError, match=rf"\[{code}\] task 42 \(r.txt\)"):
        annotation_to_gold(TASK, result)


def test_convert_damaged_cell_keeps_the_corrected_value() -> None:
    result = [
        VERSION,
        _span("c", lc.CELL, 4, 7, "1O3", "CELL"),
        _key("c", "requests.new.total"),
        _value("c", 103),
    ]
    gold, meta = annotation_to_gold(TASK, result)
    assert gold["tables"]["requests"]["new.total"] == 103
    assert meta["cells"] == {"requests.new.total": [4, 7]} and meta["damaged"] == ["requests.new.total"]


def test_convert_value_defaults_to_the_number_in_the_span() -> None:
    result = [VERSION, _span("c", lc.CELL, 6, 7, "3", "CELL"), _key("c", "requests.new.total")]
    gold, meta = annotation_to_gold(TASK, result)
    assert gold["tables"]["requests"]["new.total"] == 3 and meta["damaged"] == []


def test_convert_browser_offsets_after_astral_characters() -> None:
    text = "𠀀𠀀南浔区水利局"
    task = {"id": 1, "data": {"text": text, "doc": "u.txt"}}
    # UTF-16 offsets: each astral character counts twice
    gold, _ = annotation_to_gold(task, [_span("a", lc.ENT, 4, 10, "南浔区水利局", "AGENCY")])
    assert [(e["start"], e["end"]) for e in gold["entities"]] == [(2, 8)]


def test_convert_entity_values_use_the_shared_normalizers() -> None:
    text = "共收到申请1300余件，金额348.47万元，2021年1月1日。"
    task = {"id": 1, "data": {"text": text, "doc": "v.txt"}}
    result = [
        _span("a", lc.ENT, 5, 11, "1300余件", "COUNT"),
        _span("b", lc.ENT, 14, 22, "348.47万元", "AMOUNT"),
        _span("c", lc.ENT, 23, 32, "2021年1月1日", "DATE"),
    ]
    gold, _ = annotation_to_gold(task, result)
    values = [e["value"] for e in gold["entities"]]
    assert values == [{"number": 1300, "unit": "件", "approx": True}, {"yuan": 3484700.0}, "2021-01-01"]


@pytest.mark.parametrize(
    ("span", "value", "amount", "shown"),
    [("103", 103, False, True), ("1O3", 103, False, False), ("减 17", -17, False, True), ("１２", 12, False, True),
     ("3,227.23", 3227.23, True, True), ("32272300", 3227.23, True, True), ("5万", 50000, False, True)],
)  # fmt: skip
def test_convert_shows_value(span: str, value: float, amount: bool, shown: bool) -> None:
    assert shows_value(span, value, amount) is shown


def test_convert_gold_is_labelled_by_the_dataset_code() -> None:
    from training.align import label_record

    result = [
        VERSION,
        _span("c", lc.CELL, 4, 7, "1O3", "CELL"),
        _key("c", "requests.new.total"),
        _value("c", 103),
        _span("a", lc.ENT, 9, 15, "南浔区水利局", "AGENCY"),
    ]
    gold, meta = annotation_to_gold(TASK, result)
    labels = label_record(TASK["data"]["text"], gold, meta)
    assert labels.cell_tags[4:7] == ["B-requests.new.total", "I-requests.new.total", "I-requests.new.total"]
    assert labels.ner_tags[9] == "B-AGENCY" and labels.damaged == ["requests.new.total"]
    assert labels.alignment.unaligned == {}
