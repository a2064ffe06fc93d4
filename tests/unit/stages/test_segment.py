"""segment(): regions from hand-built line geometry and drawn rules, frames and pictures."""

from __future__ import annotations

import pytest
from layout_pages import EM, PITCH, PageBuilder, grid

from digitize.layout.metrics import estimate_em
from digitize.model import Box, Page, Region, RegionType, WritingMode
from digitize.stages.segment import segment


def _by_type(page: Page, kind: RegionType) -> list[Region]:
    return sorted((r for r in page.regions if r.type is kind), key=lambda r: (r.box.x0, r.box.y0))


def _texts(region: Region) -> list[str]:
    return [ln.text for ln in region.lines]


@pytest.mark.parametrize("n_cols", [3, 4, 5, 6])
def test_grid_with_spanning_headline(n_cols: int) -> None:
    b = PageBuilder()
    cols = grid(n_cols)
    b.line(cols[0][0] + 60, 300, cols[-1][1] - 60, h=2.2 * EM, text="标题")
    expected = [b.column(x0, x1, 380, 14, f"c{i}") for i, (x0, x1) in enumerate(cols)]
    page = b.page()
    segment(page)

    heads = _by_type(page, RegionType.HEADLINE)
    assert [_texts(h) for h in heads] == [["标题"]]
    bodies = _by_type(page, RegionType.BODY)
    assert [_texts(r) for r in bodies] == [[ln.text for ln in col] for col in expected]
    for r in bodies:
        assert r.lines[0].paragraph_start
        # Indented lines (every 6th) start paragraphs, the others do not.
        assert [ln.paragraph_start for ln in r.lines[1:]] == [i % 6 == 0 for i in range(1, 14)]
    ids = [r.id for r in page.regions]
    assert len(set(ids)) == len(ids) and all(i.startswith("p1_r") for i in ids)
    # Every detected line ends up in exactly one region.
    assigned = [ln.text for r in page.regions for ln in r.lines]
    assert sorted(assigned) == sorted(ln.text for ln in b.lines)


def test_column_cut_by_rule_and_headline() -> None:
    b = PageBuilder()
    (a0, a1), (c0, c1) = grid(2)
    b.line(a0, 250, c1, h=2 * EM, text="上标题")
    top = [b.column(x0, x1, 320, 8, f"t{i}") for i, (x0, x1) in enumerate([(a0, a1), (c0, c1)])]
    y = 320 + 8 * PITCH + 15
    b.hrule(a0, c1, y)
    b.line(a0 + 40, y + 20, c1 - 300, h=2 * EM, text="下标题")
    bottom = [
        b.column(x0, x1, y + 100, 8, f"b{i}") for i, (x0, x1) in enumerate([(a0, a1), (c0, c1)])
    ]
    page = b.page()
    segment(page)
    bodies = sorted(
        (r for r in page.regions if r.type is RegionType.BODY), key=lambda r: (r.box.y0, r.box.x0)
    )
    assert [_texts(r) for r in bodies] == [[ln.text for ln in c] for c in top + bottom]
    rules = [r for r in page.regions if r.type is RegionType.RULE]
    assert len(rules) == 1 and rules[0].box.width > 1000


def test_photo_drops_false_lines_and_types_caption() -> None:
    b = PageBuilder()
    (a0, a1), (c0, c1), (d0, d1) = grid(3)
    b.line(a0, 200, d1, h=2 * EM, text="标题")
    col1 = b.column(a0, a1, 280, 20, "a")
    b.photo(c0, 280, d1, 700)
    inside = b.line(c0 + 100, 400, c0 + 300, text="噪声")
    cap = b.line(c0, 712, d1 - 200, text="图为现场。 记者 摄")
    col2 = b.column(c0, c1, 780, 10, "b")
    col3 = b.column(d0, d1, 780, 10, "c")
    page = b.page()
    segment(page)
    photos = _by_type(page, RegionType.PHOTO)
    assert len(photos) == 1
    p = photos[0].box
    assert abs(p.x0 - c0) < 10 and abs(p.y1 - 700) < 10
    assert all(inside is not ln for r in page.regions for ln in r.lines)
    caps = _by_type(page, RegionType.CAPTION)
    assert [_texts(c) for c in caps] == [[cap.text]]
    bodies = _by_type(page, RegionType.BODY)
    assert [_texts(r) for r in bodies] == [[ln.text for ln in c] for c in (col1, col2, col3)]


def test_boxed_notice_is_split_from_neighbour_column() -> None:
    b = PageBuilder()
    (a0, a1), (c0, c1) = grid(2)
    col = b.column(a0, a1, 200, 20, "a")
    b.frame(c0 - 10, 190, c1 + 10, 700)
    b.line(c0 + 150, 210, c1 - 150, h=1.6 * EM, text="停水通知")
    notice = b.column(c0 + 20, c1 - 20, 270, 10, "n")
    after = b.column(c0, c1, 720, 8, "z")
    page = b.page()
    segment(page)
    bodies = _by_type(page, RegionType.BODY)
    texts = sorted(_texts(r) for r in bodies)
    assert texts == sorted([[ln.text for ln in c] for c in (col, notice, after)])
    frames = [r for r in page.regions if r.type is RegionType.RULE]
    assert len(frames) == 1 and frames[0].box.height > 400


def test_vertical_headline_and_vertical_body() -> None:
    b = PageBuilder()
    b.vline(1200, 200, 700, w=2 * EM, text="竖排标题")
    cols = []
    for i in range(8):
        x = 1120 - i * PITCH
        y0 = 200 + (2 * EM if i in (0, 4) else 0)
        cols.append(b.vline(x, y0, 900 if i != 3 else 600, text=f"v{i}"))
    page = b.page()
    segment(page)
    heads = _by_type(page, RegionType.HEADLINE)
    assert len(heads) == 1 and heads[0].vertical and _texts(heads[0]) == ["竖排标题"]
    bodies = _by_type(page, RegionType.BODY)
    assert len(bodies) == 1 and bodies[0].vertical
    assert _texts(bodies[0]) == [ln.text for ln in cols]  # right to left
    assert [ln.paragraph_start for ln in bodies[0].lines] == [
        True,
        False,
        False,
        False,
        True,
        False,
        False,
        False,
    ]
    assert all(ln.vertical for ln in bodies[0].lines)


def test_vertical_tiers_on_a_horizontal_page_stay_apart() -> None:
    """A module of vertical columns on a horizontal page, two tiers with the columns at
    the same places and under an em between them: each tier is a block of its own (the
    columns of one do not run on into the other), paragraph ends and indents included."""
    b = PageBuilder()
    for x0, x1 in grid(4, left=40, width=760):
        b.column(x0, x1, 200, 28, "h")
    tiers = []
    for y0, y1 in ((200, 700), (720, 1220)):
        tier = []
        for k in range(8):
            top = y0 + EM if k == 4 else y0  # a paragraph starts indented ...
            bottom = y0 + 6 * EM if k == 3 else y1  # ... after the last one ended short
            tier.append(b.vline(1340 - k * (EM + 4), top, bottom, text=f"v{y0}-{k}"))
        tiers.append(tier)
    page = b.page()
    segment(page)
    assert page.writing_mode is WritingMode.HORIZONTAL
    vertical = [r for r in page.regions if r.vertical]
    assert all(r.type is RegionType.BODY for r in vertical)
    assert sorted(sorted(_texts(r)) for r in vertical) == sorted(
        sorted(ln.text for ln in tier) for tier in tiers
    )


def test_masthead_above_full_width_rule() -> None:
    b = PageBuilder()
    b.line(60, 40, 600, h=3 * EM, text="某某日报")
    b.line(60, 150, 400, text="2019年12月19日 星期四")
    b.hrule(40, 1360, 200)
    cols = grid(3)
    b.line(cols[0][0], 230, cols[1][1], h=2 * EM, text="标题")
    for i, (x0, x1) in enumerate(cols):
        b.column(x0, x1, 310, 10, f"c{i}")
    page = b.page()
    segment(page)
    mast = _by_type(page, RegionType.MASTHEAD)
    assert sorted(t for r in mast for t in _texts(r)) == ["2019年12月19日 星期四", "某某日报"]
    assert len(_by_type(page, RegionType.BODY)) == 3


def test_em_estimate_ignores_display_type() -> None:
    b = PageBuilder()
    b.line(0, 0, 800, h=90)
    for i in range(10):
        b.line(0, 100 + i * PITCH, 400)
    assert estimate_em(b.lines) == EM


def test_empty_page() -> None:
    page = PageBuilder().page()
    segment(page)
    assert page.regions == []


def test_display_type_told_by_ink_not_box_height() -> None:
    """At small body sizes the detector pads a 1.3 em headline and a body line to boxes of
    about the same height; the ink band inside tells them apart."""
    b = PageBuilder()
    (a0, a1), (c0, c1) = grid(2)

    head = b.line(a0 + 40, 100, a1 - 40, text="小标题")
    b.ink(100, a0 + 40, a1 - 40, 27)
    body = b.column(a0, a1, 100 + PITCH + 6, 12, "甲")
    for i, ln in enumerate(body):
        b.ink(100 + PITCH + 6 + i * PITCH, int(ln.box.x0), int(ln.box.x1), 20)
    right = b.column(c0, c1, 100, 14, "乙")
    for i, ln in enumerate(right):
        b.ink(100 + i * PITCH, int(ln.box.x0), int(ln.box.x1), 20)
    page = b.page()
    segment(page)
    heads = _by_type(page, RegionType.HEADLINE)
    assert [_texts(h) for h in heads] == [[head.text]]
    bodies = _by_type(page, RegionType.BODY)
    assert [_texts(r) for r in bodies] == [[ln.text for ln in body], [ln.text for ln in right]]


def test_ragged_column_stays_one_segment() -> None:
    """Lines ending in digits run up to an em past the justified edge, in an order that
    splits the edge clusters; the column is still one segment."""
    b = PageBuilder()
    cols = grid(4)
    x0, x1 = cols[1]
    b.line(cols[0][0], 100, cols[-1][1], h=2 * EM, text="标题")
    overshoot = [0, 0, 0, -20, 26, 0, 0, 0, 0, 0, -25, 24, 0, 0]
    lines = [
        b.line(x0, 180 + i * PITCH, x1 + d, text=f"乙{i:02d}") for i, d in enumerate(overshoot)
    ]
    for k, (c0, c1) in enumerate(cols):
        if k != 1:
            b.column(c0, c1, 180, 14, f"c{k}")
    page = b.page()
    segment(page)
    (home,) = [r for r in page.regions if any(ln.text == "乙00" for ln in r.lines)]
    assert _texts(home) == [ln.text for ln in lines]


def test_rules_found_on_a_page_left_slightly_askew() -> None:
    """Hairline rules and a box frame drawn 0.8 degrees off straight (a deskew error)
    are still rules and a frame."""
    import math

    import cv2

    b = PageBuilder()
    cols = grid(2)
    b.column(*cols[0], 200, 20, "甲")
    b.column(*cols[1], 200, 10, "乙")
    img = b.image
    a = math.radians(0.8)

    def turned(x: float, y: float) -> tuple[int, int]:
        """(x, y) turned 0.8 degrees clockwise about the page's top-left corner."""
        return round(x * math.cos(a) - y * math.sin(a)), round(x * math.sin(a) + y * math.cos(a))

    cv2.line(img, turned(40, 150), turned(1360, 150), (0,), 2)
    x0, x1 = cols[1]
    quad = [turned(x0, 700), turned(x1, 700), turned(x1, 1100), turned(x0, 1100)]
    for p, q in zip(quad, quad[1:] + quad[:1], strict=True):
        cv2.line(img, p, q, (0,), 2)
    page = b.page()
    segment(page)
    rules = [r.box for r in page.regions if r.type is RegionType.RULE]
    assert any(r.width > 1200 and r.cy < 200 for r in rules)
    assert any(r.width > 300 and r.height > 300 for r in rules)  # the frame


def test_detected_line_cut_at_a_column_rule() -> None:
    """Headlines of two modules side by side come from the detector as one box across
    the gutter and its rule; the rule cuts them into one headline per module."""
    b = PageBuilder()
    (a0, a1), (c0, c1) = grid(2)
    b.vrule(c0 - 15, 80, 900)
    b.line(a0 + 40, 100, c1 - 40, h=2 * EM)  # both headlines in one detector box
    b.column(a0, a1, 180, 18, "左")
    b.column(c0, c1, 180, 18, "右")
    page = b.page()
    segment(page)
    heads = _by_type(page, RegionType.HEADLINE)
    rule = c0 - 15
    assert len(heads) == 2
    left, right = heads
    assert left.box.x0 == a0 + 40 and rule - 6 < left.box.x1 < rule
    assert right.box.x1 == c1 - 40 and rule < right.box.x0 < rule + 6
    assert len({ln.id for r in page.regions for ln in r.lines}) == 38


def test_wrapped_last_character_of_a_headline_stays_in_it() -> None:
    """A headline's last character wrapped onto a line of its own gets a box of another
    height (one glyph); it still belongs to the headline above it."""
    b = PageBuilder()
    (a0, a1), (c0, c1) = grid(2)
    b.line(a0 + 20, 100, c1 - 20, h=2 * EM, text="松林村新建公园对外开放市民休闲有了好去")
    mid = (a0 + c1) // 2
    b.line(mid - 1.3 * EM, 100 + 1.8 * EM, mid + 1.3 * EM, h=2.6 * EM, text="处")
    b.column(a0, a1, 100 + 5 * EM, 16, "左")
    b.column(c0, c1, 100 + 5 * EM, 16, "右")
    page = b.page()
    segment(page)
    heads = _by_type(page, RegionType.HEADLINE)
    assert [_texts(h) for h in heads] == [["松林村新建公园对外开放市民休闲有了好去", "处"]]


def test_headline_wrapped_line_with_figures_stays_in_it() -> None:
    """A small headline wrapped over a column ends on a short line of figures ("民294户")
    whose ink measures just under the display threshold: it is the headline's, by its
    size next to the headline line above it, not the top of the column below."""
    b = PageBuilder()
    (a0, a1), (c0, c1) = grid(2)

    heads = [b.line(a0 + 20, 100 + k * EM, a1 - 20, text=f"小标题第{k}行") for k in range(2)]
    for ln in heads:
        b.ink(ln.box.y0, ln.box.x0, ln.box.x1, 20)
    mid = (a0 + a1) / 2
    tail = b.line(mid - 80, 100 + 2 * EM, mid + 80, text="民294户")
    b.ink(tail.box.y0, tail.box.x0, tail.box.x1, 18)  # 1.125 body ems
    body = b.column(a0, a1, 100 + 3 * EM + 8, 12, "甲")
    right = b.column(c0, c1, 100, 16, "乙")
    for ln in body + right:
        b.ink(ln.box.y0, ln.box.x0, ln.box.x1, 16)
    page = b.page()
    segment(page)
    assert [_texts(h) for h in _by_type(page, RegionType.HEADLINE)] == [
        [heads[0].text, heads[1].text, tail.text]
    ]
    bodies = _by_type(page, RegionType.BODY)
    assert [_texts(r) for r in bodies] == [[ln.text for ln in body], [ln.text for ln in right]]


def test_lone_vertical_line_at_body_size_is_a_headline() -> None:
    """One vertical column beside horizontal body text, at body size, is a headline set
    vertically; vertical body text comes in many columns."""
    b = PageBuilder()
    (a0, a1), (c0, c1) = grid(2)
    b.column(a0, a1, 100, 20, "左")
    b.column(c0, c1 - 3 * EM, 100, 14, "右")
    b.vline(c1 - EM, 100, 100 + 14 * EM, text="云溪区建成智慧停车场")
    for i in range(8):
        b.vline(c1 - EM - i * PITCH, 700, 1000, text=f"竖{i}")
    page = b.page()
    segment(page)
    kinds = {_texts(r)[0]: r.type for r in page.regions if r.lines}
    assert kinds["云溪区建成智慧停车场"] is RegionType.HEADLINE
    assert kinds["竖0"] is RegionType.BODY


def test_headlines_side_by_side_on_offset_rows_stay_apart() -> None:
    """Two two-row headlines a narrow gutter apart, each wrapped on its own measure: their
    rows overlap by half a line but do not share top and bottom, so they are not one row;
    the pieces of one row (a word space) are."""
    b = PageBuilder()
    cols = grid(2)
    h = 2 * EM
    b.line(cols[0][0], 300, cols[0][1], h=h, text="甲标题上行")
    b.line(cols[0][0] + 40, 300 + h + 6, cols[0][1] - 60, h=h, text="甲标题下行")
    b.line(cols[1][0], 300 + 0.45 * h, cols[1][1], h=h, text="乙标题上行")
    b.line(cols[1][0] + 40, 300 + 1.45 * h + 6, cols[1][1] - 40, h=h, text="乙标题下行")
    # A headline set across the page with a word space: two detector pieces of one row.
    b.line(cols[0][0] + 100, 700, 640, h=h, text="丙标题前半")
    b.line(680, 700, cols[1][1] - 100, h=h, text="丙标题后半")
    for k, (x0, x1) in enumerate(cols):
        b.column(x0, x1, 800, 10, f"c{k}")
    page = b.page()
    segment(page)
    heads = [sorted(_texts(r)) for r in _by_type(page, RegionType.HEADLINE)]
    assert sorted(["甲标题上行", "甲标题下行"]) in heads
    assert sorted(["乙标题上行", "乙标题下行"]) in heads
    assert any("丙标题前半丙标题后半" in "".join(t) for t in heads)


def test_a_line_measured_off_body_size_inside_a_column_stays_in_it() -> None:
    """A row of figures and Latin ("70.1亿元，占年度计划的96%") measures taller on ink
    than Han text; between two lines of its column, a line gap apart, it is still that
    column's text and does not part the column in two."""
    b = PageBuilder()
    (a0, a1), (c0, c1) = grid(2)

    left = b.column(a0, a1, 100, 14, "甲", para_every=20)
    right = b.column(c0, c1, 100, 14, "乙", para_every=20)
    for ln in left + right:
        b.ink(ln.box.y0, ln.box.x0, ln.box.x1, 29 if ln is left[6] else 20)
    page = b.page()
    segment(page)
    bodies = _by_type(page, RegionType.BODY)
    assert [_texts(r) for r in bodies] == [[ln.text for ln in left], [ln.text for ln in right]]


def test_a_vertical_headline_broken_at_its_figures_is_one_headline_read_down() -> None:
    """A detector breaks a vertical headline where upright figures sit across it
    ("…活动 | 67余名老人参与"); the piece opening on the figures measures under the
    display mark on ink. The pieces share the column's axis, so they are sized together
    and read as one column, top to bottom, even where the lower box sits a pixel further
    right; upright figures narrower than the column's characters ("342") are its too."""
    b = PageBuilder()
    (a0, a1), _ = grid(2)
    body = b.column(a0, a1, 100, 20, "甲")
    for ln in body:
        b.ink(ln.box.y0, ln.box.x0, ln.box.x1, 16)
    x, w = 1200, 2 * EM
    top = b.vline(x, 100, 100 + 12 * EM, w=w, text="青石镇开展志愿服务活动")
    low = b.vline(x + 1, 100 + 12 * EM + 6, 100 + 20 * EM, w=w, text="67余名老人参与")
    for piece, ink_w in ((top, 19), (low, 17)):  # 1.19 and 1.06 body ink sizes
        cx = int(piece.box.cx)
        for y in range(int(piece.box.y0) + 4, int(piece.box.y1) - 24, 2 * EM):
            b.image[y : y + 24, cx - ink_w // 2 : cx - ink_w // 2 + ink_w] = 30
    figures = b.vline(x + 12, 100 + 20 * EM + 4, 100 + 21 * EM, w=w - 24, text="342")
    page = b.page()
    segment(page)
    heads = [r for r in _by_type(page, RegionType.HEADLINE) if r.vertical]
    assert [_texts(r) for r in heads] == [[top.text + low.text + figures.text]]
    assert heads[0].lines[0].box == Box.hull([top.box, low.box, figures.box])


def _gapped_column(b: PageBuilder, x0: float, x1: float, tag: str, gaps: dict[int, float]) -> None:
    """Twelve body lines at the usual pitch, with extra white above the lines in `gaps`."""
    y = 180.0
    for i in range(12):
        y += gaps.get(i, 0.0)
        b.line(x0, y, x1, text=f"{tag}{i:02d}")
        y += PITCH


def test_a_kicker_row_white_above_it_starts_a_segment() -> None:
    """A column set solid (a fifth of an em between rows) in which one row stands three
    quarters of an em below the last: a kicker or a new article in the same column."""
    b = PageBuilder()
    cols = grid(3)
    b.line(cols[0][0], 100, cols[-1][1], h=2 * EM, text="标题")
    _gapped_column(b, *cols[0], "甲", {6: 0.75 * EM})
    for k in (1, 2):
        _gapped_column(b, *cols[k], f"c{k}", {})
    page = b.page()
    segment(page)
    (upper,) = [r for r in page.regions if any(ln.text == "甲00" for ln in r.lines)]
    (lower,) = [r for r in page.regions if any(ln.text == "甲06" for ln in r.lines)]
    assert upper is not lower and lower.lines[0].text == "甲06"


def test_paragraphs_spaced_all_over_keep_their_column_whole() -> None:
    """A page that leaves the same white between all its paragraphs: those gaps are the
    page's usual, not breaks."""
    b = PageBuilder()
    cols = grid(3)
    b.line(cols[0][0], 100, cols[-1][1], h=2 * EM, text="标题")
    for k, (c0, c1) in enumerate(cols):
        _gapped_column(b, c0, c1, f"c{k}", {3: 0.75 * EM, 6: 0.75 * EM, 9: 0.75 * EM})
    page = b.page()
    segment(page)
    for k in range(3):
        (home,) = [r for r in page.regions if any(ln.text == f"c{k}00" for ln in r.lines)]
        assert len(home.lines) == 12


def test_headlines_side_by_side_in_one_row_stay_two() -> None:
    """A headline over two columns and one over the third, tops level and the white
    between them under a display em: each runs on in lines of its own under it."""
    b = PageBuilder()
    cols = grid(3)
    h = 2 * EM
    (l0, _), (_, l1), (r0, r1) = cols
    mid = (l1 + r0) / 2
    b.line(l0 + 20, 100, mid - 18, h=h, text="左题第一行")
    b.line(l0 + 60, 100 + h + 6, mid - 58, h=h, text="左题第二行")
    b.line(mid + 18, 100, r1 - 10, h=h, text="右题一")
    b.line(mid + 18, 100 + h + 6, r1 - 10, h=h, text="右题二")
    b.line(mid + 38, 100 + 2 * (h + 6), r1 - 30, h=h, text="右题三")
    for k, (c0, c1) in enumerate(cols):
        b.column(c0, c1, 100 + 3 * (h + 6) + 20, 10, f"c{k}")
    page = b.page()
    segment(page)
    heads = sorted(
        "".join(ln.text for ln in r.lines) for r in page.regions if r.type is RegionType.HEADLINE
    )
    assert heads == ["右题一右题二右题三", "左题第一行左题第二行"]


@pytest.mark.parametrize("second", [True, False])
def test_a_headline_row_with_a_word_space_stays_one(second: bool) -> None:
    """One headline whose row the detector split at its word space: its second line is
    centred under the whole row; with no second line, the body columns under it (whose
    gutter falls in the word space) do not part it."""
    b = PageBuilder()
    cols = grid(2)
    h = 2 * EM
    (a0, a1), (c0, c1) = cols
    gap_mid = (a1 + c0) / 2
    b.line(a0 + 40, 100, gap_mid - 18, h=h, text="题前半")
    b.line(gap_mid + 18, 100, c1 - 40, h=h, text="题后半")
    y = 100 + h + 6
    if second:
        b.line(a0 + 200, y, c1 - 200, h=h, text="第二行")
        y += h + 6
    for k, (x0, x1) in enumerate(cols):
        b.column(x0, x1, y + 20, 10, f"c{k}")
    page = b.page()
    segment(page)
    heads = [r for r in page.regions if r.type is RegionType.HEADLINE]
    assert ["".join(ln.text for ln in r.lines) for r in heads] == (
        ["题前半题后半第二行"] if second else ["题前半题后半"]
    )


def _columns_with_odd_line(
    b: PageBuilder,
    n_cols: int,
    rows: int,
    odd: tuple[int, int],
    box: tuple[float, float, float, float],
) -> None:
    """Columns of body lines "c{column}{row:02d}" with body ink, one line (`odd`: column,
    row) boxed oddly by the detector: `box` moves its left edge, top and right edge by
    (dx0, dy, dx1) and gives its height."""
    dx0, dy, dx1, h = box
    for k, (c0, c1) in enumerate(grid(n_cols)):
        for i in range(rows):
            y = 180 + i * PITCH
            if (k, i) == odd:
                b.line(c0 + dx0, y + dy, c1 + dx1, h=h, text=f"c{k}{i:02d}")
            else:
                b.line(c0, y, c1, text=f"c{k}{i:02d}")
            b.ink(y, c0, c1, 20)


def test_a_column_line_boxed_taller_than_the_rest_does_not_break_its_column() -> None:
    """The detector drew one line of a column in a box half again as tall and on into the
    gutter (body ink in it): the grid does not take it, and the white it leaves between
    its neighbours is not a break: the column stays one segment."""
    b = PageBuilder()
    cols = grid(3)
    b.line(cols[0][0], 100, cols[-1][1], h=2 * EM, text="标题")
    # Taller, and on into the gutter.
    _columns_with_odd_line(b, 3, 12, (1, 6), (0, -7, 1.5 * EM, EM + 14))
    page = b.page()
    segment(page)
    (home,) = [r for r in page.regions if any(ln.text == "c100" for ln in r.lines)]
    rest = [ln.text for ln in home.lines if ln.text != "c106"]
    assert rest == [f"c1{i:02d}" for i in range(12) if i != 6]


def test_a_column_row_boxed_over_its_neighbours_stays_in_its_column() -> None:
    """Rows set solid: the detector boxed one row 1.7 em tall, over the boxes of the rows
    above and below it. Its ink is body type, so it is the column's text, not a block of
    its own between the column's lines (where it took the article's place under the
    headline)."""
    b = PageBuilder()
    _columns_with_odd_line(b, 2, 12, (0, 5), (0, -11, 0, 1.7 * EM))
    page = b.page()
    segment(page)
    (home,) = [r for r in page.regions if any(ln.text == "c000" for ln in r.lines)]
    assert [ln.text for ln in home.lines] == [f"c0{i:02d}" for i in range(12)]


def test_a_column_line_boxed_on_over_the_gutter_stays_in_its_column() -> None:
    """The detector drew the first line of a column's last paragraph from an em left of
    the column, over the gutter to the end of the neighbour's line: the grid does not
    take it, but it sits on the column's segment and is put back in it, not left a block
    of its own (read as an article without a title)."""
    b = PageBuilder()
    _columns_with_odd_line(b, 3, 10, (2, 0), (-1.0 * EM, 0, 0, EM))
    page = b.page()
    segment(page)
    (home,) = [r for r in page.regions if any(ln.text == "c201" for ln in r.lines)]
    assert [ln.text for ln in home.lines] == [f"c2{i:02d}" for i in range(10)]
