"""extraction.merge: the hybrid engine's merge policies, on cells and entities built here.

Tables come from `tests.rerender.random_tables` (consistent with every template identity), laid
out as figures at invented offsets; damage is a doubled digit in one figure.
"""

from __future__ import annotations

import random
from dataclasses import replace

import pytest

from extraction.audit import identity_findings
from extraction.merge import POLICIES, get_policy, merge_cells_v2, merge_entities_v2, repair_cells
from extraction.schema import TABLES, Cell, Entity, Record, cell_keys
from tests.rerender import random_tables

VERSION = "2021"


def cells_of(tables: dict, source: str = "rules", score: float = 1.0) -> dict[str, dict[str, Cell]]:
    """Cells for each value, figures written as they read, at invented consecutive offsets."""
    out, pos = {}, 0
    for t in TABLES:
        out[t] = {}
        for k in cell_keys(t, VERSION):
            v = tables.get(t, {}).get(k)
            raw = "" if v is None else str(v)
            out[t][k] = Cell(
                t, k, v, raw, pos if raw else None, pos + len(raw) if raw else None, score, source
            )
            pos += len(raw) + 1
    return out


def failures(cells: dict[str, dict[str, Cell]]) -> int:
    rec = Record(source="", doc="", format_version=VERSION)
    rec.cells = cells
    return len(identity_findings(rec, VERSION))


def doubled(cells: dict[str, dict[str, Cell]], table: str, key: str) -> dict[str, dict[str, Cell]]:
    """The cells with `table.key`'s figure read with its last digit doubled (7 -> 77)."""
    c = cells[table][key]
    raw = c.raw + c.raw[-1]
    out = {t: dict(v) for t, v in cells.items()}
    out[table][key] = Cell(table, key, int(raw), raw, c.start, c.end, c.score, c.source)
    return out


def damageable(tables: dict) -> list[str]:
    """Requests cells with a figure, in the row and column identities (not the totals)."""
    return [
        k
        for k, v in tables["requests"].items()
        if v and not k.endswith(".total") and not k.startswith(("results_total", "carried_forward"))
    ]


@pytest.mark.parametrize("seed", range(6))
def test_merge_repair_cells_restores_a_doubled_digit_the_identities_determine(seed: int) -> None:
    rng = random.Random(seed)
    tables = random_tables(rng, VERSION, blanks=False)
    clean = cells_of(tables)
    assert failures(clean) == 0
    key = rng.choice(damageable(tables))
    damaged = doubled(clean, "requests", key)
    assert failures(damaged) > 0
    fixed = repair_cells(damaged, VERSION)
    cell = fixed["requests"][key]
    assert cell.value == tables["requests"][key]
    assert "repaired" in (cell.note or "") and cell.score < 1.0
    assert failures(fixed) == 0
    # every other cell untouched
    assert all(fixed[t][k] == clean[t][k] for t in TABLES for k in clean[t] if (t, k) != ("requests", key))


def test_merge_repair_cells_leaves_an_undetermined_failure_alone() -> None:
    # appeals has one identity per row: a doubled summand or a total that lost a digit read the same
    cells = cells_of({"appeals": {"review.upheld": 2, "review.corrected": 1, "review.total": 3}})
    damaged = doubled(cells, "appeals", "review.upheld")  # 22 + 1 != 3: 22->2 or 3->23 both fit
    assert repair_cells(damaged, VERSION) == damaged


def test_merge_cells_v2_a_model_table_with_fewer_figures_never_replaces_the_rules() -> None:
    rng = random.Random(3)
    tables = random_tables(rng, VERSION, blanks=False)
    rules = doubled(cells_of(tables), "appeals", "review.upheld")  # a failure no repair resolves
    sparse = {t: {k: Cell(t, k, None, source="model") for k in cs} for t, cs in rules.items()}
    merged = merge_cells_v2(rules, sparse, VERSION)
    assert merged["appeals"] == rules["appeals"]  # the blank table satisfies every sum, but misses figures


def test_merge_cells_v2_takes_the_model_figure_that_resolves_a_failure() -> None:
    rng = random.Random(4)
    tables = random_tables(rng, VERSION, blanks=False)
    truth = cells_of(tables, source="model", score=0.9)
    rules = {t: dict(v) for t, v in cells_of(tables).items()}
    key = "review.upheld"
    c = rules["appeals"][key]
    rules["appeals"][key] = Cell("appeals", key, None, source="rules")  # the rules missed the figure
    if not tables["appeals"][key]:
        pytest.skip("the drawn cell is 0: no failure to resolve")
    merged = merge_cells_v2(rules, truth, VERSION)
    got = merged["appeals"][key]
    assert (got.value, got.start, got.source) == (c.value, c.start, "model")
    assert failures(merged) == 0


def test_merge_cells_v2_agreement_is_marked_and_ties_keep_the_rules() -> None:
    tables = random_tables(random.Random(5), VERSION, blanks=True)
    rules, model = cells_of(tables), cells_of(tables, source="model", score=0.7)
    merged = merge_cells_v2(rules, model, VERSION)
    filled = [c for t in TABLES for c in merged[t].values() if c.value is not None]
    assert filled and all(c.source == "rules+model" and c.score == 1.0 for c in filled)


def entity(
    label: str, start: int, end: int, score: float, value: object = 1, text: str | None = None
) -> Entity:
    return Entity(label, start, end, text or "x" * (end - start), value, score, "model")


def test_merge_entities_v2_model_only_spans_need_confidence_and_well_formedness() -> None:
    rules = [replace(entity("DATE", 0, 5, 1.0, "2020"), source="rules")]
    model = [
        entity("DATE", 0, 5, 0.7, "2020"),  # agrees with the rules
        entity("COUNT", 10, 13, 0.95, {"number": 18}),  # the rules missed it: kept
        entity("COUNT", 20, 23, 0.6, {"number": 3}),  # unsure: dropped
        entity("DATE", 30, 35, 0.99, None),  # a date without a value: dropped
        entity("AGENCY", 40, 46, 0.9, None, "绿水市审计局"),  # a body's name: kept
        entity("AGENCY", 50, 51, 0.99, None, "固"),  # no organ word: dropped
        entity("AGENCY", 60, 62, 0.99, None, "市局"),  # a generic noun (conventions): dropped
        entity("AGENCY", 70, 77, 0.99, None, "公 安 機 關"),  # generic, spaced and traditional: dropped
        entity("AGENCY", 78, 82, 0.99, None, "各派出所"),  # 各: every one of them, no name: dropped
        entity("AGENCY", 80, 83, 0.99, None, "市政府"),  # short: left to the rules
    ]
    merged = merge_entities_v2(rules, model)
    assert [(e.label, e.start, e.source) for e in merged] == [
        ("DATE", 0, "rules+model"),
        ("COUNT", 10, "model"),
        ("AGENCY", 40, "model"),
    ]


def test_merge_entities_v2_a_wider_model_span_never_replaces_the_rules_span() -> None:
    rules = [replace(entity("AGENCY", 2, 6, 1.0, None, "市公安局"), source="rules")]
    model = [entity("AGENCY", 1, 6, 0.99, None, "挥市公安局")]
    assert merge_entities_v2(rules, model) == rules


def test_merge_policies_are_registered_by_name() -> None:
    assert {"hybrid.v1", "hybrid.v2"} <= set(POLICIES)
    assert get_policy("hybrid.v2").cells is merge_cells_v2
    with pytest.raises(KeyError, match="G002"):
        get_policy("hybrid.v0")


def test_merge_cells_v2_returns_the_cells_as_written_and_the_policy_repairs_after() -> None:
    rng = random.Random(2)
    tables = random_tables(rng, VERSION, blanks=False)
    key = rng.choice(damageable(tables))
    rules = doubled(cells_of(tables), "requests", key)
    policy = get_policy("hybrid.v2")
    merged = policy.cells(rules, cells_of(tables, source="model", score=0.9), VERSION)
    assert merged["requests"][key].value == rules["requests"][key].value  # as written: the audit sees it
    assert policy.repair(merged, VERSION)["requests"][key].value == tables["requests"][key]


def test_merge_cells_v3_keeps_an_inconsistent_report_as_written_when_the_model_moved_figures() -> None:
    from models.cells import BY_IDENTITY

    tables = random_tables(random.Random(6), VERSION, blanks=False)
    rules = cells_of(tables)
    # the report itself breaks an identity (a publisher's error): appeals review total off by 5
    c = rules["appeals"]["review.total"]
    rules["appeals"]["review.total"] = replace(c, value=c.value + 5, raw=str(c.value + 5))
    model = cells_of(tables, source="model", score=0.6)
    moved = {k: replace(v, note=BY_IDENTITY) for k, v in model["appeals"].items()}
    model["appeals"] = {**moved, "review.total": replace(c, source="model", note=BY_IDENTITY)}
    v2 = get_policy("hybrid.v2").cells(rules, model, VERSION)
    v3 = get_policy("hybrid.v3").cells(rules, model, VERSION)
    assert v2["appeals"]["review.total"].value == c.value  # v2 took the model's identity-driven reading
    assert v3["appeals"]["review.total"].value == c.value + 5  # v3 keeps what the report says
    assert failures(v3) == 1


def test_merge_default_policy_is_v3() -> None:
    from extraction.merge import DEFAULT_POLICY

    assert DEFAULT_POLICY == "hybrid.v3"
