"""Horizontal rows set among the columns of a vertical page stack into blocks."""

from __future__ import annotations

from digitize.layout.metrics import TypeSizes
from digitize.layout.vertical import _masthead_rows, blocks, row_stacks
from digitize.model import Box, Line

EM = 20.0


def _row(k: int, x0: float, y0: float, x1: float, h: float) -> Line:
    return Line(f"r{k}", Box(x0, y0, x1, y0 + h))


def _module(x0: float, top: float, rows: int, first: int = 0) -> list[Line]:
    """Body rows 32 +- 4 px tall (detector boxes vary) at a 30 px pitch, an indented
    first row and a short last row."""
    out = []
    for k in range(rows):
        lx0 = x0 + 2 * EM if k == 0 else x0
        lx1 = x0 + 60 if k == rows - 1 else x0 + 240
        out.append(
            _row(first + k, lx0, top + 30 * k, lx1, h=32 + (4 if k % 3 == 1 else -4 * (k % 3 == 2)))
        )
    return out


def test_a_module_of_rows_is_one_block_and_its_headline_another() -> None:
    head = _row(99, 90, 40, 400, h=50)
    left = _module(100, 100, 8)
    right = _module(400, 100, 8, first=20)  # the next column, a gutter apart
    blocks = row_stacks([head, *left, *right], [], EM)
    ids = sorted(sorted(ln.id for ln in b) for b in blocks)
    assert sorted(ln.id for ln in left) in ids
    assert sorted(ln.id for ln in right) in ids
    assert ["r99"] in ids


def test_a_rule_between_rows_parts_them() -> None:
    upper, lower = _module(100, 100, 3), _module(100, 200, 3, first=10)
    rule = Box(90, 188, 360, 191)
    blocks = row_stacks([*upper, *lower], [rule], EM)
    assert len(blocks) == 2


def test_rows_above_the_columns_are_masthead_unless_a_module() -> None:
    plate = _row(90, 500, 20, 800, h=60)
    date = _row(91, 100, 30, 400, h=30)
    head = _row(92, 90, 110, 400, h=50)
    module = _module(100, 170, 6, first=40)
    mast = _masthead_rows([plate, date, head, *module], [], EM)
    assert sorted(ln.id for ln in mast) == ["r90", "r91"]


def test_a_headline_centred_over_a_module_of_row_columns_is_no_masthead() -> None:
    """A band of rows set in several columns stacks per column; its headline, centred
    over the band, stands over two columns in part and over neither by half its width.
    It heads the band, so it is no masthead (a rendered vertical page lost the band's
    headline to the masthead)."""
    plate = _row(90, 1400, 20, 1600, h=60)  # over no module
    head = _row(92, 290, 110, 490, h=50)  # over two columns, 50 and 90 of its 200 px
    columns = [_module(100 + 300 * k, 170, 6, first=20 * (k + 2)) for k in range(4)]
    mast = _masthead_rows([plate, head, *(ln for c in columns for ln in c)], [], EM)
    assert sorted(ln.id for ln in mast) == ["r90"]


def test_two_rows_stay_apart_three_read_as_text() -> None:
    """A headline and its deck (two rows) stay blocks of their own, as on 1930s pages; a
    stack of three rows or more is running text and one block."""
    pair = _module(100, 100, 2)
    text = _module(500, 100, 4, first=10)
    groups = blocks([*pair, *text], [], EM)
    assert sorted(len(g) for g in groups) == [1, 1, 4]


def test_a_headline_of_small_display_type_is_told_apart_on_ink() -> None:
    """The headline's detector box is as tall as the body rows' (no box tells them
    apart), but measured on ink its type is half as large again: a block of its own."""
    head = _row(99, 90, 62, 400, h=36)
    text = _module(100, 100, 6)
    assert len(row_stacks([head, *text], [], EM)) == 1  # boxes alone: one block
    ink = {ln.id: 1.0 for ln in text} | {"r99": 1.5}
    blocks = row_stacks([head, *text], [], EM, TypeSizes(EM, ink))
    assert sorted(len(b) for b in blocks) == [1, 6]


def test_a_paragraphs_short_last_row_joins_the_indented_row_under_it() -> None:
    """ "行。" ends a paragraph where the next paragraph's first row, two ems in, begins:
    the two rows do not overlap at all, yet they are one column of one module."""
    rows = [
        _row(0, 100, 100, 340, 30),
        _row(1, 100, 140, 140, 30),  # two characters
        _row(2, 140, 180, 340, 30),  # indented two ems
        _row(3, 100, 220, 340, 30),
    ]
    assert [sorted(ln.id for ln in b) for b in row_stacks(rows, [], EM)] == [
        ["r0", "r1", "r2", "r3"]
    ]
