"""Real administrative divisions and the agencies, addresses and contacts that fit them."""

from __future__ import annotations

import gzip
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from random import Random

from training.synth.bodies import BRANCH_BODIES, Body, bodies_for, suffix_of

DATA_DIR = Path(__file__).resolve().parent / "data"

# First two digits of the postcodes of each province (real; the rest of a generated postcode
# is derived from the division code and is only plausible).
POST_PREFIX = {
    "北京": ("10",), "上海": ("20",), "天津": ("30",), "重庆": ("40",), "河北": ("05", "06", "07"),
    "山西": ("03", "04"), "内蒙古": ("01", "02"), "辽宁": ("11", "12"), "吉林": ("13",),
    "黑龙江": ("15", "16"), "江苏": ("21", "22"), "浙江": ("31", "32"), "安徽": ("23", "24"),
    "福建": ("35", "36"), "江西": ("33", "34"), "山东": ("25", "26", "27"), "河南": ("45", "46", "47"),
    "湖北": ("43", "44"), "湖南": ("41", "42"), "广东": ("51", "52"), "广西": ("53", "54"), "海南": ("57",),
    "四川": ("61", "62", "64"), "贵州": ("55", "56"), "云南": ("65", "66", "67"), "西藏": ("85", "86"),
    "陕西": ("71", "72"), "甘肃": ("73", "74"), "青海": ("81",), "宁夏": ("75",), "新疆": ("83", "84"),
}  # fmt: skip

_ROADS = (
    "人民", "解放", "中山", "建设", "和平", "胜利", "文化", "新华", "长江", "黄河", "府前", "光明", "友谊", "朝阳", "迎宾", "世纪",
    "滨江", "振兴", "民主", "团结", "育才", "学府", "工业", "花园", "健康", "幸福", "东风", "青年", "北京", "南京", "上海", "湖滨",
    "环城", "新城", "政务", "行政", "开发", "站前", "体育", "公园", "龙山", "凤凰", "金山", "银河", "锦绣", "复兴", "鼓楼", "西湖",
    "太平", "永安", "长安", "兴华", "富民", "利民", "安康", "德政",
)  # fmt: skip
_ROAD_SUFFIX = ("路", "路", "路", "大道", "大街", "街", "东路", "西路", "南路", "北路", "中路")
_BUILDINGS = ("行政中心", "综合办公楼", "行政办公区", "机关大院", "综合楼")


# Readings of polyphonic characters as they are read in place names.
_PLACE_READINGS = {
    "重": "chong",
    "长": "chang",
    "蚌": "beng",
    "厦": "xia",
    "乐": "le",
    "单": "shan",
    "藏": "zang",
}


@dataclass
class County:
    name: str
    short: str
    code: str
    towns: list[str] = field(default_factory=list)


@dataclass
class City:
    name: str
    short: str
    code: str
    area: str
    counties: list[County] = field(default_factory=list)


@dataclass
class Province:
    name: str
    short: str
    code: str
    cities: list[City] = field(default_factory=list)


@lru_cache(maxsize=1)
def provinces() -> tuple[Province, ...]:
    """The gazetteer (loaded once per process)."""
    out: list[Province] = []
    with gzip.open(DATA_DIR / "places.tsv.gz", "rt", encoding="utf-8") as fh:
        for line in fh:
            parts = line.rstrip("\n").split("\t")
            if parts[0] == "P":
                out.append(Province(parts[1], parts[2], parts[3]))
            elif parts[0] == "C":
                out[-1].cities.append(City(parts[1], parts[2], parts[3], parts[4]))
            elif parts[0] == "X":
                out[-1].cities[-1].counties.append(County(parts[1], parts[2], parts[3]))
            elif parts[0] == "T":
                out[-1].cities[-1].counties[-1].towns = parts[1].split("|")
    for p in out:
        known = [c.area for c in p.cities if c.area]
        for i, c in enumerate(p.cities):
            if not c.area:  # jionlp lacks it: borrow a code of the same province
                c.area = known[i % len(known)] if known else "0" + p.code[:3]
    return tuple(p for p in out if p.cities)


@lru_cache(maxsize=1)
def pinyin_table() -> dict[str, str]:
    """Character → first reading with tone marks."""
    table: dict[str, str] = {}
    with gzip.open(DATA_DIR / "pinyin.tsv.gz", "rt", encoding="utf-8") as fh:
        for line in fh:
            ch, _, py = line.rstrip("\n").partition("\t")
            table[ch] = py
    return table


def slug(name: str, initials: bool = False) -> str:
    """Toneless pinyin of a place name for web addresses: 蚌埠 → bangbu (or bb)."""
    table = pinyin_table()
    out = []
    for ch in name:
        py = _PLACE_READINGS.get(ch) or table.get(ch)
        if not py:
            continue
        plain = "".join(c for c in unicodedata.normalize("NFD", py) if not unicodedata.combining(c))
        plain = plain.replace("ü", "v")
        out.append(plain[0] if initials else plain)
    return "".join(out) or "gov"


@dataclass
class Agency:
    """The publishing body of one report, with every name the narrative uses for it."""

    level: str  # province | city | county | township
    name: str  # full name as the title writes it
    short: str  # 市公安局, 区教育局, 镇政府: AGENCY when written
    self_word: str  # 我局: not an entity
    body: Body | None
    province: Province
    city: City | None
    county: County | None
    town: str | None
    level_word: str  # 市, 区, 县, 省, 镇
    parent_word: str  # the level whose government and party committee lead it: 市, 县, 省
    upper: str | None  # the same body one level up: 省公安厅
    units: list[str]  # named internal units (AGENCY)
    slug: str
    area: str
    postcode: str
    address: str
    phones: list[str]
    fax: str
    email: str
    website: str


def _postcode(prov: Province, city: City | None, county: County | None, town: str | None, rng: Random) -> str:
    prefix = POST_PREFIX.get(prov.short, ("10",))
    code = (city.code if city else prov.code) or "000000"
    p = prefix[int(code[2:4] or 0) % len(prefix)]
    d3 = str(int(code[2:4] or 0) % 10)
    if county is None:
        return f"{p}{d3}000"
    d4 = str(1 + int(county.code[4:6] or 0) % 9)
    return f"{p}{d3}{d4}{rng.randrange(0, 100):02d}" if town else f"{p}{d3}{d4}00"


def _phone(area: str, rng: Random) -> str:
    digits = 8 if len(area) == 3 or rng.random() < 0.4 else 7
    local = str(rng.randrange(2, 9)) + "".join(str(rng.randrange(10)) for _ in range(digits - 1))
    return f"{area}-{local}"


def _address(prov: Province, city: City | None, county: County | None, town: str | None, rng: Random) -> str:
    road = rng.choice(_ROADS) + rng.choice(_ROAD_SUFFIX)
    num = rng.choice((rng.randrange(1, 40), rng.randrange(1, 999)))
    head = ""
    r = rng.random()
    if town and r < 0.5:
        head = (county.name if county and rng.random() < 0.5 else "") + town
    elif county and r < 0.8:
        head = (city.name if city and rng.random() < 0.6 else "") + county.name
    elif city:
        head = city.name
    else:
        head = prov.name
    sp = " " if rng.random() < 0.1 else ""
    tail = f"{road}{sp}{num}{sp}号"
    if rng.random() < 0.2:
        tail += rng.choice(_BUILDINGS) + rng.choice(("", "A座", "B座", f"{rng.randrange(1, 9)}号楼"))
    return head + tail


def _email(abbr: str, slug_: str, rng: Random) -> str:
    pick = rng.randrange(6)
    if pick == 0:
        return f"{abbr}{slug_}@163.com"
    if pick == 1:
        return f"{slug_}{abbr}@126.com"
    if pick == 2:
        return f"{abbr}bgs@{slug_}.gov.cn"
    if pick == 3:
        return f"xxgk_{abbr}@{slug_}.gov.cn"
    if pick == 4:
        return f"{rng.randrange(10**7, 10**10)}@qq.com"
    return f"{slug_}_{abbr}@sina.com"


def _website(abbr: str, slug_: str, rng: Random) -> str:
    pick = rng.randrange(5)
    if pick == 0:
        return f"http://{abbr}.{slug_}.gov.cn/"
    if pick == 1:
        return f"https://www.{slug_}.gov.cn"
    if pick == 2:
        return f"www.{slug_}.gov.cn"
    if pick == 3:
        return f"http://www.{slug_}.gov.cn/{abbr}/"
    return f"https://{abbr}.{slug_}.gov.cn/"


def _level_word(name: str) -> str:
    for end, word in (
        ("自治县", "县"),
        ("自治旗", "旗"),
        ("县", "县"),
        ("区", "区"),
        ("市", "市"),
        ("旗", "旗"),
    ):
        if name.endswith(end):
            return word
    if name.endswith(("州", "盟")):
        return name[-1]
    if name.endswith("地区"):
        return "地区"
    return "市"


def _pick_division(rng: Random) -> tuple[str, Province, City | None, County | None, str | None]:
    """A level and a real division at that level."""
    prov = rng.choice(provinces())
    r = rng.random()
    level = "province" if r < 0.07 else "city" if r < 0.42 else "county" if r < 0.86 else "township"
    if prov.name.endswith("市") and level == "province":  # 北京市: the municipality is the city level
        level = "city"
    city: City | None = rng.choice(prov.cities)
    if city is not None and city.name.endswith(("直辖行政区划", "直辖县级行政区划")):
        city = None
    if level in ("county", "township") and (city is None or not city.counties):
        level = "city" if city else "province"
    county = rng.choice(city.counties) if level in ("county", "township") and city else None
    town = rng.choice(county.towns) if level == "township" and county and county.towns else None
    if level == "township" and town is None:
        level = "county"
    if level == "city" and city is None:
        level = "province"
    return level, prov, city, county, town


def sample_agency(rng: Random, year: int) -> Agency:
    """Draw a publishing body: a real division at a random level and a body type of that level."""
    level, prov, city, county, town = _pick_division(rng)
    body: Body | None = None
    upper: str | None = None
    prov_word = "自治区" if prov.name.endswith("自治区") else "省"
    if town is not None:
        street = town.endswith("街道")
        name = town + ("办事处" if street else "人民政府")
        if county is not None and rng.random() < 0.35:
            name = county.name + name
        level_word = "街道" if street else town[-1]
        short = "街道办事处" if street else f"{level_word}政府"
        own = rng.choice(("我街道", "我街", "本街道")) if street else f"我{level_word}"
        self_word = rng.choices((own, "本机关", "本单位"), weights=(85, 8, 7))[0]
        units = ["党政办公室", "党政综合办公室", "便民服务中心", "综合行政执法队"]
        parent_word = _level_word(county.name) if county else "县"
    else:
        body = rng.choice(bodies_for(level, year))
        suffix = suffix_of(body, level)
        self_word = body.self_word if rng.random() < 0.9 else rng.choice(("本机关", "本单位", "我单位"))
        units = list(body.units)
        if level == "province":
            name, level_word = prov.name + suffix, prov_word
        elif level == "city":
            place = city.name if city else prov.name
            name, level_word = place + suffix, _level_word(place)
            if body.province and not prov.name.endswith("市"):
                upper = prov_word + body.province
        elif county is not None and city is not None:
            level_word = _level_word(county.name)
            if county.name.endswith("区") and body.key in BRANCH_BODIES and body.city and rng.random() < 0.6:
                # 池州市公安局贵池分局 / 池州市公安贵池分局
                base = body.city if rng.random() < 0.6 else body.city[:-1]
                name, suffix = f"{city.name}{base}{county.short}分局", f"{county.short}分局"
                level_word = ""
                self_word = rng.choice(("分局", "我局"))
            else:
                name = (city.name if rng.random() < 0.3 else "") + county.name + suffix
            if body.city:
                upper = _level_word(city.name) + body.city
        else:
            raise ValueError(f"[Y202] county-level agency without a county, got: {level!r}")
        short = level_word + suffix
        if body.key == "gov" and level_word:  # a government writes 我市 / 我县 / 我区, not 本机关
            self_word = f"我{level_word[-1]}" if rng.random() < 0.8 else "本机关"
        elif body.key == "gov_office":
            self_word = "我办" if rng.random() < 0.7 else "本机关"
        elif suffix.endswith("厅") and self_word == "我局":  # a provincial 公安厅 writes 我厅
            self_word = "我厅"
        parent_word = level_word or _level_word(county.name if county else "区")
    area = city.area if city else (prov.cities[0].area if prov.cities else "010")
    seat = county if level in ("county", "township") else city if level == "city" else None
    slug_place = (seat.short if seat else prov.short).split("/")[0]
    slug_ = slug(slug_place, initials=len(slug_place) > 3 and rng.random() < 0.5)
    abbr = body.abbr if body else "www"
    return Agency(
        level=level,
        name=name,
        short=short,
        self_word=self_word,
        body=body,
        province=prov,
        city=city,
        county=county,
        town=town,
        level_word=level_word,
        parent_word=parent_word,
        upper=upper,
        units=units,
        slug=slug_,
        area=area,
        postcode=_postcode(prov, city, county, town, rng),
        address=_address(prov, city, county, town, rng),
        phones=[_phone(area, rng) for _ in range(1 if rng.random() < 0.85 else 2)],
        fax=_phone(area, rng),
        email=_email(abbr if abbr != "www" else "zfb", slug_, rng),
        website=_website(abbr, slug_, rng),
    )
