"""Document fields on invented preambles, damaged renderings, the seeds' gold and the corpus index."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from extraction.fields import extract_fields, full_date
from extraction.normalize import normalize
from extraction.schema import Entity
from extraction.sections import find_sections

REST = "\n一、总体情况\n2020年，本机关认真落实条例要求，全面推进政务公开工作。\n二、主动公开政府信息情况\n规章\t0\t0\t0\n"


def fields_of(text: str, entities: list[Entity] | None = None):
    norm = normalize(text)
    return extract_fields(norm, entities or [], find_sections(norm))


PREAMBLE = (
    "青山县示例局 2020 年政府信息公开工作年度报告\n\n(2021 年 1 月 15 日)\n\n"
    "本报告所列数据的统计期限为 2020 年 1 月 1 日至 2020 年 12 月 31 日。本报告电子版可在青山县示例局门户网站"
    "（<http://slj.qingshan.gov.cn/>）下载。如有疑问，请与青山县示例局法制科联系（地址：青山县东风路 18 号，"
    "邮编：123456，电话：0123-7654321、0123-7654322，传真：0123-7654399，电子邮箱 qsslj@example.com）。"
)


def test_fields_full_preamble() -> None:
    f = fields_of(PREAMBLE + REST)
    assert f.agency == "青山县示例局"
    assert f.year == 2020
    assert f.period == {"start": "2020-01-01", "end": "2020-12-31"}
    assert f.published == "2021-01-15"
    c = f.contact
    assert c.department == "青山县示例局法制科"
    assert c.address == "青山县东风路 18 号"  # spaces kept as written
    assert c.postcode == "123456"
    assert c.phone == ["0123-7654321", "0123-7654322"]  # the fax is no phone
    assert c.email == ["qsslj@example.com"]
    assert c.website == ["http://slj.qingshan.gov.cn/"]


def test_fields_values_are_slices_of_the_original() -> None:
    text = PREAMBLE + REST
    f = fields_of(text)
    c = f.contact
    for value in [f.agency, c.department, c.address, c.postcode, *c.phone, *c.email, *c.website]:
        assert value in text


@pytest.mark.parametrize(
    ("text", "agency", "year"),
    [
        # no title: the agency is the contact department without its internal unit (seed 003)
        (
            "一、总体情况\n本报告中所列数据的统计期限为2021年1月1日至2021年12月31日。如有疑问，请与绿水市公安河西分局办公室联系。",
            "绿水市公安河西分局",
            2021,
        ),
        # the agency's name on the line above the title (seed 004)
        ("绿水市交通运输局\n\n2019 年度政府信息公开工作年度报告\n" + REST, "绿水市交通运输局", 2019),
        # self-naming in the preamble
        (
            "根据《中华人民共和国政府信息公开条例》规定，现公布绿水市医疗保障局2022年政府信息公开工作年度报告。"
            + REST,
            "绿水市医疗保障局",
            2022,
        ),
        (
            "本年度报告由绿水市人民政府办公室组织编制，统计期限自2023年1月1日起至2023年12月31日止。",
            "绿水市人民政府",
            2023,
        ),
        # breadcrumbs before the title
        (
            "首页 > 政务公开 > 政府信息公开年报 > 绿水市统计局2018年政府信息公开工作年度报告\n" + REST,
            "绿水市统计局",
            2018,
        ),
        # year first, traditional script (the agency folded to simplified: data to join on)
        ("2016年綠水市審計局政府信息公開工作年度報告\n" + REST, "绿水市审计局", 2016),
        # 关于 before the year
        ("绿水市统计局关于2020年度政府信息公开工作情况的报告\n" + REST, "绿水市统计局", 2020),
        # generic words are no agency
        ("根据条例要求，结合分局政府信息公开工作编制本报告。2020年，我局认真落实条例。", None, 2020),
    ],
)
def test_fields_agency_and_year_sources(text: str, agency: str | None, year: int) -> None:
    f = fields_of(text)
    assert (f.agency, f.year) == (agency, year)


@pytest.mark.parametrize(
    ("sentence", "period"),
    [
        ("本报告统计期限为2022年度1月1日至12月31日。", ("2022-01-01", "2022-12-31")),
        ("报告中所列数据的统计期限自2022年1月1日起至2022年12月31日止。", ("2022-01-01", "2022-12-31")),
        ("本报告数据统计时间段:2017年1月1日-2017年12月31日。", ("2017-01-01", "2017-12-31")),
        ("2022年1月1日至3月31日开展专项整治行动。", None),  # a range, but no statistics period
        ("统计期限为2022年12月31日至2022年1月1日。", None),  # reversed: not a period
    ],
)
def test_fields_period(sentence: str, period: tuple[str, str] | None) -> None:
    want = {"start": period[0], "end": period[1]} if period else None
    assert fields_of(sentence + REST).period == want


def test_fields_year_in_quoted_notice_does_not_count() -> None:
    text = (
        "本年报根据《绿水省政务公开办公室关于做好2023年政府信息公开工作年度报告编制工作的通知》要求编制，"
        "使用数据统计时间为2024年1月1日至12月31日。"
    )
    f = fields_of(text)
    assert f.year == 2024
    assert f.period == {"start": "2024-01-01", "end": "2024-12-31"}


@pytest.mark.parametrize(
    ("tail", "published"),
    [
        ("\n\n绿水市统计局\n2021年2月3日", "2021-02-03"),
        ("\n\n绿水市统计局\n二〇二一年二月三日", "2021-02-03"),
        ("\n\n绿水市统计局", None),
        ("\n\n绿水市统计局\n2019年2月3日", None),  # before the statistics year: not its publication
    ],
)
def test_fields_published_from_signature(tail: str, published: str | None) -> None:
    text = "绿水市统计局2020年政府信息公开工作年度报告\n" + REST + "六、其他需要报告的事项\n无。" + tail
    assert fields_of(text).published == published


def test_fields_agency_from_entities_as_last_resort() -> None:
    text = "依据条例编制。\n一、总体情况\n绿水市林业局认真落实条例，国务院办公厅要求的各项工作。绿水市林业局持续推进。"
    ents = []
    for name in ("绿水市林业局", "国务院办公厅", "绿水市林业局"):
        start = text.find(name, ents[-1].end if ents else 0)
        ents.append(Entity("AGENCY", start, start + len(name), name))
    assert fields_of(text).agency is None
    assert fields_of(text, ents).agency == "绿水市林业局"


def test_fields_damaged_rendering_values_are_repaired() -> None:
    damaged = PREAMBLE.translate({ord(d): chr(ord(d) + 0xFEE0) for d in "0123456789"})
    spaced = damaged.replace("青山县示例局", "青 山 县 示 例 局")
    f = fields_of(spaced + REST)
    assert f.agency == "青山县示例局"
    assert f.contact.address == "青山县东风路 18 号"
    assert f.contact.phone == ["0123-7654321", "0123-7654322"]
    assert f.year == 2020


@settings(max_examples=60, deadline=None)
@given(
    d=st.dates(min_value=dt.date(2008, 1, 1), max_value=dt.date(2030, 12, 31)),
    style=st.sampled_from(["{y}年{m}月{d}日", "{y} 年 {m} 月 {d} 日", "{y}-{m:02d}-{d:02d}", "{y}.{m}.{d}"]),
)
def test_fields_full_date_round_trip(d: dt.date, style: str) -> None:
    assert full_date(style.format(y=d.year, m=d.month, d=d.day)) == d.isoformat()


@pytest.mark.parametrize("bad", ["2020年13月1日", "2020年", "12月31日", "2020年1月"])
def test_fields_full_date_rejects_partial(bad: str) -> None:
    assert full_date(bad) is None


DOC_FIELDS = ("agency", "year", "period", "published")


def test_fields_seeds_match_gold(shared) -> None:
    """Document fields and each contact subfield, against the gold: >= 95% right."""
    right = total = 0
    wrong = []
    for path in sorted((shared / "seeds").glob("*.txt")):
        gold = json.loads((shared / "gold" / f"{path.stem}.json").read_text(encoding="utf-8"))
        f = fields_of(path.read_text(encoding="utf-8"))
        pairs = [(k, gold[k], getattr(f, k)) for k in DOC_FIELDS]
        pairs += [(f"contact.{k}", v, asdict(f.contact)[k]) for k, v in gold["contact"].items()]
        for key, want, got in pairs:
            ok = sorted(want) == sorted(got) if isinstance(want, list) else want == got
            right += ok
            total += 1
            if not ok:
                wrong.append((path.stem[:3], key, want, got))
    assert total and right / total >= 0.95, wrong


def test_fields_corpus_agency_and_year(shared) -> None:
    """Agency and year on the unlabelled corpus against its index (spam mirrors excluded).

    The index has formal names (合江县人民政府) where a report names itself 合江县; a name that one
    contains the other counts as right here."""
    index = shared / "corpus" / "index.jsonl"
    if not index.is_file():
        pytest.skip("no ../shared/corpus/index.jsonl")
    n_agency = ok_agency = n_year = ok_year = 0
    for line in index.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        path = shared / "corpus" / f"{row['id']}.txt"
        if row.get("spam") or not path.is_file():
            continue
        f = fields_of(path.read_text(encoding="utf-8"))
        if row.get("year"):
            n_year += 1
            ok_year += f.year == row["year"]
        if row.get("agency"):
            n_agency += 1
            want = normalize(row["agency"]).text
            got = normalize(f.agency).text if f.agency else ""
            ok_agency += bool(got) and (got in want or want in got)
    assert n_year and ok_year / n_year >= 0.95
    assert n_agency and ok_agency / n_agency >= 0.75
