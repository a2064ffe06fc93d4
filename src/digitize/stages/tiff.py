"""TIFF pages decoded strip by strip (or tile by tile) into the 8-bit grey page.

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
from digitize.stages.load import _check_size, _scale_to_8bit, _to_grey

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
            _check_size(int(page.imagewidth), int(page.imagelength), path, limit)
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
        lut = _scale_to_8bit(np.asarray(page.colormap), 16).T  # (n, 3) RGB
        return _to_grey(lut[np.asarray(arr, dtype=np.intp)], alpha=False)
    if page.photometric == P.SEPARATED and arr.ndim == 3 and arr.shape[2] >= 4:
        cmyk = _scale_to_8bit(arr[..., :4], bits).astype(np.float64) / 255.0
        rgb = (1.0 - cmyk[..., :3]) * (1.0 - cmyk[..., 3:4]) * 255.0
        return _to_grey(np.rint(rgb).astype(np.uint8), alpha=False)
    if bits == 1:
        arr = arr.astype(np.bool_)
    data = _scale_to_8bit(arr, bits if arr.dtype != np.bool_ and bits in (12, 14) else None)
    alpha = bool(extras) and extras[-1] in (1, 2)
    grey = _to_grey(data, alpha=alpha) if data.ndim == 3 else data
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
