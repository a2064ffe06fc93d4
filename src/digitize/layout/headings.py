"""Display lines of an article's head and foot: kicker (引题) and subtitle (副题) lines set
smaller than the headline inside its block, a one-line body region that is really a kicker,
and the reporter's name closing a module (sign-off); and whether a column opens with an
indented paragraph.

Rules of type size and position plus a few text patterns; shared by the classify stage
(the region typer, which retypes body kickers and sign-offs) and the link stage (which
splits an article's title from its kicker and subtitle)."""

from __future__ import annotations

import re
import statistics

from digitize.model import (
    Line,
    Region,
    RegionType,
)
from digitize.text.textutil import clean_line

TEXT_TYPES = (RegionType.BODY, RegionType.NOTICE)  # running text of an article


# A kicker (引题) leads into the headline: "与会者普遍认为——", "记者手记：". A subtitle
# (副题) follows it and opens with a dash: "——排查隐患136处".
_KICKER_END = re.compile(r"(?:[—－―─-]{1,2}|[：:])$")


_SUBTITLE_START = re.compile(r"^[—－―─-]{1,2}")


SMALLER = 0.92  # a kicker/subtitle line is set clearly smaller than the headline


def first_line_indented(region: Region) -> bool | None:
    """Whether the region's first line is indented against its other lines (None: unknown)."""
    lines = [ln for ln in region.lines if ln.text.strip()]
    if len(lines) < 2:
        return None
    vertical = region.vertical or lines[0].vertical
    starts = [ln.box.y0 if vertical else ln.box.x0 for ln in lines]
    em = lines[0].font_size
    if em <= 0:
        return None
    offset = starts[0] - min(starts)
    if offset > 0.5 * em:
        return True
    if offset < 0.25 * em:
        return False
    return None


def line_size(lines: list[Line]) -> float:
    sizes = [ln.font_size for ln in lines]
    return statistics.median(sizes) if sizes else 0.0


def peel(lines: list[Line]) -> tuple[list[Line], list[Line], list[Line]]:
    """Kicker lines above and subtitle lines below the main headline lines of one headline
    region: segmentation often keeps a kicker in the headline's block, since both are
    large, centred display lines. Only lines set smaller than the headline qualify, so a
    headline that itself ends in a dash stays whole."""
    kicker: list[Line] = []
    subtitle: list[Line] = []
    main = list(lines)
    while len(main) >= 2:
        text = clean_line(main[0].text)
        rest = max(ln.font_size for ln in main[1:])
        if _KICKER_END.search(text) and main[0].font_size < SMALLER * rest:
            kicker.append(main.pop(0))
        else:
            break
    while len(main) >= 2:
        text = clean_line(main[-1].text)
        rest = max(ln.font_size for ln in main[:-1])
        if _SUBTITLE_START.match(text) and main[-1].font_size < SMALLER * rest:
            subtitle.insert(0, main.pop())
        else:
            break
    return kicker, main, subtitle


def is_body_kicker(
    region: Region, heads: list[tuple[Region, list[Line]]], opens_column: bool = False
) -> bool:
    """A short body region (a line, or up to three in a narrow module) ending in "——"
    that sits above a headline of its module is a kicker that classify left as body;
    body text never ends a column on a dash. Where the region opens its column (no text
    right above it), a dash read as 一 ("…指出一") counts too: a column's tail may end
    on 一 mid-word, a kicker standing alone over its headline does not."""
    lines = [ln for ln in region.lines if ln.text.strip()]
    if region.type is not RegionType.BODY or not 1 <= len(lines) <= 3:
        return False
    text = "".join(clean_line(ln.text) for ln in lines)
    dash = r"[—－―─]{1,2}$" + (r"|一{1,2}$" if opens_column else "")
    if len(text) > 30 or not re.search(dash, text):
        return False
    size = line_size(lines)
    return any(
        region.box.cy < h.box.cy and size < SMALLER * line_size(main) for h, main in heads if main
    )


_NAME = re.compile(r"^[\u4e00-\u9fff·]{2,4}$")


def signoff(regions: list[Region]) -> Region | None:
    """The reporter's name closing a module ("臧风华"), when it came out as a body region of
    its own: one short name line, the module's last body region, set flush right under the
    previous column rather than starting a line of text."""
    body = [r for r in regions if r.type in TEXT_TYPES and any(ln.text.strip() for ln in r.lines)]
    if len(body) < 2:
        return None
    last, prev = body[-1], body[-2]
    lines = [ln for ln in last.lines if ln.text.strip()]
    if len(lines) != 1 or last.vertical or not _NAME.match(clean_line(lines[0].text)):
        return None
    em = lines[0].font_size
    flush_right = abs(last.box.x1 - prev.box.x1) < 1.5 * em
    indented = last.box.x0 - prev.box.x0 > 2.5 * em
    below = last.box.y0 >= prev.box.y1 - 0.5 * em
    return last if flush_right and indented and below else None


