"""Pages of a few rendered lines and one column for the detect and recognize tests, with
the boxes the renderer drew."""

from __future__ import annotations

import numpy as np
from ocr_samples import SERIF
from PIL import Image as PILImage
from PIL import ImageDraw, ImageFont

from digitize.model import Box

UMING = "/usr/share/fonts/truetype/arphic/uming.ttc"


BODY = [
    "金坛区重点项目推进会在我区举行",
    "2019年12月18日，全区经济工作会议召开",
    "会议强调，要突出重大项目引领作用",
    "抢抓机遇接续奋斗，推动高质量发展",
]


def render_page(
    em: int, lines: list[str], *, column: str | None = None
) -> tuple[np.ndarray, list[Box], Box | None]:
    """A white page with horizontal lines (1.6 em apart) and optionally a vertical column
    on the right; returns the image and the ink boxes of what was drawn."""
    face = ImageFont.truetype(SERIF, em)
    width = int(max(face.getlength(t) for t in lines)) + 4 * em
    height = int(len(lines) * 1.6 * em) + 4 * em
    col_box = None
    if column:
        height = max(height, int(len(column) * 1.1 * em) + 4 * em)
        width += 3 * em
    img = PILImage.new("L", (width, height), 255)
    draw = ImageDraw.Draw(img)
    boxes = []
    for k, text in enumerate(lines):
        xy = (em, int(em * (1 + 1.6 * k)))
        draw.text(xy, text, font=face, fill=0)
        boxes.append(Box(*draw.textbbox(xy, text, font=face)))
    if column:
        cface = ImageFont.truetype(UMING, em)
        x = width - 2 * em
        cells = []
        for i, ch in enumerate(column):
            xy = (x, int(em * (1 + 1.1 * i)))
            draw.text(xy, ch, font=cface, fill=0)
            cells.append(Box(*draw.textbbox(xy, ch, font=cface)))
        col_box = Box.hull(cells)
    return np.asarray(img), boxes, col_box


