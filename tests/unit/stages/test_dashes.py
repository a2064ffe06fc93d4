"""A 破折号 opening a subtitle or closing a kicker is found in the ink, whatever the
recognizer made of it (read as 一, as one dash, or dropped)."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image as PILImage
from PIL import ImageDraw, ImageFont

from digitize.engines.base import Recognition
from digitize.layout.column import dash_ends, extent, ink_mask
from digitize.model import Box, Line
from digitize.stages.recognize import _Plan, horizontal_crop, with_dashes

FONTS = [
    ("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc", 0),
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 0),
    ("/usr/share/fonts/opentype/noto/NotoSerifCJK-Bold.ttc", 0),
    ("/usr/share/fonts/truetype/arphic/uming.ttc", 0),
    ("/usr/share/fonts/truetype/arphic/ukai.ttc", 0),
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
]


def _band(text: str, font: tuple[str, int], em: int) -> tuple[np.ndarray, float]:
    face = ImageFont.truetype(font[0], em, index=font[1])
    img = PILImage.new("L", (int(face.getlength(text)) + 2 * em, 2 * em), 255)
    ImageDraw.Draw(img).text((em, em // 2), text, font=face, fill=0)
    ink = ink_mask(np.asarray(img))
    rows = extent(ink.sum(axis=1) > 0)
    assert rows is not None
    band = ink[rows[0] : rows[1]]
    return band, (rows[1] - rows[0]) / 0.9


@pytest.mark.parametrize("font", FONTS, ids=lambda f: f[0].rsplit("/", 1)[-1])
@pytest.mark.parametrize("em", [20, 36])
def test_dash_found_at_either_end(font: tuple[str, int], em: int) -> None:
    band, size = _band("——排查隐患114处", font, em)
    lead, trail = dash_ends(band, size)
    assert lead is not None and trail is None
    assert 1.5 * em <= lead[1] - lead[0] <= 2.2 * em
    band, size = _band("区领导督查重点项目时强调——", font, em)
    assert dash_ends(band, size)[0] is None and dash_ends(band, size)[1] is not None


@pytest.mark.parametrize("font", FONTS, ids=lambda f: f[0].rsplit("/", 1)[-1])
def test_no_dash_in_running_text(font: tuple[str, int]) -> None:
    """一 opens and closes lines of text; alone it is under an em, and 一一 never opens one."""
    for text in ("一季度产值同比增长", "本报讯 记者从区市场监管局获悉", "区里统一", "一二三四五六"):
        band, size = _band(text, font, 28)
        assert dash_ends(band, size) == (None, None), text


def test_a_rule_is_not_a_dash() -> None:
    band = np.zeros((30, 400), dtype=bool)
    band[14:17, 10:390] = True
    assert dash_ends(band, 33.0) == (None, None)


def _plan(lead: tuple[float, float] | None, trail: tuple[float, float] | None) -> _Plan:
    line = Line("l", Box(0, 0, 1000, 30))
    return _Plan(line, 0.0, 1000.0, 30.0, (0.0, 30.0), [], [], lead_dash=lead, trail_dash=trail)


def _res(text: str, positions: list[float]) -> Recognition:
    return Recognition(text, 0.8, [0.9] * len(text), positions)


def test_dash_read_as_yi_or_dropped_becomes_two_dashes() -> None:
    lead = (100.0, 160.0)
    misread = with_dashes(_plan(lead, None), _res("一排查", [0.13, 0.18, 0.21]))
    assert misread.text == "——排查"
    assert misread.char_positions is not None
    assert misread.char_positions[:2] == pytest.approx([0.115, 0.145])
    assert with_dashes(_plan(lead, None), _res("排查", [0.18, 0.21])).text == "——排查"
    assert with_dashes(_plan(lead, None), _res("—排查", [0.12, 0.18, 0.21])).text == "——排查"
    kicker = with_dashes(_plan(None, (240.0, 300.0)), _res("强调一", [0.18, 0.21, 0.27]))
    assert kicker.text == "强调——"


def test_reads_other_than_dashes_are_kept() -> None:
    lead = (100.0, 160.0)
    read = _res("——排查", [0.115, 0.145, 0.18])
    assert with_dashes(_plan(lead, None), read).text == "——排查"
    other = _res("二排查", [0.13, 0.18, 0.21])  # something else read at the stroke
    assert with_dashes(_plan(lead, None), other) is other
    plain = _res("排查", [0.18, 0.21])
    assert with_dashes(_plan(None, None), plain) is plain


def test_crop_plan_carries_the_dash() -> None:
    face = ImageFont.truetype(FONTS[0][0], 30)
    img = PILImage.new("L", (600, 60), 255)
    ImageDraw.Draw(img).text((20, 15), "——全年目标任务提前完成", font=face, fill=0)
    line = Line("l", Box(10, 8, 590, 52))
    _, plan = horizontal_crop(np.asarray(img), line, 48)
    assert plan.lead_dash is not None and plan.trail_dash is None
    assert abs(plan.lead_dash[0] - 20) <= 4 and 65 <= plan.lead_dash[1] <= 85


def test_dash_cut_by_the_line_box_is_followed_beyond_it() -> None:
    """Detector boxes stop short of a thin stroke's end (corpus: a subtitle's box began
    0.8 em into its dash, and the recognizer read the rest as 一)."""
    face = ImageFont.truetype(FONTS[0][0], 30)
    img = PILImage.new("L", (600, 60), 255)
    ImageDraw.Draw(img).text((60, 15), "——全年目标任务提前完成", font=face, fill=0)
    line = Line("l", Box(85, 8, 590, 52))
    _, plan = horizontal_crop(np.asarray(img), line, 48)
    assert plan.lead_dash is not None and abs(plan.lead_dash[0] - 60) <= 4
    # A neighbour's text an em to the left is no dash.
    ImageDraw.Draw(img).text((0, 15), "的", font=face, fill=0)
    _, plan = horizontal_crop(np.asarray(img), line, 48)
    assert plan.lead_dash is not None and abs(plan.lead_dash[0] - 60) <= 4


def test_one_ten_read_as_such_is_kept() -> None:
    """一 and the left arm of 十 make one stroke at one height, as long as a dash; the
    recognizer's reading of 十 there keeps the line as read."""
    face = ImageFont.truetype(FONTS[0][0], 30)
    img = PILImage.new("L", (400, 60), 255)
    ImageDraw.Draw(img).text((20, 15), "一十五分钟", font=face, fill=0)
    line = Line("l", Box(15, 8, 190, 52))
    _, plan = horizontal_crop(np.asarray(img), line, 48)
    centres = [35.0, 65.0, 95.0, 125.0, 155.0]
    read = _res("一十五分钟", [(c - plan.x0) / plan.width for c in centres])
    assert with_dashes(plan, read) is read
