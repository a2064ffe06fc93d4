"""Detect and recognize stages with the real engine on rendered lines, small print and
vertical columns."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from line_pages import BODY, render_page
from ocr_samples import cer

from digitize.engines.base import OcrEngine
from digitize.model import Box, Line, Page, Region, RegionType, Transform
from digitize.stages.detect import detect_lines
from digitize.stages.recognize import recognize, vertical_strip

COLUMN = "臺灣經濟發展與兩岸關係回顧"


def make_page(img: np.ndarray) -> Page:
    h, w = img.shape
    return Page(1, Path("t.png"), "t", Transform.identity(w, h), image=img)


def iou(a: Box, b: Box) -> float:
    inter = a.intersection(b)
    if inter is None:
        return 0.0
    return inter.area / (a.area + b.area - inter.area)


@pytest.mark.model
def test_detect_finds_rendered_lines(engine: OcrEngine) -> None:
    img, truth, _ = render_page(26, BODY)
    page = make_page(img)
    detect_lines(page, engine)
    assert len(page.lines) == len(BODY)
    for line, want in zip(page.lines, truth, strict=True):
        # Detector boxes are padded around the ink: compare against a padded truth.
        assert iou(line.box, want.expand(0.2 * 26)) > 0.6, (line.box, want)
        assert not line.vertical
        assert len(line.polygon) == 4
    assert [ln.id for ln in page.lines] == [f"p1_l{k}" for k in range(1, len(BODY) + 1)]
    assert page.text_height is not None and abs(page.text_height - 26) < 4
    assert page.dpi_estimate is not None and page.dpi_estimate > 100


@pytest.mark.model
def test_small_text_is_detected_and_read(engine: OcrEngine) -> None:
    img, _truth, _ = render_page(10, BODY)
    page = make_page(img)
    detect_lines(page, engine)
    assert len(page.lines) == len(BODY)
    recognize(page, engine)
    for line, want in zip(page.lines, BODY, strict=True):
        assert cer(line.text, want) <= 0.1, (line.text, want)


@pytest.mark.model
def test_recognize_fills_text_and_glyphs_from_regions(engine: OcrEngine) -> None:
    img, truth, _ = render_page(30, BODY[:2])
    page = make_page(img)
    lines = [Line(f"l{k}", b.expand(6)) for k, b in enumerate(truth)]
    page.regions = [Region("r1", RegionType.BODY, Box.hull(b.box for b in lines), lines=lines)]
    recognize(page, engine)
    assert lines[0].text == BODY[0]
    assert cer(lines[1].text, BODY[1]) <= 0.05
    for line, ink in zip(lines, truth, strict=True):
        assert len(line.glyphs) == len(line.text)
        assert 0.8 < line.confidence <= 1.0
        xs = [g.box.cx for g in line.glyphs]
        assert xs == sorted(xs)
        assert line.glyphs[0].box.x0 < ink.x0 + 30 and line.glyphs[-1].box.x1 > ink.x1 - 30
        for g in line.glyphs:
            assert ink.expand(8).overlap_ratio(g.box) > 0.8
    # Full-width glyphs are about an em wide, digits about half.
    digit = next(g for g in lines[1].glyphs if g.text.isdigit())
    han = next(g for g in lines[1].glyphs if g.text == "年")
    assert han.box.width > 1.5 * digit.box.width


@pytest.mark.model
def test_vertical_column_read_top_to_bottom(engine: OcrEngine) -> None:
    img, _, col = render_page(28, BODY[:2], column=COLUMN)
    assert col is not None
    page = make_page(img)
    detect_lines(page, engine)
    vertical = [ln for ln in page.lines if ln.vertical]
    assert len(vertical) == 1 and iou(vertical[0].box, col.expand(8)) > 0.6
    assert sum(not ln.vertical for ln in page.lines) == 2
    recognize(page, engine)
    column = vertical[0]
    assert cer(column.text, COLUMN) <= 0.1, column.text
    ys = [g.box.cy for g in column.glyphs]
    assert len(ys) == len(column.text) and ys == sorted(ys)
    assert column.glyphs[0].box.y0 < col.y0 + 15 and column.glyphs[-1].box.y1 > col.y1 - 15


@pytest.mark.model
def test_a_turned_clean_column_is_read(engine: OcrEngine) -> None:
    img, _, col = render_page(24, ["一"], column=COLUMN)
    assert col is not None
    line = Line("v", col.expand(6), vertical=True)
    strip, _ = vertical_strip(img, line, 48)
    assert strip.shape[0] == 48 and strip.shape[1] > 5 * 48
    (res,) = engine.recognize([strip])
    assert cer(res.text.replace(" ", ""), COLUMN) <= 0.15, res.text


