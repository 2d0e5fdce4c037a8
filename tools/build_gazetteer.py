"""Build the gazetteer of Chinese administrative divisions used by the AGENCY rules.

Source: the PyPI package jionlp==1.5.31 (Apache License 2.0, https://github.com/dongrixinyu/JioNLP),
which ships `jionlp/dictionary/china_location.zip` (a tab-indented province / city / county /
township / village tree) and `jionlp/dictionary/china_location_change.txt` (renamed divisions).
jionlp is not a dependency of nianbao: this tool reads the wheel file and writes a compact,
gzip-compressed TSV into `extraction/rules/data/`.

Usage:
    pip download --no-deps jionlp==1.5.31 -d /tmp/jionlp
    python tools/build_gazetteer.py /tmp/jionlp/jionlp-1.5.31-py2.py3-none-any.whl

Output lines: `level<TAB>name<TAB>short` where level is P (province), C (city), D (county),
T (township/street) or O (an old name of a renamed division); `short` is the name without its
level word (蚌埠市 -> 蚌埠), empty when that would leave fewer than two characters. Villages
are not kept.
"""

from __future__ import annotations

import argparse
import gzip
import io
import logging
import re
import sys
import zipfile
from pathlib import Path

logger = logging.getLogger("build_gazetteer")

LOCATION_MEMBER = "jionlp/dictionary/china_location.zip"
CHANGE_MEMBER = "jionlp/dictionary/china_location_change.txt"
DEFAULT_OUT = Path(__file__).resolve().parents[1] / "extraction" / "rules" / "data" / "china_divisions.tsv.gz"

# The 55 recognised minorities, for township names such as 大堡回族乡 -> 大堡.
MINORITIES = (
    "蒙古 回 藏 维吾尔 苗 彝 壮 布依 朝鲜 满 侗 瑶 白 土家 哈尼 哈萨克 傣 黎 傈僳 佤 畲 高山 拉祜 水 东乡 纳西 "
    "景颇 柯尔克孜 土 达斡尔 仫佬 羌 布朗 撒拉 毛南 仡佬 锡伯 阿昌 普米 塔吉克 怒 乌孜别克 俄罗斯 鄂温克 德昂 "
    "保安 裕固 京 塔塔尔 独龙 鄂伦春 赫哲 门巴 珞巴 基诺"
).split()
_MINORITY_SUFFIX_RE = re.compile(
    r"(?:(?:" + "|".join(sorted(MINORITIES, key=len, reverse=True)) + r")族)+(?:乡|镇|苏木)$"
)
_TOWNSHIP_SUFFIX_RE = re.compile(r"(?:街道办事处|街道|镇|乡|苏木)$")
_COUNTY_SUFFIX_RE = re.compile(r"(?:区|县|市|旗)$")
# Rows of the tree that are groupings, not divisions.
_SKIP_RE = re.compile(r"(?:直辖县级行政区划|行政区划|市辖区|县级行政区划)$")

HEADER = (
    "# nianbao gazetteer: Chinese administrative divisions (province, city, county, township) and old names.\n"
    "# Built by tools/build_gazetteer.py from jionlp==1.5.31 (jionlp/dictionary/china_location.zip and\n"
    "# china_location_change.txt), Copyright dongrixinyu, Apache License 2.0.\n"
    "# Columns: level (P province, C city, D county, T township/street, O old name), name, short form.\n"
)


class GazetteerBuildError(ValueError):
    """The jionlp wheel does not have the expected layout."""


def short_form(level: str, name: str, given: str | None = None) -> str:
    """The name without its level word, or "" when fewer than two characters would remain.

    A short form given by the source wins; the source gives the full name where the short one
    would collide with another division (大同县, not 大同, which is the city).
    """
    if given is not None:
        return given if given != name and len(given) >= 2 else ""
    if level == "T":
        short = _MINORITY_SUFFIX_RE.sub("", name)
        if short == name:
            short = _TOWNSHIP_SUFFIX_RE.sub("", name)
    elif level in ("D", "O"):
        short = _COUNTY_SUFFIX_RE.sub("", name)
    else:
        short = re.sub(r"(?:省|市|自治区|自治州|地区|盟)$", "", name)
    return short if len(short) >= 2 and short != name else ""


def parse_tree(text: str) -> list[tuple[str, str, str]]:
    """Rows `(level, name, short)` of the tab-indented location tree, villages dropped."""
    levels = {0: "P", 1: "C", 2: "D", 3: "T"}
    rows: list[tuple[str, str, str]] = []
    for line in text.splitlines():
        if not line.strip():
            continue
        depth = len(line) - len(line.lstrip("\t"))
        if depth not in levels:
            continue
        parts = line.strip().split("\t")
        name = parts[0]
        if _SKIP_RE.search(name):
            continue
        given = parts[2] if len(parts) >= 3 else None
        level = levels[depth]
        rows.append((level, name, short_form(level, name, given)))
    return rows


def parse_changes(text: str) -> list[tuple[str, str, str]]:
    """Old names of renamed divisions (襄樊市, 柳州地区), from the change list."""
    rows: list[tuple[str, str, str]] = []
    for line in text.splitlines():
        if "=>" not in line:
            continue
        old = line.split("=>")[0].split("\t")[2:]
        # Pairs of (name, short) for each level of the old path.
        for i in range(0, len(old) - 1, 2):
            name, short = old[i], old[i + 1]
            if name:
                rows.append(("O", name, short_form("O", name, short)))
        if len(old) % 2 == 1 and old[-1]:
            rows.append(("O", old[-1], short_form("O", old[-1])))
    return rows


def read_wheel(wheel: Path) -> tuple[str, str]:
    """The location tree and the change list, decoded, from a jionlp wheel."""
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        if LOCATION_MEMBER not in names:
            raise GazetteerBuildError(f"[G001] {LOCATION_MEMBER} not found in wheel, got: {str(wheel)!r}")
        inner = zipfile.ZipFile(io.BytesIO(zf.read(LOCATION_MEMBER)))
        members = [n for n in inner.namelist() if n.endswith(".txt")]
        if not members:
            raise GazetteerBuildError(f"[G002] no .txt inside {LOCATION_MEMBER}, got: {inner.namelist()!r}")
        tree = inner.read(members[0]).decode("utf-8")
        changes = zf.read(CHANGE_MEMBER).decode("utf-8") if CHANGE_MEMBER in names else ""
    return tree, changes


def build(wheel: Path, out: Path) -> int:
    """Write the gazetteer file; returns the number of rows written."""
    tree, changes = read_wheel(wheel)
    current = parse_tree(tree)
    known = {name for _, name, _ in current}
    # An old name is kept only when no current division carries it.
    rows = current + [r for r in parse_changes(changes) if r[1] not in known]
    seen: set[tuple[str, str]] = set()
    unique: list[tuple[str, str, str]] = []
    for level, name, short in rows:
        if (level, name) in seen:
            continue
        seen.add((level, name))
        unique.append((level, name, short))
    out.parent.mkdir(parents=True, exist_ok=True)
    body = "".join(f"{lv}\t{name}\t{short}\n" for lv, name, short in unique)
    # mtime=0 keeps the file byte-identical between builds.
    with open(out, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, compresslevel=9) as gz:
        gz.write((HEADER + body).encode("utf-8"))
    logger.info("wrote %d rows to %s (%d bytes)", len(unique), out, out.stat().st_size)
    return len(unique)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("wheel", type=Path, help="path to jionlp-1.5.31-py2.py3-none-any.whl")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output .tsv.gz path")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    build(args.wheel, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
