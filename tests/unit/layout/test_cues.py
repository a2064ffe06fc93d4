"""Page cues from pixels: reverse-video panels versus heavy type, picture boxes."""

from __future__ import annotations

import numpy as np

from digitize.layout.cues import analyse, find_inverted, ink_mask
from digitize.model import Box

EM = 30


def _page() -> np.ndarray:
    return np.full((400, 900), 235, np.uint8)


def test_a_dark_panel_with_light_text_is_reverse_video() -> None:
    img = _page()
    img[100:160, 100:420] = 25  # the panel
    for k in range(8):  # light glyphs inside it
        x = 120 + k * 36
        img[115:145, x : x + 28 : 3] = 235
        img[115:145:3, x : x + 28] = 235
    line = Box(112, 110, 410, 150)
    found = find_inverted(ink_mask(img), [line], EM)
    assert len(found) == 1
    assert found[0].x0 <= 101 and found[0].x1 >= 419 and found[0].y0 <= 101


def test_a_panel_with_a_blurred_fringe_is_reverse_video() -> None:
    """Blur and JPEG leave the outermost row and column of a label's panel a sparse
    fringe (a few pixels in five dark): the panel is still told by the full rows just
    inside it."""
    img = _page()
    img[100:160, 100:240] = 25
    for row in (100, 159):  # top and bottom rows: one pixel in five dark
        img[row, 100:240] = 235
        img[row, 100:240:5] = 25
    img[100:160, 100] = 235  # the left column too
    img[100:160:5, 100] = 25
    for k in range(3):
        x = 115 + k * 40
        img[112:148, x : x + 28 : 3] = 235
        img[112:148:3, x : x + 28] = 235
    line = Box(108, 108, 232, 152)
    found = find_inverted(ink_mask(img), [line], EM)
    assert len(found) == 1 and found[0].x0 <= 101 and found[0].y1 >= 159


def test_a_blob_open_along_one_side_is_not_reverse_video() -> None:
    """Bold headline lines set tight down a narrow column run together in the ink: the
    blob round one of them is dark down both sides (the glyphs' vertical strokes) and
    along the bottom, but its top is the gaps between the glyphs. A panel is dark on
    every side."""
    img = _page()
    img[100:160, 100:320] = 25
    img[100:104, 100:320] = 235  # the top: glyph tops with gaps between them
    for x in range(100, 320, 40):
        img[100:104, x : x + 6] = 25
    for k in range(5):
        x = 115 + k * 40
        img[112:148, x : x + 28 : 3] = 235
    line = Box(108, 108, 312, 152)
    assert find_inverted(ink_mask(img), [line], EM) == []


def test_heavy_type_run_together_is_not_reverse_video() -> None:
    """A fake-bold headline blurred into one dark blob fills most of its line box, yet
    its outline meets the box only at the glyphs' extremes."""
    img = _page()
    for k in range(8):  # heavy glyphs filling their cells but for the corners
        x = 120 + k * 36
        img[112:148, x : x + 36] = 25
        for cy, cx in ((112, x), (112, x + 25), (137, x), (137, x + 25)):
            img[cy : cy + 11, cx : cx + 11] = 235
    line = Box(120, 112, 408, 148)
    assert float(ink_mask(img)[112:148, 120:408].mean()) / 255 > 0.55
    assert find_inverted(ink_mask(img), [line], EM) == []


def test_a_column_rule_touching_a_picture_does_not_stretch_its_box() -> None:
    """Rules between the columns under a picture meet its bottom edge: solid with the
    picture, they are no rules to find_rules, and the picture's box must still end where
    the picture does, or the columns beside them are read as part of it and dropped."""
    img = np.full((1000, 900), 235, np.uint8)
    img[100:300, 100:800] = 70  # the picture, a dark halftone
    lines: list[Box] = []
    for x in (330, 570):  # column rules from the picture's bottom edge down
        img[300:950, x : x + 3] = 20
    for x0, x1 in ((100, 320), (345, 560), (585, 800)):  # three columns of text
        for y in range(320, 940, 45):
            for gx in range(x0, x1 - 25, 32):
                img[y : y + 28, gx : gx + 26 : 4] = 25
                img[y : y + 28 : 4, gx : gx + 26] = 25
            lines.append(Box(x0, y - 4, x1, y + 32))
    photos = analyse(img, lines, EM).photos
    assert len(photos) == 1
    p = photos[0]
    assert p.y1 <= 300 + EM, p  # not down over the columns
    assert p.y0 <= 105 and p.x0 <= 105 and p.x1 >= 795, p


def test_pictures_either_side_of_a_column_rule_stay_two() -> None:
    """Two pictures a third of an em either side of a column rule that runs down from the
    headline row: the rule touching them is still found (it keeps the two headlines over
    them apart), and the pictures are two, not one across the rule."""
    img = np.full((1000, 1000), 235, np.uint8)
    img[100:950, 497:503] = 20  # the column rule
    img[300:700, 100:494] = 70  # left picture, touching the rule
    img[350:750, 508:900] = 70  # right picture, five pixels off it (the rule runs past
    # both: within an em of one or the other over most of its length, it is no edge)
    cues = analyse(img, [], EM)
    left, right = sorted(cues.photos, key=lambda p: p.x0)
    assert left.x0 <= 105 and 490 <= left.x1 <= 497, left
    assert 503 <= right.x0 <= 513 and right.x1 >= 895, right
    (rule,) = [r.box for r in cues.rules]  # no picture edge taken for a rule
    assert rule.x0 <= 497 and rule.x1 >= 502 and rule.y0 <= 110 and rule.y1 >= 940


def test_a_pictures_thin_border_is_in_its_box() -> None:
    """A halftone with a one-pixel dark border around a mottled fill: rules are looked
    for outside the solid fill, so the border comes out as rules, cut out of the picture
    mask; the picture's box still reaches the border (a few pixels decided whether text
    set level with the picture's top counted as the tier a 上接 line opens)."""
    img = np.full((800, 900), 235, np.uint8)
    rng = np.random.default_rng(3)
    img[200:500, 100:700] = rng.choice(np.array([105, 150], np.uint8), size=(300, 600))
    img[200:202, 100:700] = img[498:500, 100:700] = 45
    img[200:500, 100:102] = img[200:500, 698:700] = 45
    (photo,) = analyse(img, [], EM).photos
    assert abs(photo.y0 - 200) <= 2 and abs(photo.x0 - 100) <= 2, photo
    assert abs(photo.y1 - 500) <= 2 and abs(photo.x1 - 700) <= 2, photo
