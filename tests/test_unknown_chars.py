"""Characters outside the recognizer's dictionary are reported as 〓, not silently dropped.

埞, 撧 and 熎 are in the CJK Unified block, drawn by AR PL UMing, and absent from the
PP-OCRv6 dictionary; in these lines PP-OCRv6 reads past them as if the page had nothing
there. (Most characters outside the dictionary are read as a look-alike instead, 狵 as
狍: that cannot be seen from the image and is not reported.)
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image as PILImage
from PIL import ImageDraw

from digitize import engines
from digitize.engines.base import OcrEngine, Recognition
from digitize.model import UNREAD, Box, Glyph, Line, Page, Transform
from digitize.stages.recognize import _Plan, recognize, with_unread
from digitize.synth.render import _font, has_glyph

PX = 32
PITCH = 1.1  # column pitch in em
TEXT = "今日天氣晴朗{}我們去公園散步"


@pytest.fixture(scope="module")
def engine() -> OcrEngine:
    return engines.create(engines.DEFAULT_ENGINE, threads=2, preset="accurate")


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


def _plan(solid: list[tuple[float, float]]) -> _Plan:
    line = Line("l", Box(0, 0, 1000, 30))
    return _Plan(line, 0.0, 1000.0, 30.0, (0.0, 30.0), [], [], solid=solid)


def _res(text: str, positions: list[float]) -> Recognition:
    return Recognition(text, 0.9, [0.9] * len(text), positions)


# Five character-sized pieces at 100, 133, ..., 232 px along a 1000 px line, em 30 px.
PIECES = [(100.0 + 33 * i - 14, 100.0 + 33 * i + 14) for i in range(5)]


def test_with_unread_inserts_at_the_unread_piece() -> None:
    res = _res("甲乙 丁戊", [0.100, 0.133, 0.15, 0.199, 0.232])
    out = with_unread(_plan(PIECES), res)
    assert out.text == "甲乙 〓丁戊"
    assert out.char_confidences[3] == 0.0
    assert out.char_positions is not None and abs(out.char_positions[3] - 0.166) < 1e-9


def test_with_unread_leaves_read_lines_and_failed_reads_alone() -> None:
    full = _res("甲乙丙丁戊", [0.100, 0.133, 0.166, 0.199, 0.232])
    assert with_unread(_plan(PIECES), full) is full
    # Half a character off (a mis-cut piece of a read character) is not a new one.
    near = _res("甲乙丙丁", [0.100, 0.133, 0.180, 0.232])
    assert with_unread(_plan(PIECES), near) is near
    # Most of the ink unread: the read failed; no 〓 for the whole line.
    failed = _res("甲戊", [0.100, 0.232])
    assert with_unread(_plan(PIECES), failed) is failed
    assert with_unread(_plan(PIECES), _res("", [])).text == ""


def test_unread_cell_holding_a_mark_is_the_mark() -> None:
    """A character-sized cell that holds a column mark (a worn 、 cut together with part
    of the next character), or a mark-like blob, gets no 〓: the mark went unread."""
    res = _res("甲乙 丁戊", [0.100, 0.133, 0.15, 0.199, 0.232])
    marked = _plan(PIECES)
    marked.marks = [(154.0, 163.0)]
    assert with_unread(marked, res) is res
    blob = _plan(PIECES)
    blob.blobs = [PIECES[2]]
    assert with_unread(blob, res) is res


def test_page_counts_only_unread_glyphs() -> None:
    line = Line("l", Box(0, 0, 90, 30), text="〓甲〓")
    line.glyphs = [
        Glyph(Box(0, 0, 30, 30), UNREAD, 0.0),
        Glyph(Box(30, 0, 60, 30), "甲", 0.9),
        Glyph(Box(60, 0, 90, 30), UNREAD, 0.8),  # a 〓 printed on the page and read
    ]
    page = Page(1, Path("p.png"), "p", Transform.identity(90, 30), lines=[line])
    assert page.unread_chars == 1
