"""The dataset card: what a built dataset holds, saved as card.json (+ README.md) beside the data.

Its figures are counted from the example rows (tags as strings) by `label_counts`, so a loaded
dataset can be recounted and checked against its card.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from extraction.schema import LABELS
from training.labels import CELL_LABELS, NER_LABELS, spans_from_bio

# The splits of a dataset, in the order the card lists them (`training.dataset.split_of` assigns them).
SPLITS = ("train", "validation", "test")


def content_hash(rows: Sequence[dict[str, Any]]) -> str:
    """sha256 over the label sets and the sorted (doc_hash, split, tags) of every example."""
    items = sorted(json.dumps([r["doc_hash"], r["split"], r["ner_tags"], r["cell_tags"]]) for r in rows)
    return hashlib.sha256(
        "\n".join([json.dumps([NER_LABELS, CELL_LABELS]), *items]).encode("utf-8")
    ).hexdigest()


def label_counts(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Docs and label spans, counted from the rows (tags as strings): the card's figures.

    Kept separate so a loaded dataset can be recounted and checked against its card.
    """
    docs = dict.fromkeys(SPLITS, 0)
    by = {name: defaultdict(Counter) for name in ("source", "rendering", "noise")}
    ents = {s: Counter() for s in SPLITS}
    cells: Counter[str] = Counter()
    tables = {s: Counter() for s in SPLITS}
    unaligned: Counter[str] = Counter()
    for r in rows:
        split = r["split"]
        docs[split] += 1
        for name, counter in by.items():
            counter[r[name]][split] += 1
        ents[split].update(label for label, _, _ in spans_from_bio(r["ner_tags"]))
        for key, _, _ in spans_from_bio(r["cell_tags"]):
            cells[key] += 1
            tables[split][key.split(".", 1)[0]] += 1
        unaligned.update(r["unaligned_cells"])
    return {
        "docs": docs,
        "docs_by_source": {k: dict(v) for k, v in sorted(by["source"].items())},
        "renderings": {k: dict(v) for k, v in sorted(by["rendering"].items())},
        "noise": {k: dict(v) for k, v in sorted(by["noise"].items())},
        "entity_spans": {s: dict(sorted(c.items())) for s, c in ents.items()},
        "cell_spans_by_table": {s: dict(sorted(c.items())) for s, c in tables.items()},
        "cell_spans": dict(sorted(cells.items())),
        "unaligned_by_key": dict(sorted(unaligned.items())),
    }


@dataclass
class DatasetCard:
    """What a built dataset holds; saved as card.json (+ README.md) beside the data."""

    dataset_version: str
    content_hash: str
    split_rule: str
    sources: list[dict[str, Any]]
    counts: dict[str, Any]
    cells: dict[str, Any]  # aligned / blank / damaged / unaligned totals and unaligned by reason
    problems: list[dict[str, str]]
    labels: dict[str, list[str]]

    @property
    def docs(self) -> dict[str, int]:
        """Documents per split."""
        return self.counts["docs"]

    def to_json(self) -> dict[str, Any]:
        """The card as a JSON-ready dict."""
        return dict(self.__dict__)

    def save(self, out: Path) -> None:
        """Write card.json and its README.md rendering into `out`."""
        with open(out / "card.json", "w", encoding="utf-8") as f:
            json.dump(self.to_json(), f, ensure_ascii=False, indent=1)
        with open(out / "README.md", "w", encoding="utf-8") as f:
            f.write(self.to_markdown())

    @classmethod
    def load(cls, path: Path) -> DatasetCard:
        """Read card.json from a dataset folder."""
        with open(path / "card.json", encoding="utf-8") as f:
            return cls(**json.load(f))

    def to_markdown(self) -> str:
        """A human-readable README for the dataset folder."""
        c, dumps = self.counts, lambda x: json.dumps(x, ensure_ascii=False)
        lines = [f"# nianbao dataset `{self.dataset_version}`", "", f"Content hash: `{self.content_hash}`."]
        lines += [f"Split: {self.split_rule}.", "", f"| split | docs | {' | '.join(LABELS)} | cell spans |"]
        lines.append("| --- " * (len(LABELS) + 3) + "|")
        for s in SPLITS:
            ents = [str(c["entity_spans"][s].get(x, 0)) for x in LABELS]
            n_cells = sum(c["cell_spans_by_table"][s].values())
            lines.append(f"| {s} | {c['docs'][s]} | {' | '.join(ents)} | {n_cells} |")
        for title, key in (("Sources", "docs_by_source"), ("Renderings", "renderings"), ("Noise", "noise")):
            lines += ["", f"## {title} (docs per split)", ""] + [
                f"- `{k}`: {dumps(v)}" for k, v in c[key].items()
            ]
        lines += [
            "",
            "## Table cells",
            "",
            dumps(self.cells),
            "",
            f"Labels: {dumps({k: len(v) for k, v in self.labels.items()})}",
        ]
        if self.problems:
            lines += ["", f"## Records not used ({len(self.problems)})", ""]
            lines += [f"- {p['file']}: {p['reason']}" for p in self.problems]
        return "\n".join(lines) + "\n"
