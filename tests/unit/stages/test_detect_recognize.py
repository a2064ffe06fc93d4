"""detect_lines + recognize on small pages rendered here, with the default engine."""

from __future__ import annotations

import numpy as np
from line_pages import BODY, render_page

from digitize.layout.column import column_cells
from digitize.model import Box, Glyph
from digitize.stages.detect import detection_scale, estimate_em
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
