"""A character missing from the recognizer's dictionary becomes the geta mark (〓) with
confidence 0 at its place in the line, never a guess; known text gets none."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image as PILImage
from PIL import ImageDraw

from digitize.engines.base import OcrEngine
from digitize.model import UNREAD, Box, Line, Page, Transform
from digitize.stages.recognize import recognize
from digitize.synth.render import _font, has_glyph

PITCH = 1.1  # column pitch in em


PX = 32


TEXT = "今日天氣晴朗{}我們去公園散步"


def _render(text: str, *, vertical: bool) -> tuple[Page, list[float]]:
    """A page holding one line of `text` (UMing), and each character's centre along it."""
    font = _font("uming_tw", PX)
    n = len(text)
    size = (3 * PX, int(PX * PITCH * n) + 4 * PX)
    w, h = size if vertical else size[::-1]
    im = PILImage.new("L", (w, h), 255)
    draw = ImageDraw.Draw(im)
    centres = []
    for i, ch in enumerate(text):
        along = 2 * PX + i * PX * PITCH
        draw.text((PX, along) if vertical else (along, PX), ch, font=font, fill=0)
        centres.append(along + PX / 2)
    box = (
        Box(0.8 * PX, 2 * PX - 4, 2.2 * PX, h - 2 * PX + 4)
        if vertical
        else Box(2 * PX - 4, 0.8 * PX, w - 2 * PX + 4, 2.2 * PX)
    )
    line = Line("l1", box, vertical=vertical)
    page = Page(1, Path("p.png"), "p", Transform.identity(w, h), image=np.asarray(im), lines=[line])
    return page, centres



@pytest.mark.model
@pytest.mark.parametrize("vertical", [True, False])
@pytest.mark.parametrize("unknown", ["埞", "撧", "熎"])
def test_unknown_character_becomes_geta_mark(
    engine: OcrEngine, vertical: bool, unknown: str
) -> None:
    assert has_glyph("uming_tw", unknown)
    chars = getattr(engine, "_chars", None)
    if chars is not None:
        assert unknown not in chars
    page, centres = _render(TEXT.format(unknown), vertical=vertical)
    recognize(page, engine)
    line = page.lines[0]
    assert line.text == TEXT.format(UNREAD)
    assert page.unread_chars == 1
    k = line.text.index(UNREAD)
    g = line.glyphs[k]
    assert g.text == UNREAD and g.confidence == 0.0
    assert abs((g.box.cy if vertical else g.box.cx) - centres[6]) < 0.3 * PX


@pytest.mark.model
@pytest.mark.parametrize("vertical", [True, False])
def test_known_text_gets_no_geta_mark(engine: OcrEngine, vertical: bool) -> None:
    page, _ = _render(TEXT.format("的"), vertical=vertical)
    recognize(page, engine)
    assert page.lines[0].text == TEXT.format("的")
    assert page.unread_chars == 0


