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
    """`entities(rules, model)`, `cells(rules, model, version)`, and an optional `repair(cells,
    version)` the pipeline applies after checking the identities on the cells as written."""

    name: str
    entities: Callable[[list[Entity], list[Entity]], list[Entity]]
    cells: Callable[[CellTables, CellTables, str], CellTables]
    repair: Callable[[CellTables, str], CellTables] | None = None


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


def _failing(cells: CellTables, version: str) -> list:
    """The failing identity findings of a set of tables."""
    from extraction.audit import identity_findings

    rec = Record(source="", doc="", format_version=version)
    rec.cells = {t: cells.get(t, {}) for t in TABLES}
    return identity_findings(rec, version)


def _identity_failures(cells: CellTables, version: str) -> int:
    return len(_failing(cells, version))


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


# --- hybrid.v2 ---------------------------------------------------------------------------------
#
# v1 let a reading win on fewer failing identities alone; but a reading that misses figures
# satisfies sums trivially (blank = 0), so a weak table model could replace a good rules table.
# v2 keeps the rules reading unless the model's cells make it more consistent without losing
# figures, then repairs a lost or doubled digit where the identities determine it. Entities: a
# model-only span needs more confidence and must be well formed; it never replaces a rules span.

V2_MODEL_ONLY_MIN_SCORE = 0.85
# A model-only AGENCY has at least this many characters: the short names (市委, 市政府) are the
# rules' gazetteer's strength, and short model spans on real reports were mostly fragments of
# generic nouns (保市局 from 确保市局, 县局).
MODEL_AGENCY_MIN_CHARS = 4
_VALUED = {"COUNT", "AMOUNT", "DATE"}


def _well_formed(e: Entity) -> bool:
    """A model span the spec could accept: a valued label with a value that parses; an AGENCY
    of `MODEL_AGENCY_MIN_CHARS` or more that reads as a body's name (ends in an organ word like
    局/委员会/政府, is no generic noun or self-reference: `extraction.field_text.clean_agency`)."""
    if e.label in _VALUED:
        return e.value is not None
    if e.label == "AGENCY":
        from extraction.field_text import clean_agency, clean_value

        name = clean_value(e.text)  # 縣 局 -> 县局: spacing and script do not hide a generic noun
        return len(name) >= MODEL_AGENCY_MIN_CHARS and clean_agency(name) == name
    return True


def merge_entities_v2(rules: list[Entity], model: list[Entity]) -> list[Entity]:
    """The rules' entities, marked "rules+model" where the model found the same span; plus the
    model's spans that overlap none of them, are well formed and scored >= V2_MODEL_ONLY_MIN_SCORE.

    Unlike v1, a model span never replaces an overlapping rules span: on real reports a longer
    model span was more often a boundary error (挥市公安局) than a name the rules cut short.
    """
    out: list[Entity] = []
    exact = {(m.label, m.start, m.end): m for m in model}
    for r in rules:
        m = exact.get((r.label, r.start, r.end))
        out.append(replace(r, score=max(r.score, m.score), source="rules+model") if m else r)
    for m in model:
        if m.score < V2_MODEL_ONLY_MIN_SCORE or not _well_formed(m) or any(_overlaps(m, e) for e in out):
            continue
        out.append(m)
    out.sort(key=lambda e: (e.start, e.end))
    return out


def _filled(cells: dict[str, Cell]) -> int:
    return sum(1 for c in cells.values() if c.value is not None)


def _agree(r: dict[str, Cell], m: dict[str, Cell]) -> dict[str, Cell]:
    """The rules cells, marked "rules+model" where the model put the same figure there."""
    out = {}
    for k, a in r.items():
        b = m.get(k)
        same = b is not None and (b.value, b.start, b.end) == (a.value, a.start, a.end)
        out[k] = replace(a, score=max(a.score, b.score), source="rules+model") if same and b else a
    return out


def _fill_from_model(r: dict[str, Cell], m: dict[str, Cell], only: set[str] | None = None) -> dict[str, Cell]:
    """The rules cells, with the model's figure where the rules have none or read another figure
    (with `only`: in those cells, and only figures the model read there first, not ones its
    decoding moved there to satisfy an identity)."""
    from models.cells import BY_IDENTITY

    out = dict(r)
    for k, b in m.items():
        if only is not None and (k not in only or BY_IDENTITY in (b.note or "")):
            continue
        a = r.get(k)
        if b.value is not None and (a is None or a.value is None or (a.start, a.end) != (b.start, b.end)):
            out[k] = b
    return out


def repair_cells(cells: CellTables, version: str) -> CellTables:
    """Cells whose figure lost or doubled a digit, repaired where the identities determine the
    value (`models.cells.repair_by_identity`: one cell can take the blame and every identity of
    it then holds); the note says so and the score drops to the model's repaired score."""
    from models.cells import Assignment, TokenCandidates, repair_by_identity

    tokens, owner = [], {}
    for t in TABLES:
        for k, c in cells.get(t, {}).items():
            if c.value is not None and c.start is not None:
                owner[f"{t}.{k}"] = len(tokens)
                tokens.append(TokenCandidates(c.start, c.end or c.start, c.raw, c.value, c.note, []))
    repaired = repair_by_identity(tokens, Assignment([0] * len(tokens), owner), version)
    if not repaired:
        return cells
    out = {t: dict(cells.get(t, {})) for t in TABLES}
    for key, (value, note) in repaired.items():
        t, k = key.split(".", 1)
        c = out[t][k]
        out[t][k] = replace(c, value=value, score=c.score * 0.6, note="; ".join(filter(None, [c.note, note])))
    return out


def _best_candidate(
    out: CellTables, t: str, candidates: list[dict[str, Cell]], version: str
) -> dict[str, Cell]:
    """The candidate reading of table `t` (with the tables already in `out`) that fails the fewest
    identities once repaired where they determine a damaged digit; ties go to the earlier one."""
    ranked = [
        (_identity_failures(repair_cells({**out, t: cells}, version), version), i)
        for i, cells in enumerate(candidates)
    ]
    return candidates[min(ranked)[1]]


def merge_cells_v2(rules: CellTables, model: CellTables, version: str) -> CellTables:
    """Per table, candidates ranked as if repaired where the identities determine a damaged
    digit: the rules reading, the rules with the model's figures where the rules lack one or read
    another, and the model's whole table. Fewest failing identities wins among those placing at
    least as many figures as the rules; ties keep the rules. The cells come back as written: the
    repair is the policy's `repair` step (`repair_cells`)."""
    out: CellTables = {}
    for t in TABLES:
        r, m = rules.get(t, {}), model.get(t, {})
        if not m or not r:
            out[t] = r or m
            continue
        others = [c for c in (_fill_from_model(r, m), m) if _filled(c) >= _filled(r)]
        out[t] = _best_candidate(out, t, [_agree(r, m), *others], version)
    return out


HYBRID_V2 = register(MergePolicy("hybrid.v2", merge_entities_v2, merge_cells_v2, repair_cells))


# --- hybrid.v3 ---------------------------------------------------------------------------------
#
# v2's fill candidate took every model figure that differed from the rules; on synthetic text it
# sometimes resolved an identity with a wrong figure elsewhere in the table (cells 0.9989 vs the
# rules' 0.9992 at noise none): the model's decoding had moved figures to satisfy an identity
# the report itself breaks. v3 takes model figures only in the cells of the identities the rules
# reading (repaired) still fails, only where the model read them first, and never the model's
# whole table.


def _failing_keys(cells: CellTables, version: str, table: str) -> set[str]:
    return {
        c.split(".", 1)[1] for f in _failing(cells, version) for c in f.cells if c.startswith(table + ".")
    }


def merge_cells_v3(rules: CellTables, model: CellTables, version: str) -> CellTables:
    """v2, with the model's figures taken only into the cells of identities the rules still fail."""
    out: CellTables = {}
    for t in TABLES:
        r, m = rules.get(t, {}), model.get(t, {})
        if not m or not r:
            out[t] = r or m
            continue
        failing = _failing_keys(repair_cells({**out, t: r}, version), version, t)
        fill = _fill_from_model(r, m, failing)
        others = [fill] if failing and _filled(fill) >= _filled(r) else []
        out[t] = _best_candidate(out, t, [_agree(r, m), *others], version)
    return out


HYBRID_V3 = register(MergePolicy("hybrid.v3", merge_entities_v2, merge_cells_v3, repair_cells))
DEFAULT_POLICY = HYBRID_V3.name
