"""Merge policies: how the hybrid engine combines rule and model outputs, per field.

A policy is a named, versioned pair of functions (entities, cells), registered in `POLICIES`,
like spaCy's `prioritize_new_ents_filter`: a change in behaviour gets a new name (`hybrid.v2`),
the old one is never edited in place. Every merged entity and cell keeps `source` provenance:
"rules", "model" or "rules+model" (both agreed).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from extraction.schema import TABLES, Cell, Entity, Record

CellTables = dict[str, dict[str, Cell]]


@dataclass(frozen=True)
class MergePolicy:
    name: str
    entities: Callable[[list[Entity], list[Entity]], list[Entity]]
    cells: Callable[[CellTables, CellTables, str], CellTables]


POLICIES: dict[str, MergePolicy] = {}


def register(policy: MergePolicy) -> MergePolicy:
    """Add a policy to the registry (names are unique)."""
    if policy.name in POLICIES:
        raise ValueError(f"[G001] merge policy already registered: {policy.name!r}")
    POLICIES[policy.name] = policy
    return policy


def get_policy(name: str) -> MergePolicy:
    if name not in POLICIES:
        raise KeyError(f"[G002] unknown merge policy {name!r}; known: {sorted(POLICIES)}")
    return POLICIES[name]


# --- entities --------------------------------------------------------------------------------

# A model-only span is kept when the model is at least this sure of it.
MODEL_ONLY_MIN_SCORE = 0.6
# The model's span replaces an overlapping rules span only when it is this sure and contains it
# (the model extends a span the rules cut short, e.g. a place name missing from the gazetteer).
MODEL_OVERRIDE_MIN_SCORE = 0.9


def _overlaps(a: Entity, b: Entity) -> bool:
    return a.start < b.end and b.start < a.end


def merge_entities_v1(rules: list[Entity], model: list[Entity]) -> list[Entity]:
    """Rules are precise on what they know; the model adds what they miss.

    - same label and span: one entity, source "rules+model", the higher score;
    - overlapping, different: the rules span, unless the model span contains it with the same
      label and score >= MODEL_OVERRIDE_MIN_SCORE;
    - only the model: kept when score >= MODEL_ONLY_MIN_SCORE; only the rules: kept.
    """
    out: list[Entity] = []
    used_model: set[int] = set()
    for r in rules:
        hits = [(i, m) for i, m in enumerate(model) if _overlaps(r, m)]
        same = [(i, m) for i, m in hits if m.label == r.label and m.start == r.start and m.end == r.end]
        if same:
            i, m = same[0]
            used_model.add(i)
            out.append(replace(r, score=max(r.score, m.score), source="rules+model"))
            continue
        wider = [
            (i, m)
            for i, m in hits
            if m.label == r.label
            and m.start <= r.start
            and m.end >= r.end
            and m.score >= MODEL_OVERRIDE_MIN_SCORE
        ]
        if wider:
            i, m = wider[0]
            used_model.add(i)
            out.append(m)
            continue
        used_model.update(i for i, _ in hits)
        out.append(r)
    for i, m in enumerate(model):
        if i in used_model or m.score < MODEL_ONLY_MIN_SCORE:
            continue
        if any(_overlaps(m, e) for e in out):
            continue
        out.append(m)
    out.sort(key=lambda e: (e.start, e.end))
    return out


# --- cells -----------------------------------------------------------------------------------


def _identity_failures(cells: CellTables, version: str) -> int:
    from extraction.audit import identity_findings

    rec = Record(source="", doc="", format_version=version)
    rec.cells = {t: cells.get(t, {}) for t in TABLES}
    return len(identity_findings(rec, version))


def _mean_score(table: dict[str, Cell]) -> float:
    return sum(c.score for c in table.values()) / len(table) if table else 0.0


def merge_cells_v1(rules: CellTables, model: CellTables, version: str) -> CellTables:
    """Per table, the reading that satisfies the most template identities.

    Candidates: the rules table, the model table, and a per-cell mix (the more confident source
    of each cell). Fewest failing identities wins; ties go to the higher mean confidence, then
    to the rules. Cells on which both sources agree get source "rules+model".
    """
    out: CellTables = {}
    for t in TABLES:
        r, m = rules.get(t, {}), model.get(t, {})
        if not m:
            out[t] = r
            continue
        if not r:
            out[t] = m
            continue
        mix = {}
        for k in r.keys() | m.keys():
            a, b = r.get(k), m.get(k)
            if a is None or b is None:
                mix[k] = a or b
            elif a.value == b.value:
                mix[k] = replace(a, score=max(a.score, b.score), source="rules+model")
            else:
                mix[k] = a if a.score >= b.score else b
        order = [k for k in r] + [k for k in m if k not in r]
        mix = {k: mix[k] for k in order}
        options = [("rules", r), ("mix", mix), ("model", m)]

        def rank(item: tuple[str, dict[str, Cell]], table: str = t) -> tuple[int, float, int]:
            name, cells = item
            fails = _identity_failures({**out, table: cells}, version)
            return (fails, -_mean_score(cells), ["rules", "mix", "model"].index(name))

        out[t] = min(options, key=rank)[1]
    return out


HYBRID_V1 = register(MergePolicy("hybrid.v1", merge_entities_v1, merge_cells_v1))
DEFAULT_POLICY = HYBRID_V1.name
