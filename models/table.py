"""The table-structure model: every figure of a table region -> its template cell, or not a cell.

A token-classification model labels each character with `B-`/`I-` + `table.row.col` (or `O`),
like the dataset's `cell_tags`. Decoding does not trust the per-character argmax: the figures
of the region are found by pattern (`number_tokens`, digits with their OCR confusables and a
sign), each gets the model's top-k cells with probabilities (mean over its characters), and
`models.cells.assign_cells` picks one figure per cell, preferring among the top readings the
one that satisfies the template identities; a figure with a lost or doubled digit is repaired
only where the identities determine it (`models.cells.repair_by_identity`), and the cell's
note says so.

torch and transformers are imported lazily (through models.ner).
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from extraction.normalize import merge_ranges
from extraction.schema import TABLES, Cell, cell_keys
from models.cells import (
    DEFAULT_PENALTY,
    Assignment,
    TokenCandidates,
    assign_cells,
    identities,
    repair_by_identity,
)
from models.figures import number_tokens, read_number
from models.ner import CharClassifier, load_classifier, model_version

log = logging.getLogger(__name__)

SOURCE = "model"
REPAIRED_SCORE = 0.6  # a figure repaired by identity is as likely as the identity is right
UNCONFIRMED_SCORE = 0.9  # a confusable read as a digit where no identity can confirm it
REGION_MARGIN = 64  # characters read around a given table region (regions from rules are rough)
MIN_FIGURES = 2  # a table is found when this many figures are placed in it (or a region is given)

# Factored labels: a cell key `table.row.col` is predicted as two softmax groups per character,
# the row (`R:table.row`, or `O`: not a cell) and the column (`C:col`), P(key) = P(row) * P(col).
# Rows share their columns' statistics and the other way round, so a small model learns a
# template of ~450 keys from far fewer examples than with one label per key.
ROW_PREFIX, COL_PREFIX = "R:", "C:"


def factored_labels(cell_keys_: Sequence[str]) -> tuple[str, ...]:
    """The factored label list of a set of `table.row.col` keys: `O`, the rows, the columns."""
    rows = sorted({k.rsplit(".", 1)[0] for k in cell_keys_})
    cols = sorted({k.rsplit(".", 1)[1] for k in cell_keys_})
    return ("O", *(ROW_PREFIX + r for r in rows), *(COL_PREFIX + c for c in cols))


def is_factored(labels: Sequence[str]) -> bool:
    return any(lab.startswith(COL_PREFIX) for lab in labels)


def factor_index(cell_labels: Sequence[str], labels: Sequence[str], ignore: int = -100) -> np.ndarray:
    """For each cell tag (`O`, `B-key`, `I-key`) its (row, column) targets among factored `labels`.

    Returns an int array `(len(cell_labels), 2)`; `O` has the row `O` and the column `ignore`.
    """
    index = {lab: i for i, lab in enumerate(labels)}
    out = np.full((len(cell_labels), 2), ignore, dtype=np.int64)
    for i, tag in enumerate(cell_labels):
        if tag == "O":
            out[i, 0] = index["O"]
            continue
        row, col = tag[2:].rsplit(".", 1)
        out[i] = index[ROW_PREFIX + row], index[COL_PREFIX + col]
    return out


class TableModel:
    """Table cells by the table-structure model (`source="model"`).

    Args:
        classifier: the model run over the text (`models.ner.CharClassifier`).
        version: the checkpoint's `name@version`.
        top_k: cells kept per figure for the identity-constrained choice.
        min_prob: a cell below this probability is not among a figure's readings (except its best).
        penalty: cost of a failing identity, in nats (see `models.cells.assign_cells`).
        repair: repair a figure with a lost or doubled digit where the identities determine it.
    """

    def __init__(
        self,
        classifier: CharClassifier,
        version: str = "table@0",
        top_k: int = 3,
        min_prob: float = 0.05,
        penalty: float = DEFAULT_PENALTY,
        repair: bool = True,
    ) -> None:
        self.classifier = classifier
        self.version = version
        self.top_k = top_k
        self.min_prob = min_prob
        self.penalty = penalty
        self.repair = repair
        self._index = {lab: i for i, lab in enumerate(classifier.labels)}
        self.factored = is_factored(classifier.labels)

    @classmethod
    def load(cls, path: Path, **kwargs: Any) -> TableModel:
        """Load a table checkpoint folder; decoding settings default to its config's `decode`.

        Raises:
            CheckpointError: missing, incomplete or corrupt checkpoint.
        """
        decode_kw = {k: kwargs.pop(k) for k in ("top_k", "min_prob", "penalty", "repair") if k in kwargs}
        classifier, manifest = load_classifier(path, "table", **kwargs)
        saved = (manifest.config or {}).get("decode") or {}
        for key in ("top_k", "repair"):
            if key in saved:
                decode_kw.setdefault(key, saved[key])
        return cls(classifier, model_version(manifest), **decode_kw)

    # --- reading ---------------------------------------------------------------------------

    def _columns(self, version: str) -> tuple[list[str], np.ndarray, np.ndarray]:
        """The version's cell keys the model knows, with their two label columns: B- and I- (summed),
        or, for factored labels, row and column (multiplied)."""
        keys, b_cols, i_cols = [], [], []
        for table in TABLES:
            for k in cell_keys(table, version):
                key = f"{table}.{k}"
                if self.factored:
                    row, col = key.rsplit(".", 1)
                    b, i = self._index.get(ROW_PREFIX + row), self._index.get(COL_PREFIX + col)
                    if b is not None and i is not None:
                        keys.append(key)
                        b_cols.append(b)
                        i_cols.append(i)
                    continue
                b, i = self._index.get(f"B-{key}"), self._index.get(f"I-{key}")
                if b is not None or i is not None:
                    keys.append(key)
                    b_cols.append(self.classifier.outside if b is None else b)
                    i_cols.append(self.classifier.outside if i is None else i)
        return keys, np.array(b_cols, dtype=np.int64), np.array(i_cols, dtype=np.int64)

    def candidates(
        self, text: str, version: str, spans: Sequence[tuple[int, int]] | None = None
    ) -> tuple[list[TokenCandidates], dict[str, float]]:
        """The figures of `spans` (default: the whole text) with their top-k cells.

        Returns:
            The tokens, and per cell key the highest probability any figure gave it.
        """
        keys, b_cols, i_cols = self._columns(version)
        tokens: list[TokenCandidates] = []
        best = np.zeros(len(keys), dtype=np.float32)
        k = min(self.top_k, len(keys))
        for s, e in spans if spans is not None else [(0, len(text))]:
            found = number_tokens(text, s, e)
            if not found or not keys:
                continue
            probs = self.classifier.char_probs(text, s, e)
            # every figure's characters at once: mean P(cell) and P(not a cell) per figure
            bounds = np.array(found, dtype=np.int64) - s
            lengths = bounds[:, 1] - bounds[:, 0]
            firsts = np.concatenate([[0], np.cumsum(lengths)[:-1]])  # each figure's first row below
            rows = probs[np.repeat(bounds[:, 0] - firsts, lengths) + np.arange(int(lengths.sum()))]
            joint = rows[:, b_cols] * rows[:, i_cols] if self.factored else rows[:, b_cols] + rows[:, i_cols]
            cell_p = np.add.reduceat(joint, firsts, axis=0) / lengths[:, None]
            none_p = np.add.reduceat(rows[:, self.classifier.outside], firsts) / lengths
            best = np.maximum(best, cell_p.max(axis=0))
            top = np.argpartition(-cell_p, k - 1, axis=1)[:, :k]
            top_p = np.take_along_axis(cell_p, top, axis=1)
            order = np.argsort(-top_p, axis=1, kind="stable")
            top, top_p = (
                np.take_along_axis(top, order, axis=1).tolist(),
                np.take_along_axis(top_p, order, axis=1),
            )
            # the best cell is always a reading; the others only when probable enough
            keep = (top_p >= self.min_prob).tolist()
            top_p, nones = top_p.tolist(), none_p.tolist()
            for n, (ts, te) in enumerate(found):
                options: list[tuple[str | None, float]] = [
                    (keys[j], p)
                    for r, (j, p) in enumerate(zip(top[n], top_p[n], strict=True))
                    if r == 0 or keep[n][r]
                ]
                options.append((None, nones[n]))
                options.sort(key=lambda o: -o[1])
                raw = text[ts:te]
                value, note = read_number(raw)
                tokens.append(TokenCandidates(ts, te, raw, value, note, options))
        return tokens, dict(zip(keys, best.tolist(), strict=True))

    def predict(
        self, text: str, version: str, regions: dict[str, tuple[int, int]] | None = None
    ) -> dict[str, dict[str, Cell]]:
        """Read the template tables of a report.

        Args:
            text: the original text; cell offsets point into it.
            version: the template version ("2019" | "2021"); another version reads no table.
            regions: table -> original `(start, end)` of its region (e.g. from the rules reader):
                only those parts, widened by `REGION_MARGIN`, are read; None reads the whole text.

        Returns:
            table -> `row.col` -> Cell, every key of the template for each table found
            (`MIN_FIGURES` figures placed in it, or a region given), `{}` for the others.
        """
        out: dict[str, dict[str, Cell]] = {t: {} for t in TABLES}
        if version not in ("2019", "2021") or not text:
            return out
        spans = None
        if regions:
            spans = merge_ranges(
                [(max(0, s - REGION_MARGIN), min(len(text), e + REGION_MARGIN)) for s, e in regions.values()]
            )
        tokens, best = self.candidates(text, version, spans)
        a = assign_cells(tokens, version, self.penalty)
        repaired = repair_by_identity(tokens, a, version) if self.repair else {}
        per_table = Counter(k.split(".", 1)[0] for k in a.owner)
        found = {t for t, n in per_table.items() if n >= MIN_FIGURES} | set(regions or ())
        values = {k: tokens[i].value for k, i in a.owner.items()}
        values.update({k: v for k, (v, _) in repaired.items()})
        held = _holding_keys(values, version)
        for table in TABLES:
            if table in found:
                out[table] = self._table_cells(table, version, tokens, a, repaired, best, held)
        return out

    def _table_cells(
        self,
        table: str,
        version: str,
        tokens: list[TokenCandidates],
        a: Assignment,
        repaired: dict[str, tuple[float, str]],
        best: dict[str, float],
        held: set[str],
    ) -> dict[str, Cell]:
        cells: dict[str, Cell] = {}
        for rowcol in cell_keys(table, version):
            key = f"{table}.{rowcol}"
            i = a.owner.get(key)
            if i is None:  # no figure: a blank cell, as sure as no figure looked like this cell
                cells[rowcol] = Cell(table, rowcol, None, score=1.0 - best.get(key, 0.0), source=SOURCE)
                continue
            t = tokens[i]
            score = t.options[a.choice[i]][1]
            notes = []
            value = t.value
            if t.note:
                notes.append(t.note + ("; identities hold" if key in held else ""))
                score *= 1.0 if key in held else UNCONFIRMED_SCORE
            if key in a.by_identity:
                notes.append(a.by_identity[key])
            if key in repaired:
                value = repaired[key][0]
                notes.append(repaired[key][1])
                score *= REPAIRED_SCORE
            if value is None:
                notes.append("figure not readable")
            cells[rowcol] = Cell(
                table, rowcol, value, t.raw, t.start, t.end, score, SOURCE, "; ".join(notes) or None
            )
        return cells


def _holding_keys(values: dict[str, Any], version: str) -> set[str]:
    """Keys all of whose identities hold (and that are in at least one)."""
    ok: dict[str, bool] = {}
    for ident in identities(version):
        vals = [values.get(k, 0) for k, _ in ident.terms]
        if any(v is None for v in vals):
            continue
        holds = abs(sum(c * float(v) for (_, c), v in zip(ident.terms, vals, strict=True))) <= 1e-6
        for k, _ in ident.terms:
            ok[k] = ok.get(k, True) and holds
    return {k for k, v in ok.items() if v}
