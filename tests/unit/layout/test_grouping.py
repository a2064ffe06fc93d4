"""Module assignment on hand-built regions (no segmentation in between)."""

from __future__ import annotations

from layout_pages import regions_page

from digitize.layout.grouping import assign_modules
from digitize.model import Box, Line, Region, RegionType

EM = 30


def _region(rid: str, kind: RegionType, box: Box, text: str = "") -> Region:
    return Region(rid, kind, box, [Line(f"{rid}l", box, text)])


def test_a_headlines_second_line_boxed_apart_stays_with_the_first() -> None:
    """A two-line headline whose short second line, centred under the long first one
    (the boxes overlap a little), came out as a block of its own: the second line stands
    nearer the text and claimed it, leaving the first line an article of nothing."""
    first = _region("h1", RegionType.HEADLINE, Box(100, 100, 700, 140), "区文旅局开展专项整治守护")
    second = _region("h2", RegionType.HEADLINE, Box(300, 132, 500, 180), "上的安全")
    body = _region("b", RegionType.BODY, Box(90, 200, 710, 900), "本报讯")
    other = _region("o", RegionType.HEADLINE, Box(760, 100, 1300, 160), "乙标题")
    other_body = _region("ob", RegionType.BODY, Box(750, 200, 1310, 900), "乙")
    anchor = assign_modules(regions_page(first, second, body, other, other_body), EM)
    assert anchor["h1"] == anchor["h2"] == anchor["b"]
    assert anchor["ob"] == anchor["o"] != anchor["b"]


def test_a_headline_under_another_modules_text_is_not_stacked() -> None:
    """Two headlines one above the other but with text between them head two modules."""
    top = _region("h1", RegionType.HEADLINE, Box(100, 100, 700, 140), "甲标题")
    text = _region("t", RegionType.BODY, Box(90, 150, 710, 400), "甲")
    low = _region("h2", RegionType.HEADLINE, Box(100, 420, 700, 460), "乙标题")
    body = _region("b", RegionType.BODY, Box(90, 480, 710, 900), "乙")
    anchor = assign_modules(regions_page(top, text, low, body), EM)
    assert anchor["t"] == anchor["h1"] != anchor["h2"] == anchor["b"]


def test_a_line_under_one_end_of_a_wider_headline_is_not_its_second_line() -> None:
    """Under the left end of a line that runs over two modules (two headlines read as
    one), neither centred under it nor flush with it: the left headline's own second
    line, not a line of the wide one."""
    wide = _region("h1", RegionType.HEADLINE, Box(100, 100, 1300, 140), "甲标题乙标题")
    second = _region("h2", RegionType.HEADLINE, Box(260, 138, 420, 180), "甲续")
    body = _region("b", RegionType.BODY, Box(90, 200, 650, 900), "本报讯")
    anchor = assign_modules(regions_page(wide, second, body), EM)
    assert anchor["h2"] != anchor["h1"]
