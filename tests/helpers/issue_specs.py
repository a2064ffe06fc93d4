"""Rendered issue specs shared by several test modules."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from digitize.engines.base import OcrEngine
from digitize.model import Page, Transform
from digitize.stages.detect import detect_lines
from digitize.synth import build_issue
from digitize.synth.family import random_issue
from digitize.synth.render import Degradation, IssueSpec, Module, PageSpec


def jumps_issue(dpi: int = 150, skew_deg: float = 0.0) -> IssueSpec:
    """Printed pages 1, 4 and 6 of an eight-page issue: two jumps leave page 1, a chain
    1 -> 4 -> 6, a continuation without a repeated headline, a jump to missing page 8.

    Two-column modules with two-line headlines: big enough to read as headlines at
    150 dpi, so tests exercise linking rather than the limits of segmentation.
    """
    w, h = round(8.5 * dpi), round(12.0 * dpi)
    pg: dict[str, Any] = {
        "cols": 4, "width": w, "height": h, "dpi": dpi, "degradation": Degradation(),
        "skew_deg": skew_deg,
    }  # fmt: skip
    p1 = PageSpec(
        number=1,
        masthead=True,
        **pg,
        modules=(
            Module(article="j1", col=0, span=2, bottom=0.5, jump_to=4, headline_lines=2),
            Module(article="j2", col=2, span=2, bottom=0.5, jump_to=4, headline_lines=2),
            Module(article="j3", col=0, span=2, top=0.5, jump_to=8, headline_lines=2),
            Module(article="s1", col=2, span=2, top=0.5, headline_lines=2, byline="end"),
        ),
    )
    p4 = PageSpec(
        number=4,
        **pg,
        modules=(
            Module(
                article="j1", col=0, span=2, bottom=0.5, jump_from=1, jump_to=6, headline_lines=2
            ),
            Module(article="j2", col=2, span=2, bottom=0.5, jump_from=1, repeat_headline="none"),
            Module(article="s4", col=0, span=2, top=0.5, headline_lines=2),
            Module(article="s5", col=2, span=2, top=0.5, photo=0.4, headline_lines=2),
        ),
    )
    p6 = PageSpec(
        number=6,
        **pg,
        modules=(
            Module(
                article="j1",
                col=0,
                span=2,
                bottom=0.5,
                jump_from=4,
                repeat_headline="short",
                headline_lines=2,
            ),
            Module(article="s6", col=2, span=2, bottom=0.5, subtitle=True, headline_lines=2),
            Module(kind="notice", article="n6", col=0, span=2, top=0.5),
            Module(kind="ad", col=2, span=2, top=0.5),
        ),
    )
    return IssueSpec(name="jumps-e2e", pages=(p1, p4, p6), total_pages=8)


def detected_family_page(
    seed: int, index: int, engine: OcrEngine
) -> tuple[dict[str, Any], Page]:
    """Page `index` of the seed's random issue (`synth.family`) rendered alone, with the
    engine's line detection run on it: its gt.json page and the page model."""
    spec = random_issue(seed)
    issue = build_issue(dataclasses.replace(spec, pages=(spec.pages[index],)), seed=seed)
    image = issue.images[0]
    h, w = image.shape[:2]
    page = Page(
        number=1, file=Path("p.png"), stem="p", transform=Transform.identity(w, h), image=image
    )
    detect_lines(page, engine)
    return issue.gt["pages"][0], page
