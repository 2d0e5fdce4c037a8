"""The place-name gazetteer and the agency lexicon, loaded once from `extraction/rules/data/`.

`china_divisions.tsv.gz` is built by `tools/build_gazetteer.py` from jionlp's location tree
(Apache License 2.0); `agency_lexicon.txt` is written by hand for nianbao.
"""

from __future__ import annotations

import gzip
import logging
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

logger = logging.getLogger(__name__)

DATA_PACKAGE = "extraction.rules.data"
DIVISIONS_FILE = "china_divisions.tsv.gz"
LEXICON_FILE = "agency_lexicon.txt"
LEVELS = ("P", "C", "D", "T", "O")
LEXICON_SECTIONS = ("national", "prefix", "function", "unit")


class GazetteerError(ValueError):
    """A data file of the gazetteer is malformed."""


@dataclass(frozen=True)
class Gazetteer:
    """Place names by kind: province/city/county names (and old names) with their short forms,
    and township/street names with theirs, kept apart because township short forms are often
    ordinary words (人民, 胜利, 促进)."""

    places: frozenset[str]
    place_shorts: frozenset[str]
    townships: frozenset[str]
    township_shorts: frozenset[str]


@dataclass(frozen=True)
class Lexicon:
    """The hand-written agency word lists, by section of `agency_lexicon.txt`."""

    national: frozenset[str]
    prefix: frozenset[str]
    function: frozenset[str]
    unit: frozenset[str]


def parse_divisions(text: str) -> Gazetteer:
    """Parse the `level<TAB>name<TAB>short` rows of the divisions file."""
    sets: dict[str, set[str]] = {"P": set(), "PS": set(), "T": set(), "TS": set()}
    for n, line in enumerate(text.splitlines(), 1):
        if not line or line.startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) != 3 or parts[0] not in LEVELS or not parts[1]:
            raise GazetteerError(f"[G101] bad gazetteer row {n}, got: {line!r}")
        level, name, short = parts
        kind = "T" if level == "T" else "P"
        sets[kind].add(name)
        if short:
            sets[kind + "S"].add(short)
    places = sets["P"]
    place_shorts = sets["PS"] - places
    townships = sets["T"] - places - place_shorts
    township_shorts = sets["TS"] - places - place_shorts - townships
    return Gazetteer(
        frozenset(places), frozenset(place_shorts), frozenset(townships), frozenset(township_shorts)
    )


def parse_lexicon(text: str) -> Lexicon:
    """Parse the `[section]` word lists of the agency lexicon."""
    sections: dict[str, set[str]] = {s: set() for s in LEXICON_SECTIONS}
    current: str | None = None
    for n, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        m = re.fullmatch(r"\[(\w+)\]", line)
        if m:
            if m.group(1) not in sections:
                raise GazetteerError(f"[G102] unknown lexicon section on line {n}, got: {m.group(1)!r}")
            current = m.group(1)
            continue
        if current is None:
            raise GazetteerError(f"[G103] lexicon words before any [section] on line {n}, got: {line!r}")
        sections[current].update(line.split())
    return Lexicon(**{k: frozenset(v) for k, v in sections.items()})


@lru_cache(maxsize=1)
def load_gazetteer() -> Gazetteer:
    """The bundled gazetteer (read and cached on first use)."""
    raw = resources.files(DATA_PACKAGE).joinpath(DIVISIONS_FILE).read_bytes()
    gaz = parse_divisions(gzip.decompress(raw).decode("utf-8"))
    logger.debug("gazetteer: %d places, %d townships", len(gaz.places), len(gaz.townships))
    return gaz


@lru_cache(maxsize=1)
def load_lexicon() -> Lexicon:
    """The bundled agency lexicon (read and cached on first use)."""
    text = resources.files(DATA_PACKAGE).joinpath(LEXICON_FILE).read_text(encoding="utf-8")
    return parse_lexicon(text)
