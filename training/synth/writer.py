"""Writing conventions of one report: headings, paragraphs, the title block and the intro.

The slots here fill the title and the contact sentence; they wrap document fields (agency,
department, address, postcode, phone, email, website) around the pieces, so the gold's
document fields are read off the final text like every other span.
"""

from __future__ import annotations

from training.synth import bank_front as F
from training.synth import fmt
from training.synth import slots_front as _front_slots  # noqa: F401  (registers its slots)
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
        self.indent = rng.choices(("", "  ", "　　", "\t"), weights=(88, 5, 6, 1))[0]
        # Numbering forms weighted as ../shared/corpus shows them (一、 in nearly every report).
        self.head_fmt = rng.choices(
            ("{n}、{t}", "{n} 、{t}", "{n}．{t}", "第{n}部分 {t}", "{n}、{t}。"), weights=(88, 3, 1, 1, 7)
        )[0]
        self.md = rng.random() < 0.03  # markdown marks (seed 000's conversion); the corpus has none
        self.sub_fmt = rng.choices(
            ("（{n}）{t}", "({n}){t}", "{d}.{t}", "（{d}）{t}", "{d}、{t}"), weights=(70, 15, 8, 2, 5)
        )[0]
        self.sub_inline = rng.random() < 0.35  # （一）主动公开情况。text on the same line
        self.bold = rng.random() < 0.03
        self.intro_breaks = rng.random() < 0.12  # the opening's sentences on separate lines
        self.used: set[str] = set()  # sentence patterns this report has written
        self.subs = 0  # sub-section headings written in the current section

    def para(self, patterns: tuple[str, ...], k: int = 1, indent: bool = True) -> None:
        """One paragraph of k sentences drawn from patterns."""
        rng = self.ctx.rng
        self.b.add(self.indent if indent else "")
        mark = self.b.open(REGION, "prose")
        patterns = for_year(patterns, self.ctx.year)
        # A report does not say the same thing twice: a used pattern returns only when none is left.
        fresh = [p for p in patterns if p not in self.used]
        picks = rng.sample(fresh, min(k, len(fresh))) or [rng.choice(patterns)]
        for p in picks:
            self.used.add(p)
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
        self.subs = 0

    def subheading(self, title: str) -> bool:
        """The next sub-section heading of the current section (numbered in order); returns True
        when the text continues on the same line."""
        i = min(self.subs, len(_SUB_NUMERALS) - 1)
        self.subs += 1
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
    """The opening paragraph: legal basis, parts, statistics period, where to read it, whom to ask.

    Rates follow ../shared/corpus: most openings give the basis; fewer than half give a period,
    a contact or a web address within the first few hundred characters.
    """
    ctx, rng = w.ctx, w.ctx.rng
    if not ctx.agency_marked:  # no title named the body: the basis sentence does
        basis = F.BASIS_LEGACY_NAMED if legacy else F.BASIS_NAMED
    elif not legacy and rng.random() < 0.15:
        basis = F.BASIS_FINAL
    else:
        basis = (F.BASIS_LEGACY + F.BASIS_LEGACY_NAMED) if legacy else F.BASIS
    sentences = [rng.choice(basis)]
    if basis is not F.BASIS_FINAL:
        if rng.random() < 0.55:
            sentences.append(rng.choice(F.PARTS_LEGACY if legacy else F.PARTS_2019))
        if rng.random() < 0.6:
            sentences.append(F.PERIOD_MAIN if rng.random() < 0.55 else rng.choice(F.PERIOD))
        if rng.random() < 0.35:
            sentences.append(rng.choice(F.WEB))
        if rng.random() < 0.4:
            sentences.append(rng.choice(F.CONTACT))
            ctx.contact_done = True
    w.b.add(w.indent)
    mark = w.b.open(REGION, "prose")
    for i, s in enumerate(sentences):
        if i and w.intro_breaks:  # some openings put each sentence on its own line
            w.b.close(mark)
            w.b.add(w.par_sep + w.indent)
            mark = w.b.open(REGION, "prose")
        emit(w.b, expand(ctx, s))
    w.b.close(mark)
    w.b.add(w.par_sep)


def _chrome(w: Writer, bank: tuple[str, ...]) -> None:
    """A block of page chrome (navigation, an index block), expanded for its entities."""
    mark = w.b.open(REGION, "chrome")
    emit(w.b, expand(w.ctx, w.ctx.rng.choice(bank)))
    w.b.close(mark)
    w.b.add(w.ctx.rng.choice(("\n", "\n\n")))


def write_front(w: Writer, legacy: bool) -> bool:
    """Chrome, title, date line; returns True when the intro was written before section 一.

    About half of the real openings have no title line (../shared/corpus: 50%), and a quarter
    start with the heading of section 一 rather than the basis sentence.
    """
    ctx, rng, b = w.ctx, w.ctx.rng, w.b
    r = rng.random()
    if r < 0.1:
        b.add(rng.choice(F.CHROME) + "\n\n", REGION, "chrome")
    elif r < 0.18:
        _chrome(w, F.CHROME_NAV)
    if rng.random() < 0.08:
        _chrome(w, F.CHROME_META)
    if rng.random() < 0.5:
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
        if rng.random() < 0.3:
            emit(b, expand(ctx, rng.choice(F.DATELINE)))
            b.add(w.par_sep)
        if rng.random() < 0.12:
            _chrome(w, F.CHROME_TAIL)
    if rng.random() < 0.72 or (not ctx.agency_marked and rng.random() < 0.5):
        write_intro(w, legacy)
        return True
    return False
