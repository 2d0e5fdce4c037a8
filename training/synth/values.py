"""Table values drawn like real ones, the template identities, and controlled damage to them.

Real tables are mostly zeros with heavy-tailed counts where there is activity (a police
bureau decides a million penalties; a township receives no requests). Values are drawn per
body type (`SCALES`), then the identities are made to hold by construction. A controlled
fraction of reports is then made inconsistent (one written cell off) or left blank where the
figure was zero; the findings are computed from the written values, never remembered.
"""

from __future__ import annotations

import math
from random import Random

from extraction.schema import (
    APPEAL_COLS,
    APPEAL_GROUPS,
    APPLICANT_COLS,
    REQUEST_COLS,
    REQUEST_ROWS,
    RESULT_ROWS,
    cell_keys,
)

Tables = dict[str, dict[str, int | float | None]]

# Per body-type scale: (P(no requests), log-median requests, penalty range, licensing range,
# P(appeal), active-table activity).
SCALES: dict[str, dict[str, float]] = {
    "police": {"p0": 0.3, "req": 1.6, "pen": (2.5, 6.3), "lic": (2.0, 5.3), "appeal": 0.15, "act": 0.95},
    "market": {"p0": 0.3, "req": 1.6, "pen": (1.5, 4.0), "lic": (2.5, 5.0), "appeal": 0.12, "act": 0.9},
    "gov": {"p0": 0.2, "req": 2.2, "pen": (0.0, 2.5), "lic": (0.5, 3.5), "appeal": 0.3, "act": 0.7},
    "land": {"p0": 0.15, "req": 2.5, "pen": (0.5, 2.5), "lic": (1.0, 3.5), "appeal": 0.35, "act": 0.85},
    "housing": {"p0": 0.2, "req": 2.0, "pen": (0.5, 2.5), "lic": (1.0, 3.5), "appeal": 0.2, "act": 0.8},
    "mid": {"p0": 0.4, "req": 1.0, "pen": (0.5, 3.0), "lic": (0.5, 3.5), "appeal": 0.08, "act": 0.7},
    "small": {"p0": 0.6, "req": 0.6, "pen": (0.0, 1.5), "lic": (0.0, 2.0), "appeal": 0.03, "act": 0.4},
    "township": {"p0": 0.75, "req": 0.3, "pen": (0.0, 1.5), "lic": (0.0, 1.5), "appeal": 0.02, "act": 0.3},
}

# How requests end, by result row (weights before normalisation).
_RESULT_WEIGHTS = {
    "granted": 40,
    "partly_granted": 8,
    "withheld_state_secret": 0.5,
    "withheld_prohibited": 1,
    "withheld_security": 0.5,
    "withheld_third_party": 2,
    "withheld_internal": 2,
    "withheld_process": 2,
    "withheld_enforcement": 1,
    "withheld_inquiry": 3,
    "unable_not_held": 22,
    "unable_needs_creation": 3,
    "unable_unclear": 2,
    "rejected_petition": 5,
    "rejected_duplicate": 2,
    "rejected_publication": 1,
    "rejected_excessive": 1,
    "rejected_confirmation": 1,
    "other": 4,
    "other_no_correction": 2,
    "other_no_fee": 0.3,
    "other_misc": 2,
}
_APPLICANT_WEIGHTS = {"natural_person": 0.0, "commercial": 6, "research": 0.5, "social_org": 0.5,
                      "legal_service": 2, "other_org": 2}  # fmt: skip


def _log_uniform(rng: Random, lo: float, hi: float) -> int:
    """10**uniform(lo, hi), rounded."""
    return int(round(10 ** rng.uniform(lo, hi)))


def _split(rng: Random, n: int, weights: dict[str, float]) -> dict[str, int]:
    """Split n over the keys of `weights` (multinomial, proportional for large n)."""
    keys = list(weights)
    w = [weights[k] for k in keys]
    out = dict.fromkeys(keys, 0)
    if n <= 0:
        return out
    if n <= 300:
        for k in rng.choices(keys, weights=w, k=n):
            out[k] += 1
        return out
    total = sum(w)
    left = n
    for k, wk in zip(keys, w, strict=True):
        share = min(left, int(n * wk / total * rng.uniform(0.7, 1.3)))
        out[k] = share
        left -= share
    out[keys[0]] += left
    return out


def draw_requests(rng: Random, version: str, scale: str) -> dict[str, int]:
    """A `requests` table whose identities hold."""
    sc = SCALES[scale]
    rows = REQUEST_ROWS[version]
    vals = {f"{r}.{c}": 0 for r in rows for c in REQUEST_COLS}
    if rng.random() < sc["p0"]:
        return vals
    n = max(1, int(rng.lognormvariate(sc["req"], 1.1)))
    legal_share = rng.choice((0.0, 0.0, rng.uniform(0.02, 0.3)))
    legal = _split(rng, int(round(n * legal_share)), {k: v for k, v in _APPLICANT_WEIGHTS.items() if v})
    new = {"natural_person": n - sum(legal.values()), **legal}
    weights = {r: _RESULT_WEIGHTS[r] * rng.uniform(0.2, 2.0) for r in RESULT_ROWS[version]}
    for c in APPLICANT_COLS:
        carried = rng.randrange(0, max(1, new[c] // 5) + 1) if rng.random() < 0.2 else 0
        pool = new[c] + carried
        forward = rng.randrange(0, max(1, pool // 6) + 1) if pool and rng.random() < 0.25 else 0
        results = _split(rng, pool - forward, weights)
        vals[f"new.{c}"] = new[c]
        vals[f"carried_over.{c}"] = carried
        vals[f"carried_forward.{c}"] = forward
        vals[f"results_total.{c}"] = pool - forward
        for r, v in results.items():
            vals[f"{r}.{c}"] = v
    for r in rows:
        vals[f"{r}.total"] = sum(vals[f"{r}.{c}"] for c in APPLICANT_COLS)
    return vals


def draw_appeals(rng: Random, scale: str) -> dict[str, int]:
    """An `appeals` table whose totals hold: mostly zeros."""
    vals: dict[str, int] = {}
    p = SCALES[scale]["appeal"]
    for g in APPEAL_GROUPS:
        active = rng.random() < (p if g != "litigation_after_review" else p / 3)
        parts = {c: 0 for c in APPEAL_COLS[:-1]}
        if active:
            n = max(1, int(rng.lognormvariate(0.6, 0.9)))
            parts = _split(rng, n, {"upheld": 6, "corrected": 1, "other": 1.5, "pending": 2})
        for c, v in parts.items():
            vals[f"{g}.{c}"] = v
        vals[f"{g}.total"] = sum(parts.values())
    return vals


def draw_active(
    rng: Random, version: str, scale: str, body_key: str | None, level: str
) -> dict[str, int | float]:
    """An `active` table: regulations only for governments, heavy-tailed decision counts."""
    sc = SCALES[scale]
    busy = sc["act"]
    makes_rules = body_key in ("gov", "gov_office") and level in ("province", "city")

    def maybe(lo: float, hi: float, p: float = busy) -> int:
        return _log_uniform(rng, lo, hi) if rng.random() < p else 0

    pen = maybe(*sc["pen"])
    lic = maybe(*sc["lic"])
    coercion = maybe(0.0, max(0.5, sc["pen"][1] - 2.0), busy * 0.6)
    vals: dict[str, int | float] = {}
    if version == "2019":
        for row, base in (("regulations", 2 if makes_rules else 0), ("normative_documents", 6)):
            made = maybe(0.0, math.log10(base + 1), 0.6) if base else 0
            published = made if rng.random() < 0.9 else max(0, made - rng.randrange(0, 2))
            vals[f"{row}.made"] = made
            vals[f"{row}.published"] = published
            vals[f"{row}.total"] = published + maybe(0.3, 2.2 if base else 0.3, 0.7 if base else 0.0)
        for row, decisions in (("licensing", lic), ("other_services", maybe(0.5, 3.5, busy * 0.4)),
                               ("penalty", pen), ("coercion", coercion)):  # fmt: skip
            prev = maybe(0.3, 2.5) if decisions or rng.random() < 0.3 else 0
            vals[f"{row}.prev_items"] = prev
            vals[f"{row}.change"] = rng.choice((0, 0, 0, 0, rng.randrange(-5, 8))) if prev else 0
            vals[f"{row}.decisions"] = decisions
        fee_items = maybe(0.0, 1.5, busy * 0.6)
        vals["fees.prev_items"] = fee_items
        vals["fees.change"] = rng.choice((0, 0, 0, rng.randrange(-3, 2))) if fee_items else 0
        items = maybe(0.0, 2.3, busy * 0.7)
        vals["procurement.items"] = items
        vals["procurement.amount"] = round(items * rng.uniform(1.5, 120.0), 2) if items else 0
    else:
        for row, base in (("regulations", 2 if makes_rules else 0), ("normative_documents", 6)):
            issued = maybe(0.0, math.log10(base + 1), 0.6) if base else 0
            repealed = maybe(0.0, 0.8, 0.3) if base else 0
            vals[f"{row}.issued"] = issued
            vals[f"{row}.repealed"] = repealed
            vals[f"{row}.in_force"] = issued + maybe(0.3, 2.0 if base else 0.3, 0.7 if base else 0.0)
        vals["licensing.decisions"] = lic
        vals["penalty.decisions"] = pen
        vals["coercion.decisions"] = coercion
        vals["fees.amount"] = round(10 ** rng.uniform(0.0, 4.0), 2) if rng.random() < busy * 0.35 else 0
    return {k: vals[k] for k in cell_keys("active", version)}


def identity_findings(tables: Tables, version: str) -> list[dict[str, str]]:
    """Findings for every template identity that fails (blank counts as 0)."""
    rq, ap = tables.get("requests") or {}, tables.get("appeals") or {}
    out: list[dict[str, str]] = []

    def z(v: int | float | None) -> int | float:
        return 0 if v is None else v

    if rq:
        for c in REQUEST_COLS:
            lhs = z(rq[f"new.{c}"]) + z(rq[f"carried_over.{c}"])
            rhs = z(rq[f"results_total.{c}"]) + z(rq[f"carried_forward.{c}"])
            if lhs != rhs:
                out.append({"code": "identity.requests.balance",
                            "detail": f"{c}: new + carried_over = {lhs} but results_total + carried_forward = {rhs}."})  # fmt: skip
            s = sum(z(rq[f"{r}.{c}"]) for r in RESULT_ROWS[version])
            if s != z(rq[f"results_total.{c}"]):
                out.append({"code": "identity.requests.results_total",
                            "detail": f"{c}: the result rows sum to {s} but results_total is {z(rq[f'results_total.{c}'])}."})  # fmt: skip
        for r in REQUEST_ROWS[version]:
            s = sum(z(rq[f"{r}.{c}"]) for c in APPLICANT_COLS)
            if s != z(rq[f"{r}.total"]):
                out.append({"code": "identity.requests.row_total",
                            "detail": f"{r}: the applicant columns sum to {s} but total is {z(rq[f'{r}.total'])}."})  # fmt: skip
    for g in APPEAL_GROUPS if ap else ():
        s = sum(z(ap[f"{g}.{c}"]) for c in APPEAL_COLS[:-1])
        if s != z(ap[f"{g}.total"]):
            out.append({"code": "identity.appeals.total",
                        "detail": f"{g}: upheld + corrected + other + pending = {s} but total is {z(ap[f'{g}.total'])}."})  # fmt: skip
    return out


def corrupt(rng: Random, tables: Tables, version: str) -> str:
    """Make one written cell wrong, the way real tables go wrong; returns the cell key."""
    rq, ap = tables["requests"], tables["appeals"]
    kind = rng.choice(("row_total", "row_total", "results_total", "balance", "cell", "appeals"))
    if kind == "appeals":
        g = rng.choice(APPEAL_GROUPS)
        key = f"{g}.{rng.choice(APPEAL_COLS)}"
        ap[key] = (ap[key] or 0) + rng.choice((1, 1, 2, -1 if ap[key] else 1))
        return f"appeals.{key}"
    if kind == "row_total":
        key = f"{rng.choice(REQUEST_ROWS[version])}.total"
    elif kind == "results_total":
        key = f"results_total.{rng.choice(REQUEST_COLS)}"
    elif kind == "balance":
        key = f"{rng.choice(('carried_forward', 'carried_over', 'new'))}.{rng.choice(('natural_person', 'total'))}"
    else:
        key = f"{rng.choice(RESULT_ROWS[version])}.{rng.choice(APPLICANT_COLS)}"
    old = rq[key] or 0
    rq[key] = (
        old + rng.choice((1, 1, 2, 3, 10)) if old <= 1 or rng.random() < 0.5 else old - rng.randrange(1, old)
    )
    return f"requests.{key}"


def blank_zeros(rng: Random, table: dict[str, int | float | None], rate: float) -> int:
    """Leave zero cells blank, row by row (a whole row, or the legal-person columns); returns the count."""
    rows: dict[str, list[str]] = {}
    for k in table:
        rows.setdefault(k.split(".")[0], []).append(k)
    n = 0
    for keys in rows.values():
        if rng.random() >= rate:
            continue
        skip_first = rng.random() < 0.3  # keep 自然人 / the first column written
        for i, k in enumerate(keys):
            if table[k] == 0 and not (skip_first and i == 0):
                table[k] = None
                n += 1
    return n
