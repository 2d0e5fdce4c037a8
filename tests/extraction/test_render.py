"""Tests for extraction.render: a hand-built record with a broken identity, rendered as HTML and text."""

from __future__ import annotations

import copy
import re
from html import escape, unescape

import pytest

from extraction.render import BLANK_MARK, fmt_value, render_html, render_terminal, table_counts
from extraction.schema import APPLICANT_COLS, TABLES, cell_keys

TEXT = (
    "青松县气象局<2021>年政府信息公开工作年度报告\n"
    "2021年，本局共收到申请12件，办结11件，采购金额3.5万元。\n"
    "网站 http://qx.qingsong.example.cn/ 可下载。"
)


def span(sub: str, label: str, value: object = None, nth: int = 0) -> dict:
    start = -1
    for _ in range(nth + 1):
        start = TEXT.index(sub, start + 1)
    return {
        "label": label,
        "start": start,
        "end": start + len(sub),
        "text": sub,
        "value": value,
        "score": 1.0,
    }


def broken_record(version: str = "2021") -> dict:
    """An invented record: requests.new.total != the sum of its applicant columns."""
    tables = {t: {k: (i * 7) % 5 for i, k in enumerate(cell_keys(t, version))} for t in TABLES}
    req = tables["requests"]
    for c in APPLICANT_COLS:
        req[f"new.{c}"] = 0
    req["new.natural_person"] = 9
    req["new.commercial"] = 3
    req["new.research"] = None  # blank
    req["new.total"] = 13  # 9 + 3 != 13: the broken identity
    tables["active"]["fees.amount"] = 3.5
    cells = {
        t: {
            k: {
                "value": v,
                "raw": "" if v is None else str(v),
                "start": None,
                "end": None,
                "score": 1.0,
                "source": "rules",
            }
            for k, v in kv.items()
        }
        for t, kv in tables.items()
    }
    cells["requests"]["carried_over.total"]["note"] = "repaired: O->0"
    row_cells = [f"requests.new.{c}" for c in (*APPLICANT_COLS, "total")]
    return {
        "source": "invented/900.txt",
        "doc": "900.txt",
        "agency": "青松县气象局",
        "year": 2021,
        "format_version": version,
        "period": {"start": "2021-01-01", "end": "2021-12-31"},
        "published": None,
        "contact": {
            "department": None,
            "address": None,
            "postcode": None,
            "phone": [],
            "email": [],
            "website": ["http://qx.qingsong.example.cn/"],
        },
        "tables": tables,
        "cells": cells,
        "entities": [
            span("青松县气象局", "AGENCY"),
            span("2021", "DATE", "2021", nth=1),
            span("12件", "COUNT", {"number": 12, "unit": "件", "approx": False}),
            span("11件", "COUNT", {"number": 11, "unit": "件", "approx": False}),
            span("3.5万元", "AMOUNT", {"yuan": 35000.0}),
            span("<2021>年", "DATE", "2021"),
        ],
        "findings": [
            {
                "code": "identity.requests.row_total",
                "detail": "new: 9 + 3 = 12 != total 13",
                "cells": row_cells,
                "spans": [],
            },
            {
                "code": "table.blank",
                "detail": "requests has blank cells",
                "cells": ["requests.new.research"],
                "spans": [],
            },
            {"code": "section.missing", "detail": "六 absent", "cells": [], "spans": [[0, 6]]},
        ],
        "sections": [{"number": 1, "heading": "一、总体情况", "start": 0, "end": 10, "title_ok": True}],
        "confidence": 0.75,
        "warnings": [],
        "engine": "rules",
        "model_version": None,
        "rules_version": "rules.v1",
    }


@pytest.fixture(scope="module")
def page() -> str:
    return render_html(broken_record(), TEXT)


def td(page: str, name: str) -> tuple[str, str, str]:
    """(class, title, content) of the cell `name` in the page."""
    m = re.search(rf'<td class="([^"]*)" data-cell="{re.escape(name)}" title="([^"]*)">([^<]*)</td>', page)
    assert m, f"cell {name} not rendered"
    return m.group(1), unescape(m.group(2)), unescape(m.group(3))


def test_render_html_entities_highlighted(page: str) -> None:
    record = broken_record()
    for e in record["entities"]:
        assert TEXT[e["start"] : e["end"]] == e["text"]
        pattern = (
            rf'<mark class="entity"[^>]*>\s*{re.escape(escape(e["text"]))}\s*<span[^>]*>{e["label"]}</span>'
        )
        assert re.search(pattern, page), f"entity {e['text']!r} not highlighted"
    # the raw "<2021>" of the text never reaches the page unescaped
    assert "<2021>" not in page


@pytest.mark.parametrize("table", TABLES)
def test_render_html_every_cell_value(page: str, table: str) -> None:
    for key, value in broken_record()["tables"][table].items():
        cls, _, shown = td(page, f"{table}.{key}")
        if value is None:
            assert shown == BLANK_MARK and "blank" in cls.split()
        else:
            assert shown == fmt_value(value) and "blank" not in cls.split()


def test_render_html_blank_distinct_from_zero(page: str) -> None:
    blank = td(page, "requests.new.research")
    zero = td(page, "requests.new.social_org")
    assert blank[2] != zero[2] and zero[2] == "0"
    assert "blank" in blank[0].split() and "blank" not in zero[0].split()


def test_render_html_failing_cells_marked(page: str) -> None:
    record = broken_record()
    failing = set(record["findings"][0]["cells"])
    for t in TABLES:
        for key in record["tables"][t]:
            cls, title, _ = td(page, f"{t}.{key}")
            assert ("fail" in cls.split()) == (f"{t}.{key}" in failing), key
            if f"{t}.{key}" in failing:
                assert "new: 9 + 3 = 12 != total 13" in title
    # a non-identity finding is flagged, not failed
    cls, title, _ = td(page, "requests.new.research")
    assert "flag" in cls.split() and "table.blank" in title


def test_render_html_note_marked(page: str) -> None:
    cls, title, _ = td(page, "requests.carried_over.total")
    assert "noted" in cls.split() and "repaired: O->0" in title
    assert "noted" not in td(page, "requests.carried_over.natural_person")[0].split()


def test_render_html_self_contained(page: str) -> None:
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    assert not re.search(r"""(?:src|href)\s*=""", page, re.I)
    assert not re.search(r"<(?:script|link|img|iframe)\b", page, re.I)
    assert "url(" not in page and "@import" not in page
    # the website is shown, as text only
    assert "http://qx.qingsong.example.cn/" in page


def test_render_html_header_and_findings(page: str) -> None:
    for needle in (
        "青松县气象局",
        "2021-01-01",
        "0.75",
        "identity.requests.row_total",
        "section.missing",
        "“青松县气象局”",
    ):
        assert needle in page


@pytest.mark.parametrize(
    ("bad", "warning"),
    [
        ({"label": "COUNT", "start": 0, "end": 3, "text": "错的字"}, "entity text differs"),
        ({"label": "DATE", "start": 2, "end": 8, "text": TEXT[2:8]}, "overlapping entity"),
        ({"label": "DATE", "start": 5, "end": 10_000, "text": "x"}, "entity outside the text"),
    ],
)
def test_render_html_bad_entities_reported(bad: dict, warning: str) -> None:
    record = broken_record()
    record["entities"].append(bad)
    html = render_html(record, TEXT)
    assert warning in html
    assert html.count('<mark class="entity"') == len(broken_record()["entities"])


def test_render_html_legacy_and_unknown_cells() -> None:
    record = broken_record()
    legacy = dict(record, format_version="legacy", tables={}, cells={}, findings=[])
    assert "No table (format version legacy)" in render_html(legacy, TEXT)
    unknown = dict(copy.deepcopy(record), format_version="unknown")
    html = render_html(unknown, TEXT)
    assert "cells listed by key" in html and td(html, "requests.new.total")[2] == "13"


def test_render_html_missing_cell_shown() -> None:
    record = broken_record()
    del record["tables"]["appeals"]["review.total"]
    del record["cells"]["appeals"]["review.total"]
    cls, title, shown = td(render_html(record, TEXT), "appeals.review.total")
    assert "missing" in cls.split() and shown == "?" and "not in the record" in title


@pytest.mark.parametrize("version", ["2019", "2021"])
def test_render_terminal_counts(version: str) -> None:
    record = broken_record(version)
    counts = table_counts(record)
    n_req = len(cell_keys("requests", version))
    assert counts["requests"] == {"cells": n_req, "filled": n_req - 1, "blank": 1, "missing": 0, "failing": 7}
    assert counts["appeals"]["failing"] == 0 and counts["active"]["cells"] == len(
        cell_keys("active", version)
    )
    text = render_terminal(record)
    assert re.search(rf"^requests\s+{n_req}\s+{n_req - 1}\s+1\s+0\s+7$", text, re.M)
    for needle in (
        "青松县气象局",
        "identity.requests.row_total",
        "table.blank",
        "AMOUNT 1",
        "COUNT 2",
        "DATE 2",
    ):
        assert needle in text


def test_render_terminal_minimal_record() -> None:
    text = render_terminal({"doc": "x.txt", "format_version": "legacy"})
    assert "x.txt" in text and "findings 0" in text
    assert re.search(r"^active\s+0\s+0\s+0\s+0\s+0$", text, re.M)
