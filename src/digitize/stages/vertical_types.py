"""Region types of vertical columns that need the page's headlines and modules: a
headline's kicker set at text size or in display type, and advertisements of poster
type. A helper of the classify stage (`stages/classify.py`), the one region typer,
which calls them."""

from __future__ import annotations

import re

from digitize.layout.edits import CLAUSE_MARK, line_text, split_off
from digitize.layout.grouping import assign_modules
from digitize.layout.module_cues import kicks_off
from digitize.model import Box, Page, Region, RegionType

# 1930s text closes a clause or an article with 、 or 。 and often a closing particle (云、
# 也、); a column stopping on neither stops mid-phrase.
_CLOSES = re.compile(r"[、。，,.！？!?]$|[云也矣焉]$")
_KICKER_MAX = 8  # characters: a kicker (引題) is a short phrase


def _lead_phrase(text: str, longest: int) -> bool:
    """A kicker's text: a short phrase without a clause mark."""
    return 2 <= len(text) <= longest and not CLAUSE_MARK.search(text)


def _leads(column: Box, head: Box, slack: float, em: float) -> bool:
    """A column where a vertical headline's kicker stands: against its right side,
    top-aligned (`kicks_off`), and no longer than the headline (within `slack`)."""
    return kicks_off(column, head, em) and column.height <= head.height + slack


def vertical_kickers(page: Page, em: float) -> None:
    """A vertical headline's kicker (引題) stands against its right side, top-aligned, in
    smaller type: one short column. Set at text size, segmentation puts it with the body
    columns of the article before (its last column) or in a block of its own.

    It is a kicker where the column is no longer than the headline, holds a short phrase
    without a clause mark, and the article before ended in the column preceding it (a
    clause mark or closing particle): a paragraph's last column beside the next
    headline ends its sentence ("……在內云、"), a kicker does not ("郵局增用" beside
    "日籍郵員", after "……改期再訊、").
    """
    heads = [r for r in page.regions if r.type is RegionType.HEADLINE and r.vertical]
    for region in list(page.regions):
        if region.type is not RegionType.BODY or not region.vertical or not region.lines:
            continue
        last = region.lines[-1]  # columns read right to left: the last is the leftmost
        text = line_text(last).replace(" ", "")
        if not _lead_phrase(text, _KICKER_MAX) or _CLOSES.search(text):
            continue
        before = line_text(region.lines[-2]) if len(region.lines) > 1 else None
        if before is not None and not _CLOSES.search(before):
            continue
        if not any(_leads(last.box, h.box, em / 2, em) for h in heads):
            continue
        if before is None:
            region.type = RegionType.KICKER
        else:
            split_off(page, region, [last], RegionType.KICKER)


# A lead column is set at most this fraction of its headline's size (1939 fold: 0.78-0.9;
# rendered pages 0.5-0.75); a headline broken over two regions keeps one size.
_LEAD_SIZE = 0.9
_LEAD_MAX = 12  # characters


def vertical_lead_columns(page: Page, em: float) -> None:
    """A vertical headline's lead column (引題) set in display type: a short column
    against the headline's right side, top-aligned, no longer than it and in smaller
    type, is its kicker, not a headline of its own (which would head an article of
    nothing). Any page: vertical modules stand on horizontal pages too."""
    heads = [r for r in page.regions if r.type is RegionType.HEADLINE and r.vertical and r.lines]
    for region in heads:
        if len(region.lines) != 1:
            continue
        text = line_text(region.lines[0]).replace(" ", "")
        if not _lead_phrase(text, _LEAD_MAX):
            continue
        size = region.lines[0].font_size
        if any(
            h is not region
            and size <= _LEAD_SIZE * max(ln.font_size for ln in h.lines)
            and _leads(region.box, h.box, size / 2, em)
            for h in heads
        ):
            region.type = RegionType.KICKER


# Vertical pages: a module with less running text than this (characters) and type at least
# POSTER_EM body ems across is an advertisement; so are such small modules touching one.
AD_MAX_BODY = 30
POSTER_EM = 4.5


def vertical_ads(page: Page, em: float) -> None:
    """Advertisements of a page set in vertical columns become AD regions.

    A 1930s ad is a block of poster type (shop or doctor's name four or more body ems
    across) with a few short lines of small print around it (address, telephone, offer),
    and no running text; on the page it splits into several modules, one per display
    column. The biggest news headlines reach that size too (6 ems on the 1939 fold) but
    head running text, so a module needs both: poster type and (almost) no body. The
    small-print modules beside an ad, themselves without running text, join it. Modules
    are the order stage's own (`layout.grouping.assign_modules`): the grouping is
    geometry, the typing is this stage's.
    """
    anchor = assign_modules(page, em)
    grouped: dict[str, list[Region]] = {}
    for r in page.regions:
        if (a := anchor.get(r.id)) is not None:
            grouped.setdefault(a, []).append(r)
    modules = {k: v for k, v in grouped.items() if any(r.type.is_text for r in v)}

    def body_chars(regs: list[Region]) -> int:
        return sum(len(r.text) for r in regs if r.type in (RegionType.BODY, RegionType.NOTICE))

    def widest(regs: list[Region]) -> float:
        return max((ln.font_size for r in regs for ln in r.lines), default=0.0)

    small = {k for k, regs in modules.items() if body_chars(regs) < AD_MAX_BODY}
    ads = {k for k in small if widest(modules[k]) >= POSTER_EM * em}
    grown = True
    while grown:
        ad_boxes = [r.box.expand(0.5 * em) for k in ads for r in modules[k]]
        near = {
            k
            for k in small - ads
            if any(r.box.intersection(b) is not None for r in modules[k] for b in ad_boxes)
        }
        grown = bool(near)
        ads |= near
    for k in ads:
        for r in modules[k]:
            if r.type.is_text:
                r.type = RegionType.AD
