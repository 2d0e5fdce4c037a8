"""Tests of the entity rules (extraction/entities.py, extraction/rules/*) and the gazetteer tool.

Fixture sentences are invented (agencies, numbers); the seeds and gold are read from ../shared
at run time only.
"""

from __future__ import annotations

import gzip
import importlib.util
import io
import json
import time
import zipfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from extraction.entities import entities_to_doc, extract_entities, longest_span_filter
from extraction.normalize import normalize
from extraction.rules.gazetteer import GazetteerError, load_gazetteer, parse_divisions, parse_lexicon
from extraction.rules.numeric import Candidate
from extraction.schema import LABELS

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT / ".." / "shared"


def ents(text: str) -> list[tuple[str, str, object]]:
    return [(e.label, e.text, e.value) for e in extract_entities(normalize(text))]


def spans(text: str, label: str) -> list[str]:
    return [t for lab, t, _ in ents(text) if lab == label]


# --- positives ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("依托淮南市教育局门户网站发布", ["淮南市教育局"]),
        ("请与滁州市公安局指挥中心互联网警务办公室联系", ["滁州市公安局指挥中心互联网警务办公室"]),
        ("按照省公安厅办公室的要求", ["省公安厅办公室"]),
        ("在市委市政府的领导下", ["市委", "市政府"]),
        ("按照区委、区政府的部署", ["区委", "区政府"]),
        ("成立市财政局政府信息公开工作领导小组", ["市财政局政府信息公开工作领导小组"]),
        ("由治安管理支队负责", ["治安管理支队"]),
        ("报告可在来安县人民政府网站下载", ["来安县人民政府"]),
        ("请与六安市公安局金安分局办公室联系", ["六安市公安局金安分局办公室"]),
        ("《国务院办公厅政府信息与政务公开办公室关于某事的通知》", ["国务院办公厅政府信息与政务公开办公室"]),
        ("报送区政务公开办审核", ["区政务公开办"]),
        ("铜陵市自然资源和规划局编制本报告", ["铜陵市自然资源和规划局"]),
        ("落实党中央、国务院的部署", ["党中央", "国务院"]),
        ("经中共宣城市委同意", ["中共宣城市委"]),
    ],
)
def test_entities_agency_found(text: str, expected: list[str]) -> None:
    assert spans(text, "AGENCY") == expected


@pytest.mark.parametrize(
    ("text", "span", "value"),
    [
        ("主动公开政务信息 683 条。", "683 条", {"number": 683, "unit": "条", "approx": False}),
        ("发布信息2400余条，", "2400余条", {"number": 2400, "unit": "条", "approx": True}),
        ("接待群众38万人次", "38万人次", {"number": 380000, "unit": "人次", "approx": False}),
        ("收集留言4.27万条；", "4.27万条", {"number": 42700, "unit": "条", "approx": False}),
        ("累计办理52000件以上。", "52000件", {"number": 52000, "unit": "件", "approx": True}),
        ("共收到申请约 30 件，", "30 件", {"number": 30, "unit": "件", "approx": True}),
        ("开通了两个政务新媒体平台", "两个", {"number": 2, "unit": "个", "approx": False}),
        ("报告由六部分组成", "六部分", {"number": 6, "unit": "部分", "approx": False}),
        ("发布调查问卷2期，", "2期", {"number": 2, "unit": "期", "approx": False}),
        ("举办培训班 3 次，", "3 次", {"number": 3, "unit": "次", "approx": False}),
        ("收到群众来信，1条；", "1条", {"number": 1, "unit": "条", "approx": False}),
        ("全年召开3次会议", "3次", {"number": 3, "unit": "次", "approx": False}),
        ("网站总访问量达4.5亿次", "4.5亿次", {"number": 450000000, "unit": "次", "approx": False}),
    ],
)
def test_entities_count_span_and_value(text: str, span: str, value: dict) -> None:
    assert [(t, v) for lab, t, v in ents(text) if lab == "COUNT"] == [(span, value)]


@pytest.mark.parametrize(
    ("text", "span", "yuan"),
    [
        ("政府集中采购\t42\t8812.07 万元\t", "8812.07 万元", 88120700.0),
        ("| 采购总金额 | 9 | 215.5万 |", "215.5万", 2155000.0),
        ("全年收费5亿元。", "5亿元", 500000000.0),
    ],
)
def test_entities_amount(text: str, span: str, yuan: float) -> None:
    assert [(t, v) for lab, t, v in ents(text) if lab == "AMOUNT"] == [(span, {"yuan": yuan})]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "统计期限为 2021 年 1 月 1 日至 2021 年 12 月 31 日。",
            [("2021 年 1 月 1 日", "2021-01-01"), ("2021 年 12 月 31 日", "2021-12-31")],
        ),
        ("统计期限为2022年1月1日至12月31日。", [("2022年1月1日", "2022-01-01"), ("12月31日", "XXXX-12-31")]),
        ("系统于9月下旬上线", [("9月下旬", "XXXX-09")]),
        ("完成 2018 年度考核", [("2018 年度", "2018")]),
        ("印发《2021年信息公开工作要点》", [("2021年", "2021")]),
        ("发布时间:2021-01-29 15:51", [("2021-01-29", "2021-01-29")]),
        ("二〇二一年一月十八日", [("二〇二一年一月十八日", "2021-01-18")]),
        ("2.2020年,街道完成", [("2020年", "2020")]),
    ],
)
def test_entities_dates(text: str, expected: list[tuple[str, str]]) -> None:
    assert [(t, v) for lab, t, v in ents(text) if lab == "DATE"] == expected


# --- exclusions ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "我局认真贯彻，本机关依法公开",
        "市局微信公众号和县局网站",
        "分局认真贯彻落实",
        "各派出所、相关部门和公安机关",
        "在交警大队服务大厅设置窗口",
        "县（区）公安局新媒体账号",
        "依托“淮南市公安局”门户网站发布",
        "通过“淮南市公安局”发布",
        "《中华人民共和国政府信息公开条例》(国务院令第711号)",
        "《条例》（国务院第 711 号）",
        "人大代表建议和政协委员提案办理结果",
        "厅局长信箱和局长信箱",
        "推动政府信息公开工作，围绕中心工作",
        "全市派出所综合服务窗口和三区分局",
        "加快建设法治政府和服务型政府",
    ],
)
def test_entities_agency_excluded(text: str) -> None:
    assert spans(text, "AGENCY") == []


@pytest.mark.parametrize(
    "text",
    [
        "深入学习党的十九大和十九届五中全会精神",
        "第四届理事会第3次会议",
        "受理12345热线转办",
        "电话:0553-1234567,邮编:241000",
        "(国办公开办函〔2019〕60号)",
        "在1号、22号警务站",
        "办结率达到95%以上",
        "在15个工作日内答复，延长3个月",
        "对照《某区基层政务公开25个试点领域标准目录》",
        "增强“四个意识”、做到“两个维护”",
        "今年、年内和上一年",
        "属于三类内部事务信息和四类过程性信息",
        "落实中央八项规定精神",
        "网址 http://www.example.gov.cn/2020/12/31/a.html 邮箱 abc123@163.com",
        "省委九届十一次全会，十三届全国人大二次会议",
        "按照《条例》二十条规定",
        "地址:东四六条17号",
    ],
)
def test_entities_numbers_excluded(text: str) -> None:
    assert [(lab, t) for lab, t, _ in ents(text) if lab != "AGENCY"] == []


def test_entities_bare_table_numbers_are_not_entities() -> None:
    table = "行政许可\t27\t-1\t57121\n行政事业性收费\t3\t0\n政府集中采购\t90\t3227.23\n"
    assert ents(table) == []


# --- offsets and invariants ---------------------------------------------------------------------


def _check_invariants(original: str) -> None:
    found = extract_entities(normalize(original))
    prev_end = 0
    for e in found:
        assert e.label in LABELS and e.source == "rules"
        assert original[e.start : e.end] == e.text
        assert e.start >= prev_end, "entities overlap or are unsorted"
        prev_end = e.end


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.sampled_from(["", " ", "  ", "\u3000"]), min_size=6, max_size=6),
    st.integers(min_value=2000, max_value=2030),
    st.integers(min_value=0, max_value=99999),
)
def test_entities_offsets_survive_spaces(gaps: list[str], year: int, n: int) -> None:
    g = gaps
    original = f"{year}{g[0]}年{g[1]}1{g[2]}月{g[3]}1{g[4]}日，宣城市财政局公开信息 {n}{g[5]}条。"
    _check_invariants(original)
    found = extract_entities(normalize(original))
    values = {e.label: e.value for e in found}
    if g[0] in ("", " ") and all(x in ("", " ") for x in g[1:5]):
        assert values["DATE"] == f"{year}-01-01"
    if g[5] in ("", " "):
        assert values["COUNT"] == {"number": n, "unit": "条", "approx": False}
    assert values["AGENCY"] is None


def test_entities_filter_keeps_longest_non_overlapping() -> None:
    cands = [
        Candidate("AGENCY", 0, 6, None),
        Candidate("AGENCY", 0, 3, None),
        Candidate("COUNT", 5, 8, {}, 1),
    ]
    assert [(c.start, c.end) for c in longest_span_filter(cands)] == [(0, 6)]


def test_entities_to_doc_sets_ents() -> None:
    text = "宣城市财政局公开信息 12 条。"
    doc = entities_to_doc(text, extract_entities(normalize(text)))
    assert [(s.label_, s.text) for s in doc.ents] == [("AGENCY", "宣城市财政局"), ("COUNT", "12 条")]


# --- gazetteer and its build tool ---------------------------------------------------------------


def test_entities_gazetteer_has_all_levels() -> None:
    gaz = load_gazetteer()
    assert {"安徽省", "蚌埠市", "贵池区"} <= gaz.places
    assert {"蚌埠", "贵池"} <= gaz.place_shorts
    assert "城关镇" in gaz.townships
    assert len(gaz.places) > 3000 and len(gaz.townships) > 30000


@pytest.mark.parametrize("row", ["X\t某市\t", "P\t\t", "P\t只有两列"])
def test_entities_gazetteer_rejects_bad_rows(row: str) -> None:
    with pytest.raises(GazetteerError, match="G101"):
        parse_divisions(row)


def test_entities_lexicon_rejects_unknown_section() -> None:
    with pytest.raises(GazetteerError, match="G102"):
        parse_lexicon("[places]\n某地\n")


def _load_tool():
    spec = importlib.util.spec_from_file_location("build_gazetteer", ROOT / "tools" / "build_gazetteer.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_entities_build_gazetteer_round_trip(tmp_path: Path) -> None:
    tool = _load_tool()
    tree = "某某省\t990000\t某某\n\t青禾市\t990100\t青禾\n\t\t白石县\t990101\t白石\n\t\t\t长湾镇\n\t\t\t\t下村\n\t\t\t北门街道\n"
    changes = "2001-01-01\t国批\t某某省\t某某\t旧州地区\t旧州=>某某省\t青禾市\n"
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as z:
        z.writestr("china_location.txt", tree)
    wheel = tmp_path / "jionlp-test.whl"
    with zipfile.ZipFile(wheel, "w") as z:
        z.writestr(tool.LOCATION_MEMBER, inner.getvalue())
        z.writestr(tool.CHANGE_MEMBER, changes)
    out = tmp_path / "divisions.tsv.gz"
    assert tool.build(wheel, out) == 6
    gaz = parse_divisions(gzip.decompress(out.read_bytes()).decode("utf-8"))
    assert {"某某省", "青禾市", "白石县", "旧州地区"} <= gaz.places
    assert {"青禾", "白石", "旧州"} <= gaz.place_shorts
    assert gaz.townships == {"长湾镇", "北门街道"} and gaz.township_shorts == {"长湾", "北门"}


def test_entities_build_gazetteer_rejects_other_wheels(tmp_path: Path) -> None:
    tool = _load_tool()
    wheel = tmp_path / "other.whl"
    with zipfile.ZipFile(wheel, "w") as z:
        z.writestr("other/file.txt", "x")
    with pytest.raises(tool.GazetteerBuildError, match="G001"):
        tool.build(wheel, tmp_path / "out.tsv.gz")


# --- against the shared seeds and corpus --------------------------------------------------------


def _shared(sub: str) -> Path:
    path = SHARED / sub
    if not path.is_dir():
        pytest.skip(f"../shared/{sub} is not there (tests read the shared seeds at run time)")
    return path


def _seed_docs() -> list[tuple[str, list[dict], list[dict]]]:
    gold_dir, seed_dir = _shared("gold"), _shared("seeds")
    docs = []
    for gold_file in sorted(gold_dir.glob("*.json")):
        gold = json.loads(gold_file.read_text(encoding="utf-8"))
        text = (seed_dir / gold["doc"]).read_text(encoding="utf-8")
        pred = [e.to_json() for e in extract_entities(normalize(text))]
        docs.append((text, gold["entities"], pred))
    if not docs:
        pytest.skip("no gold files in ../shared/gold")
    return docs


def test_entities_seeds_meet_targets() -> None:
    from extraction.evaluate import score_entities

    gold_all: list[dict] = []
    pred_all: list[dict] = []
    offset = 0
    for text, gold, pred in _seed_docs():
        gold_all += [dict(e, start=e["start"] + offset, end=e["end"] + offset) for e in gold]
        pred_all += [dict(e, start=e["start"] + offset, end=e["end"] + offset) for e in pred]
        offset += len(text) + 1
    scores = score_entities(gold_all, pred_all)
    assert scores["strict"]["f1"] >= 0.85
    assert scores["overlap"]["f1"] >= 0.92
    for label in LABELS:
        assert scores["per_label"][label]["overlap"]["f1"] >= 0.8, label


def test_entities_corpus_invariants_and_speed() -> None:
    files = sorted(_shared("corpus").glob("*.txt"))[::9]
    norms = [normalize(f.read_text(encoding="utf-8")) for f in files]
    extract_entities(norms[0])  # loads the gazetteer
    started = time.perf_counter()
    for n in norms:
        extract_entities(n)
    per_doc_ms = (time.perf_counter() - started) * 1000 / len(norms)
    for n in norms:
        _check_invariants(n.original)
    # Generous: catches a pathological regex, not the shared machine's noise (measured ~1 ms).
    assert per_doc_ms < 50
