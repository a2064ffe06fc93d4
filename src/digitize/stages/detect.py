"""Detect stage: find text lines once per page at a scale chosen from the text size.

PP-OCR's detector works best when characters are some 20-30 px tall. Scans range from
100-150 dpi web images (body characters 8-10 px, lost if the page is shrunk further)
to 400 dpi masters (body 45+ px, slow and over-segmented at full size), so one fixed
detection size fits neither. The body text size is measured first from connected
components (cheap: no model run), the page is rescaled so the body em is TARGET_EM
pixels, and the engine detects on the rescaled page (the rapidocr engine in bands where
that image is larger than its band size, so a worker's memory stays bounded at any page
size, and in tiles beside the page pass, so what stands elsewhere on the page does not
decide how a module's lines are read: engines/rapid.py).
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from digitize.engines.base import OcrEngine
from digitize.layout.vertical import column_em, writing_mode
from digitize.model import Box, Image, Line, Page, Point, WritingMode

TARGET_EM = 22.0  # body em at detection scale, px
MIN_SCALE = 0.15
MAX_SCALE = 3.0
# Detector input cap: bounds detection time on 2 cores. Memory is bounded by the engine,
# which runs images over its band size in horizontal bands (engines/rapid.py,
# DET_BAND_PIXELS), so the cap need not shrink to fit the 1.5 GB per-worker budget.
MAX_DET_PIXELS = 16e6
# Glyph ink spans about 0.9 em (CJK faces leave a margin inside the em square).
INK_PER_EM = 0.9
# The ink band of a whole line (union over its glyphs) is slightly taller than the em
# (measured 35 px bands for 34 px body text on the dev scans).
LINE_INK_PER_EM = 1.03
# The DB detector's unclipped boxes are ~1.5x the em tall (measured on PP-OCRv6 small:
# median 50.8 px boxes for 34 px body text).
DET_BOX_PER_EM = 1.5
# A Chinese newspaper body face is usually 小五/五号 (9-10.5 pt); 9 pt fits measured
# 300 dpi scans best, so dpi = em_px * 72 / 9.
BODY_POINTS = 9.0
VERTICAL_RATIO = 1.8


def to_grey(image: Image) -> Image:
    if image.ndim == 3:
        return np.asarray(cv2.cvtColor(image, cv2.COLOR_BGR2GRAY), dtype=np.uint8)
    return image


def estimate_em(grey: Image) -> float | None:
    """Body text em size in pixels from connected components, None on a page without text.

    Characters are the most frequent ink blobs of their size; Han characters also break
    into smaller radicals, which is why the mode is searched above the median blob size.
    """
    _, bw = cv2.threshold(grey, 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    _, _, stats, _ = cv2.connectedComponentsWithStats(bw, connectivity=8)
    h = stats[1:, cv2.CC_STAT_HEIGHT]
    w = stats[1:, cv2.CC_STAT_WIDTH]
    size = np.maximum(h, w)
    limit = max(8, min(grey.shape[:2]) // 8)
    ok = (size >= 4) & (size <= limit) & (h <= 4 * w + 2) & (w <= 4 * h + 2)
    sizes = size[ok]
    if sizes.size < 20:
        return None
    hist = np.bincount(sizes).astype(np.float64)
    smooth = np.convolve(hist, np.ones(3) / 3, mode="same")
    smooth[: int(np.median(sizes))] = 0
    mode = int(np.argmax(smooth))
    return mode / INK_PER_EM if mode > 0 else None


def detection_scale(em: float | None, width: int, height: int) -> float:
    """Scale that brings the body em to TARGET_EM, within the detector's pixel cap."""
    scale = TARGET_EM / em if em else min(1.0, 2400 / max(width, height))
    scale = min(max(scale, MIN_SCALE), MAX_SCALE)
    cap = math.sqrt(MAX_DET_PIXELS / max(1, width * height))
    return min(scale, cap)


def detect_lines(page: Page, engine: OcrEngine) -> None:
    """Fill page.lines (page frame), page.text_height and page.dpi_estimate."""
    if page.image is None:
        raise ValueError(f"page {page.number} has no image to detect on")
    grey = to_grey(page.image)
    ph, pw = grey.shape[:2]
    em = estimate_em(grey)
    scale = detection_scale(em, pw, ph)
    if abs(scale - 1.0) < 0.02:
        scale, small = 1.0, grey
    else:
        interp = cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC
        small = np.asarray(
            cv2.resize(grey, (round(pw * scale), round(ph * scale)), interpolation=interp),
            dtype=np.uint8,
        )
    sx, sy = pw / small.shape[1], ph / small.shape[0]
    found = engine.detect(small)

    lines: list[Line] = []
    for det in found:
        poly: list[Point] = [
            (min(max(x * sx, 0.0), float(pw)), min(max(y * sy, 0.0), float(ph)))
            for x, y in det.polygon
        ]
        box = Box.from_points(poly)
        if box.width < 2 or box.height < 2:
            continue
        lines.append(Line(id="", box=box, polygon=poly))

    thickness = [min(ln.box.width, ln.box.height) for ln in lines]
    line_em = float(np.median(thickness)) / DET_BOX_PER_EM if thickness else (em or 0.0)
    for ln in lines:
        ln.vertical = _is_vertical(ln.box, line_em)
    lines.sort(key=lambda ln: (ln.box.y0, ln.box.x0))
    for k, ln in enumerate(lines, start=1):
        ln.id = f"p{page.number}_l{k}"
    page.lines = lines

    body = line_em_sizes(grey, [ln for ln in lines if not ln.vertical])
    if writing_mode(lines) is WritingMode.VERTICAL:
        # A page set in columns: its horizontal lines are headings, mastheads or a
        # module of rows set among the columns, so the body size comes from the column
        # widths (the narrower two thirds; `layout.vertical.column_em`). The same rule
        # on the same lines as the mode segment records, so the two cannot disagree.
        col = column_em(lines)
        body = [col] if col else body
    if body:
        page.text_height = float(np.median(body))
    elif em:
        page.text_height = em
    if page.text_height:
        page.dpi_estimate = round(page.text_height * 72.0 / BODY_POINTS, 1)


def line_em_sizes(grey: Image, lines: list[Line], limit: int = 400) -> list[float]:
    """Em size of horizontal lines from the ink band inside each box.

    Measured on the ink rather than the box, since how far a detector pads its boxes
    differs between engines.
    """
    step = max(1, len(lines) // limit)
    out: list[float] = []
    for ln in lines[::step]:
        b = ln.box
        crop = grey[int(b.y0) : math.ceil(b.y1), int(b.x0) : math.ceil(b.x1)]
        if crop.size == 0 or np.ptp(crop) < 40:
            continue
        t, _ = cv2.threshold(crop, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
        rows = np.flatnonzero((crop <= t).sum(axis=1) > max(1, 0.01 * crop.shape[1]))
        if rows.size:
            out.append(float(rows[-1] - rows[0] + 1) / LINE_INK_PER_EM)
    return out


def _is_vertical(box: Box, em: float) -> bool:
    """A column of several characters: tall, thin, yet at least half an em wide.

    The width test keeps single narrow glyphs ("1", a bracket) horizontal.
    """
    return box.height > VERTICAL_RATIO * box.width and box.width >= 0.5 * em * DET_BOX_PER_EM
