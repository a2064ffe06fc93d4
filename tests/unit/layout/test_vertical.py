"""Vertical traditional pages: columns right to left, corner punctuation, whole-page layout.

Pages come from digitize.synth.vertical_page (AR PL UMing/UKai TW, columns read right to
left) and go through the real stages: detect, segment (which hands vertical pages to
layout/vertical.py), recognize, classify, then the vertical reading order.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from digitize.engines.base import Recognition
from digitize.layout.column import (
    extent,
    ink_mask,
    mark_blob,
    mark_spans,
    move_corner_marks,
    quote_shape,
)
from digitize.layout.vertical import (
    blocks,
    lone_vertical_cells,
    margin_columns,
    segment_vertical,
    spaced_rows,
    writing_mode,
)
from digitize.layout.vertical_order import order_blocks, order_vertical, xy_order
from digitize.model import Box, Glyph, Line, Page, Region, RegionType, Transform, WritingMode
from digitize.stages.classify import classify
from digitize.stages.order import order
from digitize.stages.recognize import _fill, _Plan, recognize
from digitize.stages.segment import segment
from digitize.text.correct import mark_style, right_to_left


def _page(img: np.ndarray) -> Page:
    h, w = img.shape[:2]
    return Page(3, Path("page-3.png"), "page-3", Transform.identity(w, h), image=img)


def test_move_corner_marks_moves_only_isolated_marks() -> None:
    em = 20
    crop = np.full((4 * em, 2 * em), 255, dtype=np.uint8)
    crop[2:18, 8:30] = 0  # a character, ink across the column
    crop[21:25, 26:30] = 0  # a mark at the upper right of the next cell
    crop[30:50, 8:30] = 0  # the next character
    crop[52:56, 26:30] = 0  # a stroke piece beside a character's rows: stays
    crop[50:70, 8:22] = 0
    # A 、 in the middle of its own cell (as the 1939 fold prints it), then a broken
    # character whose small piece sits right under its larger stroke.
    crop = np.vstack([crop, np.full((3 * em, 2 * em), 255, dtype=np.uint8)])
    crop[86:91, 17:22] = 0  # alone in rows 80-96
    crop[100:112, 8:30] = 0
    crop[113:117, 17:21] = 0  # touches the stroke above within its cell: stays
    ink = ink_mask(crop)
    cols = extent(ink.sum(axis=0) > 0)
    assert cols is not None
    out = move_corner_marks(crop, ink, cols)
    assert out[21:25, 26:30].min() == 255  # the mark left the right side
    moved = out[21:25, 8:12]
    assert moved.max() == 0  # mirrored to the left side of the column
    assert out[52:56, 26:30].max() == 0  # piece of a character untouched
    assert out[86:91, 17:22].min() > 128 and out[86:91, 8:13].max() == 0  # to the left
    assert out[113:117, 17:21].max() == 0
    assert (out[2:18, 8:30] == crop[2:18, 8:30]).all()


def test_horizontal_pages_keep_the_column_grid() -> None:
    """A horizontal page with a vertical essay is not taken for a vertical page."""
    lines = [Line(f"l{k}", Box(10, 10 + 20 * k, 400, 25 + 20 * k)) for k in range(30)] + [
        Line(f"v{k}", Box(500 + 20 * k, 10, 515 + 20 * k, 300), vertical=True) for k in range(6)
    ]
    page = Page(1, Path("p.png"), "p", Transform.identity(800, 700))
    page.lines = lines
    # 30 lines of ~26 characters vs ~116 in columns
    assert writing_mode(page.lines) is WritingMode.HORIZONTAL
    page.lines = lines[28:]
    assert writing_mode(page.lines) is WritingMode.VERTICAL


def _mixed_page(vertical_heads: int, horizontal_heads: int) -> list[Line]:
    """About 45 % of the text in columns (12 columns of ~20 characters), the rest in a
    band of 20 rows of ~19 characters; headlines (twice the body size) as asked."""
    rows = [Line(f"r{k}", Box(10, 400 + 16 * k, 295, 415 + 16 * k)) for k in range(20)]
    cols = [Line(f"c{k}", Box(500 - 17 * k, 10, 515 - 17 * k, 310), vertical=True)
            for k in range(12)]
    vheads = [Line(f"vh{k}", Box(600 + 40 * k, 10, 630 + 40 * k, 250), vertical=True)
              for k in range(vertical_heads)]
    hheads = [Line(f"hh{k}", Box(10, 340 + 40 * k, 250, 370 + 40 * k))
              for k in range(horizontal_heads)]
    return rows + cols + vheads + hheads


def test_a_vertical_page_with_a_band_of_rows_is_vertical() -> None:
    """Under the 60 % share, a page is still vertical when a good part of its text and
    most of its headlines are columns (its articles are vertical, the rows one module);
    a horizontal page with as much vertical text but headlines in rows is not."""
    assert writing_mode(_mixed_page(4, 1)) is WritingMode.VERTICAL
    assert writing_mode(_mixed_page(1, 4)) is WritingMode.HORIZONTAL
    assert writing_mode(_mixed_page(2, 2)) is WritingMode.HORIZONTAL


def _col(x: float, y0: float, y1: float, w: float = 15) -> Line:
    return Line("", Box(x, y0, x + w, y1), vertical=True)


def test_tiers_and_articles_read_in_order() -> None:
    """Headline column at the right, two tiers of body beside it, a second article to the
    left: the first article is finished (both tiers) before the second one starts."""
    em = 12.0
    head = [_col(585, 20, 300, w=30)]
    upper = [_col(560 - 20 * k, 20, 150) for k in range(5)]
    lower = [_col(560 - 20 * k, 170, 300) for k in range(5)]
    head2 = [_col(445, 20, 300, w=30)]
    other = [_col(420 - 20 * k, 20, 300) for k in range(4)]
    items = head + upper + lower + head2 + other
    groups = blocks(items, [], em)
    boxes = [Box.hull(ln.box for ln in g) for g in groups]
    heads = [g[0].box.width > 25 for g in groups]
    seq = order_blocks(boxes, heads, [], em)
    read = [groups[k] for k, _ in seq]
    assert read[0] == head
    assert {id(x) for x in read[1]} == {id(x) for x in upper}
    assert {id(x) for x in read[2]} == {id(x) for x in lower}
    assert read[3] == head2
    opens = [o for _, o in seq]
    assert opens == [True, False, False, True, False]


def test_a_tier_parted_by_short_columns_is_one_block() -> None:
    """Paragraph ends and indents make columns of one tier start and end apart; the tier
    is still one block, whatever order the columns come in."""
    em = 12.0
    edge = _col(560, 20, 300)  # the tier's first column, before a paragraph's short end
    short = _col(540, 20, 120)
    middle = [_col(520 - 20 * k, 20, 300) for k in range(3)]
    end = _col(460, 20, 110)  # another paragraph ends ...
    indented = _col(440, 44, 300)  # ... and the next one starts a character down
    left = [_col(420 - 20 * k, 20, 300) for k in range(3)]
    tier = [edge, short, *middle, end, indented, *left]
    lower = [_col(560 - 20 * k, 320, 500) for k in range(10)]  # the next tier, close under
    groups = blocks(tier + lower, [], em)
    assert sorted(len(g) for g in groups) == [10, 10]
    assert any({id(x) for x in g} == {id(x) for x in tier} for g in groups)
    # A paragraph starts indented after a short column and its columns end higher (a
    # detector's column ends vary): still one tier.
    right = [_col(560 - 20 * k, 20, 300) for k in range(4)]
    gap = _col(480, 20, 100)
    left = [_col(460 - 20 * k, 44, 290) for k in range(3)]
    groups = blocks([*right, gap, *left], [], em)
    assert [len(g) for g in groups] == [8]
    # Paragraphs of one or two columns: every other column is short.
    head = _col(560, 20, 150, w=30)
    tier = [_col(525 - 20 * k, 20 if k % 2 else 30, 300 if k % 2 else 120) for k in range(5)]
    groups = blocks([head, *tier], [], em)
    assert sorted(len(g) for g in groups) == [1, 5]


def test_a_character_cut_off_a_column_stays_in_its_column() -> None:
    """The detector sometimes boxes a column's first or last character apart: a square
    cell in line with the column, touching it, is part of that column's tier."""
    em = 12.0
    cols = [_col(560 - 20 * k, 20, 300) for k in range(5)]
    head = Line("", Box(460, 20, 475, 35))  # the sixth column's first character ...
    rest = _col(460, 37, 288)
    foot = Line("", Box(460, 289, 475, 303))  # ... and its last one
    lines = [*cols, head, rest, foot]
    lone_vertical_cells(lines, em)
    assert head.vertical and foot.vertical
    groups = blocks(lines, [], em)
    assert [len(g) for g in groups] == [8]


def test_figures_cut_off_a_column_one_after_another_stay_in_it() -> None:
    """A vertical headline ending on upright figures ("…车位199个"): the detector boxes
    each figure alone, narrower than the column, one under another; cell by cell they
    are the column's. A cell beside the column, not in line with it, is not."""
    em = 29.0
    column = Line("c", Box(1458, 820, 1501, 1315), vertical=True)
    cells = [
        Line("a", Box(1468, 1303, 1494, 1342)),
        Line("b", Box(1467, 1331, 1494, 1372)),
        Line("d", Box(1465, 1360, 1498, 1400)),
    ]
    away = Line("e", Box(1380, 1000, 1406, 1039))  # beside, mid-column: another column's
    lone_vertical_cells([column, *cells, away], em)
    assert all(c.vertical for c in cells)
    assert not away.vertical


def test_a_letter_spaced_display_row_is_one_line() -> None:
    """ "女 子 銀 行" set letter-spaced in display type comes as one box per character: one
    line, read as one. Rows of text in two columns a gutter apart, or display pieces
    with a rule between them, stay apart."""
    em = 12.0
    chars = [Line(f"c{k}", Box(100 + 40 * k, 50, 134 + 40 * k, 84)) for k in range(4)]
    (row,) = spaced_rows(chars, [], em)
    assert row.box == Box(100, 50, 254, 84) and not row.vertical
    body = [Line("a", Box(100, 200, 160, 215)), Line("b", Box(166, 200, 226, 215))]
    assert len(spaced_rows(body, [], em)) == 2
    touching = [Line("a", Box(100, 200, 130, 215)), Line("b", Box(128, 201, 296, 216))]
    assert len(spaced_rows(touching, [], em)) == 1
    # Rows of two columns whose padded boxes touch, a column rule between them.
    columns = [Line("a", Box(100, 200, 260, 215)), Line("b", Box(258, 201, 420, 216))]
    assert len(spaced_rows(columns, [], em)) == 2
    assert len(spaced_rows(touching, [Box(128, 150, 130, 300)], em)) == 2  # a rule parts
    rule = Box(136, 40, 138, 100)
    assert len(spaced_rows(chars[:2], [rule], em)) == 2


def test_xy_cut_reads_pages_then_tiers_then_blocks_right_to_left() -> None:
    """A fold of two pages parted by a rule: the right page first; on each page the tier
    cut (a gap across the whole page) comes before the cuts between blocks, so a tier
    is finished before the next one starts even though their columns line up."""
    em = 12.0
    right = [
        Box(620, 20, 700, 150),  # 0 tier 1, right block
        Box(520, 20, 600, 150),  # 1 tier 1, left block
        Box(620, 170, 700, 300),  # 2 tier 2, right
        Box(520, 170, 600, 300),  # 3 tier 2, left
    ]
    left = [Box(300, 20, 480, 300), Box(100, 20, 280, 140)]  # 4, 5 (5 over 6)
    lower = [Box(100, 160, 280, 300)]  # 6
    boxes = right + left + lower
    rules = [Box(498, 10, 502, 310)]  # the fold's middle rule
    order = xy_order(boxes, [False] * len(boxes), rules, em)
    assert order == [0, 1, 2, 3, 4, 5, 6]


def test_xy_cut_hands_interlocked_blocks_to_the_article_walk() -> None:
    """An L-shaped article (headline over two tiers at the right, its tiers to the left)
    beside a block that spans both tiers leaves no straight cut through all of them:
    order_blocks takes over for that node and still finishes the article first."""
    em = 12.0
    boxes = [
        Box(585, 20, 615, 300),  # headline, both tiers
        Box(480, 20, 575, 150),  # upper tier
        Box(480, 170, 575, 300),  # lower tier
        Box(380, 100, 470, 330),  # a block that crosses both tiers' boundary
    ]
    heads = [True, False, False, True]
    assert xy_order(boxes, heads, [], em) == [0, 1, 2, 3]


def test_unread_mark_blob_becomes_a_mark_not_an_unknown_character() -> None:
    """A worn 、 that the character grid cut together with part of the next character
    is a filled blob without a hole: left unread it is added as 、, where a character
    cell (口, with a hole) left unread becomes 〓."""
    em = 24
    blob = np.zeros((30, 24), dtype=bool)
    blob[2:13, 7:18] = True  # the worn mark
    blob[22:30, 3:21] = True  # top strokes of the next character
    kou = np.zeros((24, 24), dtype=bool)
    kou[2:22, 2:22] = True
    kou[6:18, 6:18] = False
    yi = np.zeros((24, 24), dtype=bool)
    yi[10:14, 1:23] = True
    assert mark_blob(blob, em) and not mark_blob(kou, em) and not mark_blob(yi, em)
    band = 6 * em
    line = Line("c", Box(0, 0, 2 * em, band), vertical=True)
    solid = [(0.0, 24.0), (30.0, 60.0), (60.0, 84.0), (96.0, 120.0)]
    plan = _Plan(line, 0, 2 * em, em, (0, band), [], [], True, [], solid, [(30.0, 60.0)])
    read = Recognition("吾人", 0.9, [0.9] * 2, [12 / band, 108 / band])
    _fill(plan, read)
    assert line.text == "吾、〓人"


def test_segment_vertical_without_image_types_columns() -> None:
    page = Page(2, Path("p.png"), "p", Transform.identity(800, 400))
    page.lines = [_col(600, 20, 300, w=40)] + [_col(560 - 22 * k, 20, 300) for k in range(8)]
    segment(page)
    assert page.writing_mode is WritingMode.VERTICAL
    assert page.reading_order == []  # ordering is the order stage's
    order(page)
    kinds = [page.region(i).type for i in page.reading_order]
    assert kinds == [RegionType.HEADLINE, RegionType.BODY]
    body = page.region(page.reading_order[1])
    assert [ln.box.x0 for ln in body.lines] == sorted(
        (ln.box.x0 for ln in body.lines), reverse=True
    )
    assert len({page.region(i).article_id for i in page.reading_order}) == 1


def test_a_one_character_column_is_a_column_of_its_block() -> None:
    """A paragraph's last column holding one character is a square box: beside the
    block's columns and head-aligned with them it is one more column, not a headline."""
    page = Page(2, Path("p.png"), "p", Transform.identity(800, 400))
    page.lines = [_col(600, 20, 300, w=40)] + [_col(560 - 22 * k, 20, 300) for k in range(8)]
    x = 560 - 22 * 3
    square = Line("", Box(x, 20, x + 16, 36))  # the fourth column: one character
    page.lines[4] = square
    page.lines[5] = _col(560 - 22 * 4, 36, 300)  # the next paragraph, indented
    segment(page)
    holder = next(r for r in page.regions if square in r.lines)
    assert holder.type is RegionType.BODY and len(holder.lines) > 1


def test_order_vertical_keeps_article_ids() -> None:
    page = Page(2, Path("p.png"), "p", Transform.identity(800, 400))
    page.lines = [_col(600, 20, 300, w=40)] + [_col(560 - 22 * k, 20, 300) for k in range(8)]
    segment_vertical(page)
    for r in page.regions:
        r.article_id = f"m_{r.id}"
    order_vertical(page)
    assert [page.region(i).type for i in page.reading_order] == [
        RegionType.HEADLINE,
        RegionType.BODY,
    ]
    assert all(r.article_id == f"m_{r.id}" for r in page.regions)


def test_marks_not_read_are_added_from_the_image() -> None:
    """A 、 blob half an em across in the middle of its own half cell (worn 1930s
    句讀) is found; where the recognizer read nothing at it, a 、 glyph is added, and
    a region whose text reads commas turns the added marks into ，."""
    em = 24
    crop = np.full((6 * em, 2 * em), 255, dtype=np.uint8)
    crop[2:24, 12:36] = 0  # character
    crop[30:41, 18:29] = 0  # mark, 11 px on a 24 px column: above the moving limit
    crop[48:70, 12:36] = 0  # character
    crop[80:102, 12:36] = 0  # character
    ink = ink_mask(crop)
    cols = extent(ink.sum(axis=0) > 0)
    assert cols is not None
    assert mark_spans(crop, ink, cols) == [(30, 41)]
    line = Line("c", Box(0, 0, 2 * em, 6 * em), vertical=True)
    plan = _Plan(line, 0, 2 * em, em, (0, 6 * em), [], [], True, [(30.0, 41.0)])
    band = 6 * em
    read = Recognition("吾儕人", 0.9, [0.9] * 3, [13 / band, 59 / band, 91 / band])
    added = _fill(plan, read)
    assert line.text == "吾、儕人" and len(added) == 1
    assert added[0].confidence < 0.9
    # Read at the mark (the recognizer's own ，): nothing added.
    line2 = Line("d", Box(0, 0, 2 * em, 6 * em), vertical=True)
    plan2 = _Plan(line2, 0, 2 * em, em, (0, 6 * em), [], [], True, [(30.0, 41.0)])
    read2 = Recognition("吾，儕人", 0.9, [0.9] * 4, [13 / band, 36 / band, 59 / band, 91 / band])
    assert _fill(plan2, read2) == [] and line2.text == "吾，儕人"
    # Style per region: this region's text reads commas, so the added mark is one.
    commas = Line("e", Box(0, 0, 10, 10), text="甲，乙，丙", vertical=True)
    commas.glyphs = [Glyph(Box(0, k, 10, k + 1), c, 0.9) for k, c in enumerate("甲，乙，丙")]
    page = Page(1, Path("x.png"), "x", Transform.identity(100, 200))
    page.regions = [Region("r", RegionType.BODY, Box(0, 0, 100, 200), lines=[line, commas])]
    mark_style(page, {id(line): added})
    assert line.text == "吾，儕人"
    # A 、 region: a comma read among several 、 is a worn 、.
    dun = Line("f", Box(0, 0, 10, 10), text="甲、乙、丙、丁，戊", vertical=True)
    dun.glyphs = [Glyph(Box(0, k, 10, k + 1), c, 0.9) for k, c in enumerate(dun.text)]
    page.regions = [Region("r", RegionType.BODY, Box(0, 0, 100, 200), lines=[dun])]
    mark_style(page, {})
    assert dun.text == "甲、乙、丙、丁、戊" and dun.glyphs[7].text == "、"


def test_rows_of_a_vertical_page_read_right_to_left() -> None:
    row = Line("h", Box(0, 0, 200, 40), text="（行銀子女A12）")
    row.glyphs = [Glyph(Box(k * 20, 0, k * 20 + 20, 40), c, 0.9) for k, c in enumerate(row.text)]
    right_to_left(row)
    assert row.text == "（A12女子銀行）"
    assert [g.text for g in row.glyphs] == list(row.text)
    assert row.glyphs[-1].box.x0 == 0  # the boxes travel with their characters
    latin = Line("l", Box(0, 0, 200, 40), text="No. 12 號")
    right_to_left(latin)
    assert latin.text == "No. 12 號"  # mostly Latin: left alone


class _Recording:
    """An engine that reads nothing and notes which recognizer each page asked for."""

    name = "recording"

    def __init__(self) -> None:
        self.precise: list[bool] = []

    def detect(self, image: np.ndarray) -> list[Any]:
        return []

    def recognize(self, crops: Any, *, precise: bool = False) -> list[Recognition]:
        self.precise.append(precise)
        return [Recognition("", 0.0) for _ in crops]

    def models(self) -> list[Any]:
        return []

    def settings(self) -> dict[str, str]:
        return {}


def test_vertical_pages_ask_for_the_precise_recognizer() -> None:
    """Vertical (historical) pages are read with the engine's float recognizer, where the
    fast preset's int8 one loses most; horizontal pages keep the preset's choice."""
    img = np.full((400, 300), 255, dtype=np.uint8)
    eng = _Recording()
    columns = _page(img)
    columns.lines = [_col(250 - 20 * k, 20, 380) for k in range(6)]
    columns.writing_mode = writing_mode(columns.lines)  # what segment decides
    recognize(columns, eng)
    rows = _page(img)
    rows.lines = [Line(f"h{k}", Box(20, 20 + 30 * k, 280, 40 + 30 * k)) for k in range(8)]
    rows.writing_mode = writing_mode(rows.lines)
    recognize(rows, eng)
    assert eng.precise == [True, False]


def test_vertical_corner_quotes_replace_dash_reads() -> None:
    """﹁ (a bar, its tick down at the right) and ﹂ (a bar, its tick up at the left) are
    「 and 」; PP-OCRv6 reads them, turned with the column, as a dash. A flat 一 is no
    quote, and a quote with nothing read at it is added."""
    opening = np.zeros((10, 20), dtype=bool)
    opening[0:2, :] = True
    opening[:, 17:19] = True
    closing = np.zeros((10, 20), dtype=bool)
    closing[8:10, :] = True
    closing[:, 1:3] = True
    yi = np.zeros((5, 24), dtype=bool)
    yi[1:3, :] = True
    yi[1:5, 20:24] = True  # the serif at its right end
    assert quote_shape(opening) == "「" and quote_shape(closing) == "」"
    assert quote_shape(yi) is None
    em = 24
    band = 8 * em
    line = Line("q", Box(0, 0, 2 * em, band), vertical=True)
    quotes = [(30.0, 40.0, "「"), (100.0, 110.0, "」"), (160.0, 170.0, "」")]
    plan = _Plan(line, 0, 2 * em, em, (0, band), [], [], True, [], [], [], quotes)
    read = Recognition(
        "曰一然。一冠", 0.9, [0.9] * 6, [p / band for p in (12, 35, 60, 84, 105, 130)]
    )
    _fill(plan, read)
    assert line.text == "曰「然。」冠」"


def _column_region(
    rid: str, kind: RegionType, x: float, y0: float, y1: float, w: float, text: str
) -> Region:
    """A region of one vertical column (x, from y0 to y1, w wide) reading `text`."""
    ln = Line(f"{rid}l", Box(x, y0, x + w, y1), text=text, vertical=True)
    return Region(rid, kind, Box(x, y0, x + w, y1), lines=[ln], vertical=True)


def test_poster_type_without_running_text_is_an_advertisement() -> None:
    """On a vertical page a module of poster type (4.5+ body ems across) with no running
    text is an ad, and so is the small print touching it; a news headline of that size
    over its body columns, and a plain headline-only module, stay headlines."""
    from digitize.stages.order import order

    em = 12.0

    news_head = _column_region("h1", RegionType.HEADLINE, 560, 20, 300, 60, "應包括遠東")
    news_body = [
        _column_region(
            f"b{k}", RegionType.BODY, 540 - 18 * k, 20, 300, 16, "據法外部喉舌晨報載稱關於" * 2
        )
        for k in range(8)
    ]
    plain_head = _column_region("h2", RegionType.HEADLINE, 380, 20, 200, 24, "確定分担之責任")
    poster = _column_region("ad1", RegionType.HEADLINE, 250, 320, 600, 60, "鴻昌")
    phone = _column_region("ad2", RegionType.HEADLINE, 225, 320, 500, 24, "電話九一五七〇")
    page = Page(1, Path("p.png"), "p", Transform.identity(700, 700))
    page.regions = [news_head, *news_body, plain_head, poster, phone]
    page.lines = [ln for r in page.regions for ln in r.lines]
    page.text_height = em
    page.writing_mode = writing_mode(page.lines)
    assert page.writing_mode is WritingMode.VERTICAL
    classify(page)  # the region typer
    assert poster.type is RegionType.AD and phone.type is RegionType.AD
    order(page)
    assert poster.type is RegionType.AD and phone.type is RegionType.AD
    assert poster.article_id is None and phone.article_id is None
    assert news_head.type is RegionType.HEADLINE and plain_head.type is RegionType.HEADLINE
    assert news_head.article_id is not None


def test_a_poster_size_headline_with_its_deck_beside_it_is_news() -> None:
    """A headline of poster type whose deck (副题), set against its left, stands between it
    and the body columns is one module with deck and body: news, not an advertisement."""
    em = 12.0

    main = _column_region("h1", RegionType.HEADLINE, 600, 20, 330, 64, "應包括遠東")
    # Boxes are padded: the deck's reaches a little under the main line's.
    deck = _column_region("h2", RegionType.HEADLINE, 570, 60, 300, 34, "以互助公約保障領土安全")
    body = [
        _column_region(
            f"b{k}", RegionType.BODY, 545 - 18 * k, 20, 330, 16, "據法外部喉舌晨報載稱關於" * 2
        )
        for k in range(8)
    ]
    page = Page(1, Path("p.png"), "p", Transform.identity(700, 400))
    page.regions = [main, deck, *body]
    page.lines = [ln for r in page.regions for ln in r.lines]
    page.text_height = em
    page.writing_mode = writing_mode(page.lines)
    classify(page)
    order(page)
    assert main.type is RegionType.HEADLINE
    assert main.article_id is not None
    assert deck.article_id == main.article_id
    assert {r.article_id for r in body} == {main.article_id}


def test_margin_columns_are_page_furniture() -> None:
    """A column in the page margin (beyond all other text, along the whole height of a
    page set in tiers, running text) is page furniture, not the first article's headline;
    a full-height headline at the page's edge and a page of one tier keep their columns."""
    em = 12.0
    tiers = [_col(500 - 20 * k, 40, 300) for k in range(6)] + [
        _col(500 - 20 * k, 320, 600) for k in range(6)
    ]
    margin = _col(560, 30, 610, w=20)
    assert margin_columns([*tiers, margin], em) == [margin]
    head = _col(525, 40, 600, w=40)  # display type: short and wide
    assert margin_columns([*tiers, head], em) == []
    beside = _col(505, 40, 600, w=20)  # shares the body's x range
    assert margin_columns([*tiers, beside], em) == []
    one_tier = [_col(500 - 20 * k, 40, 600) for k in range(6)]
    assert margin_columns(one_tier, em) == []


def test_headline_only_articles_join_the_text_after_them() -> None:
    """On a vertical page an article holding only headlines (its columns grouped with
    another module) joins the article whose text follows it in reading order."""
    from digitize.stages.order import _heads_join_their_text

    def region(rid: str, kind: RegionType, article: str | None, text: str) -> Region:
        ln = Line(f"{rid}l", Box(0, 0, 10, 100), text=text, vertical=True)
        return Region(rid, kind, Box(0, 0, 10, 100), [ln], vertical=True, article_id=article)

    head = region("h", RegionType.HEADLINE, "a1", "廣大集體安全制")
    body = region("b", RegionType.BODY, "a2", "據法外部喉舌晨報載稱")
    ad = region("x", RegionType.AD, None, "鴻昌")
    other = region("c", RegionType.BODY, "a3", "英國在與巴爾幹各國")
    page = Page(1, Path("p.png"), "p", Transform.identity(100, 100))
    page.regions = [head, body, ad, other]
    page.reading_order = ["h", "x", "b", "c"]
    _heads_join_their_text(page)
    assert head.article_id == "a2" and ad.article_id is None and other.article_id == "a3"


def test_xy_cut_reads_a_band_of_horizontal_columns_left_to_right() -> None:
    """A vertical page with one band of horizontal rows across it: the band's columns
    read left to right like a horizontal page; the vertical blocks above right to left."""
    em = 12.0
    boxes = [
        Box(520, 20, 600, 150),  # 0 vertical block, right
        Box(400, 20, 500, 150),  # 1 vertical block, left
        Box(400, 170, 490, 300),  # 2 horizontal column, left
        Box(510, 170, 600, 300),  # 3 horizontal column, right
    ]
    rows = [False, False, True, True]
    assert xy_order(boxes, [False] * 4, [], em, rows) == [0, 1, 2, 3]
    assert xy_order(boxes, [False] * 4, [], em) == [0, 1, 3, 2]
    # Two row ends the detector boxed as a little column of their own (inside the left
    # column's box) do not turn the band round.
    stray = Box(470, 200, 482, 230)
    order = xy_order([*boxes, stray], [False] * 5, [], em, [*rows, False])
    assert order.index(2) < order.index(3)
    # A band of true vertical columns beside the rows is read right to left.
    column = Box(400, 170, 490, 300)
    assert xy_order([boxes[3], column], [False] * 2, [], em, [True, False]) == [0, 1]


class _ReadsThree:
    """An engine that reads every strip as three characters at the cells' places."""

    def recognize(self, crops: Any, *, precise: bool = False) -> list[Recognition]:
        return [Recognition("吾儕人", 0.9, [0.9] * 3, [0.12, 0.45, 0.7]) for _ in crops]


def test_headline_columns_take_no_marks_from_the_image() -> None:
    """The same column image (three characters and a 、-sized blob) as body text gets
    the dropped mark back; as a headline it does not: a display glyph's detached
    stroke is no 句讀."""
    em = 24
    img = np.full((200, 500), 255, dtype=np.uint8)
    lines = []
    for x in (100, 300):
        img[22:44, x + 12 : x + 36] = 0
        img[50:61, x + 18 : x + 29] = 0  # the blob
        img[68:90, x + 12 : x + 36] = 0
        img[100:122, x + 12 : x + 36] = 0
        lines.append(Line(f"l{x}", Box(x, 20, x + 2 * em, 20 + 6 * em), vertical=True))
    page = _page(img)
    page.writing_mode = WritingMode.VERTICAL
    page.lines = lines
    page.regions = [
        Region("b", RegionType.BODY, lines[0].box, lines=[lines[0]], vertical=True),
        Region("h", RegionType.HEADLINE, lines[1].box, lines=[lines[1]], vertical=True),
    ]
    recognize(page, _ReadsThree())  # type: ignore[arg-type]
    assert "、" in lines[0].text and lines[0].text.replace("、", "") == "吾儕人"
    assert lines[1].text == "吾儕人"


def _columns_region(rid: str, x1: float, texts: list[str], y0: float = 20) -> Region:
    """A body region of vertical columns 16 wide, 18 apart, the first at the right (x1)."""
    lines = [
        Line(
            f"{rid}{k}",
            Box(x1 - 16 - 18 * k, y0, x1 - 18 * k, y0 + 12 * len(t)),
            text=t,
            vertical=True,
        )
        for k, t in enumerate(texts)
    ]
    return Region(
        rid, RegionType.BODY, Box.hull(ln.box for ln in lines), lines=lines, vertical=True
    )


@pytest.mark.parametrize("ended", [True, False])
def test_a_kicker_beside_its_headline_leaves_the_article_before(ended: bool) -> None:
    """A short phrase set against the right of a vertical headline, top-aligned, after a
    column that ends the article before ("……改期再訊、"), is the headline's kicker, not
    that article's last column; a column that closes its own sentence stays text."""
    em = 12.0
    last = "郵局增用" if ended else "東在內云、"
    before = _columns_region("b", 700, ["據外交界方面消息美日關係", "已有一大轉變改期再訊、", last])
    head = _column_region("h", RegionType.HEADLINE, 620, 20, 110, 24, "日籍郵員")
    after = _columns_region("a", 612, ["上海郵政管理局前曾分批", "任用日籍不列等郵員擔任"])
    page = Page(1, Path("p.png"), "p", Transform.identity(800, 400))
    page.regions = [before, head, after]
    page.lines = [ln for r in page.regions for ln in r.lines]
    page.text_height = em
    page.writing_mode = writing_mode(page.lines)
    classify(page)
    order(page)
    kicker = next((r for r in page.regions if r.type is RegionType.KICKER), None)
    if ended:
        assert kicker is not None and kicker.text == "郵局增用"
        assert kicker.article_id == head.article_id != before.article_id
        assert len(before.lines) == 2
    else:
        assert kicker is None and len(before.lines) == 3


def test_a_band_of_rows_whose_columns_overlap_reads_left_to_right() -> None:
    """Detector boxes of a band's neighbouring columns overlap by an em where the
    gutter is narrow: no straight cut parts them, and the article walk that takes over
    reads the band left to right, as its rows read, not right to left."""
    em = 12.0
    boxes = [Box(100 + 130 * k - em, 170, 100 + 130 * k + 120 + em, 300) for k in range(4)]
    assert xy_order(boxes, [False] * 4, [], em, [True] * 4) == [0, 1, 2, 3]
    assert xy_order(boxes, [False] * 4, [], em) == [3, 2, 1, 0]
