"""Table text -> a stream of cell tokens, whatever the rendering.

Reports reach us as tab-separated rows, pipe tables (one row a line, or one cell a line with
`|` between cells), one cell per line (a leading tab, rows separated by blank lines, a blank
cell as a lone tab), cells separated by blank lines, or space-aligned columns. This module
splits the normalized text into blocks (runs of lines between prose paragraphs), decides each
block's rendering, and emits tokens: TEXT cells, NUM cells (parsed), BLANK cells (an empty cell
the rendering shows), and BREAK where the rendering ends a row. Offsets are normalized offsets.
"""

from __future__ import annotations

import re
from itertools import accumulate
from operator import add

from extraction.normalize import Normalized
from extraction.tables_cells import BLANK, BREAK, NUM, TEXT, Tok, read_cell

# How far a rendering's cell positions can be trusted (see tables_place.place_row): a grid
# shows every empty cell; pipe tables written one cell a line were seen to collapse empty cells
# to the end of the row (`3 |\n3 |\n|||||||`); blank-line-separated cells and space-aligned
# columns do not show empty cells at all.
POSITIONS = {
    "tabs": "strong",
    "cellines": "strong",
    "pipe_rows": "strong",
    "pipe_stream": "weak",
    "pipe_bare": "weak",
    "spaces": "none",
    "lines": "none",
}

_PROSE_LEN = 60
_PLAIN_RUN = 4  # plain lines that make a block of their own inside a tab or pipe block
# Two spaces or more between non-space characters. Written to start with its literal two
# spaces: `\S {2,}\S` would start a match attempt at every non-space character of a line.
_SPACED_RE = re.compile(r"  (?<=\S  ) *(?=\S)")
_SPACE_SPLIT_RE = re.compile(r" {2,}|\t")
_SPACED_LINE_RE = re.compile(_SPACED_RE.pattern + r"[^\n]*")  # a line with a spaced pair, to its end
_CELL_SEP_RE = re.compile(r"[\t|]")
_LEAD_CELL_RE = re.compile(r"^\t[^\t]*$")
_PIPE_RE = re.compile(r"\|")
_DIGIT_RE = re.compile(r"[0-9]")
_WIDE_RE = re.compile("[\u1100-\uff60\uffe0-\U0010ffff]")  # two display columns (not half-width forms)
_PIPE_STYLES = {"pipe_rows": "rows", "pipe_stream": "led", "pipe_bare": "bare"}


def _lines(text: str) -> list[tuple[int, int]]:
    """(start, end) of every line (without its line break)."""
    lens = [len(line) for line in text.split("\n")]
    starts = list(accumulate([n + 1 for n in lens[:-1]], initial=0))
    return list(zip(starts, map(add, starts, lens), strict=True))


def _is_prose(line: str) -> bool:
    return (
        "\t" not in line
        and "|" not in line
        and len(line.strip()) > _PROSE_LEN
        and not _SPACED_RE.search(line)
    )


def _blocks(text: str, lines: list[tuple[int, int]]) -> list[list[tuple[int, int]]]:
    """Runs of lines between prose paragraphs (long lines without cell separators)."""
    prose = [i for i, (s, e) in enumerate(lines) if e - s > _PROSE_LEN and _is_prose(text[s:e])]
    blocks: list[list[tuple[int, int]]] = []
    prev = 0
    for i in [*prose, len(lines)]:
        if i > prev:
            blocks.append(lines[prev:i])
        prev = i + 1
    return blocks


def _by_style(text: str, block: list[tuple[int, int]]) -> list[list[tuple[int, int]]]:
    """Split a block where the rendering changes: tab cells, pipe cells, or plain lines (one
    cell a line). A report may render each table its own way with no prose between them.

    A run of plain lines stays with the styled lines around it when it is a cell continued over
    a few lines (no blank line in it, same style on both sides) or a short heading run before
    the next styled line; a run of `_PLAIN_RUN` or more lines otherwise makes a block of its own.
    """
    if not block or not _CELL_SEP_RE.search(text, block[0][0], block[-1][1]):
        return [block] if block else []  # plain lines only: one segment
    segs: list[list[tuple[int, int]]] = []
    cur: list[tuple[int, int]] = []
    style: str | None = None
    pending: list[tuple[int, int]] = []
    n_plain = 0
    gap = False  # a blank line inside the pending plain run
    for s, e in block:
        line = text[s:e]
        kind = "tab" if "\t" in line else "pipe" if "|" in line else None
        if kind is not None and kind == style and not pending:
            cur.append((s, e))  # the next line of a styled run (what the general case below does)
            continue
        if kind is None:
            if line.strip():
                gap = gap or (n_plain > 0 and not text[pending[-1][0] : pending[-1][1]].strip())
                n_plain += 1
            pending.append((s, e))
            continue
        continued = kind == style and (n_plain < _PLAIN_RUN or not gap) and n_plain < 2 * _PLAIN_RUN
        if continued or (n_plain < _PLAIN_RUN and (style is None or kind == style)):
            cur += [*pending, (s, e)]
        elif n_plain >= _PLAIN_RUN:
            segs += [cur, pending]
            cur = [(s, e)]
        else:
            segs.append(cur)
            cur = [*pending, (s, e)]
        pending, n_plain, gap, style = [], 0, False, kind
    if n_plain >= _PLAIN_RUN:
        segs += [cur, pending]
    else:
        cur += pending
        segs.append(cur)
    return [seg for seg in segs if seg]


def block_mode(text: str, lines: list[tuple[int, int]]) -> str:
    """The rendering of a block: tabs, cellines, pipe_rows, pipe_stream, pipe_bare, spaces, lines."""
    if not lines:
        return "lines"
    if not _CELL_SEP_RE.search(text, lines[0][0], lines[-1][1]):
        # No tab or pipe: only the spaced lines count (a spaced pair lies inside the stripped line).
        spaced = 0
        for _ in _SPACED_LINE_RE.finditer(text, lines[0][0], lines[-1][1]):
            spaced += 1
            if spaced >= 2:
                return "spaces"
        return "lines"
    content = [line for s, e in lines if (line := text[s:e]).strip()]
    tabbed = [line for line in content if "\t" in line]
    if len(tabbed) >= 2:
        lead = sum(1 for line in tabbed if _LEAD_CELL_RE.match(line))
        return "cellines" if lead >= 0.6 * len(tabbed) else "tabs"
    pipe = pipe_content = pipe_multi = pipe_led = 0
    for line in content:
        if "|" in line:
            # A pipe row has several pipes on a line with content (`a | b |`); one cell a line
            # has its pipe before the cell (`| 规章`), after it (`规章 |`) or on a line of its own.
            pipe += 1
            if line.replace("|", "").strip():
                pipe_content += 1
                if line.count("|") >= 2:
                    pipe_multi += 1
                elif line.lstrip().startswith("|"):
                    pipe_led += 1
    if pipe >= 2:
        if pipe_multi >= 0.5 * pipe_content > 0:
            return "pipe_rows"
        return "pipe_stream" if pipe_led >= 0.5 * pipe_content > 0 else "pipe_bare"
    if sum(1 for line in content if _SPACED_RE.search(line.strip())) >= 2:
        return "spaces"
    return "lines"


def _tok_tabs(text: str, lines: list[tuple[int, int]], out: list[Tok]) -> None:
    append = out.append
    for s, e in lines:
        line = text[s:e]
        if not line.strip():
            continue
        pos = s
        for cell in line.split("\t"):
            if not cell:
                append(Tok(BLANK, pos, pos))
                pos += 1
                continue
            n = len(cell)
            if n < 16 and cell.isdigit() and cell.isascii():
                append(Tok(NUM, pos, pos + n, cell, int(cell), pos, pos + n))
            else:
                read_cell(text, pos, pos + n, out)
            pos += n + 1
        append(Tok(BREAK, e, e))


def _tok_cellines(text: str, lines: list[tuple[int, int]], out: list[Tok]) -> None:
    for s, e in lines:
        line = text[s:e]
        if not line.strip():
            if "\t" not in line:
                out.append(Tok(BREAK, s, s))
                continue
        if line.startswith("\t"):
            if line.count("\t") > 1:
                _tok_tabs(text, [(s + 1, e)], out)
                out.pop()
            else:
                read_cell(text, s + 1, e, out)
        elif out and out[-1].kind == TEXT and line.strip():
            # A header or label cell continued on the next line: 商业\n企业.
            body = line.rstrip()
            out[-1].end = s + len(body)
            out[-1].text = text[out[-1].start : out[-1].end]
        else:
            read_cell(text, s, e, out)


def _tok_pipes(text: str, start: int, end: int, style: str, out: list[Tok]) -> None:
    """Cells between pipes. `rows`: a line is a row (`| a | b |`). `led`: one cell a line after
    a pipe (`| 规章`), a blank line ends a row. `bare`: cells and pipes on lines of their own
    (`0\n|\n`), an empty line between two pipes is an empty cell."""
    cuts = [start - 1, *(m.start() for m in _PIPE_RE.finditer(text, start, end)), end]
    last_seg = len(cuts) - 2
    for i in range(len(cuts) - 1):
        s, e = cuts[i] + 1, cuts[i + 1]
        seg = text[s:e]
        if "\n" not in seg:
            # "" before the first or after the last pipe of the block is no cell; "||" is one.
            if seg or 0 < i < last_seg:
                read_cell(text, s, e, out)
            continue
        pieces = seg.split("\n")
        last = len(pieces) - 1
        if not seg.strip() and style != "rows":
            if style == "bare" or pieces[0] or last == 1:
                out.append(Tok(BLANK, s, s))  # `|\n|`, ` | \n`: an empty cell
            if style == "led" and last >= 2:
                out.append(Tok(BREAK, e, e))
            continue
        emitted = False
        pos = s
        for j, piece in enumerate(pieces):
            if piece.strip():
                read_cell(text, pos, pos + len(piece), out)
                emitted = True
            elif style == "rows" and piece and j in (0, last):
                out.append(Tok(BLANK, pos, pos))  # " | " at a line end or start: an empty cell
            if j < last and (style == "rows" or (style == "led" and emitted and 0 < j and not piece.strip())):
                out.append(Tok(BREAK, pos + len(piece), pos + len(piece)))
            pos += len(piece) + 1


def _display_col(original: str, pos: int) -> int:
    """Display column of `pos` in its line: CJK and full-width characters count two."""
    line_start = original.rfind("\n", 0, pos) + 1
    seg = original[line_start:pos]
    return len(seg) + len(_WIDE_RE.findall(seg))


def _tok_spaces(norm: Normalized, lines: list[tuple[int, int]], out: list[Tok]) -> None:
    text = norm.text
    for s, e in lines:
        if not text[s:e].strip():
            continue
        pos = s
        line = text[s:e]
        cuts = [(m.start(), m.end()) for m in _SPACE_SPLIT_RE.finditer(line)]
        prev = 0
        for cs, ce in [*cuts, (len(line), len(line))]:
            if line[prev:cs].strip():
                read_cell(text, pos + prev, pos + cs, out)
                tok = out[-1]
                a, b = norm.span(tok.start, tok.end)
                tok.x = (_display_col(norm.original, a) + _display_col(norm.original, b)) / 2.0
            prev = ce
        out.append(Tok(BREAK, e, e))


def tokenize(norm: Normalized) -> tuple[list[Tok], list[str]]:
    """All cell tokens of the text in order, and the rendering mode of each token's block."""
    text = norm.text
    toks: list[Tok] = []
    modes: list[str] = []
    lines = _lines(text)
    for block in (b for run in _blocks(text, lines) for b in _by_style(text, run)):
        mode = block_mode(text, block)
        n0 = len(toks)
        if mode == "tabs":
            _tok_tabs(text, block, toks)
        elif mode == "cellines":
            _tok_cellines(text, block, toks)
        elif mode in _PIPE_STYLES:
            _tok_pipes(text, block[0][0], block[-1][1], _PIPE_STYLES[mode], toks)
        elif mode == "spaces":
            _tok_spaces(norm, block, toks)
        elif len(block) >= 4 and _DIGIT_RE.search(text, block[0][0], block[-1][1]):
            # One cell a line. (Blocks of a few lines, or without a digit, carry no table values:
            # headings and short paragraphs between prose.)
            for s, e in block:
                if text[s:e].strip():
                    read_cell(text, s, e, toks)
        if mode in ("tabs", "pipe_rows"):
            _grid_columns(toks, n0)
        if mode in ("spaces", "lines"):
            _unjoin(norm, toks, n0, mode == "spaces")
        # A prose paragraph ends whatever table row was open.
        toks.append(Tok(BREAK, block[-1][1], block[-1][1], text="\n\n"))
        modes.extend([mode] * (len(toks) - n0))
    return toks, modes


def _grid_columns(toks: list[Tok], n0: int) -> None:
    """Number the cells of each grid line (a row's label area may span several cells)."""
    col = 0
    for i in range(n0, len(toks)):
        t = toks[i]
        if t.kind == BREAK:
            col = 0
        else:
            t.col = col
            col += 1


def _unjoin(norm: Normalized, toks: list[Tok], n0: int, with_x: bool) -> None:
    """Split text cells that normalization joined across a line break (it mends prose broken
    across lines, and takes a header line ending in a CJK character for one): 对外公开总数量|规章."""
    idx, original = norm.index, norm.original
    i = n0
    while i < len(toks):
        t = toks[i]
        if t.kind == TEXT and idx[t.end - 1] - idx[t.start] != t.end - 1 - t.start:
            cut = next(
                (p for p in range(t.start + 1, t.end) if "\n" in original[idx[p - 1] + 1 : idx[p]]),
                None,
            )
            if cut is not None:
                parts = [(t.start, cut), (cut, t.end)]
                new = [Tok(TEXT, a, b, norm.text[a:b]) for a, b in parts]
                if with_x:
                    for tok in new:
                        a, b = norm.span(tok.start, tok.end)
                        tok.x = (_display_col(original, a) + _display_col(original, b)) / 2.0
                toks[i : i + 1] = [new[0], Tok(BREAK, cut, cut), new[1]]
                continue  # the second part may hold another joined line break
        i += 1
