"""Reading inputs: plain text in any common Chinese encoding, HTML pages and .docx files.

Every later stage works on `Document.text`; all offsets in the output refer to it. For text
files that is the decoded file with Python's universal newlines (what `open(path,
encoding=...).read()` returns), for HTML and .docx the text extracted here: one block per line,
table rows as tab-joined cells on the table's layout grid (a merged cell's text appears once and
the grid positions it also covers are empty cells, so the rows of a table line up).

Errors are `ReadError`s with a code: R001 empty, R002 binary (not text), R003 too large,
R004 undecodable, R005 corrupt .docx, R006 HTML without readable text, R007 unsupported file
type, R008 missing or unreadable.
"""

from __future__ import annotations

import codecs
import logging
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from extraction.markup import MarkupError, docx_to_text, html_to_text

logger = logging.getLogger(__name__)

TEXT_SUFFIXES = frozenset({".txt", ".md"})
HTML_SUFFIXES = frozenset({".html", ".htm"})
DOCX_SUFFIXES = frozenset({".docx"})
SUPPORTED_SUFFIXES = TEXT_SUFFIXES | HTML_SUFFIXES | DOCX_SUFFIXES

# Share of C0 control bytes (other than tab, newline, vertical tab, form feed, carriage return)
# above which bytes are taken for binary data. Text in UTF-8 or GB18030 has none; random data ~12%.
_CONTROL_BYTES = bytes([*range(0x00, 0x09), *range(0x0E, 0x20), 0x7F])
_MAX_CONTROL_SHARE = 0.01
# At most this share of the non-ASCII characters may be damaged bytes in a file read as UTF-8 or
# GB18030 (GBK read as UTF-8 is invalid almost everywhere, so it is not taken for damaged UTF-8).
_MAX_DAMAGE = 0.01
# Real Chinese text has > 0.97 of its hanzi in GB2312 or Big5 level 1 (measured on the corpus);
# Big5 read as GB18030 has about half.
_MIN_HANZI_SCORE = 0.9
_MAGIC = (
    (b"%PDF-", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive (a .docx file needs the .docx suffix)"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "a legacy Word/Excel file (.doc/.xls); save it as .docx or text"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"Rar!", "a RAR archive"),
    (b"\x1f\x8b", "a gzip archive"),
)
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le", "utf-32"),  # before UTF-16 LE: it starts with the same bytes
    (codecs.BOM_UTF32_BE, "utf-32-be", "utf-32"),
    (codecs.BOM_UTF8, "utf-8", "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16-le", "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16-be", "utf-16"),
)
# Characters a Chinese report is made of: ASCII, Latin (pinyin tone marks), general punctuation,
# symbols, CJK punctuation, hanzi, full-width forms. UTF-16 read in the wrong byte order is not.
_IMPLAUSIBLE_RE = re.compile(
    r"[^\t\n\r\x20-\x7e\u00a0-\u024f\u2000-\u206f\u2100-\u27bf\u3000-\u303f\u3400-\u4dbf"
    r"\u4e00-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef]"
)
_MAX_IMPLAUSIBLE_SHARE = 0.05
_HANZI_RE = re.compile(r"[\u4e00-\u9fff]")
_READABLE_RE = re.compile(r"[\w\u3400-\u9fff]")
_HTML_SNIFF_RE = re.compile(r"\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html)[\s>]", re.I | re.S)


@dataclass
class Document:
    """A decoded input: its text (which all offsets refer to) and how it was read."""

    source: str  # the path as given
    text: str
    encoding: str  # "utf-8", "utf-8-sig", "gb18030", "utf-16", ...; "docx" or "html:<enc>"
    kind: str  # "text" | "html" | "docx"
    warnings: list[str] = field(default_factory=list)  # e.g. damaged bytes replaced


class ReadError(Exception):
    """An input that cannot be read. `str(err)` is one line: file, problem, what to do."""

    def __init__(self, code: str, path: str | Path, problem: str, hint: str) -> None:
        self.code = code
        self.path = str(path)
        one_line = f"[{code}] {self.path}: {problem}; {hint}"
        super().__init__(" ".join(one_line.splitlines()))

    def to_json(self) -> dict[str, str]:
        """The error as a row of `<out>.errors.jsonl`."""
        return {"source": self.path, "code": self.code, "error": str(self)}


# --- finding the inputs ---------------------------------------------------------------------


def iter_inputs(paths: Iterable[str | Path], skipped: list[Path] | None = None) -> Iterator[Path]:
    """Yield the input files named by `paths`, expanding directories recursively.

    Arguments keep their order; a directory's files come sorted by relative path. Hidden entries
    are ignored; Office lock files (`~$x.docx`), README files and unsupported suffixes are
    skipped, logged with their count and appended to `skipped` if given. Every argument is checked
    before the first file is yielded.

    Raises:
        ReadError: `R008` for a path that does not exist, `R007` for an unsupported file named
            explicitly.
    """
    roots = [Path(paths)] if isinstance(paths, str | Path) else [Path(p) for p in paths]
    for root in roots:
        if not root.exists():
            raise ReadError("R008", root, "no such file or directory", "check the path")
        if root.is_file() and root.suffix.lower() not in SUPPORTED_SUFFIXES:
            raise _unsupported(root)
    seen: set[Path] = set()
    for root in roots:
        for path in _expand(root, skipped):
            key = path.resolve()
            if key not in seen:
                seen.add(key)
                yield path


def _expand(root: Path, skipped: list[Path] | None) -> list[Path]:
    if not root.is_dir():
        return [root]
    found: list[Path] = []
    dropped: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        for name in filenames:
            if name.startswith("."):
                continue
            path = Path(dirpath, name)
            if _ignored(name) or path.suffix.lower() not in SUPPORTED_SUFFIXES:
                dropped.append(path)
            else:
                found.append(path)
    if dropped:
        logger.info("%s: skipped %d unsupported file(s), e.g. %s", root, len(dropped), dropped[0].name)
        if skipped is not None:
            skipped.extend(sorted(dropped, key=lambda p: p.relative_to(root).parts))
    return sorted(found, key=lambda p: p.relative_to(root).parts)


def _ignored(name: str) -> bool:
    """Office lock files (~$x.docx) and a folder's README are not reports."""
    return name.startswith("~$") or name.lower().startswith("readme.")


def _unsupported(path: Path) -> ReadError:
    suffixes = " ".join(sorted(SUPPORTED_SUFFIXES))
    return ReadError(
        "R007", path, f"unsupported file type {path.suffix or '(no suffix)'!r}", f"give one of {suffixes}"
    )


# --- reading one file -----------------------------------------------------------------------


def read_document(path: str | Path, max_bytes: int = 5_000_000) -> Document:
    """Read and decode one input file.

    Args:
        path: a .txt/.md (text), .html/.htm or .docx file.
        max_bytes: larger files are refused before they are read.

    Raises:
        ReadError: with a code (R001 empty … R008 unreadable) and a one-line message.
    """
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise _unsupported(p)
    try:
        size = p.stat().st_size
        if not p.is_file():
            raise ReadError("R008", path, "not a regular file", "give a file or a directory of files")
        if size == 0:
            raise ReadError("R001", path, "empty file (0 bytes)", "check the download or export")
        if size > max_bytes:
            raise ReadError(
                "R003",
                path,
                f"too large ({size:,} bytes > limit {max_bytes:,})",
                "split it or raise max_bytes",
            )
        data = p.read_bytes()
    except OSError as err:
        raise ReadError(
            "R008", path, f"cannot read ({err.strerror or err})", "check the path and permissions"
        ) from err
    if suffix in DOCX_SUFFIXES:
        try:
            return Document(str(path), docx_to_text(data, 20 * max_bytes), "docx", "docx")
        except MarkupError as err:
            raise ReadError(err.code, path, err.problem, err.hint) from err
    text, encoding, warnings = _decode(data, str(path))
    if suffix in HTML_SUFFIXES or _HTML_SNIFF_RE.match(text[:2000]):
        extracted = html_to_text(text)
        if not _READABLE_RE.search(extracted):
            raise ReadError(
                "R006", path, "HTML page with no readable text (only scripts, styles or markup)",
                "save the report page itself, or its text",
            )  # fmt: skip
        return Document(str(path), extracted, f"html:{encoding}", "html", warnings)
    if not text.strip():
        raise ReadError(
            "R001", path, f"no text (only whitespace, {size} bytes)", "check the download or export"
        )
    return Document(str(path), text, encoding, "text", warnings)


def decode_bytes(data: bytes, name: str = "<bytes>") -> tuple[str, str]:
    """Decode report bytes; return `(text, encoding)`. Newlines become "\\n", a BOM is dropped.

    Order: BOM, UTF-16 without BOM (told by where the NUL bytes fall), strict UTF-8, UTF-8 with
    a few damaged bytes, strict GB18030 (a superset of GBK/GB2312; checked against Big5),
    charset-normalizer as the last resort.

    Raises:
        ReadError: R002 for binary data, R004 for bytes no encoding fits.
    """
    text, encoding, _ = _decode(data, name)
    return text, encoding


def _decode(data: bytes, name: str) -> tuple[str, str, list[str]]:
    text, encoding, warnings = _decode_raw(data, name)
    if text.startswith("\ufeff"):
        text = text[1:]
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text, encoding, warnings


def _decode_raw(data: bytes, name: str) -> tuple[str, str, list[str]]:
    for bom, codec, label in _BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom) :].decode(codec), label, []
            except UnicodeDecodeError as err:
                raise _undecodable(
                    name, f"{label} with a BOM but invalid at byte {err.start + len(bom)}"
                ) from err
    for magic, what in _MAGIC:
        if data.startswith(magic):
            raise ReadError("R002", name, f"not text ({what})", "convert it to UTF-8 text first")
    if b"\x00" in data:
        text = _utf16_without_bom(data)
        if text is not None:
            return text
    controls = len(data) - len(data.translate(None, _CONTROL_BYTES))
    if controls > _MAX_CONTROL_SHARE * len(data):
        share = f"{controls / len(data):.0%}" if controls / len(data) >= 0.01 else f"{controls} byte(s)"
        raise ReadError(
            "R002", name, f"not text (binary data, {share} control bytes)", "convert it to UTF-8 text first"
        )
    fallback = None
    for codec in ("utf-8", "gb18030", "cp950", "big5hkscs"):  # strict; GB18030 covers GBK, GB2312
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            continue
        if codec == "utf-8" or _hanzi_score(text) >= _MIN_HANZI_SCORE:
            return text, codec, []
        fallback = fallback or (text, codec, [f"read as {codec}, but many characters are rare ones"])
    for codec in ("utf-8", "gb18030"):  # a few damaged bytes in an otherwise valid file
        text = data.decode(codec, errors="replace")
        damaged = text.count("\ufffd")
        if damaged <= _MAX_DAMAGE * (len(text) - len(text.encode("ascii", "ignore"))):
            if _hanzi_score(text) >= _MIN_HANZI_SCORE:
                logger.warning("%s: %d invalid %s sequence(s) replaced with U+FFFD", name, damaged, codec)
                return text, codec, [f"{damaged} invalid {codec} byte sequence(s) replaced with U+FFFD"]
    return fallback or _guess(data, name)


def _utf16_without_bom(data: bytes) -> tuple[str, str, list[str]] | None:
    """UTF-16 without a BOM: the byte order under which nearly every character is plausible."""
    if len(data) % 2:
        return None
    for codec in ("utf-16-le", "utf-16-be"):
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            continue
        # The wrong byte order turns "\n" into U+0A00 and 中 U+4E2D into U+2D4E: implausible.
        if len(_IMPLAUSIBLE_RE.findall(text)) <= _MAX_IMPLAUSIBLE_SHARE * len(text):
            return text, codec, []
    return None


def _hanzi_score(text: str) -> float:
    """Share of hanzi in the common sets (GB2312, or Big5 level 1), 1.0 if there are few hanzi.

    Real Chinese text, simplified or traditional, scores above 0.9; Big5 bytes read as GB18030
    (which mostly succeeds) score about half that.
    """
    hanzi = "".join(_HANZI_RE.findall(text, 0, 20_000))
    if len(hanzi) < 20:
        return 1.0
    simplified = len(hanzi.encode("gb2312", errors="ignore")) // 2
    big5 = hanzi.encode("cp950", errors="ignore")
    level1 = bytes(range(0xA4, 0xC7))  # Big5 lead bytes of the 5,401 frequent characters
    leads = big5[0::2]
    traditional = len(leads) - len(leads.translate(None, level1))
    return max(simplified, traditional) / len(hanzi)


def _guess(data: bytes, name: str) -> tuple[str, str, list[str]]:
    from charset_normalizer import from_bytes  # only for files the strict trials cannot read

    best = from_bytes(data).best()
    if best is None or best.encoding is None:
        raise _undecodable(name, "not valid UTF-8, GB18030 or Big5, and no other encoding fits")
    text = str(best)
    if len(_HANZI_RE.findall(text)) < 20 or _hanzi_score(text) < _MIN_HANZI_SCORE:
        raise _undecodable(
            name, f"not valid UTF-8, GB18030 or Big5; as {best.encoding} it is not Chinese text"
        )
    note = f"encoding guessed by charset-normalizer: {best.encoding}"
    logger.warning("%s: %s", name, note)
    return text, best.encoding, [note]


def _undecodable(name: str, problem: str) -> ReadError:
    return ReadError("R004", name, f"cannot decode ({problem})", "re-save it as UTF-8 text")
