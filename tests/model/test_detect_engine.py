"""The rapidocr engine's grey detection path gives rapidocr's own TextDetector boxes."""

from __future__ import annotations

import numpy as np
import pytest

from digitize import engines
from digitize.engines._common import to_bgr
from digitize.engines.rapid import RapidOcrEngine
from digitize.synth import build_issue, grid_page


@pytest.mark.model
def test_grey_detection_equals_rapidocr_text_detector() -> None:
    engine = engines.create("rapidocr", threads=2, preset="accurate")
    assert isinstance(engine, RapidOcrEngine)
    img = build_issue(grid_page(3, seed=5, dpi=100)).images[0]
    ours = sorted(tuple(d.polygon) for d in engine.detect(img))
    ref = engine._det(to_bgr(img))  # rapidocr's path: BGR copy, float64 normalisation
    assert ref.boxes is not None and len(ours) > 20
    theirs = sorted(tuple((float(x), float(y)) for x, y in box) for box in ref.boxes)
    assert ours == theirs
    scores = sorted(d.score for d in engine.detect(img))
    np.testing.assert_allclose(scores, sorted(ref.scores or []), rtol=1e-6)
