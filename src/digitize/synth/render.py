"""Synthetic newspaper pages with exact ground truth.

The renderer draws every printed element itself, so the truth (regions, lines, reading order,
articles across pages, jumps, skew) is known exactly and written in the schema of the shared
dev issue's ``gt.json`` (see ``../shared/bench/README.md``).

API
---
``render_issue(spec: IssueSpec, out_dir: Path, seed: int = 0) -> dict``
    Render all pages to ``out_dir/page-N.png`` (N = printed page number, or ``PageSpec.file``;
    one ``<name>.pdf`` when ``IssueSpec.pdf``), write ``gt.json`` and ``page-N.gt.txt``; return
    the gt dict.
``build_issue(spec: IssueSpec, seed: int = 0) -> SynthIssue``
    The same in memory: ``SynthIssue.images`` (grey uint8 arrays, one per page) and ``.gt``.
    Tests use this to render pages on the fly (a 1700x2400 page takes well under a second).
Specs: ``IssueSpec`` (pages, paper, date), ``PageSpec`` (size, dpi or ``body_px``, column grid,
masthead or folio, modules, ``vertical`` for traditional vertical pages, skew, degradation),
``Module`` (one article/notice/ad block on the grid: columns, vertical extent as fractions of
the content area, headline/kicker/subtitle/byline/photo/label/vertical headline options and
``jump_to``/``jump_from`` printed page numbers; the same ``article`` key on two pages makes a
jump), ``Degradation`` (paper tint, blur, noise, JPEG, illumination, bleed-through, specks).
Ready-made specs live in ``digitize.synth.layouts``; seeded random issues in
``digitize.synth.family``.

Modules: ``spec`` (the dataclasses), ``typeset`` (fonts, canvas, text flow), ``page`` (issue
state, masthead/folio, layout helpers), ``modules`` (grid and module drawing), ``degrade``
(scan defects), ``gtjson`` (truth and files). This module ties them together and keeps the
public names importable from here.

Geometry: pages are drawn upright, then rotated counter-clockwise by ``skew_deg`` about the
image centre (``cv2.getRotationMatrix2D((W/2, H/2), skew_deg, 1)``); each region's ``poly`` is
its rotated box and ``bbox`` the hull of it in final pixels. Line bboxes are em boxes (font size
high, first to last glyph), also as hulls after rotation.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from digitize.synth.degrade import degrade
from digitize.synth.gtjson import page_gt, page_text, write_issue
from digitize.synth.modules import PageRenderer
from digitize.synth.page import _IssueRenderer
from digitize.synth.spec import Degradation, IssueSpec, Module, PageSpec, SynthIssue
from digitize.synth.typeset import (
    FONT_FILES,
    MODERN_FONTS,
    TRAD_FONTS,
    _font,
    has_glyph,
    keep_drawable,
    page_label,
    text_width,
)

__all__ = [
    "FONT_FILES",
    "MODERN_FONTS",
    "TRAD_FONTS",
    "Degradation",
    "IssueSpec",
    "Module",
    "PageSpec",
    "SynthIssue",
    "_font",
    "build_issue",
    "has_glyph",
    "keep_drawable",
    "page_label",
    "page_text",
    "render_issue",
    "text_width",
]


def build_issue(spec: IssueSpec, seed: int = 0) -> SynthIssue:
    """Render every page in memory; see the module docstring."""
    issue = _IssueRenderer(spec, seed)
    images: list[npt.NDArray[np.uint8]] = []
    pages: list[dict[str, Any]] = []
    fonts: dict[str, str] = {}
    for ps in spec.pages:
        pr = PageRenderer(issue, ps)
        pr.render()
        fonts.update(pr.fonts)
        raw = np.asarray(pr.cv.img, dtype=np.uint8)
        images.append(degrade(raw, ps, seed * 1000 + ps.number))
        pages.append(page_gt(pr))
    if spec.pdf:  # digitize names a PDF's pages page-1, page-2, ... by position
        for k, pg in enumerate(pages, 1):
            pg["file"] = f"page-{k}.png"
    articles = []
    for st in issue.articles.values():
        if not st.parts:
            continue
        text = ""
        for part, para in zip(st.parts, st.part_para, strict=True):
            if text and part["text"] and para:
                text += "\n"
            text += part["text"]
        articles.append({"id": st.id, "title": st.title, "parts": st.parts, "text": text})
    gt: dict[str, Any] = {
        "issue": spec.name, "paper": spec.paper, "split": spec.split, "seed": seed,
        "fonts": fonts, "pages": pages, "articles": articles, "jumps": issue.jumps,
    }
    if issue.unresolved:
        gt["unresolved_jumps"] = issue.unresolved
    return SynthIssue(images, gt)


def render_issue(spec: IssueSpec, out_dir: Path, seed: int = 0) -> dict[str, Any]:
    """Render an issue to ``out_dir`` (page images or a PDF, gt.json, page-N.gt.txt); return
    the truth."""
    res = build_issue(spec, seed)
    write_issue(res.images, res.gt, out_dir, pdf=spec.pdf)
    return res.gt
