"""detect_lines + recognize on small pages rendered here, with the default engine."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from line_pages import BODY, render_page

from digitize.engines.base import DetectedLine
from digitize.layout.column import column_cells
from digitize.layout.vertical import COLUMN_PER_EM
from digitize.model import Box, Glyph, Page, Transform
from digitize.stages.detect import detect_lines, detection_scale, estimate_em
from digitize.text.correct import normalize_punctuation


def test_scale_follows_text_size() -> None:
    small, _, _ = render_page(10, BODY[:3])
    large, _, _ = render_page(48, BODY[:3])
    em_small, em_large = estimate_em(small), estimate_em(large)
    assert em_small is not None and 8 <= em_small <= 12.5
    assert em_large is not None and 40 <= em_large <= 56
    assert detection_scale(em_small, *small.shape[::-1]) > 1.6  # 10 px text is enlarged
    assert detection_scale(em_large, *large.shape[::-1]) < 0.6  # 400 dpi-like text shrunk
    assert detection_scale(None, 8000, 8000) <= 0.5


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


class _BoxEngine:
    """Reports given boxes (page pixels) as detections, scaled to the image it is shown."""

    def __init__(self, boxes: list[Box], width: int) -> None:
        self.boxes, self.width = boxes, width

    def detect(self, image: np.ndarray) -> list[DetectedLine]:
        s = image.shape[1] / self.width
        return [
            DetectedLine(
                [
                    (b.x0 * s, b.y0 * s),
                    (b.x1 * s, b.y0 * s),
                    (b.x1 * s, b.y1 * s),
                    (b.x0 * s, b.y1 * s),
                ],
                0.9,
            )
            for b in self.boxes
        ]


def test_a_column_page_with_a_module_of_rows_takes_its_em_from_the_columns() -> None:
    """Forty-eight short horizontal rows set among sixty columns: the columns still carry
    most of the text, so the body em is the columns' (not the rows' larger type)."""
    img = np.full((1700, 1400), 240, np.uint8)
    boxes = []
    for k in range(48):  # rows: boxes 45 px tall, ink 32 px
        x0, y0 = 60 + (k // 12) * 330, 60 + (k % 12) * 50
        img[y0 + 6 : y0 + 38, x0 + 4 : x0 + 296] = 30
        boxes.append(Box(x0, y0, x0 + 300, y0 + 45))
    for k in range(60):  # columns: boxes 30 px wide, ink 21 px
        x0, y0 = 1340 - (k % 20) * 64, 700 + (k // 20) * 320
        img[y0 + 4 : y0 + 296, x0 + 4 : x0 + 25] = 30
        boxes.append(Box(x0, y0, x0 + 30, y0 + 300))
    page = Page(
        number=1, file=Path("p.png"), stem="p", image=img, transform=Transform.identity(1400, 1700)
    )
    detect_lines(page, _BoxEngine(boxes, 1400))  # type: ignore[arg-type]
    assert page.text_height is not None
    assert abs(page.text_height - 30 / COLUMN_PER_EM) < 2.5
