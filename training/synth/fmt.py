"""Writing numbers, counts, dates and amounts the ways reports write them, with their values.

Every writer returns pieces `(text, kind, data)`: the entity piece carries `(label, value)` with
the value computed from what was written (a count written 1300余条 has the value 1300 and
approx true, whatever figure it stood for), so the gold is exact by construction. Words like
共, 约, 以上 sit outside the entity piece, as the conventions say.
"""

from __future__ import annotations

from dataclasses import dataclass
from random import Random
from typing import Any

from training.synth.marks import ENT, Builder, Mark

Piece = tuple[str, str | None, Any]
OPEN = "open"  # piece kind: opens an enclosing mark, data (kind, data)
CLOSE = "close"  # piece kind: closes the last opened mark

_DIGITS = "零一二三四五六七八九"
_YEAR_DIGITS = ("〇一二三四五六七八九", "零一二三四五六七八九")


@dataclass
class Style:
    """Per-report writing habits."""

    space: float  # probability of a space between a figure and its unit: 2020 年, 756 条
    chinese: float  # probability of Chinese numerals for a small count: 两个, 六部分
    approx: float  # probability of 余/多/以上 on a round figure
    wan: float  # probability of 万 for a figure >= 10,000

    @classmethod
    def draw(cls, rng: Random) -> Style:
        """A report's habits: most write 2020年, some always 2020 年, a few mix.

        Spaced figures come from PDF and Word conversions; web copies (most real reports, all of
        ../shared/corpus) rarely show them: about 6% of the corpus has a spaced figure.
        """
        r = rng.random()
        space = 0.0 if r < 0.9 else 0.95 if r < 0.96 else 0.45
        return cls(
            space=space,
            chinese=rng.uniform(0.05, 0.5),
            approx=rng.uniform(0.05, 0.35),
            wan=rng.uniform(0.2, 0.8),
        )

    def sp(self, rng: Random) -> str:
        """The separator between a figure and a unit."""
        return " " if self.space and rng.random() < self.space else ""


def cn_int(n: int, liang: bool = False) -> str:
    """Chinese numeral for 0 <= n < 10**8: 105 → 一百零五, 2 → 两 (before a measure word)."""
    if n < 0 or n >= 10**8:
        raise ValueError(f"[Y301] number out of range for Chinese numerals, got: {n!r}")
    s = _cn(n)
    if liang and (s == "二" or (len(s) > 1 and s[0] == "二" and s[1] in "千万")):
        s = "两" + s[1:]
    return s


def _cn(n: int) -> str:
    if n == 0:
        return "零"
    if n >= 10000:
        high, low = divmod(n, 10000)
        s = _cn(high) + "万"
        if low:
            s += ("零" if low < 1000 else "") + _cn(low)
        return s
    out = []
    units = ("千", "百", "十", "")
    digits = f"{n:04d}"
    zero = False
    for i, ch in enumerate(digits):
        d = int(ch)
        if d == 0:
            zero = bool(out)
            continue
        if zero:
            out.append("零")
            zero = False
        out.append(_DIGITS[d] + units[i])
    s = "".join(out)
    return s[1:] if s.startswith("一十") else s


def cn_year(year: int, rng: Random) -> str:
    """二〇二〇 (or 二零二零)."""
    digits = _YEAR_DIGITS[0 if rng.random() < 0.8 else 1]
    return "".join(digits[int(c)] for c in str(year))


def ent(text: str, label: str, value: Any) -> Piece:
    """An entity piece."""
    return (text, ENT, (label, value))


def plain(text: str) -> Piece:
    """An untagged piece."""
    return (text, None, None)


def wrap(kind: str, data: Any, pieces: list[Piece]) -> list[Piece]:
    """Pieces inside an enclosing mark (a field around an entity, an amount around a cell)."""
    return [("", OPEN, (kind, data)), *pieces, ("", CLOSE, None)]


def emit(builder: Builder, pieces: list[Piece]) -> None:
    """Append pieces to a builder, opening and closing enclosing marks."""
    stack: list[Mark] = []
    run: list[str] = []  # consecutive untagged pieces are appended at once
    for text, kind, data in pieces:
        if kind is None:
            run.append(text)
            continue
        if run:
            builder.add_plain("".join(run))
            run.clear()
        if kind == OPEN:
            stack.append(builder.open(*data))
        elif kind == CLOSE:
            builder.close(stack.pop())
        else:
            builder.add(text, kind, data)
    if run:
        builder.add_plain("".join(run))
    if stack:
        raise ValueError(f"[Y302] unclosed marks in pieces, got: {stack!r}")


def count(rng: Random, st: Style, n: int, unit: str, *, exact: bool = False, cn: bool = True) -> list[Piece]:
    """A count such as 756条, 1300余条, 12.36万条, 两个, with decorations outside the span."""
    sp = st.sp(rng)
    approx = False
    if cn and 2 <= n <= 10 and rng.random() < st.chinese:
        return [ent(f"{cn_int(n, liang=True)}{unit}", "COUNT", {"number": n, "unit": unit, "approx": False})]
    if not exact and n >= 10000 and rng.random() < st.wan:
        x = round(n / 10000, rng.choice((0, 1, 2)))
        x_text = f"{x:.2f}".rstrip("0").rstrip(".")
        value = round(float(x_text) * 10000)
        more = "余" if rng.random() < 0.4 else ""
        text = f"{x_text}{sp}万{more}{unit}"
        return [ent(text, "COUNT", {"number": value, "unit": unit, "approx": bool(more)})]
    if not exact and n >= 20 and rng.random() < st.approx:
        step = 10 ** max(1, len(str(n)) - 2)  # two significant figures: 1347 → 1300余
        n = max(step, n // step * step)
        word = rng.choice(("余", "余", "多"))
        return [ent(f"{n}{sp}{word}{unit}", "COUNT", {"number": n, "unit": unit, "approx": True})]
    pre, post = "", ""
    if not exact and n >= 10 and rng.random() < st.approx * 0.3:
        if rng.random() < 0.5:
            pre = rng.choice(("约", "近"))
        else:
            post = rng.choice(("以上", "左右"))
        approx = True
    out: list[Piece] = []
    if pre:
        out.append(plain(pre))
    out.append(ent(f"{n}{sp}{unit}", "COUNT", {"number": n, "unit": unit, "approx": approx}))
    if post:
        out.append(plain(post))
    return out


def year(rng: Random, st: Style, y: int, *, nian_du: float = 0.1, chinese: float = 0.0) -> list[Piece]:
    """A year: 2020年, 2020 年, 2020年度, 二〇二〇年."""
    if chinese and rng.random() < chinese:
        return [ent(f"{cn_year(y, rng)}年", "DATE", str(y))]
    du = "年度" if rng.random() < nian_du else "年"
    return [ent(f"{y}{st.sp(rng)}{du}", "DATE", str(y))]


def ymd(
    rng: Random, st: Style, y: int, m: int, d: int, *, chinese: float = 0.0, pad: float = 0.05
) -> list[Piece]:
    """A full date: 2020年1月1日, 2020 年 1 月 1 日, 2020年01月01日, 二〇二一年一月十八日."""
    value = f"{y:04d}-{m:02d}-{d:02d}"
    if chinese and rng.random() < chinese:
        return [ent(f"{cn_year(y, rng)}年{cn_int(m)}月{cn_int(d)}日", "DATE", value)]
    sp = st.sp(rng)
    if rng.random() < pad:
        return [ent(f"{y}{sp}年{sp}{m:02d}{sp}月{sp}{d:02d}{sp}日", "DATE", value)]
    return [ent(f"{y}{sp}年{sp}{m}{sp}月{sp}{d}{sp}日", "DATE", value)]


def iso_date(y: int, m: int, d: int) -> list[Piece]:
    """A web-page date: 2021-01-18."""
    value = f"{y:04d}-{m:02d}-{d:02d}"
    return [ent(value, "DATE", value)]


def month_day(rng: Random, st: Style, m: int, d: int) -> list[Piece]:
    """12月31日 (year unknown)."""
    sp = st.sp(rng)
    return [ent(f"{m}{sp}月{sp}{d}{sp}日", "DATE", f"XXXX-{m:02d}-{d:02d}")]


def month(rng: Random, st: Style, m: int, *, y: int | None = None, xun: float = 0.3) -> list[Piece]:
    """5月, 10月中旬, 2020年3月 (a month, with or without a year)."""
    sp = st.sp(rng)
    part = rng.choice(("上旬", "中旬", "下旬")) if rng.random() < xun else ""
    if y is not None:
        return [ent(f"{y}{sp}年{sp}{m}{sp}月{part}", "DATE", f"{y:04d}-{m:02d}")]
    return [ent(f"{m}{sp}月{part}", "DATE", f"XXXX-{m:02d}")]


def amount_wan(rng: Random, st: Style, wan: float, *, bare_wan: float = 0.1) -> list[Piece]:
    """Money in 万元: 10709.63 万元, 348.47万 (万 alone only where money is obvious)."""
    text = f"{wan:.2f}" if rng.random() < 0.8 else f"{wan:g}"
    unit = "万" if rng.random() < bare_wan else "万元"
    yuan = round(float(text) * 10000, 2)
    return [ent(f"{text}{st.sp(rng)}{unit}", "AMOUNT", {"yuan": float(yuan)})]


def amount_yuan(rng: Random, st: Style, yuan: float) -> list[Piece]:
    """Money in 元: 0元, 1200元, 356.5元."""
    text = f"{yuan:g}" if yuan != int(yuan) else str(int(yuan))
    return [ent(f"{text}{st.sp(rng)}元", "AMOUNT", {"yuan": float(round(float(text), 2))})]
