"""Issue, page and module specs for the synthetic renderer (see `digitize.synth.render`).

New fields default to the values the renderer had before they existed, so every spec written
earlier (the committed sample, the test layouts) renders byte for byte as it did.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from digitize.synth import corpus


@dataclass(frozen=True)
class Degradation:
    """Scan defects, applied after drawing (rotation happens between illumination and blur)."""

    paper: float = 255.0  # paper grey level
    ink_level: float = 0.0  # ink grey level
    blur_sigma: float = 0.0
    noise_sigma: float = 0.0
    jpeg_quality: int | None = None
    illum_amplitude: float = 0.0  # +- grey levels of a smooth lighting field
    bleed: float = 0.0  # opacity of the mirrored back page
    specks: int = 0
    yellow: float = 0.0  # 0..1: yellowed paper; > 0 makes a colour (BGR) page

    @staticmethod
    def scan(strength: float = 1.0) -> Degradation:
        """A typical microfilm-ish scan; strength 0 is clean, 2 is rough."""
        s = strength
        return Degradation(paper=255 - 18 * s, ink_level=25 * s, blur_sigma=0.6 * s,
                           noise_sigma=3.0 * s, jpeg_quality=int(90 - 8 * s) if s else None,
                           illum_amplitude=10 * s, bleed=0.06 * s, specks=int(40 * s))


@dataclass(frozen=True)
class Module:
    """One block on the column grid. `top`/`bottom` are fractions of the content height."""

    kind: str = "article"  # article | commentary | notice | ad | vertical_article |
    # horizontal_article (horizontal rows on a vertical page)
    col: int = 0
    span: int = 1
    top: float = 0.0
    bottom: float = 1.0
    article: str | None = None  # key; the same key on several pages chains the parts
    sub_cols: int | None = None  # text columns inside the module (default: span)
    headline_lines: int = 1
    headline_scale: float = 2.2  # headline size in body ems (shrunk to fit)
    kicker: bool = False
    subtitle: bool = False
    byline: str | None = None  # "top" | "end"
    photo: float = 0.0  # photo height as a fraction of the body area height
    photo_cols: int = 0  # sub-columns the photo covers, from the right (0 = all)
    caption_pos: str = "below"  # below | above | beside (right of the photo)
    label: str | None = None  # reverse-video label text
    vertical_headline: bool = False
    boxed: bool = False
    jump_to: int | None = None  # printed page number of the next part
    jump_from: int | None = None  # printed page number of the previous part
    jump_out_text: str | None = None  # printed 下转 line (default （下转第X版）)
    jump_in_text: str | None = None  # printed 上接 line (default （上接第X版）)
    repeat_headline: str = "full"  # on a continuation: full | short | none
    dateline: bool = True  # first paragraph starts with 本报讯


@dataclass(frozen=True)
class PageSpec:
    number: int  # printed page number; the file is page-<number>.png unless `file` is set
    modules: tuple[Module, ...]
    cols: int = 5
    width: int = 1700
    height: int = 2400
    dpi: int = 200
    body_px: int | None = None  # body em in px; default dpi * 10.5 / 72
    masthead: bool = False  # front-page nameplate instead of a folio line
    section: str = "综合"
    vertical: bool = False  # traditional page set in vertical columns
    punct: bool = True  # vertical pages: print 、。， (placed top-right in the cell)
    skew_deg: float = 0.0
    degradation: Degradation = Degradation()
    rules: bool = True  # rules between modules
    col_rules: bool = False  # rules between the text columns inside article modules
    gutter_em: float = 1.3  # column gutter in body ems
    fonts: tuple[tuple[str, str], ...] = ()  # (role, font key) overrides, e.g. ("body", "ukai_cn")
    folio: str = "default"  # default (第X版 section) | ordinal | section | letter | bare
    folio_arabic: bool = False  # folio number in Arabic digits (第3版) instead of 第三版
    nameplate_inverted: bool = False  # white nameplate on a black banner
    file: str | None = None  # scan file name (default page-<number>.png)
    cases: tuple[str, ...] = ()  # extra hard cases the spec's author knows of (e.g. jump_far)


@dataclass(frozen=True)
class IssueSpec:
    name: str
    pages: tuple[PageSpec, ...]
    paper: str = corpus.PAPER
    date: dt.date = dt.date(2024, 3, 15)
    issue_no: int = 5123
    total_pages: int | None = None  # printed "今日N版"; default: highest page number
    split: str = "synthetic"  # gt.json "split" (dev | holdout for the benchmark corpus)
    pdf: bool = False  # render_issue writes one <name>.pdf instead of page images


@dataclass
class SynthIssue:
    images: list[npt.NDArray[np.uint8]]  # grey HxW, or BGR HxWx3 for yellowed pages
    gt: dict[str, Any]
