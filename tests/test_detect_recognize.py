"""detect_lines + recognize on small pages rendered here, with the default engine."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image as PILImage
from PIL import ImageDraw, ImageFont

from digitize import engines
from digitize.engines.base import OcrEngine
from digitize.layout.column import column_cells
from digitize.model import Box, Glyph, Line, Page, Region, RegionType, Transform
from digitize.stages.detect import detect_lines, detection_scale, estimate_em
from digitize.stages.recognize import recognize, vertical_strip
from digitize.text.correct import normalize_punctuation
from ocr_samples import SERIF, cer

UMING = "/usr/share/fonts/truetype/arphic/uming.ttc"

BODY = [
    "金坛区重点项目推进会在我区举行",
    "2019年12月18日，全区经济工作会议召开",
    "会议强调，要突出重大项目引领作用",
    "抢抓机遇接续奋斗，推动高质量发展",
]
COLUMN = "臺灣經濟發展與兩岸關係回顧"


def render_page(
    em: int, lines: list[str], *, column: str | None = None
) -> tuple[np.ndarray, list[Box], Box | None]:
    """A white page with horizontal lines (1.6 em apart) and optionally a vertical column
    on the right; returns the image and the ink boxes of what was drawn."""
    face = ImageFont.truetype(SERIF, em)
    width = int(max(face.getlength(t) for t in lines)) + 4 * em
    height = int(len(lines) * 1.6 * em) + 4 * em
    col_box = None
    if column:
        height = max(height, int(len(column) * 1.1 * em) + 4 * em)
        width += 3 * em
    img = PILImage.new("L", (width, height), 255)
    draw = ImageDraw.Draw(img)
    boxes = []
    for k, text in enumerate(lines):
        xy = (em, int(em * (1 + 1.6 * k)))
        draw.text(xy, text, font=face, fill=0)
        boxes.append(Box(*draw.textbbox(xy, text, font=face)))
    if column:
        cface = ImageFont.truetype(UMING, em)
        x = width - 2 * em
        cells = []
        for i, ch in enumerate(column):
            xy = (x, int(em * (1 + 1.1 * i)))
            draw.text(xy, ch, font=cface, fill=0)
            cells.append(Box(*draw.textbbox(xy, ch, font=cface)))
        col_box = Box.hull(cells)
    return np.asarray(img), boxes, col_box


def make_page(img: np.ndarray) -> Page:
    h, w = img.shape
    return Page(1, Path("t.png"), "t", Transform.identity(w, h), image=img)


def iou(a: Box, b: Box) -> float:
    inter = a.intersection(b)
    if inter is None:
        return 0.0
    return inter.area / (a.area + b.area - inter.area)


@pytest.fixture(scope="module")
def engine() -> OcrEngine:
    return engines.create(engines.DEFAULT_ENGINE, threads=2, preset="accurate")


def test_scale_follows_text_size() -> None:
    small, _, _ = render_page(10, BODY[:3])
    large, _, _ = render_page(48, BODY[:3])
    em_small, em_large = estimate_em(small), estimate_em(large)
    assert em_small is not None and 8 <= em_small <= 12.5
    assert em_large is not None and 40 <= em_large <= 56
    assert detection_scale(em_small, *small.shape[::-1]) > 1.6  # 10 px text is enlarged
    assert detection_scale(em_large, *large.shape[::-1]) < 0.6  # 400 dpi-like text shrunk
    assert detection_scale(None, 8000, 8000) <= 0.5


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


def test_column_cells_keep_split_characters_whole() -> None:
    img, _, col = render_page(30, ["一"], column="一二三小川三二一")
    assert col is not None
    b = col.expand(4)
    crop = img[int(b.y0) : int(b.y1), int(b.x0) : int(b.x1)]
    cells = column_cells(crop < 128)
    assert len(cells) == 8
    pitch = np.diff([(a + z) / 2 for a, z in cells])
    assert np.all(np.abs(pitch - 33) < 8)  # drawn on a 33 px pitch


def test_punctuation_normalisation() -> None:
    def glyphs(text: str) -> list[Glyph]:
        return [Glyph(Box(i * 10, 0, i * 10 + 10, 10), c, 0.9) for i, c in enumerate(text)]

    out = normalize_punctuation(glyphs("强调—(下转第四版):10:30,1,000"))
    text = "".join(g.text for g in out)
    assert text == "强调——（下转第四版）：10:30,1,000"
    dash = [g for g in out if g.text == "—"]
    assert dash[0].box.x1 == dash[1].box.x0  # one box split in two
    assert "".join(g.text for g in normalize_punctuation(glyphs("2016—2020"))) == "2016—2020"
