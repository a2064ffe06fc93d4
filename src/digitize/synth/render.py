"""Synthetic newspaper pages with exact ground truth.

The renderer draws every printed element itself, so the truth (regions, lines, reading order,
articles across pages, jumps, skew) is known exactly and written in the schema of the shared
dev issue's ``gt.json`` (see ``../shared/bench/README.md``).

API
---
``render_issue(spec: IssueSpec, out_dir: Path, seed: int = 0) -> dict``
    Render all pages to ``out_dir/page-N.png`` (N = printed page number), write ``gt.json`` and
    ``page-N.gt.txt``; return the gt dict.
``build_issue(spec: IssueSpec, seed: int = 0) -> SynthIssue``
    The same in memory: ``SynthIssue.images`` (grey uint8 arrays, one per page) and ``.gt``.
    Tests use this to render pages on the fly (a 1700x2400 page takes well under a second).
Specs: ``IssueSpec`` (pages, paper, date), ``PageSpec`` (size, dpi or ``body_px``, column grid,
masthead or folio, modules, ``vertical`` for traditional vertical pages, skew, degradation),
``Module`` (one article/notice/ad block on the grid: columns, vertical extent as fractions of
the content area, headline/kicker/subtitle/byline/photo/label/vertical headline options and
``jump_to``/``jump_from`` printed page numbers; the same ``article`` key on two pages makes a
jump), ``Degradation`` (paper tint, blur, noise, JPEG, illumination, bleed-through, specks).
Ready-made specs live in ``digitize.synth.layouts``.

Geometry: pages are drawn upright, then rotated counter-clockwise by ``skew_deg`` about the
image centre (``cv2.getRotationMatrix2D((W/2, H/2), skew_deg, 1)``); each region's ``poly`` is
its rotated box and ``bbox`` the hull of it in final pixels. Line bboxes are em boxes (font size
high, first to last glyph), also as hulls after rotation.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import random
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt
from PIL import Image, ImageDraw, ImageFont

from digitize.synth import corpus

Rect = tuple[float, float, float, float]

_NOTO = "/usr/share/fonts/opentype/noto/"
_ARPHIC = "/usr/share/fonts/truetype/arphic/"
FONT_FILES: dict[str, tuple[str, int]] = {
    "noto_serif": (_NOTO + "NotoSerifCJK-Regular.ttc", 2),
    "noto_serif_bold": (_NOTO + "NotoSerifCJK-Bold.ttc", 2),
    "noto_serif_black": (_NOTO + "NotoSerifCJK-Black.ttc", 3),
    "noto_sans": (_NOTO + "NotoSansCJK-Regular.ttc", 2),
    "noto_sans_bold": (_NOTO + "NotoSansCJK-Bold.ttc", 2),
    "uming_tw": (_ARPHIC + "uming.ttc", 2),
    "ukai_tw": (_ARPHIC + "ukai.ttc", 2),
    "ukai_cn": (_ARPHIC + "ukai.ttc", 0),
}
MODERN_FONTS: dict[str, str] = {
    "body": "noto_serif", "head": "noto_sans_bold", "kicker": "noto_sans",
    "subtitle": "noto_serif_bold", "caption": "noto_sans", "byline": "ukai_cn",
    "label": "noto_sans_bold", "jump": "noto_sans", "notice_body": "noto_sans",
    "nameplate": "noto_serif_black", "small": "noto_sans", "small_bold": "noto_sans_bold",
    "vhead": "noto_sans_bold", "vbody": "noto_serif", "ad": "noto_sans_bold",
}
TRAD_FONTS: dict[str, str] = {
    **{k: "uming_tw" for k in MODERN_FONTS},
    "head": "ukai_tw", "vhead": "ukai_tw", "nameplate": "ukai_tw", "label": "ukai_tw",
}

NO_LINE_START = "，。、；：？！）》」』”’…—％·%℃"
NO_LINE_END = "（《「『“‘"
_VERTICAL_FORMS = {"「": "﹁", "」": "﹂", "『": "﹃", "』": "﹄", "《": "︽", "》": "︾",
                   "（": "︵", "）": "︶", "—": "︱", "…": "︙", "：": "︰"}
_CORNER_PUNCT = "、。，．"
_CN_NUM = "〇一二三四五六七八九十"


def page_label(n: int) -> str:
    """Printed page number as in folios: 4 -> 四, 12 -> 十二."""
    if n <= 10:
        return "十" if n == 10 else _CN_NUM[n]
    if n < 20:
        return "十" + _CN_NUM[n - 10]
    return _CN_NUM[n // 10] + "十" + (_CN_NUM[n % 10] if n % 10 else "")


# --------------------------------------------------------------------------- specs


@dataclass(frozen=True)
class Degradation:
    """Scan defects, applied after drawing (rotation happens between illumination and blur)."""

    paper: float = 255.0  # paper grey level
    ink_level: float = 0.0  # ink grey level
    blur_sigma: float = 0.0
    noise_sigma: float = 0.0
    jpeg_quality: int | None = None
    illum_amplitude: float = 0.0  # +- grey levels of a smooth lighting field
    bleed: float = 0.0  # opacity of the mirrored back page
    specks: int = 0

    @staticmethod
    def scan(strength: float = 1.0) -> Degradation:
        """A typical microfilm-ish scan; strength 0 is clean, 2 is rough."""
        s = strength
        return Degradation(paper=255 - 18 * s, ink_level=25 * s, blur_sigma=0.6 * s,
                           noise_sigma=3.0 * s, jpeg_quality=int(90 - 8 * s) if s else None,
                           illum_amplitude=10 * s, bleed=0.06 * s, specks=int(40 * s))


@dataclass(frozen=True)
class Module:
    """One block on the column grid. `top`/`bottom` are fractions of the content height."""

    kind: str = "article"  # article | commentary | notice | ad | vertical_article
    col: int = 0
    span: int = 1
    top: float = 0.0
    bottom: float = 1.0
    article: str | None = None  # key; the same key on several pages chains the parts
    sub_cols: int | None = None  # text columns inside the module (default: span)
    headline_lines: int = 1
    headline_scale: float = 2.2  # headline size in body ems (shrunk to fit)
    kicker: bool = False
    subtitle: bool = False
    byline: str | None = None  # "top" | "end"
    photo: float = 0.0  # photo height as a fraction of the body area height
    photo_cols: int = 0  # sub-columns the photo covers, from the right (0 = all)
    label: str | None = None  # reverse-video label text
    vertical_headline: bool = False
    boxed: bool = False
    jump_to: int | None = None  # printed page number of the next part
    jump_from: int | None = None  # printed page number of the previous part
    repeat_headline: str = "full"  # on a continuation: full | short | none
    dateline: bool = True  # first paragraph starts with 本报讯


@dataclass(frozen=True)
class PageSpec:
    number: int  # printed page number; the file is page-<number>.png
    modules: tuple[Module, ...]
    cols: int = 5
    width: int = 1700
    height: int = 2400
    dpi: int = 200
    body_px: int | None = None  # body em in px; default dpi * 10.5 / 72
    masthead: bool = False  # front-page nameplate instead of a folio line
    section: str = "综合"
    vertical: bool = False  # traditional page set in vertical columns
    punct: bool = True  # vertical pages: print 、。， (placed top-right in the cell)
    skew_deg: float = 0.0
    degradation: Degradation = Degradation()
    rules: bool = True  # rules between modules


@dataclass(frozen=True)
class IssueSpec:
    name: str
    pages: tuple[PageSpec, ...]
    paper: str = corpus.PAPER
    date: dt.date = dt.date(2024, 3, 15)
    issue_no: int = 5123
    total_pages: int | None = None  # printed "今日N版"; default: highest page number


@dataclass
class SynthIssue:
    images: list[npt.NDArray[np.uint8]]
    gt: dict[str, Any]


# --------------------------------------------------------------------------- fonts


@lru_cache(maxsize=256)
def _font(key: str, px: int) -> ImageFont.FreeTypeFont:
    path, index = FONT_FILES[key]
    return ImageFont.truetype(path, max(4, px), index=index, layout_engine=ImageFont.Layout.BASIC)


@lru_cache(maxsize=64)
def _notdef(key: str) -> tuple[tuple[int, int], bytes]:
    f = _font(key, 24)
    m = f.getmask("\U000f0001")
    return m.size, bytes(m)


@lru_cache(maxsize=65536)
def has_glyph(key: str, ch: str) -> bool:
    """True when the font draws `ch` with a real glyph (not .notdef)."""
    if ch.isspace():
        return True
    m = _font(key, 24).getmask(ch)
    return (m.size, bytes(m)) != _notdef(key)


def keep_drawable(text: str, key: str) -> str:
    return "".join(ch for ch in text if ch == "\n" or has_glyph(key, ch))


@lru_cache(maxsize=256)
def _baseline(key: str, px: int) -> float:
    """Offset from the em box top to the baseline that centres a Han glyph in the em box."""
    _, t, _, b = _font(key, px).getbbox("国", anchor="ls")
    return px / 2 - (t + b) / 2


_ADV: dict[tuple[str, int, str], float] = {}


def advance(key: str, px: int, ch: str) -> float:
    k = (key, px, ch)
    v = _ADV.get(k)
    if v is None:
        v = px * 0.5 if ch == " " else float(_font(key, px).getlength(ch))
        _ADV[k] = v
    return v


def text_width(key: str, px: int, text: str) -> float:
    return sum(advance(key, px, ch) for ch in text)


# --------------------------------------------------------------------------- canvas


@dataclass
class _Line:
    box: Rect
    text: str
    para: bool = False


@dataclass
class _Region:
    id: str
    type: str
    box: Rect
    article: str | None
    text: str = ""
    lines: list[_Line] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)


class _Canvas:
    """A page being drawn upright: PIL image plus the regions recorded so far."""

    def __init__(self, page: int, w: int, h: int, fonts: dict[str, str]) -> None:
        self.page = page
        self.img = Image.new("L", (w, h), 255)
        self.draw = ImageDraw.Draw(self.img)
        self.fonts = fonts
        self.regions: list[_Region] = []
        self.order: list[str] = []

    def key(self, role: str) -> str:
        return self.fonts[role]

    def add(self, rtype: str, box: Rect, article: str | None, lines: Sequence[_Line] = (),
            text: str | None = None, **extra: Any) -> _Region:
        rid = f"p{self.page}r{len(self.regions) + 1:03d}"
        if text is None:
            text = join_line_texts(lines)
        reg = _Region(rid, rtype, box, article, text, list(lines), dict(extra))
        self.regions.append(reg)
        if rtype not in ("photo", "rule"):
            self.order.append(rid)
        return reg

    # -- drawing primitives

    def hline(self, text: str, x: float, y: float, role: str, px: int, fill: int = 0) -> _Line:
        """Draw one horizontal line with its em box top-left at (x, y)."""
        key = self.key(role)
        font = _font(key, px)
        base = y + _baseline(key, px)
        cx = x
        for i, seg in enumerate(text.split(" ")):
            if i:
                cx += advance(key, px, " ")
            if seg:
                self.draw.text((cx, base), seg, font=font, anchor="ls", fill=fill)
                cx += text_width(key, px, seg)
        return _Line((x, y, cx, y + px), text)

    def vline(self, text: str, x: float, y: float, role: str, px: int, step: float | None = None,
              fill: int = 0) -> _Line:
        """Draw a column top to bottom, one em cell per character, cell column left edge x."""
        key = self.key(role)
        font = _font(key, px)
        step = step or float(px)
        base = _baseline(key, px)
        cy = y
        for ch in text:
            if ch == " ":
                cy += step * 0.5
                continue
            glyph = _VERTICAL_FORMS.get(ch, ch)
            if not has_glyph(key, glyph):
                glyph = ch
            gx = x + (px - advance(key, px, glyph)) / 2
            gy = cy + base
            if ch in _CORNER_PUNCT:
                left, t, r, b = font.getbbox(ch, anchor="ls")
                gx = x + px * 0.72 - (left + r) / 2
                gy = cy + px * 0.3 - (t + b) / 2
            self.draw.text((gx, gy), glyph, font=font, anchor="ls", fill=fill)
            cy += step
        return _Line((x, y, x + px, cy - (step - px)), text)

    def rule(self, box: Rect, article: str | None = None, shape: str | None = None,
             width: int = 2) -> None:
        x0, y0, x1, y1 = box
        if shape == "box":
            self.draw.rectangle((x0, y0, x1 - 1, y1 - 1), outline=0, width=width)
            self.add("rule", box, article, shape="box")
        else:
            self.draw.rectangle((x0, y0, x1 - 1, y1 - 1), fill=0)
            self.add("rule", box, article)


def join_line_texts(lines: Sequence[_Line]) -> str:
    out = ""
    for i, ln in enumerate(lines):
        if i and ln.para:
            out += "\n"
        out += ln.text
    return out


# --------------------------------------------------------------------------- text flow


@dataclass
class _Placed:
    start: int
    end: int
    x: float
    y: float
    col: int
    para: bool


def _para_start(text: str, i: int) -> bool:
    return i == 0 or text[i - 1] == "\n"


def _in_run(ch: str) -> bool:
    return ch.isascii() and (ch.isalnum() or ch in ".%")


def _break(text: str, i: int, avail: float, adv: Callable[[str], float]) -> int:
    """End index (exclusive) of the line starting at i, respecting line-start/end rules."""
    w = 0.0
    j = i
    n = len(text)
    while j < n and text[j] != "\n":
        a = adv(text[j])
        if w + a > avail + 1e-6:
            break
        w += a
        j += 1
    if j == i and j < n and text[j] != "\n":
        return i + 1  # a glyph wider than the line still has to go somewhere
    if j < n and text[j] != "\n":
        k = j
        while k - 1 > i and text[k] in NO_LINE_START:
            k -= 1
        while k - 1 > i and text[k - 1] in NO_LINE_END:
            k -= 1
        # keep a run of ASCII digits/letters together when it can move down whole
        while k - 1 > i and _in_run(text[k - 1]) and _in_run(text[k]):
            k -= 1
        if k > i + 1:
            j = k
    return j


def flow_h(text: str, cursor: int, cols: Sequence[Rect], adv: Callable[[str], float], em: float,
           pitch: float, indent: int = 2) -> tuple[list[_Placed], int]:
    """Set text line by line into column boxes (left to right); returns lines and new cursor."""
    out: list[_Placed] = []
    for ci, (x0, y0, x1, y1) in enumerate(cols):
        y = y0
        while y + em <= y1 + 1e-6 and cursor < len(text):
            if text[cursor] == "\n":
                cursor += 1
                continue
            para = _para_start(text, cursor)
            ind = indent * em if para else 0.0
            end = _break(text, cursor, x1 - x0 - ind, adv)
            out.append(_Placed(cursor, end, x0 + ind, y, ci, para))
            cursor = end
            y += pitch
    return out, cursor


def flow_v(text: str, cursor: int, cols_x: Sequence[float], y0: float, y1: float, em: float,
           indent: int = 2) -> tuple[list[_Placed], int]:
    """Set text in vertical columns (cell column left edges given right to left)."""
    out: list[_Placed] = []
    cells = int((y1 - y0 + 1e-6) // em)
    for ci, x in enumerate(cols_x):
        while cursor < len(text) and text[cursor] == "\n":
            cursor += 1
        if cursor >= len(text):
            break
        para = _para_start(text, cursor)
        ind = indent if para else 0
        end = _break(text, cursor, float(cells - ind), lambda ch: 1.0)
        out.append(_Placed(cursor, end, x, y0 + ind * em, ci, para))
        cursor = end
    return out, cursor


def sentence_end_before(text: str, lo: int, hi: int) -> int:
    """Largest p in (lo, hi] ending a sentence (after 。！？ or a closing quote after one)."""
    for p in range(hi, lo, -1):
        c = text[p - 1]
        if c in "。！？" or (c in "”」" and p >= 2 and text[p - 2] in "。！？"):
            return p
        if c == "\n":
            return p - 1
    return hi


# --------------------------------------------------------------------------- articles


@dataclass
class _ArticleState:
    id: str
    content: corpus.ArticleText
    cursor: int = 0
    title: str = ""
    parts: list[dict[str, Any]] = field(default_factory=list)
    part_para: list[bool] = field(default_factory=list)  # part starts a paragraph
    kind: str = "article"


class _IssueRenderer:
    def __init__(self, spec: IssueSpec, seed: int) -> None:
        self.spec = spec
        self.seed = seed
        self.articles: dict[str, _ArticleState] = {}
        self.jumps: list[dict[str, Any]] = []
        self.unresolved: list[dict[str, Any]] = []
        self.auto = 0
        self.printed = {p.number for p in spec.pages}

    def rng(self, *salt: object) -> random.Random:
        return random.Random(f"{self.seed}|{self.spec.name}|" + "|".join(map(str, salt)))

    def article(self, key: str | None, kind: str, trad: bool, body_key: str,
                vertical: bool = False) -> _ArticleState:
        if key is None:
            self.auto += 1
            key = f"x{self.auto}"
        st = self.articles.get(key)
        if st is None:
            rng = self.rng("article", key)
            if trad:
                head = rng.choice(corpus.TRAD_HEADLINES)
                body = corpus.trad_paragraph(rng) + "\n" + corpus.trad_paragraph(rng)
                content = corpus.ArticleText([head], "", "", "", "", body, rng, "")
            elif kind == "commentary":
                content = corpus.commentary_text(rng)
            else:
                content = corpus.article_text(rng)
            if vertical and not trad:
                content.body = corpus.verticalize(content.body)
                content.title = [corpus.verticalize(t) for t in content.title]
            content.body = keep_drawable(content.body, body_key)
            taken = {s.content.title[-1] for s in self.articles.values()}
            tries = 0
            while content.title[-1] in taken and tries < 50 and not trad:
                content.title = corpus.article_text(rng).title
                tries += 1
            if trad:
                pool = [t for t in corpus.TRAD_HEADLINES if t not in taken] or corpus.TRAD_HEADLINES
                content.title = [rng.choice(pool)]
            st = _ArticleState(key, content, kind=kind)
            self.articles[key] = st
        return st

    def extend(self, st: _ArticleState, need: int, trad: bool, vertical: bool, key: str) -> None:
        c = st.content
        while len(c.body) < st.cursor + need:
            para = corpus.trad_paragraph(c.rng) if trad else corpus.paragraph(c.rng)
            if vertical and not trad:
                para = corpus.verticalize(para)
            c.body += "\n" + keep_drawable(para, key)


# --------------------------------------------------------------------------- page drawing


class _PageRenderer:
    def __init__(self, issue: _IssueRenderer, spec: PageSpec) -> None:
        self.issue = issue
        self.spec = spec
        self.trad = spec.vertical
        self.fonts = TRAD_FONTS if self.trad else MODERN_FONTS
        self.cv = _Canvas(spec.number, spec.width, spec.height, self.fonts)
        self.em = spec.body_px or round(spec.dpi * 10.5 / 72)
        self.pitch = round(self.em * 1.42)
        self.gutter = round(self.em * 1.3)
        self.margin_x = round(spec.width * 0.055)
        self.margin_y = round(spec.height * 0.04)
        self.rng = issue.rng("page", spec.number)
        self.hard: set[str] = set()

    # -- top of page

    def masthead(self) -> float:
        cv, em, sp = self.cv, self.em, self.spec
        x0, x1 = self.margin_x, sp.width - self.margin_x
        y: float = self.margin_y
        paper = corpus.PAPER_TRAD if self.trad else self.issue.spec.paper
        npx = round(em * 4.2)
        ln = cv.hline(paper, x0, y, "nameplate", npx)
        cv.add("masthead", ln.box, None, [ln], subtype="nameplate")
        # synthetic QR code with its label, top right
        q = round(em * 3.2)
        qx, qy = x1 - q, round(y)
        rng = np.random.default_rng(self.issue.seed + 7)
        cells = (rng.random((21, 21)) > 0.5).astype(np.uint8) * 255
        for cx, cy in ((0, 0), (14, 0), (0, 14)):
            cells[cy:cy + 7, cx:cx + 7] = 0
            cells[cy + 1:cy + 6, cx + 1:cx + 6] = 255
            cells[cy + 2:cy + 5, cx + 2:cx + 5] = 0
        qr = Image.fromarray(cells).resize((q, q), Image.Resampling.NEAREST)
        cv.img.paste(qr, (qx, qy))
        cv.add("photo", (qx, qy, qx + q, qy + q), None, subtype="qr")
        lpx = round(em * 0.8)
        label = "扫码关注"
        lw = text_width(cv.key("small"), lpx, label)
        ln = cv.hline(label, qx + (q - lw) / 2, qy + q + em * 0.2, "small", lpx)
        cv.add("masthead", ln.box, None, [ln], subtype="qr_label")
        y += max(npx, q + em * 1.2) + em * 0.4
        spx = round(em * 0.85)
        ln = cv.hline("主办：中共云溪区委员会 云溪区人民政府", x0, y, "small", spx)
        cv.add("masthead", ln.box, None, [ln], subtype="sponsor")
        y += spx + em * 0.5
        cv.rule((x0, y, x1, y + max(3, em // 6)))
        y += max(3, em // 6) + em * 0.4
        d = self.issue.spec.date
        week = "一二三四五六日"[d.weekday()]
        total = self.issue.spec.total_pages or max(self.issue.printed)
        items = [f"{d.year}年{d.month}月{d.day}日 星期{week}",
                 f"第{self.issue.spec.issue_no}期 今日{page_label(total)}版"]
        dpx = round(em * 0.95)
        ln = cv.hline(items[0], x0, y, "small", dpx)
        cv.add("masthead", ln.box, None, [ln], subtype="dateline")
        w = text_width(cv.key("small"), dpx, items[1])
        ln = cv.hline(items[1], x1 - w, y, "small", dpx)
        cv.add("masthead", ln.box, None, [ln], subtype="dateline")
        y += dpx + em * 0.4
        cv.rule((x0, y, x1, y + 2))
        return y + 2 + em * 0.8

    def folio(self) -> float:
        cv, em, sp = self.cv, self.em, self.spec
        x0, x1 = self.margin_x, sp.width - self.margin_x
        y: float = self.margin_y
        fpx = round(em * 0.95)
        if self.trad:
            items = [corpus.PAPER_TRAD, *corpus.TRAD_FOLIO]
            items[1] = f"第{page_label(sp.number)}版"
        else:
            d = self.issue.spec.date
            week = "一二三四五六日"[d.weekday()]
            editor = corpus.person(self.rng, spaced=True)
            items = [self.issue.spec.paper, f"{d.year}年{d.month}月{d.day}日 星期{week}",
                     f"第{page_label(sp.number)}版 {sp.section}", f"责任编辑：{editor}"]
        widths = [text_width(cv.key("small"), fpx, t) for t in items]
        free = (x1 - x0 - sum(widths)) / (len(items) - 1)
        x = float(x0)
        for t, w in zip(items, widths, strict=True):
            ln = cv.hline(t, x, y, "small", fpx)
            cv.add("masthead", ln.box, None, [ln], subtype="folio")
            x += w + free
        y += fpx + em * 0.4
        cv.rule((x0, y, x1, y + 3))
        return y + 3 + em * 0.8

    # -- grid

    def render(self) -> None:
        sp = self.spec
        top = self.masthead() if sp.masthead else self.folio()
        left, right = self.margin_x, sp.width - self.margin_x
        bottom = sp.height - self.margin_y
        g = self.gutter
        cw = (right - left - (sp.cols - 1) * g) / sp.cols
        vgap = self.em * 1.6
        h = bottom - top
        for m in sp.modules:
            ox0 = left + m.col * (cw + g)
            ox1 = ox0 + m.span * cw + (m.span - 1) * g
            oy0 = top + m.top * h
            oy1 = top + m.bottom * h
            iy0 = oy0 + (vgap / 2 if m.top > 0.001 else 0)
            iy1 = oy1 - (vgap / 2 if m.bottom < 0.999 else 0)
            box = (ox0, iy0, ox1, iy1)
            if m.kind == "ad":
                self.ad(m, box)
            elif m.kind == "notice":
                self.notice(m, box)
            elif m.kind == "vertical_article" or sp.vertical:
                self.vertical_article(m, box)
            else:
                self.article(m, box)
            if sp.rules and m.bottom < 0.999:
                self.cv.rule((ox0, oy1 - 1, ox1, oy1 + 1))
            if sp.rules and m.col + m.span < sp.cols:
                rx = ox1 + g / 2
                self.cv.rule((rx - 1, iy0, rx + 1, iy1))

    def sub_columns(self, x0: float, x1: float, n: int) -> list[tuple[float, float]]:
        g = self.gutter
        w = (x1 - x0 - (n - 1) * g) / n
        return [(x0 + i * (w + g), x0 + i * (w + g) + w) for i in range(n)]

    def centered(self, text: str, x0: float, x1: float, y: float, role: str, px: int) -> _Line:
        w = text_width(self.cv.key(role), px, text)
        return self.cv.hline(text, x0 + max(0.0, (x1 - x0 - w) / 2), y, role, px)

    def fit_px(self, text: str, width: float, role: str, want: float, least: float) -> int:
        w1 = text_width(self.cv.key(role), 100, text) / 100
        return int(max(least, min(want, width / max(w1, 1e-6))))

    def wrap_fit(self, text: str, width: float, role: str, want: float,
                 least: float) -> tuple[int, list[str]]:
        """Largest size in [least, want] that fits one line, else lines wrapped at `least`."""
        px = self.fit_px(text, width, role, want, least)
        key = self.cv.key(role)
        if text_width(key, px, text) <= width + 0.5:
            return px, [text]
        out: list[str] = []
        pos = 0
        while pos < len(text):
            while pos < len(text) and text[pos] == " ":
                pos += 1
            end = _break(text, pos, width, lambda ch: advance(key, px, ch))
            if end > pos:
                out.append(text[pos:end].rstrip(" "))
            pos = end
        return px, out

    def frame(self, box: Rect, article: str | None) -> Rect:
        """Draw a box frame; return the inner content box."""
        x0, y0, x1, y1 = box
        pad = self.em * 0.3
        self.cv.rule((x0 + pad, y0 + pad, x1 - pad, y1 - pad), article, shape="box", width=2)
        inner = self.em * 1.0
        return (x0 + inner, y0 + inner, x1 - inner, y1 - inner)

    # -- article modules

    def article(self, m: Module, box: Rect) -> None:
        cv, em = self.cv, self.em
        kind = m.kind
        label = m.label if m.label is not None else ("时评评论" if kind == "commentary" else None)
        boxed = m.boxed or kind == "commentary"
        byline = m.byline if m.byline is not None else ("top" if kind == "commentary" else None)
        st = self.issue.article(m.article, kind, False, cv.key("body"))
        aid = st.id
        start_regions = len(cv.regions)
        x0, y, x1, y1 = self.frame(box, aid) if boxed else box
        cont = m.jump_from is not None
        c = st.content
        if label:
            lpx = round(em * 1.1)
            lw = text_width(cv.key("label"), lpx, label)
            pad = em * 0.35
            lb = (x0, y, x0 + lw + 2 * pad, y + lpx + 2 * pad)
            cv.draw.rectangle(lb, fill=0)
            ln = cv.hline(label, x0 + pad, y + pad, "label", lpx, fill=255)
            cv.add("label", lb, aid, [ln], inverted=True)
            self.hard.add("label")
            y = lb[3] + em * 0.5
        if m.kicker and not cont:
            ind = em * 2.0
            kpx, parts = self.wrap_fit(c.kicker, x1 - x0 - ind, "kicker", em * 1.2, em * 0.9)
            lines = []
            for t in parts:
                lines.append(cv.hline(t, x0 + ind, y, "kicker", kpx))
                y += kpx * 1.15
            cv.add("kicker", _hull(lines), aid, lines, text="".join(parts))
            y += em * 0.3
        # headline (horizontal, or a vertical strip at the right of the body)
        head_lines = c.title[:1] if (cont and m.repeat_headline == "short") else c.title
        if m.headline_lines == 1 or len(head_lines) == 1:
            head_lines = [" ".join(head_lines)]
        show_head = not (cont and m.repeat_headline == "none")
        body_x1 = x1
        if show_head and m.vertical_headline:
            text = "".join(head_lines).replace(" ", "")
            hpx = int(min(m.headline_scale * em, (y1 - y - em) / max(1, len(text))))
            hx = x1 - hpx - em * 0.3
            ln = cv.vline(text, hx, y, "vhead", hpx)
            ln.text = text
            cv.add("headline", ln.box, aid, [ln], vertical=True, continuation=cont)
            if not cont:
                st.title = text
            self.hard.add("vertical_headline")
            body_x1 = hx - self.gutter
        elif show_head:
            want = m.headline_scale * em * (0.75 if cont else 1.0)
            hpx = min(self.fit_px(t, x1 - x0, "head", want, em * 1.3) for t in head_lines)
            lines = []
            for phrase in head_lines:
                for t in self.wrap_fit(phrase, x1 - x0, "head", hpx, hpx)[1]:
                    lines.append(self.centered(t, x0, x1, y, "head", hpx))
                    y += hpx * 1.12
            y += em * 0.3
            reg = cv.add("headline", _hull(lines), aid, lines, text=" ".join(head_lines),
                         continuation=cont)
            if not cont:
                st.title = reg.text
        if m.subtitle and not cont:
            spx, parts = self.wrap_fit(c.subtitle, x1 - x0, "subtitle", em * 1.25, em)
            lines = []
            for t in parts:
                lines.append(self.centered(t, x0, x1, y, "subtitle", spx))
                y += spx * 1.15
            cv.add("subtitle", _hull(lines), aid, lines, text="".join(parts))
            y += em * 0.35
        if byline == "top" and not cont:
            ind = 0.0 if kind == "commentary" else em * 2.0
            bpx, parts = self.wrap_fit(c.byline, body_x1 - x0 - ind, "byline", em, em * 0.8)
            lines = []
            for t in parts:
                lines.append(self.centered(t, x0, body_x1, y, "byline", bpx)
                             if kind == "commentary" else cv.hline(t, x0 + ind, y, "byline", bpx))
                y += bpx * 1.15
            cv.add("byline", _hull(lines), aid, lines, text=" ".join(parts))
            y += em * 0.45
        if cont:
            ln = cv.hline(f"（上接第{page_label(m.jump_from or 0)}版）", x0, y, "jump", em)
            cv.add("jump", ln.box, aid, [ln], direction="in")
            y += self.pitch
        y += em * 0.2
        # body columns, photo at the right top
        ncol = m.sub_cols or m.span
        if m.vertical_headline:
            ncol = max(1, ncol - 1) if m.sub_cols is None else ncol
        cols = self.sub_columns(x0, body_x1, ncol)
        col_top = [y] * ncol
        caption_lines: list[_Line] = []
        photo_box: Rect | None = None
        if m.photo > 0:
            pc = m.photo_cols or ncol
            px0, px1 = cols[ncol - pc][0], cols[-1][1]
            ph = (y1 - y) * m.photo
            photo_box = (px0, y, px1, y + ph)
            self.draw_photo(photo_box)
            cpx = round(em * 0.9)
            cy = y + ph + em * 0.3
            ckey = cv.key("caption")
            cap = c.caption
            cpx = self.fit_px(cap, px1 - px0, "caption", cpx, em * 0.75)
            pos = 0
            while pos < len(cap):
                while pos < len(cap) and cap[pos] == " ":
                    pos += 1
                end = _break(cap, pos, px1 - px0, lambda ch: advance(ckey, cpx, ch))
                caption_lines.append(cv.hline(cap[pos:end].rstrip(" "), px0, cy, "caption", cpx))
                pos = end
                cy += cpx * 1.3
            for i in range(ncol - pc, ncol):
                col_top[i] = cy + em * 0.6
        last_reserve = (1 if m.jump_to else 0) + (1 if byline == "end" else 0)
        boxes = []
        for i, (cx0, cx1) in enumerate(cols):
            bot = y1 - (last_reserve * self.pitch if i == ncol - 1 else 0)
            boxes.append((cx0, col_top[i], cx1, bot))
        self.body_parts(st, m, boxes, aid, byline, last_reserve * self.pitch)
        if photo_box is not None:
            cv.add("photo", photo_box, aid)
            self.hard.add("photo")
            if caption_lines:
                cv.add("caption", _hull(caption_lines), aid, caption_lines)
        part_ids = [r.id for r in cv.regions[start_regions:]]
        self.record_part(st, part_ids, m)

    def body_parts(self, st: _ArticleState, m: Module, boxes: list[Rect], aid: str,
                   byline: str | None, reserve: float) -> None:
        cv, em = self.cv, self.em
        key = cv.key("body")
        capacity = sum(int((b[3] - b[1]) / self.pitch + 1) * int((b[2] - b[0]) / em)
                       for b in boxes)
        self.issue.extend(st, capacity + 200, False, False, key)
        text = st.content.body
        start = st.cursor
        placed, end = flow_h(text, start, boxes, lambda ch: advance(key, em, ch), em, self.pitch)
        if m.jump_to is None:
            end = sentence_end_before(text, start, end)
            st.content.body = text = text[:end]
            placed = [p for p in placed if p.start < end]
            if placed:
                placed[-1].end = min(placed[-1].end, end)
        st.cursor = end
        by_col: dict[int, list[_Line]] = {}
        for p in placed:
            ln = cv.hline(text[p.start:p.end], p.x, p.y, "body", em)
            ln.para = p.para
            by_col.setdefault(p.col, []).append(ln)
        last: _Line | None = None
        last_col = 0
        for ci, lines in sorted(by_col.items()):
            bx0, _, bx1, _ = boxes[ci]
            rbox = (bx0, lines[0].box[1], bx1, lines[-1].box[3])
            lines[0].para = lines[0].para or ci == 0
            cv.add("body", rbox, aid, lines)
            last, last_col = lines[-1], ci
        y_next = (last.box[1] + self.pitch) if last else boxes[0][1]
        if byline == "end" and m.jump_to is None:
            bpx = em
            bx0, _, bx1, _ = boxes[last_col]
            full_bot = boxes[last_col][3] + (reserve if last_col == len(boxes) - 1 else 0)
            if y_next + bpx > full_bot and last_col + 1 < len(boxes):
                last_col += 1
                bx0, y_next, bx1, _ = boxes[last_col]
            if y_next + bpx <= full_bot + 1e-6:
                name = st.content.byline.split(" ", 1)[-1] if " " in st.content.byline else "记者"
                w = text_width(cv.key("byline"), bpx, name)
                ln = cv.hline(name, bx1 - w, y_next, "byline", bpx)
                cv.add("byline", ln.box, aid, [ln])
                y_next += self.pitch
        if m.jump_to is not None:
            t = f"（下转第{page_label(m.jump_to)}版）"
            bx0, _, bx1, bot = boxes[-1]
            w = text_width(cv.key("jump"), em, t)
            ln = cv.hline(t, bx1 - w, bot + (self.pitch - em) / 2, "jump", em)
            cv.add("jump", ln.box, aid, [ln], direction="out")

    def record_part(self, st: _ArticleState, region_ids: list[str], m: Module) -> None:
        texts = [r for r in self.cv.regions if r.id in set(region_ids)
                 and r.type in ("body", "notice")]
        part_text = ""
        for r in texts:
            if part_text and r.lines and r.lines[0].para:
                part_text += "\n"
            part_text += r.text
        st.parts.append({"page": self.spec.number, "region_ids": region_ids, "text": part_text})
        st.part_para.append(bool(texts and texts[0].lines and texts[0].lines[0].para))
        if m.jump_to is not None:
            self.hard.add("jump")
            if m.jump_to not in self.issue.printed:
                self.issue.unresolved.append(
                    {"from": {"page": self.spec.number, "article": st.id},
                     "target_page": m.jump_to})
        if m.jump_from is not None and len(st.parts) >= 2:
            prev = st.parts[-2]["page"]
            self.issue.jumps.append({"from": {"page": prev, "article": st.id},
                                     "to": {"page": self.spec.number, "article": st.id}})

    def draw_photo(self, box: Rect) -> None:
        x0, y0, x1, y1 = (round(v) for v in box)
        w, h = x1 - x0, y1 - y0
        rng = np.random.default_rng([self.issue.seed, self.spec.number, x0, y0])
        yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
        a = rng.uniform(0, 2 * math.pi)
        img = 150 + 60 * ((xx * math.cos(a) + yy * math.sin(a)) / max(w, h) - 0.5)
        for _ in range(rng.integers(3, 7)):
            cx, cy = rng.uniform(0, w), rng.uniform(0, h)
            rx, ry = rng.uniform(0.08, 0.3) * w, rng.uniform(0.08, 0.3) * h
            mask = ((xx - cx) / rx) ** 2 + ((yy - cy) / ry) ** 2 < 1
            img[mask] = rng.uniform(30, 220)
        img += rng.normal(0, 12, img.shape)
        img = cv2.GaussianBlur(img, (0, 0), 1.2)
        pil = Image.fromarray(np.clip(img, 0, 255).astype(np.uint8))
        self.cv.img.paste(pil, (x0, y0))
        self.cv.draw.rectangle((x0, y0, x1 - 1, y1 - 1), outline=0, width=1)

    # -- notices and ads

    def notice(self, m: Module, box: Rect) -> None:
        cv, em = self.cv, self.em
        key = m.article or f"p{self.spec.number}-notice{len(cv.regions)}"
        title, body = corpus.notice_text(self.issue.rng("notice", key))
        st = _ArticleState(key, corpus.ArticleText([title], "", "", "", "", body,
                                                   random.Random(0), ""), kind="notice")
        self.issue.articles[key] = st
        start_regions = len(cv.regions)
        x0, y, x1, y1 = self.frame(box, key)
        hpx = self.fit_px(title, x1 - x0, "head", em * 1.6, em)
        ln = self.centered(title, x0, x1, y, "head", hpx)
        cv.add("headline", ln.box, key, [ln], continuation=False)
        st.title = title
        y += hpx + em * 0.6
        nkey = cv.key("notice_body")
        text = keep_drawable(body, nkey)
        placed, end = flow_h(text, 0, [(x0, y, x1, y1)], lambda ch: advance(nkey, em, ch), em,
                             self.pitch)
        end = sentence_end_before(text, 0, end) if end < len(text) else end
        placed = [p for p in placed if p.start < end]
        lines = []
        for p in placed:
            ln = cv.hline(text[p.start:min(p.end, end)], p.x, p.y, "notice_body", em)
            ln.para = p.para
            lines.append(ln)
        if lines:
            lines[0].para = True
            cv.add("notice", (x0, lines[0].box[1], x1, lines[-1].box[3]), key, lines)
        st.content.body = text[:end]
        self.hard.add("notice")
        self.record_part(st, [r.id for r in cv.regions[start_regions:]], m)

    def ad(self, m: Module, box: Rect) -> None:
        cv, em = self.cv, self.em
        texts = corpus.ad_text(self.issue.rng("ad", self.spec.number, m.col, m.top))
        x0, y0, x1, y1 = box
        pad = em * 0.3
        cv.rule((x0 + pad, y0 + pad, x1 - pad, y1 - pad), None, shape="box", width=3)
        sizes = [em * 2.4, em * 1.5, em * 1.0]
        total = sum(sizes) * 1.25
        scale = min(1.0, (y1 - y0 - 4 * pad) / total)
        y = y0 + max(2 * pad, (y1 - y0 - total * scale) / 2)
        lines = []
        for t, s in zip(texts, sizes, strict=True):
            px = self.fit_px(t, x1 - x0 - 6 * pad, "ad", s * scale, min(em, s * scale) * 0.6)
            ln = self.centered(t, x0, x1, y, "ad", px)
            ln.para = True
            lines.append(ln)
            y += px * 1.25
        cv.add("ad", _hull(lines), None, lines)

    # -- vertical text

    def vertical_article(self, m: Module, box: Rect) -> None:
        """Headline column at the right, body columns top-to-bottom, right to left."""
        cv, em = self.cv, self.em
        trad = self.trad
        st = self.issue.article(m.article, "vertical", trad, cv.key("vbody"), vertical=True)
        aid = st.id
        start_regions = len(cv.regions)
        x0, y0, x1, y1 = self.frame(box, aid) if m.boxed else box
        title = st.content.title[0] if trad else st.content.title[-1]
        title = corpus.verticalize(title)
        hpx = int(min(em * m.headline_scale * 0.8, (y1 - y0) / max(1, len(title) + 1)))
        hx = x1 - hpx - em * 0.2
        ln = cv.vline(title, hx, y0, "vhead", hpx)
        cv.add("headline", ln.box, aid, [ln], vertical=True, continuation=False)
        st.title = title
        col_pitch = round(em * 1.5)
        xs: list[float] = []
        x = hx - em * 0.9 - em
        while x >= x0 - 1e-6:
            xs.append(x)
            x -= col_pitch
        key = cv.key("vbody")
        cells = int((y1 - y0) // em)
        self.issue.extend(st, len(xs) * cells + 100, trad, True, key)
        text = st.content.body
        if not self.spec.punct:
            text = "".join(ch for ch in text if ch not in "，。、；：「」『』")
        placed, end = flow_v(text, st.cursor, xs, y0, y1, em, indent=2 if not trad else 1)
        end = sentence_end_before(text, st.cursor, end)
        placed = [p for p in placed if p.start < end]
        if placed:
            placed[-1].end = min(placed[-1].end, end)
        st.content.body = text[:end]
        st.cursor = end
        lines = []
        for p in placed:
            ln = cv.vline(text[p.start:p.end], p.x, p.y, "vbody", em)
            ln.para = p.para
            lines.append(ln)
        if lines:
            lines[0].para = True
            cv.add("body", _hull(lines), aid, lines, vertical=True)
        self.hard.update(("vertical_headline", "vertical_body"))
        self.record_part(st, [r.id for r in cv.regions[start_regions:]], m)


def _hull(lines: Sequence[_Line]) -> Rect:
    return (min(ln.box[0] for ln in lines), min(ln.box[1] for ln in lines),
            max(ln.box[2] for ln in lines), max(ln.box[3] for ln in lines))


# --------------------------------------------------------------------------- degradation


def _f32(a: Any) -> npt.NDArray[np.float32]:
    return np.asarray(a, dtype=np.float32)


def _degrade(img: npt.NDArray[np.uint8], spec: PageSpec, seed: int) -> npt.NDArray[np.uint8]:
    d = spec.degradation
    rng = np.random.default_rng(seed)
    h, w = img.shape
    ink = 1.0 - img.astype(np.float32) / 255.0
    if d.bleed > 0:
        back = _f32(cv2.GaussianBlur(np.ascontiguousarray(ink[:, ::-1]), (0, 0), 2.0))
        ink = np.maximum(ink, back * d.bleed)
    out = _f32(d.paper - (d.paper - d.ink_level) * ink)
    if d.illum_amplitude > 0:
        yy, xx = np.mgrid[0:h:16, 0:w:16].astype(np.float32)
        a, b = rng.uniform(0, 2 * math.pi, 2)
        light = _f32(np.cos(xx / w * math.pi + a) * np.cos(yy / h * math.pi * 0.7 + b))
        out += d.illum_amplitude * _f32(cv2.resize(light, (w, h),
                                                   interpolation=cv2.INTER_LINEAR))
    if spec.skew_deg:
        m = cv2.getRotationMatrix2D((w / 2, h / 2), spec.skew_deg, 1.0)
        out = _f32(cv2.warpAffine(out, m, (w, h), flags=cv2.INTER_LINEAR,
                                  borderMode=cv2.BORDER_CONSTANT,
                                  borderValue=(float(d.paper),)))
    if d.blur_sigma > 0:
        out = _f32(cv2.GaussianBlur(out, (0, 0), d.blur_sigma))
    for _ in range(d.specks):
        cx, cy = int(rng.integers(0, w)), int(rng.integers(0, h))
        cv2.circle(out, (cx, cy), int(rng.integers(1, 3)), (float(d.ink_level + 40),), -1)
    if d.noise_sigma > 0:
        out += rng.normal(0, d.noise_sigma, out.shape).astype(np.float32)
    res: npt.NDArray[np.uint8] = np.clip(out, 0, 255).astype(np.uint8)
    if d.jpeg_quality:
        ok, buf = cv2.imencode(".jpg", res, [cv2.IMWRITE_JPEG_QUALITY, int(d.jpeg_quality)])
        if ok:
            res = np.asarray(cv2.imdecode(buf, cv2.IMREAD_GRAYSCALE), dtype=np.uint8)
    return res


# --------------------------------------------------------------------------- truth


def _skew_matrix(spec: PageSpec) -> npt.NDArray[np.float64]:
    m = cv2.getRotationMatrix2D((spec.width / 2, spec.height / 2), spec.skew_deg, 1.0)
    return np.asarray(m, dtype=np.float64)


def _poly(m: npt.NDArray[np.float64], box: Rect) -> list[list[float]]:
    x0, y0, x1, y1 = box
    pts = np.array([[x0, y0, 1], [x1, y0, 1], [x1, y1, 1], [x0, y1, 1]], dtype=np.float64)
    out = pts @ m.T
    return [[round(float(x), 1), round(float(y), 1)] for x, y in out]


def _bbox(poly: list[list[float]], w: int, h: int) -> list[int]:
    xs = [p[0] for p in poly]
    ys = [p[1] for p in poly]
    return [max(0, math.floor(min(xs))), max(0, math.floor(min(ys))),
            min(w, math.ceil(max(xs))), min(h, math.ceil(max(ys)))]


def _page_gt(pr: _PageRenderer) -> dict[str, Any]:
    sp = pr.spec
    m = _skew_matrix(sp)
    regions = []
    for r in pr.cv.regions:
        poly = _poly(m, r.box)
        # round line boxes outward before rotation, so their hulls nest inside the region's
        rx0, ry0, rx1, ry1 = r.box
        lines = []
        for ln in r.lines:
            lb = (max(ln.box[0], rx0), max(ln.box[1], ry0), min(ln.box[2], rx1),
                  min(ln.box[3], ry1))
            lines.append({"bbox": _bbox(_poly(m, lb), sp.width, sp.height), "text": ln.text})
        reg: dict[str, Any] = {"id": r.id, "type": r.type, "bbox": _bbox(poly, sp.width, sp.height),
                               "poly": poly, "article": r.article, "text": r.text, "lines": lines}
        reg.update(r.extra)
        regions.append(reg)
    hard = set(pr.hard)
    if sp.vertical:
        hard.add("vertical_page")
    if pr.em < 18:
        hard.add("small_text")
    if abs(sp.skew_deg) >= 1.0:
        hard.add("skew")
    return {
        "page": sp.number, "file": f"page-{sp.number}.png", "width": sp.width,
        "height": sp.height, "skew_deg": sp.skew_deg, "hard_cases": sorted(hard),
        "degradation": asdict(sp.degradation),
        "grid": {"cols": sp.cols, "gutter": pr.gutter, "body_px": pr.em},
        "dpi": sp.dpi, "regions": regions, "reading_order": list(pr.cv.order),
    }


def build_issue(spec: IssueSpec, seed: int = 0) -> SynthIssue:
    """Render every page in memory; see the module docstring."""
    issue = _IssueRenderer(spec, seed)
    images = []
    pages = []
    fonts: dict[str, str] = {}
    for ps in spec.pages:
        pr = _PageRenderer(issue, ps)
        pr.render()
        fonts.update(pr.fonts)
        raw = np.asarray(pr.cv.img, dtype=np.uint8)
        images.append(_degrade(raw, ps, seed * 1000 + ps.number))
        pages.append(_page_gt(pr))
    articles = []
    for st in issue.articles.values():
        if not st.parts:
            continue
        text = ""
        for part, para in zip(st.parts, st.part_para, strict=True):
            if text and part["text"] and para:
                text += "\n"
            text += part["text"]
        articles.append({"id": st.id, "title": st.title, "parts": st.parts, "text": text})
    gt: dict[str, Any] = {
        "issue": spec.name, "paper": spec.paper, "split": "synthetic", "seed": seed,
        "fonts": fonts, "pages": pages, "articles": articles, "jumps": issue.jumps,
    }
    if issue.unresolved:
        gt["unresolved_jumps"] = issue.unresolved
    return SynthIssue(images, gt)


def page_text(page_gt: dict[str, Any]) -> str:
    """Text of the reading-order regions, one region per line (the ``page-N.gt.txt`` file)."""
    by_id = {r["id"]: r for r in page_gt["regions"]}
    return "".join(by_id[i]["text"].replace("\n", "") + "\n" for i in page_gt["reading_order"])


def render_issue(spec: IssueSpec, out_dir: Path, seed: int = 0) -> dict[str, Any]:
    """Render an issue to ``out_dir`` (PNG pages, gt.json, page-N.gt.txt); return the truth."""
    out_dir.mkdir(parents=True, exist_ok=True)
    res = build_issue(spec, seed)
    for img, pg in zip(res.images, res.gt["pages"], strict=True):
        ok, buf = cv2.imencode(".png", img, [cv2.IMWRITE_PNG_COMPRESSION, 9])
        if not ok:
            raise OSError(f"cannot encode {pg['file']}")
        (out_dir / pg["file"]).write_bytes(buf.tobytes())
        (out_dir / f"page-{pg['page']}.gt.txt").write_text(page_text(pg), encoding="utf-8")
    (out_dir / "gt.json").write_text(json.dumps(res.gt, ensure_ascii=False, indent=1),
                                     encoding="utf-8")
    return res.gt
