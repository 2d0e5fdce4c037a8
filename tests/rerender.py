"""Re-render a labelled report into a damaged copy, with its gold entity offsets remapped.

Used to test that the readers survive renderings the seeds do not show: pipe tables, one cell
per line, full-width digits, PDF-style spaced characters, page breaks with running headers
(`KINDS`); and damage (`DAMAGE_KINDS`): traditional script, OCR confusions, digit damage in table
cells, and everything at once (`all_damage`). Damage is seeded per (gold `doc`, kind), so the same
seed file always gets the same damage.

One offset mechanism: every kind is a list of per-character edits (an insertion before an old
character, or the replacement of one old character). Applying them builds the new text and,
for every old character, where its replacement starts and ends in the new text. A span
`[s, e)` maps to `[start_of[s], end_of[e - 1])`, i.e. `[map[s], map[e-1] + 1)` when the last
character is kept as one character. Table values and document fields do not change (they are
values); entity texts become the new slices (e.g. full-width digits, traditional characters).

    new_text, new_gold = rerender(text, gold, "pipes")

It also writes invented reports from table values (`random_tables`, `table_grid`,
`render_report`) in each layout the table reader meets: tab grids, pipe rows, one cell a line
(tab-led or between pipe lines), cells separated by blank lines, space-aligned columns.
"""

from __future__ import annotations

import copy
import random
import re
import zlib
from collections.abc import Callable
from functools import lru_cache

from extraction.schema import APPLICANT_COLS, RESULT_ROWS, cell_keys, table_rows

KINDS = ("pipes", "one_cell_per_line", "fullwidth_digits", "spaced_chars", "page_breaks", "all")
DAMAGE_KINDS = ("traditional", "confusables", "digit_damage", "all_damage")
ALL_KINDS = KINDS + DAMAGE_KINDS
# tab grid, `| a | b |` rows, tab-led cell lines, cells and `|` on lines of their own, `| cell`
# lines, cells separated by blank lines, space-aligned columns; `mixed`: one table with pipes,
# one with tab-led lines, one with blank-line-separated cells.
RENDER_STYLES = ("tabs", "pipes", "cellines", "pipe_lines", "pipe_led", "lines", "spaces", "mixed")
# "all" composes the others; page breaks go first so that the running header is damaged like
# the title it repeats (and normalization can still recognise it).
_ALL_ORDER = ("page_breaks", "one_cell_per_line", "pipes", "fullwidth_digits", "spaced_chars")
# "all_damage": digit damage first (it finds the cells by reading the clean text), then script and
# OCR confusions (so the running header repeats the damaged title), then the renderings of "all".
_ALL_DAMAGE_ORDER = ("digit_damage", "traditional", "confusables", *_ALL_ORDER)
PAGE_EVERY = 1500

_CJK_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
_ONE_CELL_RE = re.compile(r"^\t[^\t]*$")

Edit = tuple[int, int, str]  # (pos, pos) inserts before old char pos; (pos, pos + 1) replaces it


def apply_edits(text: str, edits: list[Edit]) -> tuple[str, list[int], list[int]]:
    """Apply per-character edits: the new text, and per old char its new start and end.

    `start_of` has one more entry (for `len(text)`), so empty spans map too.
    """
    edits = sorted(edits, key=lambda x: (x[0], x[1] - x[0]))
    out: list[str] = []
    start_of = [0] * (len(text) + 1)
    end_of = [0] * len(text)
    pos = 0
    j = 0
    for i, ch in enumerate(text):
        rep = ch
        while j < len(edits) and edits[j][0] == i:
            s, e, new = edits[j]
            j += 1
            if e == s:
                out.append(new)
                pos += len(new)
            elif e == s + 1:
                rep = new
            else:
                raise ValueError(f"[R001] an edit must insert or replace one character, got: {(s, e)!r}")
        start_of[i] = pos
        out.append(rep)
        pos += len(rep)
        end_of[i] = pos
    start_of[len(text)] = pos
    while j < len(edits):
        out.append(edits[j][2])
        j += 1
    return "".join(out), start_of, end_of


# --- the kinds ----------------------------------------------------------------------------


def _pipes(text: str, gold: dict) -> list[Edit]:
    return [(m.start(), m.end(), " | ") for m in re.finditer(r"\t", text)]


def _one_cell_per_line(text: str, gold: dict) -> list[Edit]:
    """Each tab-separated cell on its own line (a leading tab), rows separated by a blank line;
    a blank cell is a line with a lone tab. Lines already one cell a line stay as they are."""
    edits: list[Edit] = []
    pos = 0
    for line in text.split("\n"):
        end = pos + len(line)
        if "\t" in line and not _ONE_CELL_RE.match(line):
            edits.append((pos, pos, "\t"))
            edits.extend((pos + m.start(), pos + m.start() + 1, "\n\t") for m in re.finditer("\t", line))
            if end < len(text):
                edits.append((end, end + 1, "\n\n"))
            else:
                edits.append((end, end, "\n"))
        pos = end + 1
    return edits


def _fullwidth_digits(text: str, gold: dict) -> list[Edit]:
    return [(m.start(), m.end(), chr(ord(m.group()) + 0xFEE0)) for m in re.finditer(r"[0-9]", text)]


def _spaced_chars(text: str, gold: dict) -> list[Edit]:
    return [
        (i, i, " ")
        for i in range(1, len(text))
        if _CJK_RE.match(text[i]) is not None and _CJK_RE.match(text[i - 1]) is not None
    ]


def running_header(text: str, gold: dict) -> str:
    """A running header line: the report's title line if it has one, else agency + report name."""
    for line in text.split("\n"):
        line = line.strip().lstrip("#").strip()
        if line:
            if "报告" in line and len(line) <= 60:
                return line
            break
    return f"{gold.get('agency') or ''}政府信息公开工作年度报告"


def _page_breaks(text: str, gold: dict) -> list[Edit]:
    """Every ~PAGE_EVERY characters, at a line end: a page number line and the running header."""
    header = running_header(text, gold)
    edits: list[Edit] = []
    page = 1
    nxt = PAGE_EVERY
    for m in re.finditer(r"\n", text):
        if m.start() >= nxt:
            edits.append((m.start(), m.start(), f"\n\n- {page} -\n\n{header}"))
            page += 1
            nxt = m.start() + PAGE_EVERY
    return edits


# --- damage: traditional script, OCR confusions, digit damage ---------------------------------


def damage_rng(gold: dict, kind: str) -> random.Random:
    """The random source of one (seed file, kind): stable across runs and Python versions."""
    return random.Random(zlib.crc32(f"{gold.get('doc', '')}|{kind}".encode()))


# Real traditional copies (mirror sites) write the Taiwan forms (為 75 times in the corpus's
# traditional reports, 爲 never) and mostly keep 台, so the converter is opencc's s2tw, phrase-aware
# (方面 stays 方面, 干部 becomes 幹部), and 台 is left alone.
_KEEP_IN_TRADITIONAL = frozenset("台")


@lru_cache(maxsize=1)
def _converters():  # -> tuple[OpenCC, OpenCC]
    import opencc

    return opencc.OpenCC("s2tw"), opencc.OpenCC("tw2s")


def _traditional(text: str, gold: dict) -> list[Edit]:
    """The whole text in traditional script, one character for one (offsets stay 1:1).

    A line is converted with phrases; a converted character is taken only where it is a
    traditional form of the character it replaces (checked both ways), otherwise the character
    is converted on its own, and kept when its conversion is not one character long."""
    s2t, t2s = _converters()
    edits: list[Edit] = []
    pos = 0
    for line in text.split("\n"):
        conv = s2t.convert(line) if line else line
        if len(conv) != len(line):
            conv = line  # phrases of other lengths: go character by character
        for i, (a, b) in enumerate(zip(line, conv, strict=True)):
            if a in _KEEP_IN_TRADITIONAL or not _CJK_RE.match(a):
                continue
            if b == a or (s2t.convert(a) != b and t2s.convert(b) != a):
                b = s2t.convert(a)
            if b != a and len(b) == 1:
                edits.append((pos + i, pos + i + 1, b))
        pos += len(line) + 1
    return edits


# OCR confusions. A digit read as a letter has one numeric reading (O in a figure can only be 0),
# so values stay what the gold says and a reader is expected to read through it; digits inside
# Latin tokens (e-mail addresses, URLs) are left alone, since there a letter is a valid reading.
# Character confusions stay out of value-bearing entities (COUNT, AMOUNT, DATE: 人次, 日 are part
# of the value) and off the first and last character of an AGENCY (its boundary); inside an
# AGENCY they are fair damage (公安居 is still the agency). Punctuation flips width, except
# between digits (1,234 / 12.5) and next to Latin letters (http://).
CONFUSION_RATE = 0.03  # per eligible character, for each of the three groups
DIGIT_CONFUSIONS = {"0": "Oo〇", "1": "lI"}
CJK_CONFUSIONS = {
    "己": "已巳", "已": "己巳", "日": "曰", "曰": "日", "未": "末", "末": "未", "人": "入", "入": "人",
    "土": "士", "士": "土", "千": "干", "天": "夭", "戊": "戌", "戌": "戊", "拨": "拔", "侯": "候",
    "候": "侯", "析": "折", "折": "析", "体": "休", "休": "体", "治": "冶", "刀": "力", "力": "刀",
}  # fmt: skip
PUNCT_CONFUSIONS = {
    "，": ",", ",": "，", "；": ";", ";": "；", "：": ":", ":": "：",
    "（": "(", "(": "（", "）": ")", ")": "）", "。": ".",
}  # fmt: skip
VALUE_LABELS = frozenset({"COUNT", "AMOUNT", "DATE"})
_LATIN_TOKEN_RE = re.compile(r"[A-Za-z0-9@._:/\-%?=&#~+]*[A-Za-z@][A-Za-z0-9@._:/\-%?=&#~+]*")
_ASCII_LETTER_RE = re.compile(r"[A-Za-z/]")


def _entity_mask(text: str, gold: dict) -> bytearray:
    """1 inside value-bearing entities, 2 on an AGENCY's first and last character."""
    mask = bytearray(len(text))
    for ent in gold.get("entities", []):
        s, e = ent["start"], ent["end"]
        if e <= s:
            continue
        if ent.get("label") in VALUE_LABELS:
            mask[s:e] = b"\x01" * (e - s)
        else:
            mask[s] = mask[e - 1] = 2
    return mask


def _confusables(text: str, gold: dict) -> list[Edit]:
    rng = damage_rng(gold, "confusables")
    mask = _entity_mask(text, gold)
    latin = bytearray(len(text))
    for m in _LATIN_TOKEN_RE.finditer(text):
        latin[m.start() : m.end()] = b"\x01" * (m.end() - m.start())
    edits: list[Edit] = []
    for i, ch in enumerate(text):
        if ch in DIGIT_CONFUSIONS:
            ok = not latin[i]
            options = DIGIT_CONFUSIONS[ch]
        elif ch in CJK_CONFUSIONS:
            ok = not mask[i]
            options = CJK_CONFUSIONS[ch]
        elif ch in PUNCT_CONFUSIONS:
            prev, nxt = text[i - 1 : i], text[i + 1 : i + 2]
            ok = not (prev.isdigit() and nxt.isdigit()) and not _ASCII_LETTER_RE.match(prev + nxt)
            options = PUNCT_CONFUSIONS[ch]
        else:
            continue
        # Draw for every candidate, eligible or not, so that one eligibility rule changing does
        # not reshuffle the damage elsewhere in the text.
        hit = rng.random() < CONFUSION_RATE
        pick = rng.choice(options)
        if ok and hit:
            edits.append((i, i + 1, pick))
    return edits


# Digit damage: a lost or a doubled digit in a few table cells; the gold keeps the true value.
# Only cells under a template identity (requests, appeals) are damaged, at most one per requests
# row, requests column and appeals group, so every damaged value stays determined by the identities
# (the spec lets a reader use them to pick between readings): damage in an `active` cell, where no
# identity holds, could not be repaired by any reader and would measure nothing. Cells are found by
# reading the clean text with the rules reader; only cells it reads as the gold value are used.
DIGIT_DAMAGE_CELLS = 3
_THOUSANDS_RE = re.compile(r"^\d{1,3}(?:,\d{3})+$")


def digit_damage_plan(text: str, gold: dict) -> list[tuple[str, int, str, str]]:
    """The damage `digit_damage` does: (`table.row.col`, offset, raw figure, damaged figure).

    A figure with thousands separators loses them (its value is unchanged); up to
    DIGIT_DAMAGE_CELLS other figures lose or double one digit (their value changes).
    """
    from extraction.pipeline import NotAReportError, extract_text

    try:
        rec = extract_text(text)
    except NotAReportError:
        return []
    rng = damage_rng(gold, "digit_damage")
    plan: list[tuple[str, int, str, str]] = []
    candidates = []
    for table, cells in sorted(rec.cells.items()):
        gold_table = (gold.get("tables") or {}).get(table) or {}
        for key, cell in sorted(cells.items()):
            want = gold_table.get(key)
            if cell.start is None or cell.end is None or want is None or cell.value != want:
                continue
            raw = text[cell.start : cell.end]
            if _THOUSANDS_RE.match(raw):
                plan.append((f"{table}.{key}", cell.start, raw, raw.replace(",", "")))
            elif table in ("requests", "appeals") and raw.isascii() and raw.isdigit() and int(raw) > 0:
                candidates.append((table, key, cell.start, raw))
    rng.shuffle(candidates)
    used: set[tuple[str, str, str]] = set()
    damaged = 0
    for table, key, start, raw in candidates:
        if damaged == DIGIT_DAMAGE_CELLS:
            break
        row, col = key.split(".")
        groups = (
            {(table, "row", row), (table, "col", col)} if table == "requests" else {(table, "group", row)}
        )
        if groups & used:
            continue
        used |= groups
        damaged += 1
        i = rng.randrange(len(raw))
        lost = len(raw) > 1 and rng.random() < 0.5
        plan.append((f"{table}.{key}", start, raw, raw[:i] + ("" if lost else raw[i] * 2) + raw[i + 1 :]))
    return sorted(plan, key=lambda x: x[1])


def _digit_damage(text: str, gold: dict) -> list[Edit]:
    edits: list[Edit] = []
    for _, start, raw, damaged in digit_damage_plan(text, gold):
        # One edit per character of the figure: the figure's first digit takes the damaged
        # figure, the others are deleted (the figure is not an entity, no span ends inside it).
        edits.append((start, start + 1, damaged))
        edits.extend((start + k, start + k + 1, "") for k in range(1, len(raw)))
    return edits


_KIND_EDITS: dict[str, Callable[[str, dict], list[Edit]]] = {
    "pipes": _pipes,
    "one_cell_per_line": _one_cell_per_line,
    "fullwidth_digits": _fullwidth_digits,
    "spaced_chars": _spaced_chars,
    "page_breaks": _page_breaks,
    "traditional": _traditional,
    "confusables": _confusables,
    "digit_damage": _digit_damage,
}


def rerender(text: str, gold: dict, kind: str) -> tuple[str, dict]:
    """Re-render or damage `text` as `kind` (see ALL_KINDS); returns the new text and a remapped
    copy of `gold` (entity offsets and texts follow the text; values and tables stay).

    Raises:
        ValueError: for an unknown kind.
    """
    if kind in ("all", "all_damage"):
        for k in _ALL_ORDER if kind == "all" else _ALL_DAMAGE_ORDER:
            text, gold = rerender(text, gold, k)
        return text, gold
    fn = _KIND_EDITS.get(kind)
    if fn is None:
        raise ValueError(f"[R002] unknown rerender kind, expected one of {ALL_KINDS}, got: {kind!r}")
    new_text, start_of, end_of = apply_edits(text, fn(text, gold))
    new_gold = copy.deepcopy(gold)
    for ent in new_gold.get("entities", []):
        s, e = ent["start"], ent["end"]
        ns = start_of[s]
        ne = end_of[e - 1] if e > s else ns
        ent["start"], ent["end"], ent["text"] = ns, ne, new_text[ns:ne]
    return new_text, new_gold


# --- invented reports: tables rendered in every layout the reader meets --------------------

ACTIVE_LAYOUT = {
    "2019": [
        ("第二十条第（一）项", ("本年新制作数量", "本年新公开数量", "对外公开总数量"), [("规章", "regulations"), ("规范性文件", "normative_documents")]),
        ("第二十条第（五）项", ("上一年项目数量", "本年增/减", "处理决定数量"), [("行政许可", "licensing"), ("其他对外管理服务事项", "other_services")]),
        ("第二十条第（六）项", ("上一年项目数量", "本年增/减", "处理决定数量"), [("行政处罚", "penalty"), ("行政强制", "coercion")]),
        ("第二十条第（八）项", ("上一年项目数量", "本年增/减"), [("行政事业性收费", "fees")]),
        ("第二十条第（九）项", ("采购项目数量", "采购总金额"), [("政府集中采购", "procurement")]),
    ],
    "2021": [
        ("第二十条第（一）项", ("本年制发件数", "本年废止件数", "现行有效件数"), [("规章", "regulations"), ("行政规范性文件", "normative_documents")]),
        ("第二十条第（五）项", ("本年处理决定数量",), [("行政许可", "licensing")]),
        ("第二十条第（六）项", ("本年处理决定数量",), [("行政处罚", "penalty"), ("行政强制", "coercion")]),
        ("第二十条第（八）项", ("本年收费金额（单位：万元）",), [("行政事业性收费", "fees")]),
    ],
}  # fmt: skip

REQUEST_LABELS = {
    "new": ["一、本年新收政府信息公开申请数量"],
    "carried_over": ["二、上年结转政府信息公开申请数量"],
    "granted": ["三、本年度办理结果", "（一）予以公开"],
    "partly_granted": ["（二）部分公开（区分处理的，只计这一情形，不计其他情形）"],
    "withheld_state_secret": ["（三）不予公开", "1.属于国家秘密"],
    "withheld_prohibited": ["2.其他法律行政法规禁止公开"],
    "withheld_security": ["3.危及“三安全一稳定”"],
    "withheld_third_party": ["4.保护第三方合法权益"],
    "withheld_internal": ["5.属于三类内部事务信息"],
    "withheld_process": ["6.属于四类过程性信息"],
    "withheld_enforcement": ["7.属于行政执法案卷"],
    "withheld_inquiry": ["8.属于行政查询事项"],
    "unable_not_held": ["（四）无法提供", "1.本机关不掌握相关政府信息"],
    "unable_needs_creation": ["2.没有现成信息需要另行制作"],
    "unable_unclear": ["3.补正后申请内容仍不明确"],
    "rejected_petition": ["（五）不予处理", "1.信访举报投诉类申请"],
    "rejected_duplicate": ["2.重复申请"],
    "rejected_publication": ["3.要求提供公开出版物"],
    "rejected_excessive": ["4.无正当理由大量反复申请"],
    "rejected_confirmation": ["5.要求行政机关确认或重新出具已获取信息"],
    "other": ["（六）其他处理"],
    "other_no_correction": [
        "（六）其他处理",
        "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
    ],
    "other_no_fee": ["2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请"],
    "other_misc": ["3.其他"],
    "results_total": ["（七）总计"],
    "carried_forward": ["四、结转下年度继续办理"],
}
REQUEST_HEAD = [
    [
        "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）",
        "申请人情况",
        "",
        "",
        "",
        "",
        "",
        "",
    ],
    ["", "自然人", "法人或其他组织", "", "", "", "", "总计"],
    ["", "", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", ""],
]
APPEAL_HEAD = [
    ["行政复议", "", "", "", "", "行政诉讼"] + [""] * 9,
    [
        "结果维持",
        "结果纠正",
        "其他结果",
        "尚未审结",
        "总计",
        "未经复议直接起诉",
        "",
        "",
        "",
        "",
        "复议后起诉",
    ],
    [""] * 5 + ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"] * 2,
]
SECTION = {"active": "二、主动公开政府信息情况", "requests": "三、收到和处理政府信息公开申请情况", "appeals": "四、政府信息公开行政复议、行政诉讼情况"}  # fmt: skip


def random_tables(rng: random.Random, version: str, blanks: bool) -> dict[str, dict[str, int | float | None]]:
    """Random tables that keep the template identities (blank counts as 0); `blanks` leaves
    about a third of the cells empty."""

    def v(lo: int = 0, hi: int = 9) -> int | None:
        return None if blanks and rng.random() < 0.35 else rng.randint(lo, hi)

    active: dict[str, int | float | None] = {}
    for row, cols in table_rows("active", version):
        for c in cols:
            val = v(0, 900)
            if c == "change" and val is not None:
                val = rng.randint(-20, 20)
            if c == "amount" and val is not None:
                val = round(rng.uniform(0, 9000), 2)
            active[f"{row}.{c}"] = val
    req: dict[str, int | float | None] = {}
    sums = [0] * 6
    for row in RESULT_ROWS[version]:
        vals = [v(0, 4) if rng.random() < 0.5 else (None if blanks else 0) for _ in APPLICANT_COLS]
        _put_row(req, row, vals)
        sums = [s + (x or 0) for s, x in zip(sums, vals, strict=True)]
    _put_row(req, "results_total", [s if (s or not blanks) else None for s in sums])
    fwd = [rng.randint(0, 2) for _ in APPLICANT_COLS]
    old = [min(rng.randint(0, 2), s + f) for s, f in zip(sums, fwd, strict=True)]
    _put_row(req, "carried_forward", [f if (f or not blanks) else None for f in fwd])
    _put_row(req, "carried_over", [o if (o or not blanks) else None for o in old])
    new = [s + f - o for s, f, o in zip(sums, fwd, old, strict=True)]
    _put_row(req, "new", [n if (n or not blanks) else None for n in new])
    req = {k: req[k] for k in cell_keys("requests", version)}
    appeals: dict[str, int | float | None] = {}
    for g in ("review", "litigation_direct", "litigation_after_review"):
        vals = [v(0, 3) for _ in range(4)]
        total = sum(x or 0 for x in vals)
        for c, x in zip(("upheld", "corrected", "other", "pending", "total"), [*vals, total], strict=True):
            appeals[f"{g}.{c}"] = x if (x or not blanks) else None
    return {"active": active, "requests": req, "appeals": appeals}


def _put_row(req: dict, row: str, vals: list[int | None]) -> None:
    total = sum(x or 0 for x in vals)
    for c, x in zip(APPLICANT_COLS, vals, strict=True):
        req[f"{row}.{c}"] = x
    req[f"{row}.total"] = total if (total or all(x is not None for x in vals)) else None


def _fmt(key: str, val: int | float | None, rng: random.Random) -> str:
    if val is None:
        return ""
    if key.endswith(".change"):
        return rng.choice(
            [f"{val:+d}".replace("+0", "0"), f"减 {-val}" if val < 0 else f"增{val}" if val else "0"]
        )
    if key.endswith(".amount"):
        return rng.choice([f"{val:.2f}", f"{val:.2f} 万元"])
    return str(val)


Row = tuple[str, list[str], list[str]]  # (kind: section/head/row/cols, label cells, value cells)


def table_grid(tables: dict, version: str, rng: random.Random) -> list[Row]:
    """The three tables as rows of cells, with their section headings."""
    rows: list[Row] = [("section", [SECTION["active"]], [])]
    cols_of = dict(table_rows("active", version))
    for head, cols, items in ACTIVE_LAYOUT[version]:
        rows += [("head", [head, "", "", ""], []), ("row", ["信息内容"], list(cols))]
        for label, r in items:
            rows.append(
                ("row", [label], [_fmt(f"{r}.{c}", tables["active"][f"{r}.{c}"], rng) for c in cols_of[r]])
            )
    rows += [("section", [SECTION["requests"]], []), *(("row", h[:1], h[1:]) for h in REQUEST_HEAD)]
    for r, cols in table_rows("requests", version):
        vals = [_fmt(f"{r}.{c}", tables["requests"][f"{r}.{c}"], rng) for c in cols]
        rows.append(("row", REQUEST_LABELS[r], vals))
    rows += [("section", [SECTION["appeals"]], []), *(("cols", [], h) for h in APPEAL_HEAD)]
    rows.append(("cols", [], [_fmt(k, tables["appeals"][k], rng) for k in cell_keys("appeals", version)]))
    return rows


def _width(s: str) -> int:
    return sum(2 if ord(ch) >= 0x1100 else 1 for ch in s)


def _rj(s: str, w: int = 18) -> str:
    return " " * max(3, w - _width(s)) + s


def render_report(grid: list[Row], style: str) -> str:
    """A report (invented agency 青山县示例局) around the grid, in one of RENDER_STYLES.

    Raises:
        ValueError: for an unknown style.
    """
    if style not in RENDER_STYLES:
        raise ValueError(f"[R003] unknown render style, expected one of {RENDER_STYLES}, got: {style!r}")
    out = ["青山县示例局2020年政府信息公开工作年度报告", "", "一、总体情况", "本局认真贯彻落实条例，全面推进政务公开工作，各项工作取得了新的进展，群众满意度持续提升。", ""]  # fmt: skip
    label_w = max(_width("    ".join(labels)) for kind, labels, _ in grid if kind == "row") + 4
    mixed = style == "mixed"
    for kind, labels, values in grid:
        cells = labels + values
        if kind == "section":
            out += ["", labels[0], ""]
            if mixed:
                # Each table its own way, with no prose between them.
                style = {"二": "pipe_lines", "三": "cellines", "四": "lines"}[labels[0][0]]
        elif style == "tabs":
            out.append("\t".join(cells))
        elif style == "pipes":
            out.append("| " + " | ".join(cells) + " |")
        elif style == "cellines":
            out += [f"\t{c}" for c in cells] + [""]
        elif style == "pipe_lines":
            out += [x for c in cells for x in (c, "|")]
        elif style == "pipe_led":
            out += [f"| {c}" if c else "|" for c in cells]
        elif style == "lines":
            out += [x for c in cells if c for x in (c, "")]
        elif style == "spaces" and kind == "row":
            label = "    ".join(labels)
            out.append(label + " " * (label_w - _width(label)) + "".join(_rj(v) for v in values).rstrip())
        elif style == "spaces" and kind == "cols":
            out.append("".join(_rj(v) for v in values).rstrip())
        elif style == "spaces":
            out.append("    ".join(c for c in cells if c))
    out += ["", "五、存在的主要问题及改进情况", "一是公开内容还不够丰富，二是解读形式较为单一，下一步将持续改进和完善工作机制。"]  # fmt: skip
    return "\n".join(out) + "\n"
