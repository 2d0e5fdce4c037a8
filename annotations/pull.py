"""`nianbao review pull`: finished annotations -> gold records that `nianbao dataset build` reads.

Each annotated task becomes three files in the output folder: NAME.txt (the task's text, the
one its offsets point into), NAME.json (the gold record, the format of ../shared/gold) and
NAME.meta.json (the exact cell offsets the annotator marked, the cells whose text is damaged,
and where the record came from). Every region is checked against the text; a mismatch stops
the pull with an error naming the task, and nothing is written.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from annotations.client import Desk, ReviewError, api_errors, find_project
from annotations.convert import ConvertError, annotation_to_gold
from annotations.label_config import DOC, TEXT

log = logging.getLogger(__name__)

_UNSAFE = re.compile(r"[^\w.-]+")


@dataclass
class PullSummary:
    """What a pull found and wrote."""

    project_id: int
    title: str
    out: Path
    written: list[str] = field(default_factory=list)  # record names (NAME.json)
    unannotated: int = 0  # exported tasks without a finished annotation

    def line(self) -> str:
        if not self.written:
            return (
                f"nothing to pull: project {self.title!r} (id {self.project_id}) has no finished annotations"
            )
        return f"pulled {len(self.written)} annotated report(s) from project {self.title!r} into {self.out}"


def finished_annotation(task: dict[str, Any]) -> dict[str, Any] | None:
    """The task's latest annotation that was submitted, not skipped (None when there is none)."""
    done = [
        a for a in task.get("annotations") or [] if not a.get("was_cancelled") and a.get("result") is not None
    ]
    return max(done, key=lambda a: (str(a.get("updated_at") or ""), a.get("id") or 0)) if done else None


def export_tasks(desk: Desk, project_id: int) -> list[dict[str, Any]]:
    """The project's annotated tasks, as Label Studio's JSON export gives them."""
    with api_errors(desk, f"exporting project {project_id}"):
        body = b"".join(desk.ls.projects.exports.download_sync(id=project_id, export_type="JSON"))
    try:
        tasks = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ReviewError(
            f"[R231] the export of project {project_id} is not JSON ({exc}); check the server log"
        ) from None
    if not isinstance(tasks, list):
        raise ReviewError(
            f"[R231] the export of project {project_id} is not a list of tasks, got: {type(tasks).__name__}"
        )
    return tasks


def _names(tasks: list[dict[str, Any]]) -> list[str]:
    """A file name per task from its report name; the task id is added where two would collide."""
    stems = [
        _UNSAFE.sub("_", Path(str((t.get("data") or {}).get(DOC) or f"task{t.get('id')}")).stem)
        for t in tasks
    ]
    counts: dict[str, int] = {}
    for s in stems:
        counts[s] = counts.get(s, 0) + 1
    return [s if counts[s] == 1 else f"{s}-task{t.get('id')}" for s, t in zip(stems, tasks, strict=True)]


def _check_readback(path: Path, text: str, name: str) -> None:
    """The written text must read back as the same string, or the offsets would not fit it."""
    from extraction.io import ReadError, read_document

    try:
        again = read_document(path).text
    except ReadError as exc:
        raise ReviewError(f"[R233] {name}: the written text cannot be read back: {exc}") from None
    if again != text:
        raise ReviewError(
            f"[R234] {name}: the text written to {path} reads back differently ({len(again)} vs {len(text)} "
            "chars); its offsets would not fit"
        )


@dataclass
class GoldRecord:
    """One annotated task as the files of a gold record: NAME.txt, NAME.json, NAME.meta.json."""

    name: str
    text: str
    gold: dict[str, Any]
    meta: dict[str, Any]


def gold_records(tasks: list[dict[str, Any]], project_id: int | None = None) -> tuple[list[GoldRecord], int]:
    """Convert the finished annotation of every exported task; also count the tasks without one.

    Raises:
        ReviewError: some tasks cannot be converted; the message names each (first three).
    """
    done = [(t, a) for t in tasks if (a := finished_annotation(t)) is not None]
    records, problems = [], []
    for (task, annotation), name in zip(done, _names([t for t, _ in done]), strict=True):
        try:
            gold, meta = annotation_to_gold(task, annotation["result"])
        except ConvertError as exc:
            problems.append(str(exc))
            continue
        meta.update(
            {
                "original_doc": gold["doc"],
                "project": project_id,
                "annotation": annotation.get("id"),
                "completed_by": annotation.get("completed_by"),
                "updated_at": annotation.get("updated_at"),
            }
        )
        gold["doc"] = f"{name}.txt"
        records.append(GoldRecord(name, task["data"][TEXT], gold, meta))
    if problems:
        more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
        raise ReviewError(
            f"[R232] {len(problems)} task(s) cannot be pulled, nothing written: {' | '.join(problems[:3])}{more}"
        )
    return records, len(tasks) - len(done)


def write_gold(out: Path, records: list[GoldRecord], force: bool = False) -> list[str]:
    """Write each record as NAME.txt + NAME.json + NAME.meta.json; returns the NAME.json names.

    Raises:
        ReviewError: files would be overwritten without `force`, or a text does not read back
            as itself (its offsets would not fit).
    """
    targets = [out / f"{r.name}{ext}" for r in records for ext in (".txt", ".json", ".meta.json")]
    clash = [p for p in targets if p.exists()]
    if clash and not force:
        raise ReviewError(
            f"[R235] {len(clash)} file(s) exist in {out}, e.g. {clash[0].name}; use --force to overwrite"
        )
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for r in records:
        partial = out / f".{r.name}.partial.txt"
        with open(partial, "w", encoding="utf-8", newline="") as f:
            f.write(r.text)
        try:
            _check_readback(partial, r.text, f"task {r.meta.get('task')} ({r.meta.get('original_doc')})")
        except ReviewError:
            partial.unlink()
            raise
        partial.replace(out / f"{r.name}.txt")
        for suffix, obj in ((".json", r.gold), (".meta.json", r.meta)):
            with open(out / f"{r.name}{suffix}", "w", encoding="utf-8") as f:
                json.dump(obj, f, ensure_ascii=False, indent=1)
                f.write("\n")
        written.append(f"{r.name}.json")
    return written


def pull(desk: Desk, title: str, out: Path, force: bool = False) -> PullSummary:
    """Export the finished annotations of project `title` as gold records into `out`.

    Raises:
        ReviewError: no such project, a task whose regions do not match its text (named), or
            files in `out` that would be overwritten without `force`.
    """
    project = find_project(desk, title)
    if project is None:
        raise ReviewError(
            f"[R230] no project named {title!r} at {desk.url}; push records first with "
            f"`nianbao review push RECORDS.jsonl --project {title!r}`"
        )
    records, unannotated = gold_records(export_tasks(desk, project.id), project.id)
    summary = PullSummary(project_id=project.id, title=title, out=out, unannotated=unannotated)
    if records:
        summary.written = write_gold(out, records, force)
    log.info("%s", summary.line())
    return summary
