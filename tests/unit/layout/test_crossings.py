"""Lines the detector drew across a gutter are cut there; printed wide lines are kept."""

from __future__ import annotations

import numpy as np
import pytest

from digitize.layout.crossings import (
    split_at_column_starts,
    split_at_gutters,
    split_at_rules,
    split_row_ends,
)
from digitize.model import Box, Image, Line

EM = 30
PITCH = 42
COLS = [(40, 400), (430, 790)]  # a one-em gutter


def _ink(
    img: Image, x0: float, x1: float, y0: float, skip: tuple[float, float] | None = None
) -> None:
    """Glyph-sized squares 0.85 em wide, 0.15 em apart, as set Chinese text looks."""
    x = x0
    while x + 0.85 * EM <= x1:
        if skip is None or not (skip[0] <= x + 0.4 * EM <= skip[1]):
            img[int(y0 + 3) : int(y0 + EM - 3), int(x) : int(x + 0.85 * EM)] = 20
        x += EM


def _line(k: int, x0: float, x1: float, y0: float) -> Line:
    box = Box(x0, y0, x1, y0 + EM)
    return Line(id=f"l{k}", box=box, polygon=box.corners())


def _grid(rows: int = 10, top: int = 100) -> tuple[Image, list[Line]]:
    img = np.full((900, 840), 240, np.uint8)
    lines = []
    for r in range(1, rows):
        for x0, x1 in COLS:
            _ink(img, x0, x1, top + r * PITCH)
            lines.append(_line(len(lines), x0, x1, top + r * PITCH))
    return img, lines


def _columns(lines: list[Line]) -> list[tuple[float, float, list[Line]]]:
    return [(x0, x1, [ln for ln in lines if ln.box.x0 == x0]) for x0, x1 in COLS]


def test_a_row_drawn_over_two_columns_is_cut_in_the_gutter() -> None:
    img, lines = _grid()
    for x0, x1 in COLS:  # the first row of both columns, seen as one line
        _ink(img, x0, x1, 100)
    merged = _line(99, 40, 790, 100)
    out = split_at_gutters([merged, *lines], _columns(lines), img, EM)
    assert len(out) == len(lines) + 2
    left, right = out[0], out[1]
    assert left.box.x0 == 40 and 400 <= left.box.x1 <= 430
    assert 400 <= right.box.x0 <= 430 and right.box.x1 == 790
    assert (left.id, right.id) == ("l99", "l99_1")


def test_a_line_printed_across_the_gutter_is_kept() -> None:
    img, lines = _grid()
    _ink(img, 40, 790, 100)  # a lead set across both columns: ink through the gutter
    lead = _line(99, 40, 790, 100)
    out = split_at_gutters([lead, *lines], _columns(lines), img, EM)
    assert out[0] is lead and len(out) == len(lines) + 1


def test_a_gap_with_ink_above_and_below_is_not_a_gutter() -> None:
    """A comma's white tail in a wide block: the gutter does not run on above or below."""
    img = np.full((900, 840), 240, np.uint8)
    lines = []
    for r in range(10):
        y = 100 + r * PITCH
        skip = (400, 430) if r == 5 else None  # only this row is white at the gutter
        _ink(img, 40, 790, y, skip)
        lines.append(_line(r, 40, 790, y))
    # Columns of the grid elsewhere on the page at the same height (another module).
    cols = [
        (x0, x1, [_line(50 + k, x0, x1, 100 + k * PITCH) for k in range(10)]) for x0, x1 in COLS
    ]
    out = split_at_gutters(lines, cols, img, EM)
    assert out == lines


def test_a_line_crossing_a_column_rule_is_cut_at_the_rule() -> None:
    ln = _line(0, 40, 790, 100)
    rule = Box(413, 60, 417, 400)
    out = split_at_rules([ln], [rule], EM)
    assert [(p.box.x0, p.box.x1) for p in out] == [(40, 413), (417, 790)]


def test_a_caption_stopping_inside_the_next_column_is_kept() -> None:
    """Under a picture two columns wide: a gap of the caption may fall on the gutter."""
    img, lines = _grid(top=300)
    img[60:280, 40:790] = 90  # the picture
    _ink(img, 40, 400, 300)
    _ink(img, 440, 600, 300)  # "张三 摄" after a gap on the gutter, ending mid-column
    caption = _line(99, 40, 600, 300)
    out = split_at_gutters([caption, *lines], _columns(lines), img, EM)
    assert out[0] is caption and len(out) == len(lines) + 1


def test_a_marker_flush_right_joined_to_the_next_column_is_cut_in_the_gutter() -> None:
    """A jump line set flush right at a column's foot, read with the neighbour's row: the
    line starts far inside its column, so only a gutter running through vouches for it."""
    img, lines = _grid(rows=8)
    y = 100 + 8 * PITCH
    _ink(img, 280, 400, y)  # "下转四版", flush right
    _ink(img, 430, 790, y)  # the next column's line on that row
    for x0, x1 in COLS:  # both columns run on below
        _ink(img, x0, x1, y + PITCH)
    below = [_line(80, x0, x1, y + PITCH) for x0, x1 in COLS]
    merged = _line(99, 280, 790, y)
    out = split_at_gutters([merged, *lines, *below], _columns(lines + below), img, EM)
    assert [(p.id, p.box.x0) for p in out[:2]] == [("l99", 280), ("l99_1", out[1].box.x0)]
    assert 400 <= out[0].box.x1 <= 430 and 400 <= out[1].box.x0 <= 430


def test_a_line_starting_mid_column_with_the_gutter_white_on_one_side_only_is_kept() -> None:
    """Started far inside a column, a line needs the gutter white above and below: a deck
    over the columns' tops has it below only."""
    img, lines = _grid(rows=8, top=200)
    _ink(img, 280, 400, 190)
    _ink(img, 430, 790, 190)
    img[100:178, 40:790] = 20  # a headline block across both columns over it
    deck = _line(99, 280, 790, 190)
    out = split_at_gutters([deck, *lines], _columns(lines), img, EM)
    assert out[0] is deck


# --- split_at_column_starts: the grid hidden by lines joined on most rows -----------------

NARROW = [(40, 400), (415, 775)]  # a gutter of half an em


def _joined_page(rows: int = 12, top: int = 100) -> tuple[Image, list[Line]]:
    """Two columns half an em apart, every row seen as one line across both, a few rows
    seen as printed (so each column's left edge is where some lines start)."""
    img = np.full((900, 840), 240, np.uint8)
    lines = []
    for r in range(rows):
        y = top + r * PITCH
        for x0, x1 in NARROW:
            _ink(img, x0, x1, y)
        if r % 4 == 3:
            lines.extend(_line(len(lines), x0, x1, y) for x0, x1 in NARROW)
        else:
            lines.append(_line(len(lines), NARROW[0][0], NARROW[1][1], y))
    return img, lines


def test_lines_joined_across_a_narrow_gutter_are_cut_at_the_next_columns_edge() -> None:
    img, lines = _joined_page()
    out = split_at_column_starts(lines, img, EM)
    assert len(out) == 2 * 12
    for ln in out:
        inside = [c for c in NARROW if c[0] - EM / 2 <= ln.box.x0 and ln.box.x1 <= c[1] + EM / 2]
        assert inside, ln.box  # every piece lies in one column


def test_a_row_joined_to_the_next_columns_short_last_line_is_cut() -> None:
    """The next column holds only a paragraph's last three characters on this row: the
    joined line stops well inside that column, yet it still crosses the column's edge
    with the gutter's white gap there."""
    img, lines = _joined_page()
    y = 100 + 12 * PITCH
    _ink(img, NARROW[0][0], NARROW[0][1], y)
    _ink(img, NARROW[1][0], NARROW[1][0] + 3 * EM, y)
    joined = _line(99, NARROW[0][0], NARROW[1][0] + 3 * EM, y)
    out = split_at_column_starts([*lines, joined], img, EM)
    pieces = [ln for ln in out if ln.box.y0 == y]
    assert len(pieces) == 2
    assert pieces[1].box.x0 == pytest.approx(NARROW[1][0], abs=EM / 2)


def test_the_column_edge_runs_up_through_rows_joined_above_it() -> None:
    """Only the lower rows were seen as printed (so the right column's edge is known
    down there); the rows above, joined across the gutter for far more than a few line
    gaps, are cut at that edge too. Their boxes start an em's padding left of it."""
    img = np.full((1400, 840), 240, np.uint8)
    lines = []
    for r in range(24):
        y = 100 + r * PITCH
        for x0, x1 in NARROW:
            _ink(img, x0, x1, y)
        if r >= 16:
            lines.extend(_line(len(lines), x0, x1, y) for x0, x1 in NARROW)
        else:
            lines.append(_line(len(lines), NARROW[0][0] - 0.8 * EM, NARROW[1][1], y))
    out = split_at_column_starts(lines, img, EM)
    assert len(out) == 2 * 24
    for ln in out:
        assert any(c[0] - EM <= ln.box.x0 and ln.box.x1 <= c[1] + EM / 2 for c in NARROW), ln.box


def test_a_lead_across_both_columns_is_kept() -> None:
    """Ink at the even pace of set text right through the gutter: no wider gap there."""
    img, lines = _joined_page(top=200)
    _ink(img, 40, 775, 100)
    lead = _line(99, 40, 775, 100)
    out = split_at_column_starts([lead, *lines], img, EM)
    assert out[0] is lead


def test_a_deck_over_the_columns_is_kept_though_the_gutter_runs_on_below_it() -> None:
    """A subtitle set across two columns under their headline: its word space over the
    gutter is white below it (the gutter) but not above (the headline)."""
    img = np.full((900, 840), 240, np.uint8)
    img[40:90, 60:760] = 20  # the headline
    for x0, x1 in NARROW:  # the deck's word space falls on the gutter
        _ink(img, x0, x1, 100)
    deck = _line(99, 40, 775, 100)
    lines = []
    for r in range(1, 10):
        for x0, x1 in NARROW:
            _ink(img, x0, x1, 100 + r * PITCH)
            lines.append(_line(len(lines), x0, x1, 100 + r * PITCH))
    out = split_at_column_starts([deck, *lines], img, EM)
    assert out[0] is deck and len(out) == len(lines) + 1


def test_paragraph_indents_are_not_column_edges() -> None:
    """One wide column whose paragraphs start two ems in: nothing to cut."""
    img = np.full((900, 840), 240, np.uint8)
    lines = []
    for r in range(12):
        y = 100 + r * PITCH
        x0 = 100 if r % 3 == 0 else 40
        _ink(img, x0, 775, y)
        lines.append(_line(r, x0, 775, y))
    assert split_at_column_starts(lines, img, EM) == lines


def test_row_ends_boxed_as_a_column_go_back_to_their_rows() -> None:
    """The last characters of two rows, boxed by the detector as one short column, are
    cut into one horizontal piece per row; a column of running text, or of display type,
    beside the rows stays a column."""
    rows = [
        Line("r1", Box(100, 100, 400, 132)),
        Line("r2", Box(100, 136, 400, 168)),
        Line("r3", Box(100, 172, 300, 204)),
    ]
    ends = Line("e", Box(401, 101, 431, 167), vertical=True)
    pieces = split_row_ends([*rows, ends], 30)
    cut = [ln for ln in pieces if ln.id.startswith("e")]
    assert len(cut) == 2 and not any(ln.vertical for ln in cut)
    assert cut[0].box.y0 == 101 and cut[1].box.y1 == 167
    assert cut[0].box.y1 == cut[1].box.y0 == (116 + 152) / 2
    column = Line("c", Box(401, 100, 431, 400), vertical=True)  # ten characters
    display = Line("d", Box(401, 100, 471, 204), vertical=True)  # twice the rows' size
    lone = Line("l", Box(401, 101, 431, 131), vertical=True)  # one row's end only
    for ln in (column, display, lone):
        assert split_row_ends([*rows, ln], 30)[-1] is ln
