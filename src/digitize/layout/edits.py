"""Edits of segmented regions shared by the typing stages: a region's edge lines moved
into a region of their own, a character dropped with its glyph, a line's text as the
typing rules read it."""

from __future__ import annotations

import re
import unicodedata

from digitize.model import Box, Line, Page, Region, RegionType

# A clause or sentence mark: a line holding one is running text, not a display phrase.
CLAUSE_MARK = re.compile(r"[，。、；：！？,;:!?“”]")


def line_text(line: Line) -> str:
    return unicodedata.normalize("NFKC", line.text).strip()


def next_region_id(page: Page) -> str:
    nums = []
    for r in page.regions:
        m = re.search(r"(\d+)$", r.id)
        if m:
            nums.append(int(m.group(1)))
    return f"p{page.number}_r{max(nums, default=0) + 1}"


def split_off(page: Page, region: Region, lines: list[Line], kind: RegionType) -> Region:
    """Move `lines` (at one edge of `region`) into a new region of type `kind`."""
    keep = [ln for ln in region.lines if all(ln is not x for x in lines)]
    region.lines = keep
    region.box = Box.hull(ln.box for ln in keep)
    keep[0].paragraph_start = True
    new = Region(
        id=next_region_id(page),
        type=kind,
        box=Box.hull(ln.box for ln in lines),
        lines=lines,
        vertical=region.vertical,
    )
    lines[0].paragraph_start = True
    page.regions.append(new)
    return new


def drop_char(line: Line, at: int) -> None:
    """Remove the character at `at` from a line, with its glyph when glyphs match text."""
    if len(line.glyphs) == len(line.text):
        del line.glyphs[at]
    line.text = line.text[:at] + line.text[at + 1 :]
