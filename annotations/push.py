"""`nianbao review push`: records -> a Label Studio project, one task per report with its prediction.

The project is created on the first push and its labeling config kept current afterwards. It
uses uncertainty sampling with the pushed `model_version`, so Label Studio hands out the task
with the lowest prediction score first: the record's confidence, which is its weakest region
lowered by failing identities. A task is identified by the report's name and a hash of its text
(`data.key`); pushing a report again replaces its prediction instead of adding a task.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from annotations.client import Desk, ReviewError, api_errors, find_project
from annotations.convert import ConvertError, record_to_prediction, task_data, unplaced_cells
from annotations.label_config import LABEL_CONFIG_VERSION, label_config

log = logging.getLogger(__name__)

UNCERTAINTY = "Uncertainty sampling"  # Label Studio's name: lowest prediction score first
IMPORT_BATCH = 50


@dataclass
class PushSummary:
    """What a push did."""

    project_id: int
    title: str
    created: int = 0
    updated: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)  # (record, reason)
    warnings: list[str] = field(default_factory=list)
    model_versions: list[str] = field(default_factory=list)

    def line(self) -> str:
        return (
            f"project {self.title!r} (id {self.project_id}): {self.created} task(s) created, "
            f"{self.updated} updated, {len(self.failed)} failed"
        )


@dataclass
class _Item:
    record: dict[str, Any]
    data: dict[str, Any]
    prediction: dict[str, Any]


def iter_records(path: Path) -> Iterator[tuple[str, dict[str, Any] | None, str]]:
    """`(name, record, problem)` for each line of a records JSONL (record None when the line is bad)."""
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
            except json.JSONDecodeError as exc:
                yield f"{path.name}:{n}", None, f"[R220] not JSON: {exc}"
                continue
            if not isinstance(rec, dict) or not isinstance(rec.get("doc"), str):
                yield (
                    f"{path.name}:{n}",
                    None,
                    "[R221] not a record (no `doc`); give the output of `nianbao extract`",
                )
                continue
            yield str(rec["doc"]), rec, ""


def record_text(record: dict[str, Any], texts: Path | None = None) -> str:
    """The decoded text a record's offsets point into: read again from its `source` (or TEXTS/doc).

    Raises:
        ReviewError: the file is not found or no longer matches the record (`chars`).
    """
    from extraction.io import ReadError, read_document

    candidates = [Path(str(record.get("source") or ""))]
    if texts is not None:
        candidates.insert(0, texts / str(record["doc"]))
    path = next((p for p in candidates if str(p) and p.is_file()), None)
    if path is None:
        raise ReviewError(
            f"[R222] text of {record['doc']} not found at {record.get('source')!r}; "
            "pass --texts DIR with the reports the records were extracted from"
        )
    try:
        text = read_document(path).text
    except ReadError as exc:
        raise ReviewError(f"[R223] {path}: {exc}") from None
    chars = record.get("chars")
    if isinstance(chars, int) and chars != len(text):
        raise ReviewError(
            f"[R224] {path} has {len(text)} characters but the record was made from {chars}; "
            "extract it again (`nianbao extract`) before pushing"
        )
    return text


def ensure_project(desk: Desk, title: str, model_version: str) -> Any:
    """The project called `title`, created when absent, with the current config and sampling."""
    config = label_config()
    project = find_project(desk, title)
    settings = {
        "label_config": config,
        "model_version": model_version,
        "sampling": UNCERTAINTY,
        "show_collab_predictions": True,  # annotators start from the prediction
        "maximum_annotations": 1,
    }
    with api_errors(desk, f"creating or updating project {title!r}"):
        if project is None:
            project = desk.ls.projects.create(
                title=title, description=f"nianbao review ({LABEL_CONFIG_VERSION})", **settings
            )
            log.info("created project %r (id %d)", title, project.id)
            return project
        changed = {k: v for k, v in settings.items() if getattr(project, k, None) != v}
        if changed:
            project = desk.ls.projects.update(id=project.id, **changed)
            log.info("updated project %r: %s", title, ", ".join(sorted(changed)))
    return project


def existing_tasks(desk: Desk, project_id: int) -> dict[str, Any]:
    """The project's tasks by `data.key` (tasks without a key, not pushed by nianbao, are left alone)."""
    out: dict[str, Any] = {}
    with api_errors(desk, "listing the project's tasks"):
        for task in desk.ls.tasks.list(project=project_id, fields="task_only"):
            key = (task.data or {}).get("key")
            if isinstance(key, str):
                out.setdefault(key, task)
    return out


def _prepare(records: Path, texts: Path | None, summary: PushSummary) -> list[_Item]:
    items: list[_Item] = []
    seen: set[str] = set()
    for name, rec, problem in iter_records(records):
        if rec is None:
            summary.failed.append((name, problem))
            continue
        try:
            text = record_text(rec, texts)
            item = _Item(rec, task_data(rec, text), record_to_prediction(rec, text))
        except (ReviewError, ConvertError) as exc:
            summary.failed.append((name, str(exc)))
            continue
        if item.data["key"] in seen:
            summary.warnings.append(
                f"{name}: the same report appears twice in {records.name}; the last one wins"
            )
            items = [i for i in items if i.data["key"] != item.data["key"]]
        seen.add(item.data["key"])
        missing = unplaced_cells(rec)
        if missing:
            summary.warnings.append(
                f"{name}: {len(missing)} cell(s) have a value but no offsets, not shown: {missing[:3]}"
            )
        items.append(item)
    return items


def _update(desk: Desk, task: Any, item: _Item) -> None:
    """Replace the task's predictions by the new one (and its data when it changed)."""
    if dict(task.data or {}) != item.data:
        desk.ls.tasks.update(id=task.id, data=item.data)
    for old in desk.ls.predictions.list(task=task.id):
        desk.ls.predictions.delete(id=old.id)
    p = item.prediction
    desk.ls.predictions.create(
        task=task.id, result=p["result"], model_version=p["model_version"], score=p["score"]
    )


def push(desk: Desk, records: Path, title: str, texts: Path | None = None) -> PushSummary:
    """Push a records JSONL to project `title`: new reports become tasks, known ones are updated.

    Args:
        desk: a connected client (`annotations.client.connect`).
        records: the JSONL written by `nianbao extract`.
        title: the project's title (created when absent).
        texts: where to find the report files when the records' `source` paths do not resolve.

    Raises:
        ReviewError: the server is unreachable or refuses the token, or no record is usable.
    """
    probe = PushSummary(project_id=-1, title=title)
    items = _prepare(records, texts, probe)
    if not items:
        reasons = "; ".join(f"{n}: {r}" for n, r in probe.failed[:3])
        raise ReviewError(f"[R225] no usable record in {records}: {reasons or 'the file is empty'}")
    versions = list(dict.fromkeys(i.prediction["model_version"] for i in items))
    project = ensure_project(desk, title, versions[-1])
    summary = PushSummary(project_id=project.id, title=title, failed=probe.failed, warnings=probe.warnings)
    summary.model_versions = versions
    known = existing_tasks(desk, project.id)
    new = [i for i in items if i.data["key"] not in known]
    for item in items:
        task = known.get(item.data["key"])
        if task is not None:
            with api_errors(desk, f"updating the task of {item.data['doc']}"):
                _update(desk, task, item)
            summary.updated += 1
    for i in range(0, len(new), IMPORT_BATCH):
        batch = new[i : i + IMPORT_BATCH]
        with api_errors(desk, f"importing {len(batch)} task(s)"):
            desk.ls.projects.import_tasks(
                id=project.id,
                request=[{"data": b.data, "predictions": [b.prediction]} for b in batch],
                return_task_ids=True,
            )
        summary.created += len(batch)
    if len(versions) > 1:
        summary.warnings.append(
            f"records carry several versions {versions}; the project reviews by {versions[-1]} "
            "(uncertainty sampling uses that version's scores)"
        )
    for w in summary.warnings:
        log.warning("%s", w)
    return summary
