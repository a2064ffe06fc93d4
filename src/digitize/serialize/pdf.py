"""Searchable PDF of an issue: each scan as a page with an invisible text layer on top.

What readers and repositories expect (OCRmyPDF's product): the image at its full
resolution, text that selects, copies and searches where it is printed. Built with
fpdf2 (ToUnicode maps, image embedding); only the text placement and the font are ours.

Font: the text layer is never drawn, so its glyphs need no outlines. Like Tesseract's and
OCRmyPDF's "GlyphLessFont", each PDF gets a TrueType font whose every character is one
empty glyph an em wide, mapped (cmap format 13, many to one) from exactly the characters
the issue uses. Subsetting a CJK system font's outlines had been most of the PDF's cost
(a web-size page's PDF took 2.16 s with Noto Sans CJK, 0.52 s now) and made the PDF
depend on an installed font; extraction reads the same text through ToUnicode.
Its ascent and descent are those of the em box (0.88 / 0.12), so a selected or extracted
character's box is its glyph box.

Placement: every character is its own invisible (render mode 3) text object at its glyph
box in scan coordinates, its font size the line's em, and its horizontal scaling (`Tz`)
chosen so that its advance ends exactly where the next character starts. pdftotext and
viewers join characters into words by those advances: with no gap between them, no space
is inserted between Chinese characters, while a real space (between Latin words) is
written as a space character covering the gap. Vertical columns are the same run turned
90° clockwise, so each character still sits in its own box and the column extracts as one
line. A skewed scan turns every run by the page's rotation. A line's last character ends
early enough that the next column on its row lies beyond the distance at which
extractors join two runs into one line (`COLUMN_GAP_EM`).

Images: a JPEG file is embedded as it is (no second loss); anything else as JPEG at
`jpeg_quality`, or losslessly (Flate) with `lossless=True`; bilevel scans always
losslessly. PDF/A is not produced: fpdf2 can add the output intent and XMP metadata,
but nothing here could check conformance (no veraPDF), so no PDF/A claim is made.
"""

from __future__ import annotations

import io
import math
import re
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np
from fontTools.fontBuilder import FontBuilder
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib.tables._c_m_a_p import CmapSubtable
from fpdf import FPDF
from fpdf.enums import TextMode
from PIL import Image as PILImage

from digitize.model import Image, Issue, Line, Page
from digitize.serialize.alto import block_order, xml_safe
from digitize.text.textutil import clean_line, is_wide

DEFAULT_DPI = 300.0
JPEG_QUALITY = 92
# Share of the em above the baseline (CJK fonts: ascender 0.88, descender 0.12): puts
# the em box of a character on its glyph box.
ASCENT = 0.88
SPACE_EM = 0.3  # gap left for a space between words (pdftotext breaks at 0.1 em)
# Gap kept between a line's last character and the next text on its row (the next
# column): pdftotext (poppler 22) joins two runs on one baseline into one line, with a
# space, when they are less than 1.0 em apart (0.7 em where a column has 4+ lines;
# fpdf2 pages in steps of 0.05 em), more on a skewed page, whose runs are turned: on the
# sample issue (0.6° skew, gutters 0.3-0.6 em) 1.2 em left 92 such joins, 1.4 em 17,
# 1.5 em none. Ending the last character's advance earlier is all it takes; the cost is
# that character's box, which narrows (to a sliver where a gutter is under half an em).
COLUMN_GAP_EM = 1.5

ImageSource = Path | bytes | Image


@dataclass(frozen=True, slots=True)
class _Char:
    text: str
    start: float  # along the line (page frame x, or y for a column)
    end: float


UNITS_PER_EM = 1000


def glyphless_font(chars: Iterable[str]) -> bytes:
    """A TrueType font that maps each of `chars` to one empty glyph an em wide."""
    glyph = TTGlyphPen(None).glyph()
    builder = FontBuilder(UNITS_PER_EM, isTTF=True)
    builder.setupGlyphOrder([".notdef", "blank"])
    builder.setupCharacterMap({0x20: "blank"})
    builder.setupGlyf({".notdef": glyph, "blank": glyph})
    builder.setupHorizontalMetrics({".notdef": (UNITS_PER_EM, 0), "blank": (UNITS_PER_EM, 0)})
    ascent = round(ASCENT * UNITS_PER_EM)
    descent = ascent - UNITS_PER_EM
    builder.setupHorizontalHeader(ascent=ascent, descent=descent)
    builder.setupNameTable({"familyName": "GlyphLess", "styleName": "Regular"})
    builder.setupOS2(
        sTypoAscender=ascent, sTypoDescender=descent, usWinAscent=ascent, usWinDescent=-descent
    )
    builder.setupPost()
    head = builder.font["head"]
    head.xMin, head.yMin, head.xMax, head.yMax = 0, descent, UNITS_PER_EM, ascent
    # a fixed date (2000-01-01, in seconds since 1904): the same issue gives the same PDF
    # bytes; a date at or before 1970 makes fontTools warn on every read (4.69 warns at
    # 1970-01-01 itself)
    head.created = head.modified = 0x7C259DC0 + 946_684_800
    builder.font.recalcTimestamp = False
    table = CmapSubtable.newSubtable(13)  # many-to-one: every character to "blank"
    table.platformID, table.platEncID, table.language = 3, 10, 0
    table.cmap = {cp: "blank" for cp in sorted({ord(c) for c in chars} | {0x20})}
    builder.font["cmap"].tables = [table]
    out = io.BytesIO()
    builder.font.save(out)
    return out.getvalue()


def line_text(line: Line) -> str:
    """The text the PDF writes for a line."""
    return clean_line(xml_safe(line.text))


def line_chars(line: Line) -> list[_Char]:
    """The line's characters (spaces included) with their extent along the line.

    Inked characters take their glyph boxes when the glyphs match the text; a space
    spans the gap between its neighbours. Without usable glyphs the line's extent is
    shared by character widths (an em for wide characters, half an em otherwise).
    """
    text = line_text(line)
    box = line.box
    lo, hi = (box.y0, box.y1) if line.vertical else (box.x0, box.x1)
    inked = [c for c in text if c != " "]
    glyphs = [g for g in line.glyphs if g.text.strip()]
    if not text:
        return []
    if len(glyphs) != len(inked):
        weights = [1.0 if is_wide(c) else 0.5 for c in text]
        total = sum(weights)
        out, acc = [], 0.0
        for c, w in zip(text, weights, strict=True):
            a = lo + (hi - lo) * acc / total
            acc += w
            out.append(_Char(c, a, lo + (hi - lo) * acc / total))
        return out
    spans = [(g.box.y0, g.box.y1) if line.vertical else (g.box.x0, g.box.x1) for g in glyphs]
    out = []
    k = 0
    for i, c in enumerate(text):
        if c == " ":
            prev_end = spans[k - 1][1] if k else lo
            nxt = spans[k][0] if k < len(spans) else hi
            out.append(_Char(c, prev_end, max(nxt, prev_end)))
            continue
        a, b = spans[k]
        if i and out and out[-1].end > a:  # overlapping boxes: start where the last ended
            a = min(out[-1].end, b)
        out.append(_Char(c, a, max(b, a)))
        k += 1
    return out


class _Builder:
    def __init__(self, issue: Issue, created: datetime | None, font: Path) -> None:
        self.pdf = FPDF(unit="pt")
        self.pdf.set_auto_page_break(False)
        self.pdf.set_margin(0)
        self.pdf.add_font("cjk", fname=font)
        self.pdf.set_title(issue.name)
        self.pdf.set_creator("digitize")
        self.pdf.set_lang("zh")
        if created is not None:
            self.pdf.set_creation_date(created)

    def page(self, page: Page, image: ImageSource, lossless: bool, quality: int) -> None:
        t = page.transform
        dpi = page.dpi_estimate or DEFAULT_DPI
        k = 72.0 / dpi  # points per scan pixel
        pdf = self.pdf
        pdf.add_page(format=(t.scan_width * k, t.scan_height * k))
        pdf.image(_embeddable(image, lossless, quality), x=0, y=0, w=pdf.w, h=pdf.h)
        pdf.text_mode = TextMode.INVISIBLE
        ordered, rest, _ = block_order(page)
        regions = ordered + rest
        lines = [line for region in regions for line in region.lines]
        blocks = [n for n, region in enumerate(regions) for _ in region.lines]
        stops = _next_on_row(lines, blocks)
        for n, line in enumerate(lines):
            self.line(page, line, k, stops[n])
        pdf.text_mode = TextMode.FILL
        pdf.set_stretching(100)

    def line(self, page: Page, line: Line, k: float, stop: float | None = None) -> None:
        """Write one line's characters; `stop` is where the next text on its row starts."""
        chars = line_chars(line)
        if not chars:
            return
        pdf = self.pdf
        box = line.box
        size = box.width if line.vertical else box.height
        if line.glyphs:
            thick = [g.box.width if line.vertical else g.box.height for g in line.glyphs]
            size = min(size, max(thick))
        size = max(size, 1.0)
        pdf.set_font("cjk", size=size * k)
        angle = page.transform.rotation_deg - (90.0 if line.vertical else 0.0)
        for n, ch in enumerate(chars):
            end = chars[n + 1].start if n + 1 < len(chars) else ch.end
            if n + 2 < len(chars) and chars[n + 1].text == " ":
                # Extractors break words at gaps, not at space characters: leave one of
                # at least SPACE_EM before the next word, the space character in it.
                end = min(end, chars[n + 2].start - SPACE_EM * size)
            elif ch.text == " " and n:
                prev = chars[n - 1]
                start = min(ch.start, chars[n + 1].start - SPACE_EM * size)
                ch = _Char(" ", max(start, prev.start + 0.5 * (prev.end - prev.start)), ch.end)
            if n == len(chars) - 1 and stop is not None:
                end = min(end, stop - COLUMN_GAP_EM * size)
            advance = max(end - ch.start, 0.05 * size)
            if line.vertical:  # ascender to the right of the turned run
                origin = (box.cx - size / 2 + (1 - ASCENT) * size, ch.start)
            else:
                origin = (ch.start, box.cy - size / 2 + ASCENT * size)
            (sx, sy) = page.transform.to_scan([origin])[0]
            # every glyph of the glyphless font is one em wide: scale it to the advance
            pdf.set_stretching(100 * advance / size)
            x, y = sx * k, sy * k
            if math.isclose(angle, 0.0, abs_tol=1e-6):
                pdf.text(x, y, ch.text)
            else:
                with pdf.rotation(angle, x, y):
                    pdf.text(x, y, ch.text)


def _next_on_row(lines: list[Line], blocks: list[int]) -> list[float | None]:
    """Per line, where the nearest line of another block that continues its row begins
    (the next column across a gutter, or the next tier of a vertical page): the start of
    a line of the same direction after this one's end whose extent across the reading
    direction overlaps this line's by half the smaller one. None where none does."""
    if not lines:
        return []
    box = np.array(
        [
            (ln.box.x0, ln.box.x1, ln.box.y0, ln.box.y1)
            if ln.vertical
            else (ln.box.y0, ln.box.y1, ln.box.x0, ln.box.x1)
            for ln in lines
        ]
    )  # across0, across1, along0, along1
    vertical = np.array([ln.vertical for ln in lines])
    block = np.array(blocks)
    size = box[:, 1] - box[:, 0]
    out: list[float | None] = []
    for i in range(len(lines)):
        overlap = np.minimum(box[:, 1], box[i, 1]) - np.maximum(box[:, 0], box[i, 0])
        after = (
            (vertical == vertical[i])
            & (block != block[i])
            & (box[:, 2] >= box[i, 3] - 1)
            & (overlap >= 0.5 * np.minimum(size, size[i]))
        )
        out.append(float(box[after, 2].min()) if after.any() else None)
    return out


def _embeddable(src: ImageSource, lossless: bool, quality: int) -> io.BytesIO | PILImage.Image:
    """What fpdf2 embeds: JPEG bytes as they are (fpdf2 passes them through), else a JPEG
    made here or, losslessly, the decoded image (fpdf2 writes it with Flate)."""
    if isinstance(src, Path):
        src = src.read_bytes()
    if isinstance(src, bytes):
        if src[:3] == b"\xff\xd8\xff":
            return io.BytesIO(src)
        img: PILImage.Image = PILImage.open(io.BytesIO(src))
        img.load()
    else:
        arr = np.asarray(src)
        if arr.ndim == 3 and arr.shape[2] == 3:
            arr = arr[:, :, ::-1]  # BGR (the model's convention) to RGB
        img = PILImage.fromarray(np.ascontiguousarray(arr))
    if img.mode not in ("1", "L", "RGB"):
        img = img.convert("RGB")
    if lossless or img.mode == "1":
        return img
    out = io.BytesIO()
    img.save(out, format="JPEG", quality=quality, subsampling=0, optimize=True)
    out.seek(0)
    return out


def searchable_pdf(
    issue: Issue,
    images: Mapping[int, ImageSource],
    *,
    lossless: bool = False,
    jpeg_quality: int = JPEG_QUALITY,
    created: datetime | None = None,
) -> bytes:
    """The issue as one PDF: per page (in page order) the scan from `images` (page number
    -> image file path, its bytes, or the scan's pixels) under an invisible text layer.

    Page size is the scan at the page's estimated resolution (300 dpi when unknown), so
    the image keeps every pixel. `created` fixes the creation date (reproducible files).
    """
    chars = {c for p in issue.pages for ln in p.iter_lines() for c in line_text(ln)}
    with tempfile.TemporaryDirectory(prefix="digitize-pdf-") as tmp:
        font = Path(tmp) / "glyphless.ttf"  # fpdf2 reads fonts from files, lazily
        font.write_bytes(glyphless_font(chars))
        builder = _Builder(issue, created, font)
        for page in sorted(issue.pages, key=lambda p: p.number):
            if page.number not in images:
                raise KeyError(f"no image for page {page.number}")
            builder.page(page, images[page.number], lossless, jpeg_quality)
        return bytes(builder.pdf.output())


_DATES = re.compile(rb"/(CreationDate|ModDate|ID) *(\([^)]*\)|\[[^\]]*\])")


def without_dates(data: bytes) -> bytes:
    """A PDF without its creation date and file id (both follow the time it was written)."""
    return _DATES.sub(b"", data)
