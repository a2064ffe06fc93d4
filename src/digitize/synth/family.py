"""A seeded family of synthetic issues that varies what real newspapers vary.

``random_issue(seed)`` draws, from the seed alone: 2-4 pages with printed numbers that need not
be 1..n (1,2,3,8 or 2,4); a 4-8 column grid per page, gutters of 0.5-2 em, rules between
modules, between columns too, or none; body and headline fonts chosen independently (Noto,
AR PL, WenQuanYi, fake bold); folio styles (第X版 section, 第X版, 第X版·要闻, A3, bare 3) in
Chinese or Arabic numerals; reverse-video nameplates and labels; boxed notices, ads,
commentaries; photos captioned below, above or beside; vertical modules on horizontal pages
and horizontal rows on vertical pages; articles continued to adjacent and non-adjacent pages
with one of several jump phrasings (下转第X版, 转X版, 上接第X版, ...; Chinese, Arabic or A3
numerals; full-width, half-width or no brackets); scan files named unlike their printed page
(scan-0007.png for page 3) or the whole issue as one PDF; degradation from clean to strong
(JPEG down to quality 35, blur, bleed-through, yellowed colour pages, noise, skew up to 3°).

The text is the generic synthetic corpus of `digitize.synth.corpus`; nothing here is tuned to
an evaluation issue. Even seeds are the development half (``split`` "dev"), odd seeds the
report half ("holdout"), so a benchmark can tune on one and report the other.
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
from dataclasses import dataclass, replace

from digitize.synth.spec import Degradation, IssueSpec, Module, PageSpec
from digitize.synth.typeset import page_label

BODY_FONTS = ("noto_serif", "noto_sans", "uming_cn", "ukai_cn", "wqy_zenhei", "wqy_microhei",
              "noto_serif+stroke", "uming_cn+stroke")
HEAD_FONTS = ("noto_sans_bold", "noto_serif_bold", "noto_serif_black", "noto_sans",
              "wqy_zenhei", "wqy_microhei+stroke", "uming_cn+stroke", "ukai_cn+stroke")
VERTICAL_FONTS = ("uming_tw", "ukai_tw", "noto_serif", "wqy_zenhei")
JUMP_OUT = ("下转第X版", "转第X版", "下转X版", "转X版")
JUMP_IN = ("上接第X版", "接第X版", "上接X版")
NUMERALS = ("chinese", "arabic", "letter")  # letter: A3, only with letter folios
BRACKETS = {"full": ("（", "）"), "half": ("(", ")"), "none": ("", "")}
FOLIOS = ("default", "ordinal", "section", "letter", "bare")
SECTIONS = ("要闻", "综合", "经济", "社会", "文化", "体育", "民生", "副刊", "国内", "专题")
LABELS = ("时评评论", "民生关注", "本地新闻", "图片新闻", "经济视点", "社会万象")
FILE_STYLES = ("page", "scan", "pdf")
CAPTION_POS = ("below", "above", "beside")
PAGE_SETS: dict[int, tuple[tuple[int, ...], ...]] = {
    2: ((1, 2), (1, 3), (2, 4), (3, 8), (1, 4)),
    3: ((1, 2, 3), (1, 2, 4), (1, 3, 8), (2, 3, 4), (1, 4, 6)),
    4: ((1, 2, 3, 4), (1, 2, 3, 8), (1, 2, 4, 8), (1, 3, 5, 8), (2, 3, 4, 8)),
}


@dataclass(frozen=True)
class JumpStyle:
    """How one issue prints its jump lines."""

    out: str  # template with X for the page number, e.g. 下转第X版
    into: str  # e.g. 上接X版
    numeral: str  # chinese | arabic | letter
    bracket: str  # full | half | none

    def text(self, template: str, page: int) -> str:
        num = {"chinese": page_label(page), "arabic": str(page), "letter": f"A{page}"}
        t = template.replace("X", num[self.numeral])
        if self.numeral == "letter":
            t = t.replace("第", "")
        left, right = BRACKETS[self.bracket]
        return f"{left}{t}{right}"

    def cases(self) -> tuple[str, ...]:
        return (f"jump_out:{self.out}", f"jump_in:{self.into}", f"jump_numeral:{self.numeral}",
                f"jump_bracket:{self.bracket}")


def split_of(seed: int) -> str:
    """The half a seed belongs to: even seeds develop, odd seeds report."""
    return "dev" if seed % 2 == 0 else "holdout"


def _degradation(rng: random.Random) -> Degradation:
    """Clean, light, medium or strong; strong reaches JPEG 35, blur 1.6 px, bleed 0.2."""
    level = rng.choice(("clean", "light", "medium", "medium", "strong"))
    if level == "clean":
        return Degradation()
    s = {"light": 0.4, "medium": 1.0, "strong": 1.8}[level] * rng.uniform(0.8, 1.1)
    q = round(95 - 33 * s + rng.uniform(-3, 3)) if rng.random() < 0.85 else None
    return Degradation(
        paper=round(255 - rng.uniform(6, 14) * s, 1),
        ink_level=round(rng.uniform(10, 22) * s, 1),
        blur_sigma=round(rng.uniform(0.3, 0.9) * s, 2),
        noise_sigma=round(rng.uniform(1.5, 4.5) * s, 2),
        jpeg_quality=None if q is None else max(35, min(95, q)),
        illum_amplitude=round(rng.uniform(4, 10) * s, 1),
        bleed=round(min(0.2, rng.uniform(0.03, 0.1) * s), 3) if rng.random() < 0.6 else 0.0,
        specks=int(rng.uniform(10, 40) * s),
        yellow=round(rng.uniform(0.35, 1.0), 2) if rng.random() < 0.25 else 0.0,
    )


def _skew(rng: random.Random) -> float:
    if rng.random() < 0.35:
        return round(rng.uniform(-0.3, 0.3), 3)
    return round(rng.choice((-1, 1)) * rng.uniform(0.3, 3.0), 3)


def _bands(rng: random.Random) -> list[float]:
    """Band edges as fractions of the content height; every band at least 0.22 high."""
    n = rng.choice((2, 3, 3, 4))
    while True:
        cuts = sorted(rng.uniform(0.22, 0.78) for _ in range(n - 1))
        edges = [0.0, *cuts, 1.0]
        if all(b - a >= 0.22 for a, b in itertools.pairwise(edges)):
            return edges


def _horizontal_modules(rng: random.Random, page: int, cols: int) -> list[Module]:
    """Bands of modules; kinds, labels, photos and caption positions drawn at random."""
    mods: list[Module] = []
    edges = _bands(rng)
    vertical_left = rng.random() < 0.3  # one vertical body module on this page
    k = 0
    for b in range(len(edges) - 1):
        col = 0
        while col < cols:
            span = min(cols - col, rng.choice((1, 2, 2, 3, 3, 4)))
            if cols - col - span == 1:
                span += 1  # avoid a lone narrow column at the right edge
            k += 1
            top, bottom = edges[b], edges[b + 1]
            r = rng.random()
            if vertical_left and 2 <= span <= 3 and b > 0:
                vertical_left = False
                mods.append(Module(kind="vertical_article", article=f"v{page}_{k}", col=col,
                                   span=span, top=top, bottom=bottom, boxed=rng.random() < 0.3))
            elif r < 0.07 and span <= 3:
                mods.append(Module(kind="notice", article=f"n{page}_{k}", col=col, span=span,
                                   top=top, bottom=bottom))
            elif r < 0.14 and span <= 4:
                mods.append(Module(kind="ad", col=col, span=span, top=top, bottom=bottom))
            elif r < 0.19 and span >= 2:
                mods.append(Module(kind="commentary", article=f"c{page}_{k}", col=col,
                                   span=span, top=top, bottom=bottom,
                                   label=rng.choice(LABELS)))
            else:
                photo = span >= 2 and rng.random() < 0.4
                mods.append(Module(
                    article=f"a{page}_{k}", col=col, span=span, top=top, bottom=bottom,
                    kicker=rng.random() < 0.25, subtitle=rng.random() < 0.25,
                    headline_lines=2 if span >= 3 and rng.random() < 0.5 else 1,
                    headline_scale=rng.uniform(1.7, 2.8),
                    byline=rng.choice((None, None, "top", "end")),
                    photo=rng.uniform(0.3, 0.5) if photo else 0.0,
                    photo_cols=max(1, span - rng.choice((0, 1))) if photo else 0,
                    caption_pos=rng.choice(CAPTION_POS) if photo else "below",
                    label=rng.choice(LABELS) if rng.random() < 0.12 else None,
                    boxed=rng.random() < 0.08,
                    vertical_headline=span >= 2 and rng.random() < 0.08,
                ))
            col += span
    return mods


def _vertical_modules(rng: random.Random, page: int, cols: int) -> list[Module]:
    """A vertical page: bands of vertical articles read right to left, sometimes with one
    band of horizontal rows across the page."""
    mods: list[Module] = []
    edges = _bands(rng)
    row_band = rng.randrange(len(edges) - 1) if rng.random() < 0.7 else -1
    k = 0
    for b in range(len(edges) - 1):
        top, bottom = edges[b], edges[b + 1]
        if b == row_band:
            k += 1
            mods.append(Module(kind="horizontal_article", article=f"h{page}_{k}", col=0,
                               span=cols, top=top, bottom=bottom, dateline=False,
                               headline_scale=rng.uniform(1.6, 2.2)))
            continue
        band: list[Module] = []
        col = 0
        while col < cols:
            span = min(cols - col, rng.choice((1, 2, 2, 3)))
            k += 1
            band.append(Module(kind="vertical_article", article=f"v{page}_{k}", col=col,
                               span=span, top=top, bottom=bottom))
            col += span
        mods.extend(sorted(band, key=lambda m: -m.col))  # right to left is reading order
    return mods


def _file_names(rng: random.Random, style: str, printed: tuple[int, ...]) -> list[str | None]:
    if style == "scan":  # a scanner's running number, unrelated to the printed page
        base = rng.randint(1, 40)
        return [f"scan-{base + i:04d}.png" for i in range(len(printed))]
    return [None] * len(printed)


def _link_jumps(rng: random.Random, pages: list[list[Module]], printed: tuple[int, ...],
                vertical: set[int], style: JumpStyle, total: int,
                cases: list[set[str]]) -> None:
    """Turn article modules into jump sources and continuations (in place)."""
    def candidates(i: int, taken: set[int]) -> list[int]:
        return [j for j, m in enumerate(pages[i]) if m.kind == "article" and j not in taken]

    used: list[set[int]] = [set() for _ in pages]  # continuation modules per page
    for i, src in enumerate(printed):
        if i in vertical or rng.random() < 0.2:
            continue
        for _ in range(rng.choice((1, 1, 2))):
            later = [t for t in range(i + 1, len(printed)) if t not in vertical]
            srcs = [j for j in candidates(i, set()) if pages[i][j].jump_to is None]
            if not srcs:
                break
            j = rng.choice(srcs)
            m = pages[i][j]
            if not later or rng.random() < 0.1:  # continued on a page not in this issue
                target = next((p for p in range(src + 1, total + 1) if p not in printed), None)
                if target is None:
                    break
                pages[i][j] = _out(m, target, style)
                cases[i].update(("jump_unresolved", *style.cases()))
                continue
            t = rng.choice(later)
            tj = candidates(t, used[t] | {x for x, mm in enumerate(pages[t])
                                          if mm.jump_to is not None})
            if not tj:
                continue
            tk = rng.choice(tj)
            used[t].add(tk)
            pages[i][j] = _out(m, printed[t], style)
            tm = pages[t][tk]
            pages[t][tk] = Module(
                article=m.article, col=tm.col, span=tm.span, top=tm.top, bottom=tm.bottom,
                jump_from=src, jump_in_text=style.text(style.into, src),
                repeat_headline=rng.choice(("full", "short", "none")),
                byline=rng.choice((None, "end")), photo=tm.photo, photo_cols=tm.photo_cols,
                caption_pos=tm.caption_pos, headline_scale=tm.headline_scale)
            far = {"jump_far"} if printed[t] - src > 1 else set()
            cases[i].update((*style.cases(), *far))
            cases[t].update((*style.cases(), *far))


def _out(m: Module, target: int, style: JumpStyle) -> Module:
    """The module `m` continued on page `target` (no end byline: the text runs on)."""
    return replace(m, jump_to=target, jump_out_text=style.text(style.out, target),
                   byline=None if m.byline == "end" else m.byline)


def random_issue(seed: int) -> IssueSpec:
    """A 2-4 page issue drawn from `seed` (see the module docstring for what varies)."""
    rng = random.Random(f"family|{seed}")
    npages = rng.choice((2, 3, 3, 4))
    printed = rng.choice(PAGE_SETS[npages])
    total = max(printed) + rng.choice((0, 0, 4, 8))
    folio = rng.choice(FOLIOS)
    folio_arabic = rng.random() < 0.5
    numeral = rng.choice(NUMERALS if folio == "letter" else NUMERALS[:2])
    style = JumpStyle(rng.choice(JUMP_OUT), rng.choice(JUMP_IN), numeral,
                      rng.choice(tuple(BRACKETS)))
    fonts: tuple[tuple[str, str], ...] = (("body", rng.choice(BODY_FONTS)),
                                           ("head", rng.choice(HEAD_FONTS)))
    fonts += (("vbody", fonts[0][1]), ("vhead", fonts[1][1]))
    file_style = rng.choice(FILE_STYLES)
    deg = _degradation(rng)
    dpi = rng.choice((150, 150, 150, 200))
    width = round(rng.uniform(9.5, 12.0) * dpi)  # one paper size for the whole issue
    height = round(width * rng.uniform(1.38, 1.46))
    em = round(dpi * rng.uniform(9.5, 11.0) / 72)
    rules = rng.choice(("none", "modules", "all"))
    front_inverted = rng.random() < 0.4
    inner = [i for i, p in enumerate(printed) if p != 1]
    vertical = {rng.choice(inner)} if inner and rng.random() < 0.2 else set()
    cols_of = [rng.randint(4, 6) if i in vertical else rng.randint(4, 8)
               for i in range(npages)]
    gutters = [round(rng.uniform(0.5, 2.0), 2) for _ in range(npages)]
    pages = [(_vertical_modules if i in vertical else _horizontal_modules)(rng, p, cols_of[i])
             for i, p in enumerate(printed)]
    cases: list[set[str]] = [set() for _ in printed]
    _link_jumps(rng, pages, printed, vertical, style, total, cases)
    files = _file_names(rng, file_style, printed)
    specs = []
    for i, p in enumerate(printed):
        cols, g = cols_of[i], gutters[i]
        if file_style == "pdf":
            cases[i].add("pdf")
        page_fonts = fonts
        if i in vertical:
            vf = rng.choice(VERTICAL_FONTS)
            page_fonts = (("vbody", vf), ("body", vf))
        specs.append(PageSpec(
            number=p, modules=tuple(pages[i]), cols=cols, width=width, height=height, dpi=dpi,
            body_px=em, masthead=p == 1, section=rng.choice(SECTIONS), vertical=i in vertical,
            skew_deg=_skew(rng), degradation=deg, rules=rules != "none",
            col_rules=rules == "all", gutter_em=g, fonts=page_fonts, folio=folio,
            folio_arabic=folio_arabic, nameplate_inverted=front_inverted, file=files[i],
            cases=tuple(sorted(cases[i]))))
    date = dt.date(2019, 1, 1) + dt.timedelta(days=rng.randrange(2500))
    return IssueSpec(name=f"synth-{seed:04d}", pages=tuple(specs), date=date,
                     issue_no=rng.randint(1000, 9999), total_pages=total, split=split_of(seed),
                     pdf=file_style == "pdf")
