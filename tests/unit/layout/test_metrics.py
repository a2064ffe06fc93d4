"""Type sizes: which lines and blocks are display type, from ink-measured sizes."""

from __future__ import annotations

import numpy as np
import pytest

from digitize.layout.metrics import TypeSizes, text_pitch
from digitize.model import Box, Line


def _lines(*rel: float) -> tuple[TypeSizes, list[Line]]:
    lines = [Line(f"l{k}", Box(100, 100 + 50 * k, 600, 140 + 50 * k)) for k in range(len(rel))]
    return TypeSizes(40.0, {ln.id: r for ln, r in zip(lines, rel, strict=True)}), lines


def test_a_block_of_small_display_type_is_display() -> None:
    # Two headline lines measured 1.15 and 1.22 body ems and a subtitle under them:
    # one line past the mark, but the block as a whole is larger than body type.
    sizes, lines = _lines(1.148, 1.222, 1.074)
    assert [sizes.display(ln) for ln in lines] == [False, True, False]
    assert sizes.display_block(lines)
    sizes, lines = _lines(1.3, 1.25)
    assert sizes.display_block(lines)


def test_body_text_with_one_large_reading_is_not_display() -> None:
    sizes, lines = _lines(1.0, 0.96, 1.16, 0.98)
    assert not sizes.display_block(lines)
    sizes, lines = _lines(1.08, 1.1, 1.12)  # larger than body, but no display line
    assert not sizes.display_block(lines)
    # A notice's text set a little larger than body, one line reading as display.
    sizes, lines = _lines(1.1, 1.12, 1.16, 1.1, 1.09, 1.11)
    assert not sizes.display_block(lines)


def test_the_body_reference_does_not_jump_with_one_line() -> None:
    """Ink bands are whole pixels: body lines measure 25 or 26 px. Taking one line away
    must not move every line's relative size by a whole pixel step (4 %)."""
    grey = np.full((1400, 800), 245, dtype=np.uint8)
    lines = []
    for k, band in enumerate([25] * 6 + [26] * 7):
        y = 40 + 100 * k
        grey[y + 7 : y + 7 + band, 60:700:3] = 20  # glyph strokes, not a solid bar
        lines.append(Line(f"l{k}", Box(50, y, 710, y + 40)))
    whole = TypeSizes.measure(grey, lines, 40.0)
    less = TypeSizes.measure(grey, lines[:-2], 40.0)  # the median would fall from 26 to 25
    probe = lines[0].id
    assert abs(whole.ink[probe] / less.ink[probe] - 1) < 0.02


def test_text_pitch_is_the_advance_per_character() -> None:
    """Han characters count one em, digits and Latin half; indented or short lines of one
    column agree; a line of a few characters, or a column, has none."""
    full = Line("a", Box(0, 0, 280, 30), "区人社局表示各地各部门要压")  # 13 Han
    short = Line("b", Box(40, 0, 180, 30), "实责任，细化")  # 6
    digits = Line("c", Box(0, 0, 280, 30), "占年度计划的2026年12月")  # 8 Han + 6 digits
    assert text_pitch(full) == pytest.approx(280 / 13)
    assert text_pitch(short) == pytest.approx(140 / 6)
    assert text_pitch(digits) == pytest.approx(280 / 11)
    assert text_pitch(Line("d", Box(0, 0, 80, 30), "摄影")) is None
    assert text_pitch(Line("e", Box(0, 0, 30, 280), "区人社局表示各地", vertical=True)) is None
