"""The page model: one set of typed objects that every stage reads and extends.

Geometry convention. Layout work happens on the *deskewed* page, where text lines
are axis-aligned, so every `Box` stored on a Line, Region or Glyph is in that
deskewed "page frame". Each `Page` carries the `Transform` that maps the page frame
back onto the original scan, and every serializer writes scan coordinates through
`Page.to_scan_box` / `Page.to_scan_polygon`. Nothing written to disk ever refers to the
deskewed image.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

import numpy as np
import numpy.typing as npt

Image = npt.NDArray[np.uint8]
"""A page image: HxW (grey) or HxWx3 (BGR), 8 bit."""

Point = tuple[float, float]

UNREAD = "〓"  # GETA MARK: stands for a character on the page that could not be read


@dataclass(frozen=True, slots=True)
class Box:
    """Axis-aligned box, half-open pixel extents (x1, y1 exclusive)."""

    x0: float
    y0: float
    x1: float
    y1: float

    @property
    def width(self) -> float:
        return self.x1 - self.x0

    @property
    def height(self) -> float:
        return self.y1 - self.y0

    @property
    def cx(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def cy(self) -> float:
        return (self.y0 + self.y1) / 2

    @property
    def area(self) -> float:
        return max(0.0, self.width) * max(0.0, self.height)

    def union(self, other: Box) -> Box:
        return Box(
            min(self.x0, other.x0),
            min(self.y0, other.y0),
            max(self.x1, other.x1),
            max(self.y1, other.y1),
        )

    def intersection(self, other: Box) -> Box | None:
        x0, y0 = max(self.x0, other.x0), max(self.y0, other.y0)
        x1, y1 = min(self.x1, other.x1), min(self.y1, other.y1)
        if x1 <= x0 or y1 <= y0:
            return None
        return Box(x0, y0, x1, y1)

    def overlap_ratio(self, other: Box) -> float:
        """Share of the smaller box covered by the other (1.0 = one contains the other)."""
        inter = self.intersection(other)
        if inter is None:
            return 0.0
        smaller = min(self.area, other.area)
        return inter.area / smaller if smaller > 0 else 0.0

    def x_overlap(self, other: Box) -> float:
        return max(0.0, min(self.x1, other.x1) - max(self.x0, other.x0))

    def y_overlap(self, other: Box) -> float:
        return max(0.0, min(self.y1, other.y1) - max(self.y0, other.y0))

    def contains_point(self, x: float, y: float) -> bool:
        return self.x0 <= x < self.x1 and self.y0 <= y < self.y1

    def expand(self, dx: float, dy: float | None = None) -> Box:
        dy = dx if dy is None else dy
        return Box(self.x0 - dx, self.y0 - dy, self.x1 + dx, self.y1 + dy)

    def clip(self, width: float, height: float) -> Box:
        return Box(
            min(max(self.x0, 0.0), width),
            min(max(self.y0, 0.0), height),
            min(max(self.x1, 0.0), width),
            min(max(self.y1, 0.0), height),
        )

    def corners(self) -> list[Point]:
        """Clockwise from top-left."""
        return [(self.x0, self.y0), (self.x1, self.y0), (self.x1, self.y1), (self.x0, self.y1)]

    @staticmethod
    def hull(boxes: Iterable[Box]) -> Box:
        it = iter(boxes)
        try:
            out = next(it)
        except StopIteration:
            raise ValueError("hull of no boxes") from None
        for b in it:
            out = out.union(b)
        return out

    @staticmethod
    def from_points(points: Iterable[Point]) -> Box:
        pts = list(points)
        xs = [p[0] for p in pts]
        ys = [p[1] for p in pts]
        return Box(min(xs), min(ys), max(xs), max(ys))


@dataclass(frozen=True, slots=True)
class Transform:
    """Maps the deskewed page frame back to the original scan.

    Both angles follow ALTO ROTATION: content in the scan is turned counter-clockwise
    by `quarter_turns` x 90 degrees (a page fed sideways or upside down) plus
    `skew_deg`. The page frame undoes both (turned back clockwise about the image
    centre, on a canvas that holds the whole scan), so `rotation_deg` is the total.
    """

    scan_width: int
    scan_height: int
    page_width: int
    page_height: int
    skew_deg: float = 0.0
    quarter_turns: int = 0
    # 2x3 affine matrix, scan -> page frame (row-major); identity by default.
    matrix: tuple[float, float, float, float, float, float] = (1.0, 0.0, 0.0, 0.0, 1.0, 0.0)

    @property
    def rotation_deg(self) -> float:
        """Total counter-clockwise rotation of content in the scan (ALTO ROTATION)."""
        return (self.skew_deg + 90.0 * self.quarter_turns) % 360.0

    def _inverse(self) -> tuple[float, float, float, float, float, float]:
        a, b, c, d, e, f = self.matrix
        det = a * e - b * d
        return (e / det, -b / det, (b * f - c * e) / det, -d / det, a / det, (c * d - a * f) / det)

    def to_scan(self, points: Sequence[Point]) -> list[Point]:
        # Plain arithmetic, not numpy: writers map a few points at a time, thousands of
        # times per page, where building arrays cost more than the mapping (PAGE-XML and
        # PDF of a page spent a second each in it).
        return _affine(self._inverse(), points)

    def to_page(self, points: Sequence[Point]) -> list[Point]:
        return _affine(self.matrix, points)

    @staticmethod
    def identity(width: int, height: int) -> Transform:
        return Transform(width, height, width, height)


def _affine(
    m: tuple[float, float, float, float, float, float], points: Sequence[Point]
) -> list[Point]:
    a, b, c, d, e, f = m
    return [(a * x + b * y + c, d * x + e * y + f) for x, y in points]


class RegionType(StrEnum):
    """Region types. The values are written to ALTO tags and records; keep them stable."""

    MASTHEAD = "masthead"  # nameplate, date line, folio, ears
    HEADLINE = "headline"
    KICKER = "kicker"
    SUBTITLE = "subtitle"
    BYLINE = "byline"
    LABEL = "label"  # reverse-video column label (白字黑底)
    BODY = "body"
    CAPTION = "caption"
    JUMP = "jump"  # 下转第X版 / 上接第X版
    NOTICE = "notice"  # body of a boxed notice
    AD = "ad"
    PHOTO = "photo"  # photos, illustrations, QR codes
    RULE = "rule"  # rules, frames, reverse banners

    @property
    def is_text(self) -> bool:
        return self not in (RegionType.PHOTO, RegionType.RULE)


class WritingMode(StrEnum):
    """How a page's body text runs: decided once, by the segment stage, from the detected
    lines; later stages read `Page.writing_mode` and never decide it again."""

    HORIZONTAL = "horizontal"  # rows read left to right (modern papers)
    VERTICAL = "vertical"  # columns read top to bottom, right to left (pre-1950 papers)


@dataclass(slots=True)
class Glyph:
    box: Box
    text: str
    confidence: float
    # The recognizer's runners-up for this character with their probabilities (engines
    # that decode themselves); lets page-level knowledge (the page's script) overrule it.
    alternatives: tuple[tuple[str, float], ...] = ()


@dataclass(slots=True)
class Line:
    """One printed line (a column, for vertical text)."""

    id: str
    box: Box
    text: str = ""
    confidence: float = 0.0
    glyphs: list[Glyph] = field(default_factory=list)
    vertical: bool = False
    # Detector quad in the page frame, clockwise from top-left.
    polygon: list[Point] = field(default_factory=list)
    # Starts a paragraph (first-line indent, or first line of a region).
    paragraph_start: bool = False

    @property
    def font_size(self) -> float:
        """Em size in pixels: the line's thickness across the reading direction."""
        return self.box.width if self.vertical else self.box.height


@dataclass(slots=True)
class Region:
    id: str
    type: RegionType
    box: Box
    lines: list[Line] = field(default_factory=list)
    vertical: bool = False
    article_id: str | None = None
    # Photo a caption belongs to (region id), jump direction for jump regions.
    linked_to: str | None = None
    jump: JumpMarker | None = None
    inverted: bool = False  # white on black
    confidence: float = 1.0

    @property
    def text(self) -> str:
        """Region text with paragraphs separated by newlines and no spaces inside Chinese."""
        from digitize.text.textutil import join_lines

        return join_lines(self.lines)


@dataclass(frozen=True, slots=True)
class JumpMarker:
    """A parsed jump line: 下转第四版 is direction "out", 上接第一版 is "in"."""

    direction: str  # "out" | "in"
    target_page: str | None  # printed page label as found ("4", "A3"); None for 接上版
    raw: str


@dataclass(slots=True)
class Page:
    """One page of an issue, filled in stage by stage.

    Each field has one writer; later stages read it and never decide it again:

    ==========================================================  =====================
    field                                                       written by
    ==========================================================  =====================
    number, file, stem, source_index                            load (the PageSource)
    transform, image (dropped after the page stages)            deskew
    lines, text_height (the em), dpi_estimate; Line.polygon     detect
    writing_mode, regions (typed by geometry); Line.vertical,   segment
    Line.paragraph_start, Region.box/vertical/inverted
    Line.text, Line.confidence, Line.glyphs                     recognize
    Region.type (refined), Region.jump, Region.linked_to,       classify (the region
    printed_number (the folio); splits regions                  typer)
    reading_order, Region.article_id                            order
    printed_number where no folio was read (file name,          link
    position); Issue.articles, jumps, unresolved_jumps
    seconds                                                     pipeline
    ==========================================================  =====================
    """

    number: int  # 1-based position in the issue (PHYSICAL_IMG_NR)
    file: Path  # source file
    stem: str  # output file stem ("page-1", a PDF's "page-3")
    transform: Transform
    source_index: int = 0  # page (frame) inside a multi-page TIFF or PDF, 0-based
    image: Image | None = None  # deskewed page image; dropped after recognition
    printed_number: str | None = None  # 版次 read from the folio
    writing_mode: WritingMode | None = None  # set by segment
    dpi_estimate: float | None = None
    text_height: float | None = None  # median body text em size, px
    lines: list[Line] = field(default_factory=list)  # unassigned detected lines
    regions: list[Region] = field(default_factory=list)
    # Reading order: region ids, text regions only. Explicit data, set by `order`.
    reading_order: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)  # per-stage timings

    @property
    def width(self) -> int:
        return self.transform.page_width

    @property
    def height(self) -> int:
        return self.transform.page_height

    def region(self, region_id: str) -> Region:
        for r in self.regions:
            if r.id == region_id:
                return r
        raise KeyError(region_id)

    def ordered_regions(self) -> list[Region]:
        by_id = {r.id: r for r in self.regions}
        return [by_id[i] for i in self.reading_order if i in by_id]

    def iter_lines(self) -> Iterator[Line]:
        for r in self.regions:
            yield from r.lines

    @property
    def unread_chars(self) -> int:
        """Characters seen on the page but not read (the recognize stage's 〓 glyphs with
        confidence 0): a count for the archivist, since the text silently lacks them."""
        lines = list(self.iter_lines()) or self.lines
        return sum(1 for ln in lines for g in ln.glyphs if g.text == UNREAD and g.confidence == 0)

    def to_scan_polygon(self, box: Box) -> list[Point]:
        return self.transform.to_scan(box.corners())

    def to_scan_box(self, box: Box) -> Box:
        """Axis-aligned hull in scan pixels, clipped to the scan."""
        hull = Box.from_points(self.to_scan_polygon(box))
        return hull.clip(self.transform.scan_width, self.transform.scan_height)


@dataclass(slots=True)
class ArticlePart:
    page: int  # physical page number
    file: str  # output stem of the page
    region_ids: list[str]


@dataclass(slots=True)
class JumpLink:
    """An article continuing from one page to another."""

    article_id: str
    from_page: int
    to_page: int
    from_region: str | None  # the 下转 jump region
    to_region: str | None  # the 上接 jump region
    score: float
    evidence: dict[str, object] = field(default_factory=dict)


@dataclass(slots=True)
class Article:
    id: str
    title: str = ""
    kicker: str = ""
    subtitle: str = ""
    byline: str = ""
    parts: list[ArticlePart] = field(default_factory=list)
    text: str = ""  # merged body text, paragraphs separated by "\n"
    captions: list[str] = field(default_factory=list)
    confidence: float = 0.0


@dataclass(slots=True)
class Issue:
    name: str
    source: Path
    pages: list[Page] = field(default_factory=list)
    articles: list[Article] = field(default_factory=list)
    jumps: list[JumpLink] = field(default_factory=list)
    unresolved_jumps: list[dict[str, object]] = field(default_factory=list)


def quad_angle(poly: Sequence[Point]) -> float:
    """Angle in degrees of a quad's top edge (counter-clockwise positive, image y down)."""
    (x0, y0), (x1, y1) = poly[0], poly[1]
    return -math.degrees(math.atan2(y1 - y0, x1 - x0))
