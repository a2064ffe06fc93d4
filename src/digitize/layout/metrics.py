"""Type-size measures shared by the layout stages: the em (body type size, the unit behind every
geometric tolerance) estimated from detected line boxes, and each line's size relative to
body type measured on its ink (`TypeSizes`), which tells body, display and small type apart."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field

from digitize.layout.cues import ink_size, to_grey
from digitize.model import Image, Line, Page
from digitize.text.textutil import is_wide

# A body-size line is within these bounds of the em (line-box height of body text).
_BODY_MIN = 0.72


BODY_MAX = 1.3


# Type this much larger than body is display type (headlines, nameplate).
_DISPLAY = 1.3


# The same bounds on the ink-measured size (sharper than box heights: body text measures
# 0.95-1.0, captions and bylines 0.7-0.9, headlines 1.25 and up).
_INK_BODY_MAX = 1.1


_INK_DISPLAY = 1.15


# Detector boxes of body lines grow with tall punctuation; on ink, up to this many ems.
_BODY_BOX_MAX_INKED = 1.6


# Lines of one block share one type size; a step larger than this starts another block.
_INK_SAME = 1.15


def estimate_em(lines: Sequence[Line]) -> float | None:
    """Median thickness of text lines that are clearly lines (long relative to thickness)."""
    sizes = [
        min(ln.box.width, ln.box.height)
        for ln in lines
        if max(ln.box.width, ln.box.height) >= 3 * min(ln.box.width, ln.box.height)
    ]
    if not sizes:
        sizes = [min(ln.box.width, ln.box.height) for ln in lines]
    if not sizes:
        return None
    sizes.sort()
    # The lower-middle of the distribution: body text dominates, display type is rarer and larger.
    return float(statistics.median(sizes))


@dataclass(slots=True)
class TypeSizes:
    """Type size of each line in body ems: ink-measured where the page image allows it,
    else from the detector box (hand-built geometry, unreadable crops)."""

    em: float  # body em in detector-box units (the unit of every geometric tolerance)
    ink: dict[str, float] = field(default_factory=dict)  # line id -> size / body ink size

    @staticmethod
    def measure(image: Image | None, lines: Sequence[Line], em: float) -> TypeSizes:
        sizes = TypeSizes(em)
        if image is None or not lines:
            return sizes
        grey = to_grey(image)
        raw: dict[str, float] = {}
        for ln in lines:
            v = ink_size(grey, ln.box, ln.vertical)
            if v is not None:
                raw[ln.id] = v
        body = [
            raw[ln.id]
            for ln in lines
            if ln.id in raw and not ln.vertical and _BODY_MIN <= ln.box.height / em <= BODY_MAX
        ]
        if len(body) < 5:
            return sizes
        # The middle half's mean, not the median: band heights are whole pixels, so at
        # 25 px type the median sits on one of two values 4 % apart and one line more
        # or less can flip it (and every display decision near the mark with it).
        body.sort()
        quarter = len(body) // 4
        ref = statistics.fmean(body[quarter : len(body) - quarter])
        sizes.ink = {k: v / ref for k, v in raw.items()}
        return sizes

    def rel(self, ln: Line) -> float:
        r = self.ink.get(ln.id)
        return r if r is not None else ln.font_size / self.em

    def body(self, ln: Line) -> bool:
        r = self.ink.get(ln.id)
        top = BODY_MAX if r is None else _BODY_BOX_MAX_INKED
        if not _BODY_MIN * self.em <= ln.box.height <= top * self.em:
            return False
        return r is None or r <= _INK_BODY_MAX

    def text_on_ink(self, ln: Line) -> bool:
        """Measured on ink, and of text size (body, caption), whatever its box says."""
        r = self.ink.get(ln.id)
        return r is not None and r <= _INK_BODY_MAX

    def display(self, ln: Line) -> bool:
        r = self.ink.get(ln.id)
        return r >= _INK_DISPLAY if r is not None else ln.font_size >= _DISPLAY * self.em

    def display_block(self, lines: Sequence[Line]) -> bool:
        """A block of display type: most of its lines are display size, or, in a block as
        short as headings are (three lines at most), one is and the block as a whole is
        larger than body type. One line's ink measure varies by a tenth with its glyphs
        (the lines of one headline measure 1.07 to 1.26 ems), so a two-line headline of
        small display type may have only one line past the mark; a notice's text, set a
        little larger than body over many lines, stays text."""
        n = sum(self.display(ln) for ln in lines)
        if n * 2 > len(lines):
            return True
        return (
            n > 0
            and len(lines) <= 3
            and statistics.fmean(self.rel(ln) for ln in lines) >= _INK_BODY_MAX
        )

    def same(self, a: Line, b: Line) -> bool:
        """Same type size: within 15 % measured on ink, 25 % on boxes.

        A few glyphs give a rougher ink measure (digits and Latin letters are shorter
        than Han characters), so a short line is allowed the box tolerance, but not
        across the display threshold: a short 上接 or byline line under a headline is
        text size, and taken as the headline's second line it made the pair a body
        block (a continuation's repeated headline lost).
        """
        ra, rb = self.ink.get(a.id), self.ink.get(b.id)
        if ra is not None and rb is not None:
            short = min(a.box.width, b.box.width) < 4 * self.em
            short = short and (ra >= _INK_DISPLAY) == (rb >= _INK_DISPLAY)
            return max(ra, rb) <= (1.25 if short else _INK_SAME) * min(ra, rb)
        sa, sb = a.font_size, b.font_size
        return max(sa, sb) <= 1.25 * min(sa, sb)


DEFAULT_EM = 30.0
"""Body em (px) assumed on a page without measurable text (hand-built pages, blanks)."""


def page_em(page: Page) -> float:
    """The page's body em, the unit of every layout tolerance: `Page.text_height`, which
    the detect stage measures (the one owner), else the median line size of the page's
    lines (pages built without detection), else `DEFAULT_EM`."""
    if page.text_height:
        return float(page.text_height)
    lines = [ln for r in page.regions for ln in r.lines] or list(page.lines)
    sizes = sorted(ln.font_size for ln in lines)
    return float(sizes[len(sizes) // 2]) if sizes else DEFAULT_EM


def text_pitch(line: Line, least: float = 6.0) -> float | None:
    """Advance per em of text along a read horizontal line: its width over its characters
    (a Han character one em, a narrow one half). The type size read from the text, where
    a detector box's height (padding, tall punctuation) and a worn line's ink are not
    sure: a caption's 0.8 em against the body's 1.0 is plain in it. None for a line of
    fewer than `least` ems, whose box's ends weigh too much."""
    text = line.text.replace(" ", "")
    n = sum(1.0 if is_wide(c) else 0.5 for c in text)
    return line.box.width / n if n >= least and not line.vertical else None
