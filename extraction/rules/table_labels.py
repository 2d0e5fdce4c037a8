"""Row labels of the three template tables, fuzzy label matching and template-version evidence.

The national template (国办公开办函〔2019〕60号 and 〔2021〕30号) fixes the row labels of the
tables; reports copy them with OCR noise, numbering variants, spaces and explanatory
parentheses. A cell is matched to a label by an IDF-weighted Dice overlap of its CJK
characters, which tolerates a dropped, doubled or confused character while keeping labels
that share most of their characters (本年新收… vs 上年结转…) apart.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache

# (table, row or group, versions, aliases). Rows use schema.py keys; a group ("@…") is a label
# that heads rows without having numbers of its own. "-" versions means both.
_LABELS: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    ("active", "regulations", "-", ("规章",)),
    ("active", "normative_documents", "-", ("规范性文件", "行政规范性文件")),
    ("active", "licensing", "-", ("行政许可",)),
    ("active", "other_services", "2019", ("其他对外管理服务事项",)),
    ("active", "penalty", "-", ("行政处罚",)),
    ("active", "coercion", "-", ("行政强制",)),
    ("active", "fees", "-", ("行政事业性收费",)),
    ("active", "procurement", "2019", ("政府集中采购",)),
    ("active", "@heading", "-", ("信息内容",)),
    ("requests", "new", "-", ("本年新收政府信息公开申请数量",)),
    ("requests", "carried_over", "-", ("上年结转政府信息公开申请数量",)),
    ("requests", "granted", "-", ("予以公开",)),
    ("requests", "partly_granted", "-", ("部分公开",)),
    ("requests", "withheld_state_secret", "-", ("属于国家秘密",)),
    ("requests", "withheld_prohibited", "-", ("其他法律行政法规禁止公开",)),
    ("requests", "withheld_security", "-", ("危及三安全一稳定",)),
    ("requests", "withheld_third_party", "-", ("保护第三方合法权益",)),
    ("requests", "withheld_internal", "-", ("属于三类内部事务信息",)),
    ("requests", "withheld_process", "-", ("属于四类过程性信息",)),
    ("requests", "withheld_enforcement", "-", ("属于行政执法案卷",)),
    ("requests", "withheld_inquiry", "-", ("属于行政查询事项",)),
    ("requests", "unable_not_held", "-", ("本机关不掌握相关政府信息",)),
    ("requests", "unable_needs_creation", "-", ("没有现成信息需要另行制作",)),
    ("requests", "unable_unclear", "-", ("补正后申请内容仍不明确",)),
    ("requests", "rejected_petition", "-", ("信访举报投诉类申请",)),
    ("requests", "rejected_duplicate", "-", ("重复申请",)),
    ("requests", "rejected_publication", "-", ("要求提供公开出版物",)),
    ("requests", "rejected_excessive", "-", ("无正当理由大量反复申请",)),
    ("requests", "rejected_confirmation", "-", ("要求行政机关确认或重新出具已获取信息",)),
    ("requests", "other", "2019", ("其他处理",)),
    (
        "requests",
        "other_no_correction",
        "2021",
        ("申请人无正当理由逾期不补正行政机关不再处理其政府信息公开申请",),
    ),
    (
        "requests",
        "other_no_fee",
        "2021",
        ("申请人逾期未按收费通知要求缴纳费用行政机关不再处理其政府信息公开申请",),
    ),
    ("requests", "other_misc", "2021", ("其他",)),
    ("requests", "results_total", "-", ("总计", "合计")),
    ("requests", "carried_forward", "-", ("结转下年度继续办理",)),
    # Group cells of the requests table (三、本年度办理结果 | （三）不予公开 | 1.…).
    ("requests", "@results", "-", ("本年度办理结果",)),
    ("requests", "@withheld", "-", ("不予公开",)),
    ("requests", "@unable", "-", ("无法提供",)),
    ("requests", "@rejected", "-", ("不予处理",)),
    ("requests", "@other", "2021", ("其他处理",)),
    ("requests", "@applicant", "-", ("申请人情况", "法人或其他组织", "自然人")),
    # Column headers: listed so that a header cell is taken for what it is (本年新公开数量 is
    # no damaged 本年新收…数量 row label).
    ("requests", "@columns", "-", ("商业企业", "科研机构", "社会公益组织", "法律服务机构")),
    (
        "active",
        "@columns",
        "-",
        (
            "本年新制作数量",
            "本年新公开数量",
            "对外公开总数量",
            "上一年项目数量",
            "本年增减",
            "处理决定数量",
            "采购项目数量",
            "采购总金额",
            "本年制发件数",
            "本年废止件数",
            "现行有效件数",
            "本年处理决定数量",
            "本年收费金额",
        ),
    ),
    (
        "appeals",
        "@columns",
        "-",
        (
            "行政复议",
            "行政诉讼",
            "结果维持",
            "结果纠正",
            "其他结果",
            "尚未审结",
            "未经复议直接起诉",
            "复议后起诉",
        ),
    ),
)

# Cells that head the appeals table (四、行政复议、行政诉讼); matched by keyword, the words are short.
APPEAL_HEAD_RE = re.compile(r"维持|纠正|结果|其他|尚未|审结|总计|合计|复议|诉讼|起诉")
APPEAL_COL_RE = re.compile(r"维持|纠正|审结|尚未|其他结果")
APPEAL_START_RE = re.compile(r"复议|诉讼|维持|纠正|审结")
# One of the five column headers of each appeals group (not a group header like 行政复议).
APPEAL_COLUMN_WORD_RE = re.compile(r"^(?:结果)?(?:维持|纠正)$|^其他结果$|^尚未审结$|^[总合]计$")

# Column header words (label cores) per (table, column): used to find column x positions in
# space-aligned text. 本年增/减 has the core 本年增减.
COLUMN_WORDS: dict[tuple[str, str], tuple[str, ...]] = {
    ("active", "made"): ("本年新制作数量",),
    ("active", "published"): ("本年新公开数量",),
    ("active", "total"): ("对外公开总数量",),
    ("active", "prev_items"): ("上一年项目数量",),
    ("active", "change"): ("本年增减",),
    ("active", "decisions"): ("处理决定数量", "本年处理决定数量"),
    ("active", "items"): ("采购项目数量",),
    ("active", "amount"): ("采购总金额", "本年收费金额"),
    ("active", "issued"): ("本年制发件数",),
    ("active", "repealed"): ("本年废止件数",),
    ("active", "in_force"): ("现行有效件数",),
    ("requests", "natural_person"): ("自然人",),
    ("requests", "commercial"): ("商业企业",),
    ("requests", "research"): ("科研机构",),
    ("requests", "social_org"): ("社会公益组织",),
    ("requests", "legal_service"): ("法律服务机构",),
    ("requests", "other_org"): ("其他",),
    ("requests", "total"): ("总计", "合计"),
}

_PAREN_RE = re.compile(r"[（(][^（()）]*[）)]")
_OPEN_TAIL_RE = re.compile(r"[（(][^）)]*$")
_CLOSE_HEAD_RE = re.compile(r"^[^（(]*[）)]")
_NUMBERING_RE = re.compile(r"^\s*(?:[一二三四五六七八九十]{1,2}\s*[、.．]|\d{1,2}\s*[、.．)）])\s*")
_NON_CJK_RE = re.compile(r"[^\u3400-\u4dbf\u4e00-\u9fff]+")

ROW_MIN_SCORE = 0.62  # a row label candidate
ROW_MIN_SCORE_CELLS = 0.5  # ... when cells follow it


@dataclass(frozen=True)
class Target:
    """One label string with what it names."""

    label: str
    table: str
    row: str  # schema row key, or "@group"
    versions: tuple[str, ...]


def _targets() -> tuple[Target, ...]:
    out = []
    for table, row, ver, aliases in _LABELS:
        versions = ("2019", "2021") if ver == "-" else (ver,)
        out.extend(Target(a, table, row, versions) for a in aliases)
    return tuple(out)


TARGETS = _targets()


def _weights() -> dict[str, float]:
    df: dict[str, int] = {}
    labels = {t.label for t in TARGETS}
    for lab in labels:
        for ch in set(lab):
            df[ch] = df.get(ch, 0) + 1
    n = len(labels)
    return {ch: math.log(1.0 + n / d) for ch, d in df.items()}


_W = _weights()
_W_UNKNOWN = max(_W.values())
_TARGET_SETS = tuple((t, frozenset(t.label), sum(_W[c] for c in set(t.label))) for t in TARGETS)
_INDEX: dict[str, tuple[int, ...]] = {}
for _i, (_t, _s, _) in enumerate(_TARGET_SETS):
    for _c in _s:
        _INDEX[_c] = (*_INDEX.get(_c, ()), _i)


@lru_cache(maxsize=16384)
def label_core(text: str) -> str:
    """The CJK characters of a cell that carry its label: numbering and parentheses removed.

    `（二）部分公开（区分处理的，…）` -> `部分公开`; `3. 危及“三安全一稳定”` -> `危及三安全一稳定`.
    """
    t = _NUMBERING_RE.sub("", text)
    for _ in range(2):
        t = _PAREN_RE.sub("", t)
    t = _OPEN_TAIL_RE.sub("", t)
    t = _CLOSE_HEAD_RE.sub("", t)
    t = _NUMBERING_RE.sub("", t)
    return _NON_CJK_RE.sub("", t)


@lru_cache(maxsize=8192)
def match_label(core: str) -> tuple[tuple[Target, float], ...]:
    """Targets whose label overlaps the cell core, best first (weighted Dice >= 0.5)."""
    if not core or len(core) > 60:
        return ()
    chars = set(core)
    cw = sum(_W.get(c, _W_UNKNOWN) for c in chars)
    common: dict[int, float] = {}
    for c in chars:
        w = _W.get(c)
        if w is None:
            continue
        for i in _INDEX[c]:
            common[i] = common.get(i, 0.0) + w
    out = []
    for i, inter in common.items():
        t, _, tw = _TARGET_SETS[i]
        score = 2.0 * inter / (cw + tw)
        if score >= 0.5:
            out.append((t, round(score, 4)))
    if len(core) > 4:
        # A row label glued to the cell before it (a line join across table rows):
        # 信息内容…对外公开总数量规章.
        have = dict(out)
        glued = False
        for t, _, _ in _TARGET_SETS:
            if not t.row.startswith("@") and len(core) > len(t.label) + 1 and core.endswith(t.label):
                sc = 0.7 if len(t.label) >= 4 else 0.62
                if have.get(t, 0.0) < sc:
                    out = [(x, v) for x, v in out if x != t] + [(t, sc)]
                    glued = True
        if glued:
            # The header cells the label is glued to explain the rest of the cell, not the cell.
            out = [(x, v) for x, v in out if x.row not in ("@columns", "@heading")]
    out.sort(key=lambda p: -p[1])
    return tuple(out)


@lru_cache(maxsize=16384)
def cell_targets(text: str) -> tuple[tuple[Target, float], ...]:
    """`match_label(label_core(text))`, cached on the cell text (table cells repeat a lot)."""
    return match_label(label_core(text))


# --- template version evidence -------------------------------------------------------------

# Column and row labels that exist in only one template (国办公开办函〔2021〕30号 replaced the
# 2019 columns 本年新制作/本年新公开/对外公开总数量 and 上一年项目数量/本年增减 by 本年制发/废止/
# 现行有效件数 and 本年处理决定数量, dropped 其他对外管理服务事项 and 政府集中采购, and split
# （六）其他处理 into 1.逾期不补正 2.逾期未缴费 3.其他).
_EVIDENCE = {
    "2021": re.compile(
        r"本年制发件数|本年废止件数|现行有效件数?|本年处理决定数量|本年收费金额|逾期不补正|收费通知要求|不再处理其政府信息"
    ),
    "2019": re.compile(
        r"本年新制作数量|本年新公开数量|对外公开总数量|上一年项目数量|本年增/?减|采购项目数量|采购总金额"
        r"|其他对外管理服务事项|政府集中采购|本年新[\t |\n]"
    ),
}


@lru_cache(maxsize=2)
def _evidence_hits(text: str) -> tuple[tuple[str, int], ...]:
    # Cached for the one report in hand: the pipeline asks before and while reading its tables.
    return tuple((v, len({m.group().strip() for m in rx.finditer(text)})) for v, rx in _EVIDENCE.items())


def version_evidence(text: str) -> tuple[str | None, dict[str, int]]:
    """The template version the table labels in `text` point to, with the distinct hits per version."""
    hits = dict(_evidence_hits(text))
    if hits["2019"] == hits["2021"]:
        return None, hits
    return ("2019" if hits["2019"] > hits["2021"] else "2021"), hits
