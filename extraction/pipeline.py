"""The extraction pipeline: text -> Record. Reads like the flow in ../shared/style.md.

    read (io) -> normalize (offset map) -> sections -> entities -> fields
              -> tables (identity-checked) -> audit -> record

Each stage is timed into a `StageTimer` so `nianbao bench` can report per-stage costs.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from extraction.engine import ENGINES, ModelSet
from extraction.merge import DEFAULT_POLICY, get_policy
from extraction.schema import RULES_VERSION, TABLES, Record

log = logging.getLogger(__name__)


# The NER model does not read what normalization dropped as page furniture (page numbers, running
# headers: whole lines of this many characters or more; the rules never see them either).
FURNITURE_MIN = 6


class NotAReportError(ValueError):
    """Raised when a readable text shows no sign of being an annual report."""


@dataclass
class StageTimer:
    """Accumulates wall time per stage name (seconds)."""

    totals: dict[str, float] = field(default_factory=lambda: defaultdict(float))

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        t0 = time.perf_counter()
        try:
            yield
        finally:
            self.totals[name] += time.perf_counter() - t0


_NULL_TIMER = StageTimer()


def _looks_like_report(text: str, n_sections: int, has_tables: bool) -> bool:
    """A text is a report when it has sections or template tables or the report vocabulary."""
    if n_sections >= 2 or has_tables:
        return True
    return "政府信息公开" in text or "政务公开" in text or "信息公开" in text


def extract_text(
    text: str,
    source: str = "<text>",
    encoding: str = "utf-8",
    timer: StageTimer | None = None,
    engine: str = "rules",
    models: ModelSet | None = None,
    policy: str = DEFAULT_POLICY,
) -> Record:
    """Extract one report from its decoded text.

    Args:
        text: the decoded report text; every offset in the record points into it.
        source: where the text came from (path), recorded as provenance.
        encoding: the encoding the text was decoded from.
        timer: optional per-stage timer (for `nianbao bench`).
        engine: "rules", "model" (entities and cells from the models) or "hybrid" (both, merged
            by `policy`). Without loaded models the rules run, and the record says so.
        models: the loaded models (`extraction.engine.load_models`), needed by model/hybrid.
        policy: the merge policy name for hybrid (`extraction.merge.POLICIES`).

    Raises:
        NotAReportError: the text shows no sign of being an annual report.
    """
    from extraction.audit import audit
    from extraction.entities import extract_entities
    from extraction.fields import extract_fields
    from extraction.normalize import normalize
    from extraction.sections import decide_version, find_sections
    from extraction.tables import detect_table_version, extract_tables

    if engine not in ENGINES:
        raise ValueError(f"[P002] unknown engine {engine!r}; choose one of {', '.join(ENGINES)}")
    t = timer or _NULL_TIMER
    with t.stage("normalize"):
        norm = normalize(text)
    with t.stage("sections"):
        sections = find_sections(norm)
    with t.stage("entities"):
        entities = extract_entities(norm)
    with t.stage("fields"):
        fields = extract_fields(norm, entities, sections)
    with t.stage("tables"):
        evidence = detect_table_version(norm)
        version = decide_version(fields.year, evidence)
        tables = extract_tables(norm, version if version in ("2019", "2021") else None)
    has_tables = any(tables.cells.get(tb) for tb in TABLES)
    if not _looks_like_report(norm.text, len(sections), has_tables):
        raise NotAReportError(
            f"[P001] {source}: no annual-report content found (no sections, no template tables, no "
            "政府信息公开 vocabulary); check that this is a 政府信息公开工作年度报告"
        )
    record = Record(
        source=source,
        doc=Path(source).name,
        agency=fields.agency,
        year=fields.year,
        format_version=version,
        period=fields.period,
        published=fields.published,
        contact=fields.contact,
        entities=entities,
        sections=sections,
        encoding=encoding,
        chars=len(text),
        rules_version=RULES_VERSION,
        engine="rules",
    )
    if version in ("2019", "2021"):
        record.cells = {tb: tables.cells.get(tb, {}) for tb in TABLES}
    else:
        record.cells = {tb: {} for tb in TABLES}
        if has_tables:
            record.warnings.append(f"tables not read: template version {version} is unsupported")
    record.warnings.extend(tables.notes)
    as_written = None
    if engine != "rules":
        as_written = _apply_models(
            record, text, engine, models, tables.regions, norm.dropped(FURNITURE_MIN), policy, t
        )
    with t.stage("audit"):
        record.findings = audit(record, norm, evidence, tables.regions, identity_cells=as_written)
    record.confidence = _record_confidence(record)
    return record


def _apply_models(
    record: Record,
    text: str,
    engine: str,
    models: ModelSet | None,
    regions: dict[str, tuple[int, int]],
    furniture: list[tuple[int, int]],
    policy_name: str,
    t: StageTimer,
) -> dict | None:
    """Run the models and put their entities and cells into the record (model) or merge (hybrid).

    Returns:
        The cells as written when the policy repaired some by identity (for the audit), else None.
    """
    if models is None or not models.any:
        reasons = models.warnings if models is not None else ["no models loaded"]
        record.warnings.extend(reasons)
        record.warnings.append(f"engine {engine} fell back to rules: no usable model")
        return None
    record.warnings.extend(models.warnings)
    record.model_version = models.version
    record.engine = engine
    as_written = None
    policy = get_policy(policy_name)
    if models.ner is not None:
        with t.stage("model_ner"):
            predicted = models.ner.predict(text, skip=[*regions.values(), *furniture])
        record.entities = predicted if engine == "model" else policy.entities(record.entities, predicted)
    version = record.format_version
    read = _table_regions_to_read(record, version, regions) if engine == "hybrid" else regions or None
    if models.table is not None and version in ("2019", "2021") and read != {}:
        with t.stage("model_table"):
            cells = models.table.predict(text, version, read)
        if engine == "model":
            record.cells = {tb: cells.get(tb, {}) for tb in TABLES}
        else:
            record.cells = policy.cells(record.cells, cells, version)
            if policy.repair is not None:
                written, record.cells = record.cells, policy.repair(record.cells, version)
                if written != record.cells:
                    as_written = written
    if engine == "hybrid":
        record.engine = f"hybrid:{policy.name}"
    return as_written


def _table_regions_to_read(
    record: Record, version: str | None, regions: dict[str, tuple[int, int]]
) -> dict[str, tuple[int, int]] | None:
    """Where the hybrid engine needs the table model: `{}` nowhere (the rules found every table
    and every identity holds: the merge would keep the rules reading anyway), the regions of the
    tables with a failing identity, or None (the whole text) when the rules miss a table."""
    from extraction.audit import identity_findings

    if version not in ("2019", "2021"):
        return {}
    if any(not record.cells.get(tb) or tb not in regions for tb in TABLES):
        return None
    failing = {c.split(".", 1)[0] for f in identity_findings(record, version) for c in f.cells}
    return {tb: regions[tb] for tb in TABLES if tb in failing}


def _record_confidence(record: Record) -> float:
    """The record's weakest confidence, lowered by failing identities."""
    scores = [c.score for cells in record.cells.values() for c in cells.values()]
    scores += [e.score for e in record.entities]
    base = min(scores) if scores else 1.0
    n_identity = sum(1 for f in record.findings if f.code.startswith("identity."))
    return round(max(0.0, base * (0.8**n_identity)), 4)


def extract_path(
    path: Path,
    timer: StageTimer | None = None,
    max_bytes: int = 5_000_000,
    engine: str = "rules",
    models: ModelSet | None = None,
    policy: str = DEFAULT_POLICY,
) -> Record:
    """Read one file and extract it (raises `extraction.io.ReadError` or `NotAReportError`)."""
    from extraction.io import read_document

    t = timer or _NULL_TIMER
    with t.stage("read"):
        doc = read_document(path, max_bytes=max_bytes)
    record = extract_text(
        doc.text,
        source=str(path),
        encoding=doc.encoding,
        timer=timer,
        engine=engine,
        models=models,
        policy=policy,
    )
    record.warnings[:0] = doc.warnings
    return record
