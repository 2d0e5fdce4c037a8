"""The human view of one record: a self-contained HTML page (`nianbao show --html`) and a compact
plain-text summary (`nianbao show`).

The page needs nothing from outside (no scripts, fonts, images or links): it is meant to be opened
offline, mailed, or attached to an issue. Entities are drawn by spaCy's displaCy (manual mode); spaCy is
imported only when a page is rendered.
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from html import escape
from typing import Any

from extraction import labels_zh
from extraction.schema import REQUEST_COLS, TABLES, table_rows

logger = logging.getLogger(__name__)

ENT_COLORS = {"AGENCY": "#9ed8f0", "COUNT": "#ffd59e", "AMOUNT": "#b8f0a8", "DATE": "#dcc8f5"}
BLANK_MARK = "空"  # a blank template cell; never confused with a written 0
MISSING_MARK = "?"  # a template cell the record does not have at all

_CSS = """
body{font-family:system-ui,"PingFang SC","Microsoft YaHei",sans-serif;margin:1.5em;color:#222;max-width:1200px}
h1{font-size:1.3em}h2{font-size:1.1em;margin-top:1.6em;border-bottom:1px solid #ccc}
table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #bbb;padding:.2em .45em;font-size:.9em}
th{background:#f2f2f2;font-weight:normal}td.cell{text-align:right;min-width:2.5em;font-family:monospace}
td.label{text-align:left;max-width:28em}table.fields td:first-child{color:#666}
td.blank{background:repeating-linear-gradient(45deg,#eee,#eee 4px,#fff 4px,#fff 8px);color:#999}
td.missing{background:#fff3cd;color:#a60}td.zero{color:#777}
td.flag{background:#ffe7b3}td.fail{background:#f8b4b4;color:#700;font-weight:bold;outline:2px solid #d00}
td.noted::after{content:"※";color:#06c;font-size:.75em;vertical-align:super}
.legend span{display:inline-block;border:1px solid #bbb;padding:0 .5em;margin-right:.4em;font-size:.85em}
.entities{border:1px solid #ddd;padding:1em}.warn{color:#a00}
li.finding code{font-weight:bold}
"""


# --- record access -------------------------------------------------------------------------


def record_cells(record: dict[str, Any]) -> dict[str, dict[str, dict[str, Any]]]:
    """`{table: {"row.col": cell}}` merging `cells` (raw, score, note, ...) with `tables` (values)."""
    out: dict[str, dict[str, dict[str, Any]]] = {t: {} for t in TABLES}
    for t in TABLES:
        for key, cell in ((record.get("cells") or {}).get(t) or {}).items():
            out[t][key] = dict(cell or {})
        for key, value in ((record.get("tables") or {}).get(t) or {}).items():
            out[t].setdefault(key, {})["value"] = value
    return out


def cell_flags(record: dict[str, Any]) -> dict[str, list[tuple[str, str]]]:
    """`"table.row.col"` -> the (code, detail) of every finding that names the cell."""
    flags: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for f in record.get("findings") or []:
        for name in f.get("cells") or []:
            flags[name].append((str(f.get("code")), str(f.get("detail") or "")))
    return flags


def _version(record: dict[str, Any]) -> str:
    return str(record.get("format_version") or "unknown")


def fmt_value(value: Any) -> str:
    """A cell value as shown to people: integers plain, floats without float noise."""
    if isinstance(value, float):
        return f"{value:.12g}"
    return str(value)


# --- HTML pieces ---------------------------------------------------------------------------


def _attr(lines: list[str]) -> str:
    """Tooltip lines as one attribute value (newlines kept as character references)."""
    return escape("\n".join(lines)).replace("\n", "&#10;")


def _td(table: str, key: str, cells: dict[str, dict[str, Any]], flags: dict[str, list]) -> str:
    name = f"{table}.{key}"
    classes = ["cell"]
    tips = [name]
    cell = cells.get(key)
    if cell is None:
        classes.append("missing")
        shown = MISSING_MARK
        tips.append("not in the record")
    else:
        value = cell.get("value")
        if value is None:
            classes.append("blank")
            shown = BLANK_MARK
            tips.append("blank (null, not 0)")
        else:
            shown = fmt_value(value)
            if value == 0:
                classes.append("zero")
        if cell.get("raw") not in (None, ""):
            tips.append(f"raw: {cell['raw']}")
        if cell.get("source"):
            tips.append(f"source: {cell['source']}, score {cell.get('score', '')}")
        if cell.get("note"):
            classes.append("noted")
            tips.append(f"note: {cell['note']}")
    for code, detail in flags.get(name, ()):
        classes.append("fail" if code.startswith("identity.") else "flag")
        tips.append(f"{code}: {detail}")
    return (
        f'<td class="{" ".join(dict.fromkeys(classes))}" data-cell="{escape(name)}" '
        f'title="{_attr(tips)}">{escape(shown)}</td>'
    )


def _active_html(version: str, cells: dict, flags: dict) -> str:
    rows = table_rows("active", version)
    out = ["<table>"]
    last_cols: tuple[str, ...] | None = None
    for row, cols in rows:
        if cols != last_cols:  # the template repeats a header line wherever the columns change
            heads = "".join(
                f"<th>{escape(labels_zh.col_label('active', row, c, version))}</th>" for c in cols
            )
            out.append(f"<tr><th>信息内容</th>{heads}</tr>")
            last_cols = cols
        tds = "".join(_td("active", f"{row}.{c}", cells, flags) for c in cols)
        out.append(
            f'<tr><td class="label">{escape(labels_zh.row_label("active", row, version))}</td>{tds}</tr>'
        )
    out.append("</table>")
    return "\n".join(out)


def _requests_html(version: str, cells: dict, flags: dict) -> str:
    group_name, group = labels_zh.REQUEST_COL_GROUP
    col = labels_zh.REQUEST_COLS
    out = [
        "<table>",
        f'<tr><th rowspan="3">申请情况</th><th colspan="{len(REQUEST_COLS)}">申请人情况</th></tr>',
        f'<tr><th rowspan="2">{col["natural_person"]}</th><th colspan="{len(group)}">{group_name}</th>'
        f'<th rowspan="2">{col["total"]}</th></tr>',
        "<tr>" + "".join(f"<th>{col[c]}</th>" for c in group) + "</tr>",
    ]
    for row, cols in table_rows("requests", version):
        tds = "".join(_td("requests", f"{row}.{c}", cells, flags) for c in cols)
        label = labels_zh.row_label("requests", row, version)
        out.append(f'<tr><td class="label">{escape(label)}</td>{tds}</tr>')
    out.append("</table>")
    return "\n".join(out)


def _appeals_html(version: str, cells: dict, flags: dict) -> str:
    groups = table_rows("appeals", version)
    heads = "".join(
        f'<th colspan="{len(cols)}">{escape(labels_zh.APPEAL_GROUPS[g])}</th>' for g, cols in groups
    )
    sub = "".join(f"<th>{escape(labels_zh.APPEAL_COLS[c])}</th>" for _, cols in groups for c in cols)
    tds = "".join(_td("appeals", f"{g}.{c}", cells, flags) for g, cols in groups for c in cols)
    return f"<table>\n<tr>{heads}</tr>\n<tr>{sub}</tr>\n<tr>{tds}</tr>\n</table>"


def _flat_html(table: str, cells: dict, flags: dict) -> str:
    """Cells of a record whose template version is unknown: listed by key."""
    rows = "".join(f'<tr><td class="label">{escape(k)}</td>{_td(table, k, cells, flags)}</tr>' for k in cells)
    return f"<table>{rows}</table>"


_TABLE_HTML = {"active": _active_html, "requests": _requests_html, "appeals": _appeals_html}


def _tables_html(record: dict[str, Any]) -> str:
    version = _version(record)
    cells, flags = record_cells(record), cell_flags(record)
    out = [
        '<p class="legend"><span>0</span>written 0 '
        f'<span style="background:#eee">{BLANK_MARK}</span>blank (null) '
        f'<span style="background:#fff3cd">{MISSING_MARK}</span>not in the record '
        '<span style="background:#f8b4b4">red</span>failing identity '
        '<span style="background:#ffe7b3">amber</span>other finding '
        "<span>※</span>cell note (hover a cell for details)</p>"
    ]
    for t in TABLES:
        out.append(f"<h2>{escape(labels_zh.TABLE_TITLES[t])} <small>({t})</small></h2>")
        if table_rows(t, version):
            out.append(_TABLE_HTML[t](version, cells[t], flags))
        elif cells[t]:
            out.append(f"<p>format version {escape(version)}: cells listed by key.</p>")
            out.append(_flat_html(t, cells[t], flags))
        else:
            out.append(f"<p>No table (format version {escape(version)}).</p>")
    return "\n".join(out)


def _displacy_ents(record: dict[str, Any], text: str) -> tuple[list[dict[str, Any]], list[str]]:
    """Entities displaCy can draw (inside the text, matching it, not overlapping) and warnings for the rest."""
    ents, warnings = [], []
    last_end = -1
    ordered = sorted(record.get("entities") or [], key=lambda e: (e.get("start", 0), -e.get("end", 0)))
    for e in ordered:
        start, end, label = e.get("start"), e.get("end"), str(e.get("label"))
        where = f"{label} [{start}:{end}] {e.get('text')!r}"
        if not (isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(text)):
            warnings.append(f"entity outside the text: {where}")
        elif e.get("text") is not None and text[start:end] != e["text"]:
            warnings.append(f"entity text differs from the text at its offsets: {where}")
        elif start < last_end:
            warnings.append(f"overlapping entity not drawn: {where}")
        else:
            ents.append({"start": start, "end": end, "label": label})
            last_end = end
    return ents, warnings


def _entities_html(record: dict[str, Any], text: str) -> tuple[str, list[str]]:
    try:
        from spacy import displacy
    except ImportError as exc:  # spaCy is a core dependency; say how to get it back
        raise RuntimeError("[R001] rendering HTML needs spaCy: pip install 'spacy==3.8.18'") from exc
    ents, warnings = _displacy_ents(record, text)
    colors = ENT_COLORS | {e["label"]: "#ddd" for e in ents if e["label"] not in ENT_COLORS}
    html = displacy.render(
        {"text": text, "ents": ents, "title": None},
        style="ent",
        manual=True,
        page=False,
        options={"colors": colors, "ents": sorted({e["label"] for e in ents})},
    )
    return html, warnings


def _fields_html(record: dict[str, Any]) -> str:
    period = record.get("period") or {}
    contact = record.get("contact") or {}
    rows = [
        ("doc", record.get("doc")),
        ("source", record.get("source")),
        ("agency", record.get("agency")),
        ("year", record.get("year")),
        ("format_version", record.get("format_version")),
        ("period", f"{period.get('start')} … {period.get('end')}" if period else None),
        ("published", record.get("published")),
    ]
    rows += [
        (f"contact.{k}", ", ".join(map(str, v)) if isinstance(v, list) else v) for k, v in contact.items()
    ]
    rows += [
        ("confidence", record.get("confidence")),
        (
            "engine",
            f"{record.get('engine')} (rules {record.get('rules_version')}, model {record.get('model_version')})",
        ),
        ("encoding / chars", f"{record.get('encoding')} / {record.get('chars')}"),
    ]
    body = "".join(
        f"<tr><td>{escape(k)}</td><td>{escape('' if v is None else str(v))}</td></tr>" for k, v in rows
    )
    return f'<table class="fields">{body}</table>'


def _findings_html(record: dict[str, Any], text: str) -> str:
    items = []
    for f in record.get("findings") or []:
        where = [escape(c) for c in f.get("cells") or []]
        for span in f.get("spans") or []:
            s, e = ([*span, None, None])[:2]
            ok = isinstance(s, int) and isinstance(e, int) and 0 <= s <= e <= len(text)
            quote = text[s:e] if ok else "?"
            where.append(f"[{s}:{e}] “{escape(quote[:80])}”")
        items.append(
            f'<li class="finding"><code>{escape(str(f.get("code")))}</code> {escape(str(f.get("detail") or ""))}'
            + (f"<br><small>{'; '.join(where)}</small>" if where else "")
            + "</li>"
        )
    return f"<ul>{''.join(items)}</ul>" if items else "<p>No findings.</p>"


def render_html(record: dict, text: str) -> str:
    """One self-contained HTML page for a person to check one record against its report.

    Args:
        record: an output record (`Record.to_json()` shape; records of any engine).
        text: the report's original decoded text (the record's offsets point into it).

    Returns:
        The page (no external assets).
    """
    ents_html, warnings = _entities_html(record, text)
    warnings = [*(record.get("warnings") or []), *warnings]
    title = f"{record.get('agency') or ''} {record.get('year') or ''} — {record.get('doc') or ''}"
    sections = "".join(
        f"<li>{s.get('number')} {escape(str(s.get('heading')))}"
        + ("" if s.get("title_ok", True) else ' <span class="warn">(heading names another section)</span>')
        + "</li>"
        for s in record.get("sections") or []
    )
    parts = [
        '<!DOCTYPE html>\n<html lang="zh"><head><meta charset="utf-8">',
        f"<title>{escape(title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{escape(title)}</h1>",
        _fields_html(record),
        "".join(f'<p class="warn">{escape(str(w))}</p>' for w in warnings),
        f"<h2>Findings ({len(record.get('findings') or [])})</h2>",
        _findings_html(record, text),
        _tables_html(record),
        f"<h2>Sections</h2><ol>{sections}</ol>" if sections else "",
        f"<h2>Text ({len(record.get('entities') or [])} entities)</h2>",
        ents_html,
        "</body></html>",
    ]
    return "\n".join(p for p in parts if p)


# --- terminal ------------------------------------------------------------------------------


def table_counts(record: dict[str, Any]) -> dict[str, dict[str, int]]:
    """Per table: template cells, filled, blank, missing (not in the record) and failing (identity)."""
    version = _version(record)
    cells = record_cells(record)
    failing = {n for n, fl in cell_flags(record).items() if any(c.startswith("identity.") for c, _ in fl)}
    out = {}
    for t in TABLES:
        keys = [f"{r}.{c}" for r, cs in table_rows(t, version) for c in cs] or list(cells[t])
        present = [k for k in keys if k in cells[t]]
        out[t] = {
            "cells": len(keys),
            "filled": sum(cells[t][k].get("value") is not None for k in present),
            "blank": sum(cells[t][k].get("value") is None for k in present),
            "missing": len(keys) - len(present),
            "failing": sum(f"{t}.{k}" in failing for k in keys),
        }
    return out


def render_terminal(record: dict) -> str:
    """A compact plain-text summary of one record: fields, per-table counts, findings."""
    period = record.get("period") or {}
    contact = record.get("contact") or {}
    ents = Counter(str(e.get("label")) for e in record.get("entities") or [])
    lines = [
        f"{record.get('doc')}  {record.get('agency')}  {record.get('year')}  "
        f"format {record.get('format_version')}  confidence {record.get('confidence')}  engine {record.get('engine')}",
        f"period {period.get('start')} … {period.get('end')}  published {record.get('published')}",
        "contact "
        + "  ".join(
            f"{k}={', '.join(map(str, v)) if isinstance(v, list) else v}"
            for k, v in contact.items()
            if v not in (None, [], "")
        ),
        f"entities {sum(ents.values())}: " + ", ".join(f"{k} {n}" for k, n in sorted(ents.items())),
        "",
        f"{'table':<10}{'cells':>6}{'filled':>8}{'blank':>7}{'missing':>9}{'failing':>9}",
    ]
    for t, c in table_counts(record).items():
        lines.append(
            f"{t:<10}{c['cells']:>6}{c['filled']:>8}{c['blank']:>7}{c['missing']:>9}{c['failing']:>9}"
        )
    findings = record.get("findings") or []
    lines += ["", f"findings {len(findings)}"]
    lines += [f"  {f.get('code')}  {f.get('detail') or ''}" for f in findings]
    warnings = record.get("warnings") or []
    if warnings:
        lines += ["", f"warnings {len(warnings)}", *(f"  {w}" for w in warnings)]
    return "\n".join(lines)
