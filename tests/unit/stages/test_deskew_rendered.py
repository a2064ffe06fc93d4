"""Skew of rendered newspaper pages (digitize.synth), swept over skews.

Regression for page 6 of the end-to-end jumps issue (150 dpi): two modules side by side
with line grids out of phase, two framed modules below. The plain sum of squares of the
row profile lined the two modules' lines up at -0.84° on the straight page, and a
binary ink mask drew tilted pages towards 0° (pixel-grid staircases look level).
"""

from __future__ import annotations

import dataclasses
from functools import cache

import cv2
import numpy as np
import pytest
from issue_specs import jumps_issue

from digitize.model import Image
from digitize.stages.deskew import _ink_points, deskew, estimate_skew
from digitize.synth.layouts import grid_page, multi_page_jumps, sample_issue, vertical_page
from digitize.synth.render import IssueSpec, build_issue

SKEWS = (0.0, 0.3, -0.3, 1.5, -1.5, 3.0, -3.0)
TOLERANCE = 0.1  # degrees


LAYOUTS: dict[str, IssueSpec] = {
    "grid3": grid_page(3, dpi=150),
    "grid3-seed1": grid_page(3, seed=1, dpi=150),  # was drawn to 0° from ±0.3°
    "grid4": grid_page(4, dpi=150),
    "grid5": grid_page(5, dpi=150),
    "grid6": grid_page(6, dpi=150),
    "sample_issue": sample_issue(),  # 200 dpi, photos, notice frame, vertical headline
    "multi_page_jumps": multi_page_jumps(),
    "vertical_page": vertical_page(dpi=150),
    "e2e-page-6": jumps_issue(),
}


@cache
def _straight_pages(name: str) -> tuple[tuple[Image, float], ...]:
    """The layout's pages rendered without skew, each with its paper level."""
    spec = LAYOUTS[name]
    straight = tuple(dataclasses.replace(p, skew_deg=0.0) for p in spec.pages)
    images = build_issue(dataclasses.replace(spec, pages=straight)).images
    pages = tuple((img, p.degradation.paper) for img, p in zip(images, straight, strict=True))
    return pages[-1:] if name == "e2e-page-6" else pages


def _skewed(page: Image, skew_deg: float, paper: float) -> Image:
    """The page turned as digitize.synth turns a skewed page (about its centre, same size)."""
    if skew_deg == 0.0:
        return page
    h, w = page.shape
    m = cv2.getRotationMatrix2D((w / 2, h / 2), skew_deg, 1.0)
    out = cv2.warpAffine(page, m, (w, h), flags=cv2.INTER_LINEAR, borderValue=(paper,))
    return np.asarray(out, dtype=np.uint8)


@cache
def _bug_page(skew_deg: float = 0.0) -> Image:
    return build_issue(jumps_issue(skew_deg=skew_deg)).images[2]


def test_straight_page_stays_straight() -> None:
    """Page 6 as reported: rendered with zero skew, it must not be turned."""
    page = _bug_page()
    assert abs(estimate_skew(page)) <= 0.05
    straight, tf = deskew(page)
    assert abs(tf.skew_deg) <= 0.05
    assert straight.shape[0] <= page.shape[0] + 2 and straight.shape[1] <= page.shape[1] + 2


@pytest.mark.parametrize("skew", [0.3, -1.5])
def test_skewed_bug_page_from_renderer(skew: float) -> None:
    """The same page skewed by the renderer itself (rotation before its degradations)."""
    assert estimate_skew(_bug_page(skew)) == pytest.approx(skew, abs=0.05)


@pytest.mark.parametrize("name", list(LAYOUTS))
def test_skew_sweep(name: str) -> None:
    errors: list[tuple[int, float, float]] = []
    for k, (page, paper) in enumerate(_straight_pages(name)):
        for skew in SKEWS:
            errors.append((k, skew, estimate_skew(_skewed(page, skew, paper)) - skew))
    worst = max(errors, key=lambda e: abs(e[2]))
    assert abs(worst[2]) <= TOLERANCE, f"page {worst[0]} at {worst[1]}°: off by {worst[2]:+.3f}°"


def test_long_rules_count_and_scanner_bed_does_not() -> None:
    """A rule across the whole straight page is evidence (it used to be taken for a bed
    edge); the edge of a dark band along the scan's border is not."""
    page = np.full((1200, 900), 250, np.uint8)
    page[600:603, 20:880] = 20  # a rule across 95% of the width
    page[:, 820:] = 15  # a dark scanner bed along the right edge
    xs, ys, weight = _ink_points(page, 1800)
    x = xs + (900 - 1) / 2
    y = ys + (1200 - 1) / 2
    on_rule = (np.abs(y - 601) <= 2) & (x < 780)
    assert weight[on_rule].sum() > 0.9 * 3 * 760
    assert not np.any((x > 790) & (np.abs(y - 601) > 3))
