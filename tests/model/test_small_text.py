"""Small print (10 px body, 100 dpi) read through detect, recognize and order on rendered
pages: the stages must rescale for the detector and recognizer without losing text."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scoring import char_f1, ro_cer

from digitize.engines.base import OcrEngine
from digitize.model import Page, Transform
from digitize.serialize.text import page_text
from digitize.stages.classify import classify
from digitize.stages.detect import detect_lines
from digitize.stages.order import order
from digitize.stages.recognize import recognize
from digitize.stages.segment import segment
from digitize.synth import Degradation, build_issue, grid_page


def _read(engine: OcrEngine, img: np.ndarray) -> Page:
    h, w = img.shape[:2]
    page = Page(1, Path("page-1.png"), "page-1", Transform.identity(w, h), image=img)
    detect_lines(page, engine)
    segment(page)
    recognize(page, engine)
    classify(page)
    order(page)
    return page


def _truth(gt: dict[str, object]) -> str:
    regions = gt["regions"]
    assert isinstance(regions, list)
    return "".join(r["text"] for r in regions if r["type"] not in ("photo", "rule"))



@pytest.mark.model
@pytest.mark.parametrize(
    ("seed", "degradation"),
    [(0, None), (1, Degradation.scan(0.8))],
)
def test_ten_pixel_page_reads_cleanly(
    engine: OcrEngine, seed: int, degradation: Degradation | None
) -> None:
    iss = build_issue(
        grid_page(4, seed=seed, body_px=10, width=850, height=1200, degradation=degradation)
    )
    gt = iss.gt["pages"][0]
    page = _read(engine, iss.images[0])
    assert page.text_height is not None and 8 <= page.text_height <= 13
    text = page_text(page)
    _, _, f1 = char_f1(text, _truth(gt))
    assert f1 >= 0.98, f1
    assert ro_cer(gt, text) <= 0.1


@pytest.mark.model
def test_hundred_dpi_page(engine: OcrEngine) -> None:
    iss = build_issue(grid_page(3, seed=4, dpi=100))
    gt = iss.gt["pages"][0]
    text = page_text(_read(engine, iss.images[0]))
    assert char_f1(text, _truth(gt))[2] >= 0.98


