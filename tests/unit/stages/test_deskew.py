"""Skew estimation, the scan <-> page-frame transform, and orientation detection.

Pages are rendered here with a Noto CJK font: columns of horizontal lines under a rule,
or vertical columns (as in older papers), then rotated like a skewed scan.
"""

from __future__ import annotations

from collections.abc import Callable

import cv2
import numpy as np
import pytest
from deskew_pages import render_page, skew_scan

from digitize.model import Image
from digitize.stages.deskew import (
    _pick_orientation,
    apply_transform,
    deskew,
    detect_orientation,
    estimate_skew,
    page_transform,
    sample_characters,
)


@pytest.fixture(scope="module")
def horizontal() -> Image:
    return render_page()


@pytest.fixture(scope="module")
def vertical() -> Image:
    return render_page(vertical=True)


# --------------------------------------------------------------------------- skew

ANGLES = [-10.0, -3.3, -0.6, 0.0, 0.4, 2.7, 9.5]


@pytest.mark.parametrize("angle", ANGLES)
def test_skew_horizontal_lines(horizontal: Image, angle: float) -> None:
    assert estimate_skew(skew_scan(horizontal, angle)) == pytest.approx(angle, abs=0.1)


@pytest.mark.parametrize("angle", [-7.2, -0.6, 1.9])
def test_skew_vertical_columns(vertical: Image, angle: float) -> None:
    assert estimate_skew(skew_scan(vertical, angle)) == pytest.approx(angle, abs=0.1)


@pytest.mark.parametrize("angle", [0.5, -2.0])
def test_skew_ignores_scanner_bed_edges(horizontal: Image, angle: float) -> None:
    """Dark bands along the scan's edges are straight in the scan's frame, not the page's."""
    scan = skew_scan(horizontal, angle)
    scan[:60] = 10
    scan[:, -80:] = 10
    assert estimate_skew(scan) == pytest.approx(angle, abs=0.03)


def test_skew_of_blank_and_colour_pages(horizontal: Image) -> None:
    assert estimate_skew(np.full((800, 600), 250, np.uint8)) == 0.0
    bgr = np.asarray(cv2.cvtColor(skew_scan(horizontal, 1.5), cv2.COLOR_GRAY2BGR), np.uint8)
    assert estimate_skew(bgr) == pytest.approx(1.5, abs=0.1)


def _marker_centre(image: Image) -> tuple[float, float]:
    """Centre (continuous coordinates) of the one 50-px black square on the page."""
    ink = cv2.threshold(image, 60, 255, cv2.THRESH_BINARY_INV)[1]
    n, _, stats, cents = cv2.connectedComponentsWithStats(ink)
    found = [
        i
        for i in range(1, n)
        if 45 <= stats[i, cv2.CC_STAT_WIDTH] <= 60
        and 45 <= stats[i, cv2.CC_STAT_HEIGHT] <= 60
        and stats[i, cv2.CC_STAT_AREA] > 2000
    ]
    assert len(found) == 1
    return float(cents[found[0]][0]) + 0.5, float(cents[found[0]][1]) + 0.5


def test_deskew_straightens_and_maps_back(horizontal: Image) -> None:
    page = horizontal.copy()
    page[700:750, 400:450] = 0  # a marker to follow through the transform
    scan = skew_scan(page, 4.0)
    straight, tf = deskew(scan)
    assert tf.skew_deg == pytest.approx(4.0, abs=0.1) and tf.quarter_turns == 0
    assert straight.shape == (tf.page_height, tf.page_width)
    # The canvas grows so that the scan's corners stay inside the page frame.
    assert tf.page_width > 1200 and tf.page_height > 1600
    for x, y in tf.to_page([(0, 0), (1200, 0), (1200, 1600), (0, 1600)]):
        assert -0.5 <= x <= tf.page_width + 0.5 and -0.5 <= y <= tf.page_height + 0.5
    assert abs(estimate_skew(straight)) < 0.1
    # The marker in the page frame maps back onto the marker in the scan.
    sx, sy = tf.to_scan([_marker_centre(straight)])[0]
    mx, my = _marker_centre(scan)
    assert sx == pytest.approx(mx, abs=1.0) and sy == pytest.approx(my, abs=1.0)


@pytest.mark.parametrize("turns", [0, 1, 2, 3])
@pytest.mark.parametrize("skew", [0.0, -0.63, 7.5])
def test_transform_round_trip(turns: int, skew: float) -> None:
    tf = page_transform(2520, 3620, skew, turns)
    assert tf.rotation_deg == pytest.approx((skew + 90 * turns) % 360)
    pts = [(0.0, 0.0), (2519.5, 10.25), (1260.0, 1810.0), (3.0, 3619.0), (2600.0, -40.0)]
    back = tf.to_scan(tf.to_page(pts))
    np.testing.assert_allclose(back, pts, atol=1e-6)
    page_pts = [(0.0, 0.0), (100.5, 2000.25), (tf.page_width, tf.page_height)]
    np.testing.assert_allclose(tf.to_page(tf.to_scan(page_pts)), page_pts, atol=1e-6)
    # The scan's centre stays in the page's centre.
    cx, cy = tf.to_page([(1260.0, 1810.0)])[0]
    assert (cx, cy) == pytest.approx((tf.page_width / 2, tf.page_height / 2))


@pytest.mark.parametrize("turns", [1, 2, 3])
def test_quarter_turns_are_exact(turns: int) -> None:
    scan = np.random.default_rng(turns).integers(0, 255, (30, 50), dtype=np.uint8)
    tf = page_transform(50, 30, 0.0, turns)
    page = apply_transform(scan, tf)
    # Content turned counter-clockwise by `turns` in the scan is turned back clockwise.
    np.testing.assert_array_equal(page, np.rot90(scan, -turns))
    assert page.shape == (tf.page_height, tf.page_width)
    for x, y in ((0, 0), (49, 0), (13, 29), (7, 11)):
        px, py = tf.to_page([(x + 0.5, y + 0.5)])[0]
        assert page[int(py), int(px)] == scan[y, x]


def test_tiny_skew_is_not_resampled(horizontal: Image) -> None:
    straight, tf = deskew(horizontal, skew_deg=0.01)
    assert tf.skew_deg == 0.0
    np.testing.assert_array_equal(straight, horizontal)


# --------------------------------------------------------------------------- orientation


def _template_scorer(
    upright: Image, *, reads_ccw: bool = False
) -> Callable[[list[Image]], list[float]]:
    """A stand-in recognizer: how well each 48-px cell of a line matches an upright glyph
    cut from the upright page. With `reads_ccw` it also accepts glyphs turned 90°
    counter-clockwise, as PP-OCR models (trained on turned vertical columns) do.
    """
    refs = np.stack(sample_characters(upright, count=400)).astype(np.float32)
    refs -= refs.mean(axis=(1, 2), keepdims=True)
    refs /= np.linalg.norm(refs, axis=(1, 2), keepdims=True) + 1e-6

    def match(cell: Image) -> float:
        c = cell.astype(np.float32) - cell.mean()
        c /= np.linalg.norm(c) + 1e-6
        return float(np.max(np.einsum("kij,ij->k", refs, c)))

    def score(lines: list[Image]) -> list[float]:
        out = []
        for line in lines:
            cells = [line[:, i : i + 48] for i in range(0, line.shape[1], 48)]
            vals = [
                max(match(c), match(np.ascontiguousarray(np.rot90(c, -1))))
                if reads_ccw
                else match(c)
                for c in cells
            ]
            out.append(float(np.mean(vals)))
        return out

    return score


def test_no_scorer_trusts_the_scan(horizontal: Image) -> None:
    assert detect_orientation(np.rot90(horizontal, 1), None) == 0


@pytest.mark.parametrize(
    ("scores", "expected"),
    [
        ([0.95, 0.3, 0.2, 0.3], 0),  # one clear winner
        ([0.3, 0.2, 0.94, 0.3], 2),
        ([0.97, 0.3, 0.2, 0.96], 0),  # PP-OCR: upright and its ccw neighbour read well
        ([0.97, 0.96, 0.2, 0.3], 1),
        ([0.2, 0.95, 0.96, 0.3], 2),
        ([0.2, 0.3, 0.95, 0.96], 3),
        ([0.9, 0.2, 0.9, 0.2], 0),  # ambiguous: keep the scan
        ([0.1, 0.2, 0.15, 0.1], 0),  # nothing reads
    ],
)
def test_pick_orientation(scores: list[float], expected: int) -> None:
    assert _pick_orientation(scores) == expected


@pytest.mark.parametrize("reads_ccw", [False, True])
@pytest.mark.parametrize("turns", [0, 1, 2, 3])
def test_orientation_with_stand_in_recognizer(
    horizontal: Image, vertical: Image, turns: int, reads_ccw: bool
) -> None:
    for upright in (horizontal, vertical):
        scorer = _template_scorer(upright, reads_ccw=reads_ccw)
        scan = np.ascontiguousarray(np.rot90(skew_scan(upright, 1.2), turns))
        assert detect_orientation(scan, scorer) == turns


def test_vertical_columns_are_not_a_turned_page(vertical: Image) -> None:
    """Line direction says 'turned'; the characters say upright."""
    calls: list[int] = []
    base = _template_scorer(vertical, reads_ccw=True)

    def scorer(lines: list[Image]) -> list[float]:
        calls.append(len(lines))
        return base(lines)

    assert detect_orientation(vertical, scorer) == 0
    assert calls == [8]  # readings 0 and 1 in one batch settle an upright page


def test_orientation_then_deskew_gives_upright_page(horizontal: Image) -> None:
    scan = np.ascontiguousarray(np.rot90(skew_scan(horizontal, -2.0), 1))
    turns = detect_orientation(scan, _template_scorer(horizontal))
    straight, tf = deskew(scan, quarter_turns=turns)
    assert tf.quarter_turns == 1 and tf.skew_deg == pytest.approx(-2.0, abs=0.1)
    assert straight.shape[0] > straight.shape[1]  # portrait again
    assert tf.rotation_deg == pytest.approx(88.0, abs=0.1)
    # Upright again: the rule sits near the top of the page frame.
    rows = (straight < 80).sum(axis=1)
    assert 50 < int(np.argmax(rows)) < 120


@pytest.mark.parametrize("turns", [1, 2, 3])
def test_deskew_with_scorer_turns_the_straightened_page(horizontal: Image, turns: int) -> None:
    scan = np.ascontiguousarray(np.rot90(skew_scan(horizontal, 3.1), turns))
    page, tf = deskew(scan, read_score=_template_scorer(horizontal))
    assert tf.quarter_turns == turns and tf.skew_deg == pytest.approx(3.1, abs=0.1)
    # The same page as one warp with the turns included (OpenCV quantises sample
    # positions to 1/32 px, so edges differ by a few levels), and the same transform.
    direct, tf2 = deskew(scan, quarter_turns=turns, skew_deg=tf.skew_deg)
    assert tf2 == tf
    assert direct.shape == page.shape
    diff = np.abs(direct.astype(int) - page)
    assert diff.mean() < 0.05 and np.percentile(diff, 99.9) <= 4
    assert np.abs(direct[1:].astype(int) - page[:-1]).mean() > 5  # a 1-px shift shows
