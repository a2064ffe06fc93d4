"""Web-resolution pages: body text about 10 px (100 dpi), through the real stages.

detect enlarges the page so the detector sees ~22 px characters; recognize cuts each
line from the full-resolution page and brings it to the recognizer's 48 px height.
"""

from __future__ import annotations

from digitize.stages.detect import detection_scale, estimate_em
from digitize.synth import build_issue, grid_page


def test_small_text_is_measured_and_enlarged() -> None:
    iss = build_issue(grid_page(4, seed=1, body_px=10, width=850, height=1200))
    img = iss.images[0]
    em = estimate_em(img)
    assert em is not None and 8 <= em <= 12.5
    assert detection_scale(em, img.shape[1], img.shape[0]) >= 1.8


