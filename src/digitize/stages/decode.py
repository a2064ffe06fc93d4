"""Decoding helpers of the load stage: 8-bit grey conversion in row bands (no float copy
of a whole page), the size guard, and TIFF pages decoded strip by strip (or tile by
tile) into the 8-bit grey page.

A 400 dpi colour broadsheet is 60-70 megapixels: decoded whole at 16 bits per sample
that is ~0.4 GB before any conversion, while the grey page is ~65 MB. Strips and tiles
are therefore decoded one at a time (`TiffPage.segments`) and each is converted to grey
into the output array at once, so the decoded colour samples of the whole page never
exist. Layouts where a block cannot be converted on its own (separate colour planes,
floating-point samples, whose 8-bit scale depends on the whole page's peak, volumes)
are decoded whole as before.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from digitize.errors import CorruptImageError, ImageTooLargeError, UnsupportedFormatError
from digitize.model import Image

MAX_PIXELS_ENV = "DIGITIZE_MAX_MEGAPIXELS"  # environment override of the page-size limit

HINT = "the file is truncated or damaged; re-export or re-scan the page"


def load_tiff(path: Path, index: int, limit: int) -> Image:
    """Page `index` of a TIFF as HxW uint8 grey, shown as viewers show it (Orientation)."""
    import tifffile

    try:
        with tifffile.TiffFile(path) as tif:
            if index >= len(tif.pages):
                raise CorruptImageError(
                    f"TIFF has {len(tif.pages)} page(s), no page {index + 1}", path=path, hint=HINT
                )
            page = tif.pages[index]
            assert isinstance(page, tifffile.TiffPage)
            check_size(int(page.imagewidth), int(page.imagelength), path, limit)
            tag = page.tags.get("Orientation")
            orientation = int(tag.value) if tag is not None else 1
            grey = _read_grey(page) if _streamable(page) else _page_grey(page, page.asarray())
    except (CorruptImageError, ImageTooLargeError):
        raise
    except MemoryError:
        raise
    except Exception as exc:  # tifffile/imagecodecs raise many untyped errors
        msg = str(exc) or type(exc).__name__
        if "compression" in msg.lower() and "not" in msg.lower():
            raise UnsupportedFormatError(
                f"unsupported TIFF compression: {msg}",
                path=path,
                hint="save the page as uncompressed, LZW or Group 4 TIFF",
            ) from exc
        raise CorruptImageError(f"cannot decode TIFF: {msg}", path=path, hint=HINT) from exc
    if orientation not in (0, 1):
        grey = _apply_tiff_orientation(grey, orientation)
    return grey


def _streamable(page: Any) -> bool:
    """Whether each strip/tile converts to grey on its own (see the module docstring)."""
    import tifffile

    dtype = page.dtype
    return (
        dtype is not None
        and (np.issubdtype(dtype, np.integer) or dtype == np.bool_)
        and int(page.imagedepth) == 1
        and (int(page.samplesperpixel) == 1 or page.planarconfig == tifffile.PLANARCONFIG.CONTIG)
    )


def _read_grey(page: Any) -> Image:
    """Decode segment by segment into the grey page; each decoded block is freed at once."""
    height, width = int(page.imagelength), int(page.imagewidth)
    out = np.empty((height, width), dtype=np.uint8)
    for block, index, shape in page.segments(maxworkers=1):
        y, x = int(index[2]), int(index[3])
        rows, cols = min(int(shape[1]), height - y), min(int(shape[2]), width - x)
        if rows <= 0 or cols <= 0:
            continue
        if block is None:  # a strip or tile the file leaves out reads as zero samples
            block = np.zeros(shape, dtype=page.dtype)
        samples = block[0, :rows, :cols]
        if samples.shape[-1] == 1:
            samples = samples[..., 0]
        out[y : y + rows, x : x + cols] = _page_grey(page, samples)
        del block, samples
    return out


def _page_grey(page: Any, arr: npt.NDArray[Any]) -> Image:
    """Samples of the page (whole or one block) to 8-bit grey, by its photometric."""
    import tifffile

    P = tifffile.PHOTOMETRIC
    bits = int(page.bitspersample)
    extras = tuple(page.extrasamples)
    if arr.ndim == 3 and arr.shape[0] in (3, 4) and arr.shape[-1] not in (3, 4):
        arr = np.moveaxis(arr, 0, -1)  # planar configuration
    if page.photometric == P.PALETTE and page.colormap is not None:
        lut = scale_to_8bit(np.asarray(page.colormap), 16).T  # (n, 3) RGB
        return to_grey(lut[np.asarray(arr, dtype=np.intp)], alpha=False)
    if page.photometric == P.SEPARATED and arr.ndim == 3 and arr.shape[2] >= 4:
        cmyk = scale_to_8bit(arr[..., :4], bits).astype(np.float64) / 255.0
        rgb = (1.0 - cmyk[..., :3]) * (1.0 - cmyk[..., 3:4]) * 255.0
        return to_grey(np.rint(rgb).astype(np.uint8), alpha=False)
    if bits == 1:
        arr = arr.astype(np.bool_)
    data = scale_to_8bit(arr, bits if arr.dtype != np.bool_ and bits in (12, 14) else None)
    alpha = bool(extras) and extras[-1] in (1, 2)
    grey = to_grey(data, alpha=alpha) if data.ndim == 3 else data
    if page.photometric == P.MINISWHITE:
        grey = 255 - grey
    return grey


def _apply_tiff_orientation(img: Image, orientation: int) -> Image:
    """TIFF Orientation tag 2..8, so the page comes out as viewers display it."""
    if orientation in (5, 6, 7, 8):  # stored transposed: turn first, then mirror
        img = np.rot90(img, -1 if orientation in (5, 6) else 1)
        mirror = orientation in (5, 7)
    else:
        mirror = orientation in (2, 4)
        if orientation in (3, 4):
            img = img[::-1, ::-1]
    if mirror:
        img = img[:, ::-1]
    return np.ascontiguousarray(img)


def check_size(width: int, height: int, path: Path, limit: int) -> None:
    if width <= 0 or height <= 0:
        raise CorruptImageError(f"image header gives an empty size {width}x{height}", path=path)
    if width * height > limit:
        raise ImageTooLargeError(
            f"image is {width}x{height} = {width * height / 1e6:.0f} megapixels, "
            f"over the {limit / 1e6:g} megapixel limit",
            path=path,
            hint="the header may be corrupt; otherwise downsample the scan (300-400 dpi is "
            f"enough) or raise the limit with {MAX_PIXELS_ENV}",
        )


# Rows converted at a time: float64 samples of a whole 16 MP colour scan are 0.4 GB, of a
# 289 MP 16-bit scan 2.3 GB per copy; a band of rows keeps the float copies small.
GREY_CHUNK_ROWS = 256


def scale_to_8bit(arr: npt.NDArray[np.generic], bits: int | None = None) -> npt.NDArray[np.uint8]:
    """Scale integer or float samples to 0..255 (full-range for the sample's bit depth).

    Converted GREY_CHUNK_ROWS rows at a time, so no float copy of the whole image exists.
    """
    if arr.dtype == np.uint8:
        return arr.astype(np.uint8, copy=False)
    if arr.dtype == np.bool_:
        return arr.astype(np.uint8) * 255
    out = np.empty(arr.shape, dtype=np.uint8)
    if np.issubdtype(arr.dtype, np.floating):
        peak = max(
            (
                float(np.nan_to_num(arr[y : y + GREY_CHUNK_ROWS]).max(initial=0.0))
                for y in range(0, max(1, arr.shape[0]), GREY_CHUNK_ROWS)
            ),
            default=0.0,
        )
        factor = 255.0 / (1.0 if peak <= 1.0 else 255.0)
        for y in range(0, arr.shape[0], GREY_CHUNK_ROWS):
            band = np.nan_to_num(arr[y : y + GREY_CHUNK_ROWS].astype(np.float64))
            out[y : y + GREY_CHUNK_ROWS] = np.clip(np.rint(band * factor), 0, 255)
        return out
    signed = bool(np.issubdtype(arr.dtype, np.signedinteger))
    container_bits = min(arr.dtype.itemsize * 8, 16) - (1 if signed else 0)
    # 32-bit containers (Pillow's mode "I") hold 16-bit data
    maxval = (1 << (bits or container_bits)) - 1
    for y in range(0, arr.shape[0], GREY_CHUNK_ROWS):
        band = arr[y : y + GREY_CHUNK_ROWS].astype(np.float64)
        if signed:
            band = np.clip(band, 0.0, None)
        scaled = np.rint(band * (255.0 / maxval))
        out[y : y + GREY_CHUNK_ROWS] = np.clip(scaled, 0, 255)
    return out


def to_grey(arr: npt.NDArray[np.uint8], *, alpha: bool) -> npt.NDArray[np.uint8]:
    """HxW, HxWx1..4 (RGB order) -> HxW grey; a last channel flagged as alpha goes on white."""
    if arr.ndim == 2:
        return arr
    if arr.ndim != 3:
        raise ValueError(f"unexpected sample layout {arr.shape}")
    out = np.empty(arr.shape[:2], dtype=np.uint8)
    for y in range(0, arr.shape[0], GREY_CHUNK_ROWS):
        out[y : y + GREY_CHUNK_ROWS] = _rows_to_grey(arr[y : y + GREY_CHUNK_ROWS], alpha=alpha)
    return out


def _rows_to_grey(arr: npt.NDArray[np.uint8], *, alpha: bool) -> npt.NDArray[np.uint8]:
    a: npt.NDArray[np.float64] | None = None
    chans = arr.shape[2]
    if alpha and chans in (2, 4):
        a = arr[..., -1].astype(np.float64) / 255.0
        arr = arr[..., :-1]
        chans -= 1
    if chans >= 3:
        rgb = arr[..., :3].astype(np.float64)
        grey = rgb @ np.array([0.299, 0.587, 0.114])
    else:
        grey = arr[..., 0].astype(np.float64)
    if a is not None:
        grey = grey * a + 255.0 * (1.0 - a)
    out: npt.NDArray[np.uint8] = np.clip(np.rint(grey), 0, 255).astype(np.uint8)
    return out


