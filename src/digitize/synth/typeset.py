"""Fonts, the drawing canvas and text flow of the synthetic renderer.

Every glyph is drawn here, so this is where the truth's line boxes come from: a line's box
is its em box from the first to the last glyph. Font keys name a face in `FONT_FILES`; a key
ending in ``+stroke`` is the same face drawn with a stroke of about 1/30 em ("fake bold", as
presses embolden a regular face), which keeps advances unchanged.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from PIL import Image, ImageDraw, ImageFont

Rect = tuple[float, float, float, float]

_NOTO = "/usr/share/fonts/opentype/noto/"
_ARPHIC = "/usr/share/fonts/truetype/arphic/"
_WQY = "/usr/share/fonts/truetype/wqy/"
FONT_FILES: dict[str, tuple[str, int]] = {
    "noto_serif": (_NOTO + "NotoSerifCJK-Regular.ttc", 2),
    "noto_serif_bold": (_NOTO + "NotoSerifCJK-Bold.ttc", 2),
    "noto_serif_black": (_NOTO + "NotoSerifCJK-Black.ttc", 3),
    "noto_sans": (_NOTO + "NotoSansCJK-Regular.ttc", 2),
    "noto_sans_bold": (_NOTO + "NotoSansCJK-Bold.ttc", 2),
    "uming_tw": (_ARPHIC + "uming.ttc", 2),
    "ukai_tw": (_ARPHIC + "ukai.ttc", 2),
    "ukai_cn": (_ARPHIC + "ukai.ttc", 0),
    "uming_cn": (_ARPHIC + "uming.ttc", 0),
    "wqy_zenhei": (_WQY + "wqy-zenhei.ttc", 0),
    "wqy_microhei": (_WQY + "wqy-microhei.ttc", 0),
}
STROKE = "+stroke"  # suffix of a fake-bold font key
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


# --------------------------------------------------------------------------- fonts


def stroke_px(key: str, px: int) -> int:
    """Stroke width of a fake-bold key at size px (0 for real faces)."""
    return max(1, round(px / 30)) if key.endswith(STROKE) else 0


@lru_cache(maxsize=256)
def _font(key: str, px: int) -> ImageFont.FreeTypeFont:
    path, index = FONT_FILES[key.removesuffix(STROKE)]
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

    def text(self, xy: tuple[float, float], text: str, font: ImageFont.FreeTypeFont, key: str,
             px: int, fill: int) -> None:
        """Draw at the baseline-left anchor; fake-bold keys get a stroke of the ink colour."""
        sw = stroke_px(key, px)
        if sw:
            self.draw.text(xy, text, font=font, anchor="ls", fill=fill, stroke_width=sw,
                           stroke_fill=fill)
        else:
            self.draw.text(xy, text, font=font, anchor="ls", fill=fill)

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
                self.text((cx, base), seg, font, key, px, fill)
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
            self.text((gx, gy), glyph, font, key, px, fill)
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


def hull(lines: Sequence[_Line]) -> Rect:
    """The smallest box holding every line's box."""
    return (min(ln.box[0] for ln in lines), min(ln.box[1] for ln in lines),
            max(ln.box[2] for ln in lines), max(ln.box[3] for ln in lines))


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

