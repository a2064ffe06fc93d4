"""Each engine and preset on rendered lines: reading, detection, provenance, the int8
recognizer cache and character positions."""

from __future__ import annotations

import itertools
import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from ocr_samples import SERIF, cer
from PIL import Image as PILImage
from PIL import ImageDraw, ImageFont

from digitize import engines
from digitize.engines.base import OcrEngine
from digitize.engines.modelstore import ModelStore, file_sha256, packaged_manifest

SANS = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"


LINES = [
    "金坛区重点项目推进会在我区举行",
    "2019年12月18日，全区经济工作会议召开。",
    "“十三五”规划目标任务全面完成",
    "本报讯（记者 王芳）昨天上午",
]


def render_line(text: str, size: int, font: str = SERIF) -> np.ndarray:
    face = ImageFont.truetype(font, size)
    width = int(face.getlength(text)) + size
    img = PILImage.new("L", (width, int(size * 1.5)), 255)
    ImageDraw.Draw(img).text((size // 2, size // 4), text, font=face, fill=0)
    return np.asarray(img)


ENGINE_PRESETS = [("rapidocr", "accurate"), ("rapidocr", "fast"), ("paddleocr", "accurate")]



@pytest.fixture(scope="module", params=ENGINE_PRESETS, ids=lambda p: "-".join(p))
def engine(request: pytest.FixtureRequest, threads: int) -> Iterator[OcrEngine]:
    """Each engine and preset in turn (overrides the session engine of conftest)."""
    name, preset = request.param
    yield engines.create(name, threads=threads, preset=preset)





@pytest.mark.model
def test_int8_model_is_built_once_verified_and_rebuilt_when_damaged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, threads: int
) -> None:
    from digitize.engines.modelstore import int8_model
    from digitize.engines.rapid import RapidOcrEngine

    shutil.copyfile(packaged_manifest(), tmp_path / "manifest.json")
    monkeypatch.setenv("DIGITIZE_MODELS_DIR", str(tmp_path))  # the cache goes there too
    store = ModelStore(tmp_path)
    source = store.resolve(role="rec")
    float_engine = RapidOcrEngine(threads=threads, store=store, preset="accurate")
    calls: list[int] = []

    def calibration() -> Iterator[np.ndarray]:
        calls.append(1)
        return float_engine._rec_calibration()

    first = int8_model(source, calibration)
    folder = first.onnx.parent
    assert folder.parent == tmp_path / "cache" / "int8"
    record = json.loads((folder / "derived.json").read_text(encoding="utf-8"))
    assert record["sha256"] == first.info.sha256 == file_sha256(first.onnx)
    assert record["source_sha256"] == source.info.sha256
    assert first.info.name == "PP-OCRv6_small_rec_int8" and first.info.role == "rec"
    assert first.onnx.stat().st_size < source.onnx.stat().st_size / 2  # int8 weights
    assert calls == [1]

    again = int8_model(source, calibration)  # cached: no second calibration
    assert again.info.sha256 == first.info.sha256 and calls == [1]

    with first.onnx.open("r+b") as f:  # a damaged cache file is rebuilt, not used
        f.seek(1000)
        f.write(b"\0" * 64)
    rebuilt = int8_model(source, calibration)
    assert calls == [1, 1] and file_sha256(rebuilt.onnx) == rebuilt.info.sha256


@pytest.mark.model
def test_fast_preset_reads_like_accurate_and_records_its_models(threads: int) -> None:
    fast = engines.create("rapidocr", threads=threads, preset="fast")
    accurate = engines.create("rapidocr", threads=threads, preset="accurate")
    crops = [render_line(t, size) for t in LINES for size in (22, 36)]
    a = [r.text for r in accurate.recognize(crops)]
    f = [r.text for r in fast.recognize(crops)]
    assert sum(cer(x, y) for x, y in zip(f, a, strict=True)) / len(a) < 0.03
    recs = [m for m in fast.models() if m.role == "rec"]
    assert recs[0].name.endswith("_int8") and "derived from PP-OCRv6_small_rec" in recs[0].source
    # The float recognizer stays at hand for pages that ask for it (vertical pages).
    assert [m.name for m in recs[1:]] == [m.name for m in accurate.models() if m.role == "rec"]
    assert [r.text for r in fast.recognize(crops, precise=True)] == a
    assert fast.settings()["preset"] == "fast" and accurate.settings()["preset"] == "accurate"


@pytest.mark.model
def test_engine_reads_rendered_lines(engine: OcrEngine) -> None:
    crops = [render_line(t, 40) for t in LINES] + [render_line(LINES[0], 30, SANS)]
    want = [*LINES, LINES[0]]
    got = engine.recognize(crops)
    assert len(got) == len(want)
    for res, text in zip(got, want, strict=True):
        assert cer(res.text.replace(" ", ""), text.replace(" ", "")) <= 0.1, (res.text, text)
        assert 0.5 < res.confidence <= 1.0
    assert got[0].text == LINES[0]
    assert "2019年12月18日" in got[1].text


@pytest.mark.model
def test_engine_reads_small_upscaled_text(engine: OcrEngine) -> None:
    import cv2

    small = render_line(LINES[0], 11)
    big = np.asarray(
        cv2.resize(small, None, fx=48 / small.shape[0], fy=48 / small.shape[0]), np.uint8
    )
    (res,) = engine.recognize([big])
    assert cer(res.text, LINES[0]) <= 0.15


@pytest.mark.model
def test_engine_detects_lines_and_reports_provenance(engine: OcrEngine) -> None:
    page = np.full((300, 700), 255, dtype=np.uint8)
    for k, text in enumerate(LINES[:3]):
        line = render_line(text, 26)
        page[40 + 80 * k : 40 + 80 * k + line.shape[0], 30 : 30 + line.shape[1]] = line
    found = engine.detect(page)
    assert len(found) == 3
    ys = sorted(min(p[1] for p in d.polygon) for d in found)
    assert all(abs(y - (40 + 80 * k)) < 20 for k, y in enumerate(ys))
    assert {m.role for m in engine.models()} == {"det", "rec"}
    assert engine.settings()["textline_orientation"] == "off"


@pytest.mark.model
def test_rapidocr_char_positions_follow_the_text(threads: int) -> None:
    eng = engines.create("rapidocr", threads=threads, preset="accurate")
    (res,) = eng.recognize([render_line(LINES[0], 40)])
    pos = res.char_positions
    assert pos is not None and len(pos) == len(res.text) == len(res.char_confidences)
    assert all(b > a for a, b in itertools.pairwise(pos))
    # Equal-width glyphs: positions about evenly spaced across the inked span.
    gaps = np.diff(pos)
    assert gaps.max() < 2 * gaps.min()


