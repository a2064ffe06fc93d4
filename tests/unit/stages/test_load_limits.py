"""The page size guard and bounded decoding (issue 14); every fixture is made in tmp_path.

One limit (default 300 MP, `DIGITIZE_MAX_MEGAPIXELS` or `load_page(max_pixels=...)`)
refuses a page from its header, before any pixel is decoded, for every format; decoding
converts samples in bands of rows, never as float copies of the whole image.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import imagecodecs
import numpy as np
import pytest
import tifffile
from PIL import Image as PilImage
from PIL import ImageFile

from digitize.errors import ImageTooLargeError, UsageError
from digitize.stages import decode
from digitize.stages.load import MAX_PIXELS_ENV, PageSource, load_page, pixel_limit


def _src(path: Path) -> PageSource:
    return PageSource(file=path, index=0, stem=path.stem, number=1)


def _page(w: int = 100, h: int = 80) -> np.ndarray:
    img = np.full((h, w), 230, np.uint8)
    img[h // 4 : h // 2, w // 5 : w // 2] = 20
    return img


def _files(tmp_path: Path) -> dict[str, Path]:
    """The same 100x80 page as PNG, JPEG, TIFF, JPEG 2000 and PDF (72 dpi page)."""
    img = _page()
    out = {f: tmp_path / f"p.{f}" for f in ("png", "jpg", "tif", "jp2", "pdf")}
    PilImage.fromarray(img).save(out["png"])
    PilImage.fromarray(img).save(out["jpg"], quality=95)
    tifffile.imwrite(out["tif"], img, compression="zlib")
    out["jp2"].write_bytes(imagecodecs.jpeg2k_encode(img))
    PilImage.fromarray(img).save(out["pdf"], resolution=72)
    return out


def _no_decoding(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every decoder fails loudly if it is reached."""

    def boom(*_a: Any, **_k: Any) -> Any:
        raise AssertionError("pixels decoded despite the size guard")

    monkeypatch.setattr(ImageFile.ImageFile, "load", boom)
    monkeypatch.setattr(tifffile.TiffPage, "asarray", boom)
    monkeypatch.setattr(imagecodecs, "jpeg2k_decode", boom)
    import pdf2image

    monkeypatch.setattr(pdf2image, "convert_from_path", boom)


@pytest.mark.parametrize("fmt", ["png", "jpg", "tif", "jp2", "pdf"])
def test_every_format_refused_before_decoding(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fmt: str
) -> None:
    path = _files(tmp_path)[fmt]
    _no_decoding(monkeypatch)
    with pytest.raises(ImageTooLargeError, match="megapixel limit"):
        load_page(_src(path), max_pixels=5000)  # the PDF renders at 300 dpi: 417x333


@pytest.mark.parametrize("fmt", ["png", "jpg", "tif", "jp2"])
def test_pages_under_the_limit_load(tmp_path: Path, fmt: str) -> None:
    path = _files(tmp_path)[fmt]
    img = load_page(_src(path), max_pixels=8000)
    assert img.shape == (80, 100)
    assert np.abs(img.astype(int) - _page()).mean() < 3


def test_env_sets_the_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _files(tmp_path)["png"]
    monkeypatch.setenv(MAX_PIXELS_ENV, "0.005")
    assert pixel_limit() == 5000
    with pytest.raises(ImageTooLargeError, match=r"over the 0\.005 megapixel limit"):
        load_page(_src(path))
    monkeypatch.setenv(MAX_PIXELS_ENV, "0.008")
    assert load_page(_src(path)).shape == (80, 100)
    monkeypatch.delenv(MAX_PIXELS_ENV)
    assert pixel_limit() == 300_000_000


@pytest.mark.parametrize("raw", ["zero", "0", "-3", "nan", "inf"])
def test_bad_env_value_is_a_usage_error(monkeypatch: pytest.MonkeyPatch, raw: str) -> None:
    monkeypatch.setenv(MAX_PIXELS_ENV, raw)
    with pytest.raises(UsageError, match=MAX_PIXELS_ENV):
        pixel_limit()


def test_pillow_limit_does_not_override_ours(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Pillow refuses images over 2x its MAX_IMAGE_PIXELS (179 MP by default) on its own;
    the page guard decides instead, and Pillow's setting is restored afterwards."""
    path = _files(tmp_path)["png"]
    monkeypatch.setattr(PilImage, "MAX_IMAGE_PIXELS", 1000)  # Pillow alone: refused
    assert load_page(_src(path)).shape == (80, 100)
    assert PilImage.MAX_IMAGE_PIXELS == 1000


@pytest.mark.parametrize("dtype", [np.uint16, np.int16, np.float32])
def test_banded_scaling_equals_whole_image_scaling(
    monkeypatch: pytest.MonkeyPatch, dtype: type
) -> None:
    rng = np.random.default_rng(3)
    if dtype is np.float32:
        arr = rng.random((70, 9)).astype(np.float32) * 200.0
        arr[5, 5] = np.nan
        data = np.nan_to_num(arr.astype(np.float64))
        want = np.clip(np.rint(data * (255.0 / 255.0)), 0, 255).astype(np.uint8)
    else:
        info = np.iinfo(dtype)
        arr = rng.integers(info.min, info.max, (70, 9), dtype=dtype)
        bits = 16 if dtype is np.uint16 else 15
        scaled = np.rint(np.clip(arr, 0, None).astype(np.float64) * (255.0 / ((1 << bits) - 1)))
        want = np.clip(scaled, 0, 255).astype(np.uint8)
    monkeypatch.setattr(decode, "GREY_CHUNK_ROWS", 16)  # several bands, a short last one
    np.testing.assert_array_equal(decode.scale_to_8bit(arr), want)


def test_sixteen_bit_tiff_decodes_without_float_page_copies(tmp_path: Path) -> None:
    """A 16-bit page used to be scaled through three float64 copies of the whole image
    (8 bytes a pixel each; 7.4 GB for 17000x17000). Banded, the float copies are one band:
    measured as Python-traced peak allocation over the decoded 2-byte samples."""
    import tracemalloc

    h, w = 2000, 1500
    arr = (np.arange(h * w, dtype=np.uint32) % 65536).astype(np.uint16).reshape(h, w)
    path = tmp_path / "deep.tif"
    tifffile.imwrite(path, arr, compression="zlib")
    tracemalloc.start()
    img = load_page(_src(path))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert img.dtype == np.uint8 and img.shape == (h, w)
    assert img[0, 257] == round(257 * 255 / 65535)
    # decoded samples and tifffile's buffers (~5 B/px) + grey output (1 B/px) + bands,
    # against at least 2 + 8 B/px with a float copy of the whole page (26 B/px before)
    assert peak < 9 * h * w, peak
