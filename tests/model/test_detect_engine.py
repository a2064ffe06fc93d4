"""The rapidocr engine's page pass: its grey path gives rapidocr's own TextDetector boxes,
and bands stitch into the boxes of one pass."""

from __future__ import annotations

import numpy as np
import pytest

from digitize import engines
from digitize.engines._common import to_bgr
from digitize.engines.rapid import RapidOcrEngine
from digitize.synth import build_issue, grid_page


@pytest.mark.model
def test_grey_detection_equals_rapidocr_text_detector(threads: int) -> None:
    engine = engines.create("rapidocr", threads=threads, preset="accurate")
    assert isinstance(engine, RapidOcrEngine)
    engine.tile = 1 << 16  # the page pass alone (the tile pass: test_mixed_modes.py)
    img = build_issue(grid_page(3, seed=5, dpi=100)).images[0]
    ours = sorted(tuple(d.polygon) for d in engine.detect(img))
    ref = engine._det(to_bgr(img))  # rapidocr's path: BGR copy, float64 normalisation
    assert ref.boxes is not None and len(ours) > 20
    theirs = sorted(tuple((float(x), float(y)) for x, y in box) for box in ref.boxes)
    assert ours == theirs
    scores = sorted(d.score for d in engine.detect(img))
    np.testing.assert_allclose(scores, sorted(ref.scores or []), rtol=1e-6)


@pytest.mark.model
def test_banded_detection_finds_the_lines_of_a_whole_page_pass(threads: int) -> None:
    """Bands differ slightly from one pass (the detector's squeeze-and-excitation blocks
    pool over their input), so lines must match by overlap, not exactly."""
    engine = engines.create("rapidocr", threads=threads, preset="accurate")
    assert isinstance(engine, RapidOcrEngine)
    engine.tile = 1 << 16  # the page pass alone
    img = build_issue(grid_page(3, seed=5, dpi=100)).images[0]
    whole = engine.detect(img)
    engine.band_pixels = img.size // 3
    banded = engine.detect(img)
    assert len(whole) > 20

    def rect(poly: list[tuple[float, float]]) -> tuple[float, float, float, float]:
        xs, ys = [p[0] for p in poly], [p[1] for p in poly]
        return min(xs), min(ys), max(xs), max(ys)

    def iou(a: tuple[float, ...], b: tuple[float, ...]) -> float:
        w = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
        h = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
        union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - w * h
        return w * h / union if union else 0.0

    found = [rect(d.polygon) for d in banded]
    matched = [max(iou(rect(d.polygon), f) for f in found) >= 0.5 for d in whole]
    assert abs(len(banded) - len(whole)) <= 0.02 * len(whole) + 1
    assert sum(matched) >= 0.97 * len(whole)
