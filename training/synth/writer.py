"""Writing conventions of one report: headings, paragraphs, the title block and the intro.

The slots here fill the title and the contact sentence; they wrap document fields (agency,
department, address, postcode, phone, email, website) around the pieces, so the gold's
document fields are read off the final text like every other span.
"""

from __future__ import annotations

from training.synth import bank_front as F
from training.synth import fmt
from training.synth.fmt import Piece, emit, ent, plain
from training.synth.marks import HEAD, REGION, Builder
from training.synth.phrases import Ctx, expand, field_pieces, for_year, slot
from training.synth.slots import unit_of

NUMERALS = "一二三四五六七"
_SUB_NUMERALS = "一二三四五六七八"


# Slots for the title and the contact block: document fields around entities.


@slot("T_AG")
def _title_agency(ctx: Ctx, arg: str) -> list[Piece]:
    return ctx.self_name()


@slot("T_Y")
def _title_year(ctx: Ctx, arg: str) -> list[Piece]:
    return fmt.year(ctx.rng, ctx.st, ctx.year, nian_du=0.0)


@slot("T_YD")
def _title_year_du(ctx: Ctx, arg: str) -> list[Piece]:
    return [ent(f"{ctx.year}{ctx.st.sp(ctx.rng)}年度", "DATE", str(ctx.year))]


@slot("PARTS")
def _parts(ctx: Ctx, arg: str) -> list[Piece]:
    n = 7 if arg == "7" else 6
    r = ctx.rng.random()
    if r < 0.35:
        return [ent(f"{fmt.cn_int(n)}部分", "COUNT", {"number": n, "unit": "部分", "approx": False})]
    if r < 0.6:
        return [ent(f"{n}{ctx.st.sp(ctx.rng)}项", "COUNT", {"number": n, "unit": "项", "approx": False})]
    word = fmt.cn_int(n) if r < 0.8 else str(n)
    return [ent(f"{word}个", "COUNT", {"number": n, "unit": "个", "approx": False}), plain("部分")]


@slot("PARTS7")
def _parts7(ctx: Ctx, arg: str) -> list[Piece]:
    return _parts(ctx, "7")


@slot("DEPT")
def _dept(ctx: Ctx, arg: str) -> list[Piece]:
    unit = ctx.rng.choice(ctx.ag.units)
    if ctx.rng.random() < 0.8 or unit.startswith("办公") or not ctx.agency_marked:
        return field_pieces("department", unit_of(ctx, unit))
    return field_pieces("department", [ent(unit, "AGENCY", None)])


@slot("ADDR")
def _addr(ctx: Ctx, arg: str) -> list[Piece]:
    return field_pieces("address", [plain(ctx.ag.address)])


@slot("POST")
def _post(ctx: Ctx, arg: str) -> list[Piece]:
    return field_pieces("postcode", [plain(ctx.ag.postcode)])


@slot("PHONE")
def _phone(ctx: Ctx, arg: str) -> list[Piece]:
    out: list[Piece] = []
    for i, ph in enumerate(ctx.ag.phones):
        if i:
            out.append(plain(ctx.rng.choice(("、", "，", "；"))))
        if ctx.rng.random() < 0.1:
            area, local = ph.split("-")
            ph = f"（{area}）{local}"
        out.extend(field_pieces("phone", [plain(ph)]))
    return out


@slot("FAX")
def _fax(ctx: Ctx, arg: str) -> list[Piece]:
    return [plain(ctx.ag.fax)]


@slot("EMAIL")
def _email(ctx: Ctx, arg: str) -> list[Piece]:
    return field_pieces("email", [plain(ctx.ag.email)])


def _pub_date(ctx: Ctx) -> tuple[int, int, int]:
    """The publication date (drawn once: a date line and a signature agree)."""
    if ctx.published:
        y, m, d = (int(x) for x in ctx.published.split("-"))
        return y, m, d
    y = ctx.year + 1
    m = ctx.rng.choice((1, 1, 1, 2, 3)) if ctx.version != "legacy" else ctx.rng.randrange(1, 5)
    d = ctx.rng.randrange(5, 29)
    ctx.published = f"{y:04d}-{m:02d}-{d:02d}"
    return y, m, d


@slot("PUB")
def _pub(ctx: Ctx, arg: str) -> list[Piece]:
    return fmt.ymd(ctx.rng, ctx.st, *_pub_date(ctx))


@slot("PUBISO")
def _pub_iso(ctx: Ctx, arg: str) -> list[Piece]:
    out = fmt.iso_date(*_pub_date(ctx))
    return out + (
        [plain(f" {ctx.rng.randrange(8, 18):02d}:{ctx.rng.randrange(60):02d}")]
        if ctx.rng.random() < 0.5
        else []
    )


@slot("PUBCN")
def _pub_cn(ctx: Ctx, arg: str) -> list[Piece]:
    return fmt.ymd(ctx.rng, ctx.st, *_pub_date(ctx), chinese=1.0)


# --- writing ------------------------------------------------------------------------------


class Writer:
    """Paragraph and heading conventions of one report, writing into a builder."""

    def __init__(self, ctx: Ctx, b: Builder) -> None:
        self.ctx, self.b, rng = ctx, b, ctx.rng
        self.par_sep = rng.choice(("\n", "\n", "\n\n"))
        self.indent = rng.choices(("", "  ", "　　", "\t"), weights=(80, 8, 8, 4))[0]
        self.head_fmt = rng.choices(
            ("{n}、{t}", "{n} 、{t}", "{n}．{t}", "第{n}部分 {t}", "{n}、{t}。"), weights=(80, 5, 5, 4, 6)
        )[0]
        self.md = rng.random() < 0.08
        self.sub_fmt = rng.choices(
            ("（{n}）{t}", "({n}){t}", "{d}.{t}", "（{d}）{t}", "{d}、{t}"), weights=(55, 20, 10, 8, 7)
        )[0]
        self.sub_inline = rng.random() < 0.35  # （一）主动公开情况。text on the same line
        self.bold = rng.random() < 0.06

    def para(self, patterns: tuple[str, ...], k: int = 1, indent: bool = True) -> None:
        """One paragraph of k sentences drawn from patterns."""
        rng = self.ctx.rng
        self.b.add(self.indent if indent else "")
        mark = self.b.open(REGION, "prose")
        patterns = for_year(patterns, self.ctx.year)
        for p in rng.sample(patterns, min(k, len(patterns))):
            emit(self.b, expand(self.ctx, p))
        self.b.close(mark)
        self.b.add(self.par_sep)

    def heading(self, number: int, title: str, stands_for: int | None) -> None:
        numeral = NUMERALS[number - 1] if "{n}" in self.head_fmt else str(number)
        text = self.head_fmt.format(n=numeral, t=title)
        if self.md:
            self.b.add(self.ctx.rng.choice(("## ", "### ", "#### ")))
        self.b.add(text, HEAD, stands_for)
        self.b.add(self.par_sep)

    def subheading(self, i: int, title: str) -> bool:
        """Sub-section heading; returns True when the text continues on the same line."""
        text = self.sub_fmt.format(n=_SUB_NUMERALS[i], d=i + 1, t=title)
        if self.bold:
            text = f"**{text}**"
        self.b.add(self.indent + text)
        if self.sub_inline:
            self.b.add("。" if not text.endswith("。") else "")
            return True
        self.b.add(self.par_sep)
        return False


def write_intro(w: Writer, legacy: bool) -> None:
    ctx, rng = w.ctx, w.ctx.rng
    sentences = [rng.choice(F.BASIS_LEGACY if legacy else F.BASIS)]
    if rng.random() < 0.6:
        sentences.append(rng.choice(F.PARTS_LEGACY if legacy else F.PARTS_2019))
    if rng.random() < 0.85:
        sentences.append(rng.choice(F.PERIOD))
    if rng.random() < 0.6:
        sentences.append(rng.choice(F.WEB))
    if not ctx.agency_marked:  # no title: the contact sentence names the body
        sentences.append(rng.choice([c for c in F.CONTACT if "{DEPT}" in c]))
    elif rng.random() < 0.8:
        sentences.append(rng.choice(F.CONTACT))
    w.b.add(w.indent)
    mark = w.b.open(REGION, "prose")
    for s in sentences:
        emit(w.b, expand(ctx, s))
    w.b.close(mark)
    w.b.add(w.par_sep)


def write_front(w: Writer, legacy: bool) -> bool:
    """Chrome, title, date line; returns True when the intro was written before section 一."""
    ctx, rng, b = w.ctx, w.ctx.rng, w.b
    if rng.random() < 0.2:
        b.add(rng.choice(F.CHROME) + "\n\n", REGION, "chrome")
    if rng.random() < 0.93:
        if rng.random() < 0.04:
            b.add("\n\n")
        mark = b.open(REGION, "title")
        if w.md:
            b.add("# ")
        pieces = expand(ctx, rng.choice(F.TITLES))
        if rng.random() < 0.08:  # title broken over two lines (seed 002)
            pieces = (
                [*pieces[:-1], plain(pieces[-1][0].replace("工作", "\n工作", 1))]
                if pieces[-1][1] is None
                else pieces
            )
        emit(b, pieces)
        b.close(mark)
        b.add(w.par_sep)
        if rng.random() < 0.18:
            emit(b, expand(ctx, rng.choice(F.DATELINE)))
            b.add(w.par_sep)
        tail = rng.choice(F.CHROME_TAIL) if rng.random() < 0.1 else ""
        if tail:
            b.add(tail + w.par_sep, REGION, "chrome")
    if rng.random() < 0.7 or not ctx.agency_marked:
        write_intro(w, legacy)
        return True
    return False
