"""The words AGENCY names are read from, each with its kind, and the body types (heads).

Kinds: P place (蚌埠市), S short place (蚌埠, 贵池), T township (望疃镇), U township short form
(城关), L level word (市, 区), H body type (局, 人民政府), N complete national body (国务院),
Q national prefix (国家, 中共), F function or unit word (公安, 指挥中心).
"""

from __future__ import annotations

import re
from functools import lru_cache

from extraction.rules.fast_regex import scan_pattern, trie_alternation
from extraction.rules.gazetteer import load_gazetteer, load_lexicon

# Body types that may follow a place or level word directly: 市委, 贵池区人民政府.
STANDALONE = frozenset(
    "人民政府 政府 委 党委 纪委 监委 党工委 人大常委会 人大 政协 人民法院 中级人民法院 高级人民法院 法院 "
    "人民检察院 检察院 人民法庭 法庭 派出所 分局 街道办事处 办事处 管委会 管理委员会 委员会 工作委员会 行政公署 公署 "
    "司法所 财政所 警务站 检察室 纪律检查委员会 监察委员会 常委会".split()
)
# Body types that need a function word before them: 公安局, 卫生健康委员会, 政务公开办.
FUNCTIONAL = frozenset(
    "局 总局 分局 厅 委员会 委 办公室 办公厅 办 部 署 中心 支队 大队 中队 总队 处 科 领导小组 工作小组 管委会 "
    "管理委员会 监狱 看守所 拘留所 戒毒所 强制隔离戒毒所 管理所 研究所 工作站 服务站 检查站 研究室".split()
)
# Units that may follow another body directly: 市政府办公室, 国务院办公厅, 公安局党委.
AFTER_HEAD = frozenset("办公室 办公厅 办 党委 纪委 监委 领导小组 机关党委 党组".split())
# Sub-units named by a place after their parent (池州市公安局贵池分局); a short place form
# names only these (贵池分局, 城关派出所).
SUBUNIT = frozenset(
    "分局 派出所 人民法庭 法庭 中队 大队 支队 司法所 财政所 警务站 检察室 分院 办事处 街道办事处".split()
)
# Internal units kept without a place when their own name is long enough (4+ characters).
UNIT = frozenset("办公室 领导小组 工作小组 支队 大队 中队 总队 中心 办 科 处 研究室".split())
MIN_UNIT_NAME = 4
# Township short forms are ordinary words too often; they only name these bodies.
TOWNSHIP_HEADS = frozenset("派出所 司法所 财政所 警务站 人民法庭 中队 检察室".split())
# Heads that a street (街道) does not have: there is no 街道政府.
NOT_AFTER_STREET = frozenset("人民政府 政府 人大 政协 法院 人民法院 检察院 人民检察院".split())
HEADS = STANDALONE | FUNCTIONAL | AFTER_HEAD | SUBUNIT | UNIT

# Characters after a body type that make it another word: 局长, 委托, 部门, 处理, 办理.
NEXT_BAN = {
    "局": "面势限部", "厅": "堂局", "处": "理罚置室于在级分所", "委": "员托派屈婉", "部": "门署分位队件属委",
    "署": "名理", "办": "理事件结法学案好实证照税复文会的成", "科": "室技学员研普", "队": "伍员",
    "中心": "城区", "委员会": "员",
}  # fmt: skip
NEXT_BAN_WORDS = {
    "政府": "采购|信息公开条例|信息公开(?:工作)?(?:年度)?报告|网站群",
    "人大": "代表|建议|议案",
    "政协": "委员(?!会)|提案",
    "中心": "工作|任务|环节|地位|位置|思想|理念|城区|城市",
}
# Level words, with the characters before them that make them part of another word (城市, 社区).
LEVEL_WORDS = ("自治区", "自治州", "自治县", "街道", "省", "市", "县", "区", "州", "旗", "盟", "镇", "乡")
LEVEL_BAN_COMMON = "全各本我该此每两三四五六七八九十一二上下外他其分跨同邻兄弟属辖整城"
LEVEL_BAN = {
    "市": "都超股夜门集楼开闹互菜早省县地副", "区": "园社景片小地郊山林灾疫校厂矿营库专市县街误盲禁病商港保护验范能示新老",
    "县": "州市区郡", "省": "节反", "镇": "乡重集古村小坐", "乡": "家故返回异镇老", "州": "神九杭", "旗": "红国彩锦升",
    "盟": "联同加结",
}  # fmt: skip
# Short place forms that are ordinary words first (人民 is 人民镇, 和县 starts with 和).
_SHORT_STOP = frozenset(
    "人民 和平 胜利 光明 前进 团结 建设 民主 解放 红旗 东风 幸福 友谊 太平 中心 开发 工业 新区 城区 市区 郊区 "
    "社区 促进 创新 开通 健康 更新 发展 服务 改革 振兴 文明 和谐 平安 安全 公安 政府 管理 工作 信息 公开".split()
)
_FUNCTION_CHARS = "和与及对在为由将向把从经按据至于以"
# Township names that are themselves bodies (林业局, 农场): never a place before a body.
_BODY_END_RE = re.compile(r"(?:局|场|处|所|站|厂|公司|委员会|办事处|管委会|中心|区直|局直)$")


def head_pattern(heads: frozenset[str], national: frozenset[str]) -> re.Pattern[str]:
    """A regex finding every body type (overlapping ones too) with its excluded continuations.

    Group 1 is the body type. It is found at every position where one starts, so heads inside
    heads are found too (政府 in 市政府办公室); the heads form a prefix tree, longest first.
    """
    items = []
    for h in sorted(heads | national, key=lambda w: (-len(w), w)):
        ban = NEXT_BAN.get(h, NEXT_BAN.get(h[-1], ""))
        look = f"(?![长令{ban}])"
        if h in NEXT_BAN_WORDS:
            look += f"(?!{NEXT_BAN_WORDS[h]})"
        items.append((h, look))
    first = "".join(sorted({h[0] for h in heads | national}))
    return scan_pattern(first, trie_alternation(items))


def _usable_place(name: str) -> bool:
    if name in _SHORT_STOP or _BODY_END_RE.search(name):
        return False
    # 和县, 对口 ...: a two-character name starting with a function character is read as words.
    return not (len(name) == 2 and name[0] in _FUNCTION_CHARS)


# A line (word) of "\n".join(words) with a character outside the CJK block.
_NON_CJK_WORD_RE = re.compile(r"[^\n]*[^\u3400-\u9fff\n][^\n]*")


@lru_cache(maxsize=1)
def word_kinds() -> tuple[dict[str, str], int, re.Pattern[str], frozenset[str]]:
    """(word -> kind, longest word length, head regex, national bodies), built once."""
    gaz = load_gazetteer()
    lex = load_lexicon()
    words: dict[str, str] = {}
    # Later groups win where a word has several kinds: 公安 is a county short form and a function.
    for kind, group in (
        ("U", gaz.township_shorts),
        ("T", gaz.townships),
        ("S", gaz.place_shorts),
        ("P", gaz.places),
        ("L", LEVEL_WORDS),
        ("H", HEADS),
        ("Q", lex.prefix),
        ("N", lex.national),
        ("F", lex.function | lex.unit),
    ):
        for w in group:
            if kind in "UTSP" and not _usable_place(w):
                continue
            words[w] = kind
    # A name is read inside one run of CJK characters: words with other characters (巴州/巴音郭楞)
    # never match.
    for w in _NON_CJK_WORD_RE.findall("\n".join(words)):
        del words[w]
    max_len = min(12, max(len(w) for w in words))
    return words, max_len, head_pattern(HEADS, lex.national), lex.national


@lru_cache(maxsize=1)
def word_endings() -> frozenset[str]:
    """Every ending of a word of `word_kinds` (up to the longest length looked up) that is not
    itself a word.

    A name is read leftwards one word at a time; where `text[pos - k : pos]` is neither a word
    nor the ending of one, no longer word ends at `pos` either, so the look-up stops there.
    """
    words, max_len, _, _ = word_kinds()
    return frozenset({w[-k:] for w in words if len(w) <= max_len for k in range(1, len(w))} - words.keys())
