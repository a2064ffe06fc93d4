"""Hand-built page geometry for layout tests: column grids, headlines, rules, photos, frames.

Lines are placed the way a detector reports them on a real page: justified body lines
span the column, paragraph first lines start 2 em in, last lines stop short. The page
image carries only the non-text cues (rules, frames, pictures), which is what the
layout stage reads from pixels.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from digitize.model import Box, Image, Line, Page, Region, Transform

EM = 30  # body line-box height in px
PITCH = 36  # line pitch
GUTTER = 30


@dataclass
class PageBuilder:
    width: int = 1400
    height: int = 1800
    number: int = 1
    lines: list[Line] = field(default_factory=list)
    image: Image = field(init=False)

    def __post_init__(self) -> None:
        self.image = np.full((self.height, self.width), 240, dtype=np.uint8)

    def line(self, x0: float, y0: float, x1: float, h: float = EM, text: str = "") -> Line:
        ln = Line(id=f"l{len(self.lines)}", box=Box(x0, y0, x1, y0 + h), text=text)
        ln.polygon = ln.box.corners()
        self.lines.append(ln)
        return ln

    def vline(self, x0: float, y0: float, y1: float, w: float = EM, text: str = "") -> Line:
        ln = Line(id=f"l{len(self.lines)}", box=Box(x0, y0, x0 + w, y1), text=text)
        ln.polygon = ln.box.corners()
        self.lines.append(ln)
        return ln

    def column(
        self,
        x0: float,
        x1: float,
        y0: float,
        n: int,
        tag: str,
        para_every: int = 6,
        opens_paragraph: bool = False,
    ) -> list[Line]:
        """n body lines; every `para_every` lines a paragraph ends short, the next is
        indented. The first line is indented only where the column opens a paragraph
        (else it runs on a paragraph from the column before)."""
        out = []
        for i in range(n):
            lx0, lx1 = x0, x1
            if i % para_every == 0 and (i > 0 or opens_paragraph):
                lx0 = x0 + 2 * EM
            if i % para_every == para_every - 1:
                lx1 = x0 + 0.4 * (x1 - x0)
            out.append(self.line(lx0, y0 + i * PITCH, lx1, text=f"{tag}{i:02d}。"))
        return out

    def ink(self, y: float, x0: float, x1: float, ink_h: int) -> None:
        """Glyph strokes `ink_h` px tall, centred in a line box one EM tall at `y`: the
        ink band the type-size measure reads."""
        top = int(y) + (EM - ink_h) // 2
        for x in range(int(x0) + 2, int(x1) - 20, 24):
            self.image[top : top + ink_h, x : x + 12] = 30

    def hrule(self, x0: int, x1: int, y: int) -> None:
        cv2.line(self.image, (x0, y), (x1, y), (0,), 3)

    def vrule(self, x: int, y0: int, y1: int) -> None:
        cv2.line(self.image, (x, y0), (x, y1), (0,), 3)

    def frame(self, x0: int, y0: int, x1: int, y1: int) -> None:
        cv2.rectangle(self.image, (x0, y0), (x1, y1), 0, 3)

    def photo(self, x0: int, y0: int, x1: int, y1: int) -> None:
        rng = np.random.default_rng(7)
        patch = rng.integers(20, 140, size=(y1 - y0, x1 - x0)).astype(np.uint8)
        self.image[y0:y1, x0:x1] = patch

    def page(self) -> Page:
        return Page(
            number=self.number,
            file=Path("page.png"),
            stem="page-1",
            transform=Transform.identity(self.width, self.height),
            image=self.image.copy(),
            lines=list(self.lines),
        )


def regions_page(*regions: Region) -> Page:
    """A page of hand-built regions (no image, no lines outside them): for the stages
    and layout rules that work on regions after segmentation."""
    return Page(
        number=1,
        file=Path("page-1.png"),
        stem="page-1",
        transform=Transform.identity(1400, 1800),
        regions=list(regions),
    )


def grid(n_cols: int, left: int = 40, width: int = 1320) -> list[tuple[int, int]]:
    """Column x-extents of an n-column grid."""
    col = (width - (n_cols - 1) * GUTTER) / n_cols
    return [
        (round(left + i * (col + GUTTER)), round(left + i * (col + GUTTER) + col))
        for i in range(n_cols)
    ]
