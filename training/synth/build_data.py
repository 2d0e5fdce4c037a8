"""Build the synthetic generator's compact data files from the jionlp 1.5.31 wheel.

Usage::

    pip download --no-deps jionlp==1.5.31 -d /tmp/jl
    python -m training.synth.build_data /tmp/jl/jionlp-1.5.31-py2.py3-none-any.whl

Writes into ``training/synth/data/``:

- ``places.tsv.gz``: the administrative divisions, province → city → county → township, as
  hierarchical lines ``P|C|X`` (name, short name, 6-digit division code, city area code) and
  ``T`` (the townships of the preceding county, ``|``-joined). Villages are dropped.
- ``pinyin.tsv.gz``: the first reading (with tone marks) of every character in jionlp's
  character dictionary, for the "pinyin after characters" noise and for web-address slugs.
"""

from __future__ import annotations

import argparse
import gzip
import io
import logging
import re
import zipfile
from pathlib import Path

logger = logging.getLogger(__name__)

DATA_DIR = Path(__file__).resolve().parent / "data"
_SKIP_PROVINCES = {"香港特别行政区", "澳门特别行政区", "台湾省"}
# Real county-level and township-level units; jionlp also lists farms, parks and development
# zones, which do not publish these reports under their own names.
_COUNTY_ENDS = ("县", "区", "市", "旗")
_TOWN_ENDS = ("镇", "乡", "街道", "苏木")
_PINYIN_RE = re.compile(r"\[([a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüńňǹḿ]+)\]")


def _read_member(wheel: zipfile.ZipFile, name: str) -> bytes:
    """A dictionary file of the wheel; `.zip` members are unpacked (they hold one text file)."""
    data = wheel.read(f"jionlp/dictionary/{name}")
    if name.endswith(".zip"):
        with zipfile.ZipFile(io.BytesIO(data)) as inner:
            data = inner.read(inner.namelist()[0])
    return data


def _area_codes(text: str) -> dict[tuple[str, str], str]:
    """`(province short, city short) -> landline area code` from landline_phone_area_code.txt."""
    out: dict[tuple[str, str], str] = {}
    for line in text.splitlines():
        parts = line.split()
        if len(parts) != 2 or "/" not in parts[1]:
            continue
        prov, city = parts[1].split("/", 1)
        out.setdefault((prov, city), parts[0])
    return out


def build_places(location: str, area_codes: dict[tuple[str, str], str]) -> list[str]:
    """Hierarchical place lines (see the module docstring) from china_location.txt."""
    lines: list[str] = []
    towns: list[str] = []
    prov_short = ""
    skip = False
    county = ""
    county_ok = False

    def flush() -> None:
        if towns:
            lines.append("T\t" + "|".join(towns))
            towns.clear()

    for raw in location.splitlines():
        depth = len(raw) - len(raw.lstrip("\t"))
        parts = raw.strip().split("\t")
        if not parts or not parts[0]:
            continue
        if depth == 0:
            flush()
            skip = parts[0] in _SKIP_PROVINCES
            if not skip:
                prov_short = parts[2] if len(parts) > 2 else parts[0]
                lines.append(f"P\t{parts[0]}\t{prov_short}\t{parts[1]}")
        elif skip or depth == 4:
            continue
        elif depth == 1:
            flush()
            short = parts[2] if len(parts) > 2 else parts[0]
            code = area_codes.get((prov_short, short), area_codes.get((prov_short, short.rstrip("市")), ""))
            lines.append(f"C\t{parts[0]}\t{short}\t{parts[1] if len(parts) > 1 else ''}\t{code}")
        elif depth == 2:
            flush()
            county = parts[0]
            county_ok = county.endswith(_COUNTY_ENDS)
            if county_ok:
                short = parts[2] if len(parts) > 2 else county
                lines.append(f"X\t{county}\t{short}\t{parts[1] if len(parts) > 1 else ''}")
        elif depth == 3 and county_ok:
            town = parts[0][len(county) :] if parts[0].startswith(county) else parts[0]
            if 2 <= len(town) <= 10 and town.endswith(_TOWN_ENDS) and "|" not in town:
                towns.append(town)
    flush()
    return lines


def build_pinyin(dictionary: str) -> list[str]:
    """`char<TAB>pinyin` lines: the first bracketed reading of each character's entry."""
    out: list[str] = []
    for line in dictionary.splitlines():
        parts = line.split("\t")
        if len(parts) < 8 or len(parts[0]) != 1:
            continue
        m = _PINYIN_RE.search(parts[7])
        if m:
            out.append(f"{parts[0]}\t{m.group(1)}")
    return out


def _write_gz(path: Path, lines: list[str]) -> None:
    with gzip.open(path, "wt", encoding="utf-8", compresslevel=9) as fh:
        # mtime stays in the gzip header; the content is what matters for reproducibility.
        fh.write("\n".join(lines) + "\n")
    logger.info("wrote %s (%d lines, %d bytes)", path, len(lines), path.stat().st_size)


def build(wheel_path: Path, out_dir: Path = DATA_DIR) -> None:
    """Extract places and pinyin from the jionlp wheel into `out_dir`."""
    if not wheel_path.is_file():
        raise FileNotFoundError(f"[Y101] jionlp wheel not found, got: {str(wheel_path)!r}")
    out_dir.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(wheel_path) as wheel:
        location = _read_member(wheel, "china_location.zip").decode("utf-8")
        areas = _area_codes(_read_member(wheel, "landline_phone_area_code.txt").decode("utf-8"))
        chars = _read_member(wheel, "chinese_char_dictionary.zip").decode("utf-8")
    _write_gz(out_dir / "places.tsv.gz", build_places(location, areas))
    _write_gz(out_dir / "pinyin.tsv.gz", build_pinyin(chars))


def main() -> None:
    """Command-line entry: `python -m training.synth.build_data WHEEL`."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("wheel", type=Path, help="path to jionlp-1.5.31-py2.py3-none-any.whl")
    parser.add_argument("--out", type=Path, default=DATA_DIR)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    build(args.wheel, args.out)


if __name__ == "__main__":
    main()
