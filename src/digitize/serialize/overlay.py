"""Overlay images: the scan with each region outlined in its type's colour and numbered in
reading order, so staff can check a page at a glance."""

from __future__ import annotations

import cv2
import numpy as np

from digitize.model import Image, Page, RegionType

# BGR colours, chosen to stay distinguishable on yellowed paper.
TYPE_COLOURS: dict[RegionType, tuple[int, int, int]] = {
    RegionType.MASTHEAD: (128, 0, 128),
    RegionType.HEADLINE: (0, 0, 220),
    RegionType.KICKER: (0, 128, 255),
    RegionType.SUBTITLE: (0, 180, 255),
    RegionType.BYLINE: (160, 110, 0),
    RegionType.LABEL: (80, 0, 160),
    RegionType.BODY: (0, 150, 0),
    RegionType.CAPTION: (200, 120, 0),
    RegionType.JUMP: (200, 0, 200),
    RegionType.NOTICE: (0, 110, 110),
    RegionType.AD: (90, 90, 90),
    RegionType.PHOTO: (255, 60, 60),
    RegionType.RULE: (170, 170, 170),
}


def render_overlay(page: Page, scan: Image, *, max_side: int = 2400) -> bytes:
    """PNG bytes of the scan with region outlines (scan coordinates) and reading-order numbers."""
    canvas = cv2.cvtColor(scan, cv2.COLOR_GRAY2BGR) if scan.ndim == 2 else scan.copy()
    scale = min(1.0, max_side / max(canvas.shape[:2]))
    if scale < 1.0:
        canvas = cv2.resize(canvas, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    thickness = max(2, round(3 * scale * max(canvas.shape[:2]) / 2400))
    rank = {rid: i + 1 for i, rid in enumerate(page.reading_order)}
    # Non-text first so text outlines and numbers stay on top.
    for region in sorted(page.regions, key=lambda r: r.type.is_text):
        colour = TYPE_COLOURS.get(region.type, (0, 0, 0))
        pts = np.array(page.to_scan_polygon(region.box), dtype=np.float64) * scale
        cv2.polylines(canvas, [pts.round().astype(np.int32)], True, colour, thickness)
        if region.id in rank:
            x, y = pts[0]
            label = str(rank[region.id])
            font_scale = max(0.5, 0.9 * scale * max(canvas.shape[:2]) / 1600)
            (tw, th), _ = cv2.getTextSize(label, cv2.FONT_HERSHEY_SIMPLEX, font_scale, 2)
            x0, y0 = int(x), int(y)
            cv2.rectangle(canvas, (x0, y0), (x0 + tw + 6, y0 + th + 8), colour, -1)
            cv2.putText(
                canvas,
                label,
                (x0 + 3, y0 + th + 4),
                cv2.FONT_HERSHEY_SIMPLEX,
                font_scale,
                (255, 255, 255),
                2,
                cv2.LINE_AA,
            )
    ok, buf = cv2.imencode(".png", canvas)
    if not ok:
        raise RuntimeError("PNG encoding failed")
    return bytes(buf.tobytes())
