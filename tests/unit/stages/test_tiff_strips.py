"""TIFF pages are decoded strip by strip / tile by tile into the grey page (stages/decode.py):
the same pixels as a whole-page decode, at a fraction of its peak memory."""

from __future__ import annotations

import tracemalloc
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import tifffile

from digitize.stages import decode as tiff
from digitize.stages.load import PageSource, load_page


def _whole_and_streamed(path: Path) -> tuple[np.ndarray, np.ndarray]:
    with tifffile.TiffFile(path) as tif:
        page = tif.pages[0]
        assert tiff._streamable(page)
        return tiff._page_grey(page, page.asarray()), tiff._read_grey(page)


def _rng_image(shape: tuple[int, ...], dtype: Any, high: int) -> np.ndarray:
    return np.random.default_rng(3).integers(0, high, size=shape, dtype=np.int64).astype(dtype)


@pytest.mark.parametrize(
    ("data", "kwargs"),
    [
        (_rng_image((301, 207, 3), np.uint16, 65536), {"rowsperstrip": 32, "compression": "zlib"}),
        (
            _rng_image((301, 207, 4), np.uint8, 256),
            {"tile": (64, 64), "extrasamples": ["unassalpha"]},
        ),
        (_rng_image((301, 207), np.uint8, 2).astype(bool), {"rowsperstrip": 50}),
        (_rng_image((301, 207), np.uint8, 256), {"photometric": "miniswhite", "rowsperstrip": 7}),
        (
            _rng_image((301, 207, 4), np.uint8, 256),
            {"photometric": "separated", "rowsperstrip": 40},
        ),
    ],
    ids=["rgb16-strips", "rgba-tiles", "bilevel", "miniswhite", "cmyk"],
)
def test_streamed_decode_equals_whole_decode(
    tmp_path: Path, data: np.ndarray, kwargs: dict[str, Any]
) -> None:
    path = tmp_path / "page.tif"
    tifffile.imwrite(path, data, **kwargs)
    whole, streamed = _whole_and_streamed(path)
    assert streamed.shape == data.shape[:2]
    assert streamed.dtype == np.uint8
    np.testing.assert_array_equal(streamed, whole)


def test_palette_strips_equal_whole(tmp_path: Path) -> None:
    path = tmp_path / "palette.tif"
    cmap = _rng_image((3, 256), np.uint16, 65536)
    tifffile.imwrite(
        path,
        _rng_image((120, 90), np.uint8, 256),
        colormap=cmap,
        photometric="palette",
        rowsperstrip=16,
    )
    whole, streamed = _whole_and_streamed(path)
    np.testing.assert_array_equal(streamed, whole)


def test_float_pages_are_decoded_whole(tmp_path: Path) -> None:
    """Float samples scale by the page's peak, so a block cannot be converted on its own."""
    path = tmp_path / "float.tif"
    tifffile.imwrite(path, np.linspace(0, 1, 64 * 48, dtype=np.float32).reshape(64, 48))
    with tifffile.TiffFile(path) as tif:
        assert not tiff._streamable(tif.pages[0])
    grey = load_page(PageSource(path, 0, "float", 1))
    assert grey[0, 0] == 0 and grey[-1, -1] == 255


def test_large_colour_tiff_loads_within_two_bytes_per_pixel(tmp_path: Path) -> None:
    """A 16-bit RGB page holds 6 bytes per pixel decoded (whole-page decoding peaked at
    103 MB here); loading it must stay under 2 bytes per pixel plus a constant for one
    strip and its conversion (measured 17 MB)."""
    height, width = 3000, 2000
    path = tmp_path / "big.tif"
    ramp = np.linspace(0, 65535, width, dtype=np.uint16)
    with tifffile.TiffWriter(path) as tw:
        rows = np.broadcast_to(ramp[None, :, None], (height, width, 3))
        tw.write(np.ascontiguousarray(rows), rowsperstrip=64, compression="zlib")
        del rows
    tracemalloc.start()
    try:
        grey = load_page(PageSource(path, 0, "big", 1))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert grey.shape == (height, width)
    assert grey[0, -1] == 255 and grey[0, 0] == 0
    assert peak < 2 * height * width + 8_000_000, (
        f"peak {peak / 1e6:.1f} MB for {height * width / 1e6} MP"
    )
