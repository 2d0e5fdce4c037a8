"""Validate a generated report's gold record against its text (used by tests and `generate` users).

Checks what ../shared/gold/tools/validate.py checks for the real gold, and more: offsets and
texts of every entity and cell, template keys, value types, that each identity failing in the
table has its finding (and no finding claims a failure that is not there), that blank tables are
reported, and that written figures read back as the gold values unless marked damaged.
"""

from __future__ import annotations

import re
from typing import Any

from extraction.normalize import normalize
from extraction.schema import FINDING_CODES, TABLES, cell_keys, version_for_year
from training.synth.values import identity_findings

GOLD_KEYS = {
    "doc",
    "agency",
    "year",
    "format_version",
    "period",
    "published",
    "contact",
    "tables",
    "entities",
    "findings",
}
CONTACT_KEYS = {"department", "address", "postcode", "phone", "email", "website"}
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_PARTIAL = re.compile(r"^(\d{4}|XXXX)(-(\d{2}|XX)(-(\d{2}|XX))?)?$")
_FULL = str.maketrans("０１２３４５６７８９減", "0123456789减", "\u200b\u200c\u200d\ufeff")


def read_figure(raw: str) -> int | float | None:
    """The value of an undamaged written cell: 1,084,887 / 减 17 / +2 / 10709.63 (None if unreadable)."""
    s = raw.translate(_FULL).replace(",", "").replace(" ", "")
    sign = 1
    if s[:1] in ("减", "-"):
        sign, s = -1, s[1:]
    elif s[:1] in ("增", "+"):
        s = s[1:]
    if re.fullmatch(r"\d+", s):
        return sign * int(s)
    if re.fullmatch(r"\d+\.\d+", s):
        return sign * float(s)
    return None


def _check_entity(e: dict[str, Any], text: str, norm_cache: dict[tuple[int, int], str]) -> list[str]:
    errs = []
    if set(e) != {"label", "start", "end", "text", "value"}:
        errs.append(f"entity keys {sorted(e)}")
        return errs
    if text[e["start"] : e["end"]] != e["text"] or not e["text"]:
        errs.append(f"entity offsets do not match the text: {e}")
    lab, val = e["label"], e["value"]
    if lab == "AGENCY" and val is not None:
        errs.append(f"AGENCY with a value: {e}")
    elif lab == "COUNT":
        ok = (
            isinstance(val, dict)
            and set(val) == {"number", "unit", "approx"}
            and isinstance(val["approx"], bool)
        )
        ok = ok and isinstance(val["number"], int)
        key = (e["start"], e["end"])
        if key not in norm_cache:
            norm_cache[key] = re.sub(r"\s", "", normalize(e["text"]).text)
        if not ok or val["unit"] not in norm_cache[key]:
            errs.append(f"COUNT value: {e}")
    elif lab == "AMOUNT" and not (
        isinstance(val, dict) and set(val) == {"yuan"} and isinstance(val["yuan"], float)
    ):
        errs.append(f"AMOUNT value: {e}")
    elif lab == "DATE" and not (isinstance(val, str) and _PARTIAL.match(val)):
        errs.append(f"DATE value: {e}")
    elif lab not in ("AGENCY", "COUNT", "AMOUNT", "DATE"):
        errs.append(f"unknown label: {e}")
    return errs


def validate(text: str, gold: dict[str, Any], meta: dict[str, Any] | None = None) -> list[str]:
    """Every problem found in a gold record (empty when valid)."""
    errs: list[str] = []
    if set(gold) != GOLD_KEYS:
        return [f"top-level keys differ: {sorted(set(gold) ^ GOLD_KEYS)}"]
    v = gold["format_version"]
    if v not in ("2019", "2021", "legacy", "unknown") or not isinstance(gold["year"], int):
        errs.append(f"format_version/year: {v!r} {gold['year']!r}")
    for k in ("start", "end"):
        if gold["period"] is not None and not _ISO.match(gold["period"][k]):
            errs.append(f"period.{k}: {gold['period']!r}")
    if gold["published"] is not None and not _ISO.match(gold["published"]):
        errs.append(f"published: {gold['published']!r}")
    c = gold["contact"]
    if set(c) != CONTACT_KEYS:
        errs.append(f"contact keys: {sorted(c)}")
    else:
        for k in ("department", "address", "postcode"):
            if c[k] is not None and c[k] not in text:
                errs.append(f"contact.{k} not in text: {c[k]!r}")
        for k in ("phone", "email", "website"):
            errs.extend(f"contact.{k} not in text: {x!r}" for x in c[k] if x not in text)
    if gold["agency"] is None or gold["agency"] not in text:
        errs.append(f"agency not in text: {gold['agency']!r}")
    # tables
    for t in TABLES:
        got = list(gold["tables"][t])
        if got != cell_keys(t, v):
            errs.append(f"{t} keys differ from the {v} template")
        for k, val in gold["tables"][t].items():
            if val is not None and (isinstance(val, bool) or not isinstance(val, int | float)):
                errs.append(f"{t}.{k} value {val!r}")
    # entities
    prev_end, cache = -1, {}
    for e in gold["entities"]:
        errs.extend(_check_entity(e, text, cache))
        if e["start"] < prev_end:
            errs.append(f"entities overlap or unsorted at {e}")
        prev_end = e["end"]
    # findings
    codes = [f["code"] for f in gold["findings"]]
    errs.extend(f"unknown finding code {x!r}" for x in codes if x not in FINDING_CODES)
    if any(set(f) != {"code", "detail"} for f in gold["findings"]):
        errs.append("finding keys must be code and detail")
    if v in ("2019", "2021"):
        failing = sorted(f["code"] for f in identity_findings(gold["tables"], v))
        claimed = sorted(x for x in codes if x.startswith("identity."))
        if failing != claimed:
            errs.append(f"identity findings {claimed} but the table fails {failing}")
        blank = sum(1 for t in TABLES if any(x is None for x in gold["tables"][t].values()))
        if blank != codes.count("table.blank"):
            errs.append(
                f"{blank} tables have blank cells but {codes.count('table.blank')} table.blank findings"
            )
        if (version_for_year(gold["year"]) != v) != ("format.version_mismatch" in codes):
            errs.append("format.version_mismatch does not match year and template")
    if meta is not None:
        errs.extend(_check_cells(text, gold, meta))
    return errs


def _check_cells(text: str, gold: dict[str, Any], meta: dict[str, Any]) -> list[str]:
    """Each non-blank cell's figure is where the sidecar says and reads as the gold value."""
    errs = []
    values = {f"{t}.{k}": val for t in TABLES for k, val in gold["tables"][t].items()}
    for key, (s, e) in meta["cells"].items():
        raw = text[s:e]
        if key not in values:
            errs.append(f"sidecar cell {key} not in the template")
            continue
        if key in meta["damaged"]:
            if meta["damaged"][key]["raw"] != raw or meta["damaged"][key]["value"] != values[key]:
                errs.append(f"damaged cell {key}: {meta['damaged'][key]} vs raw {raw!r}")
            continue
        if read_figure(raw) != values[key]:
            errs.append(f"cell {key} written {raw!r} but gold {values[key]!r}")
    written = set(meta["cells"]) | set(meta["blank_cells"])
    if gold["format_version"] in ("2019", "2021") and written != set(values):
        errs.append(f"cells not written: {sorted(set(values) - written)[:5]}")
    for key in meta["blank_cells"]:
        if values.get(key) is not None:
            errs.append(f"blank cell {key} has gold value {values[key]!r}")
    for s in meta["sections"]:
        if text[s["start"] : s["end"]] != s["heading"]:
            errs.append(f"section heading offsets: {s}")
    return errs
