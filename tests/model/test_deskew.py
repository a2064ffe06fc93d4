"""Page orientation (0/90/180/270) found with the real recognizer as the scorer."""

from __future__ import annotations

import numpy as np
import pytest
from deskew_pages import render_page, skew_scan

from digitize.engines.base import OcrEngine
from digitize.model import Image
from digitize.stages.deskew import (
    detect_orientation,
)


@pytest.fixture(scope="module")
def horizontal() -> Image:
    return render_page()


@pytest.fixture(scope="module")
def vertical() -> Image:
    return render_page(vertical=True)


@pytest.mark.model
def test_orientation_with_rapidocr(horizontal: Image, vertical: Image, engine: OcrEngine) -> None:
    def scorer(lines: list[Image]) -> list[float]:
        return [r.confidence if r.text else 0.0 for r in engine.recognize(lines)]

    for turns in range(4):
        scan = np.ascontiguousarray(np.rot90(skew_scan(horizontal, 0.8), turns))
        assert detect_orientation(scan, scorer) == turns
    for turns in (0, 1):
        scan = np.ascontiguousarray(np.rot90(vertical, turns))
        assert detect_orientation(scan, scorer) == turns


