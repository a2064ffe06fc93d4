"""A module of horizontal rows on a vertical page, set in narrow columns (issue 13:
"columns read across": lines of neighbouring columns interleaved).

The detector joins the rows of neighbouring columns across gutters of half an em on
most lines of such a module. Before the rows were cut at the columns' left edges on
vertical pages too, blocks of this rendered page's module took in two columns each and
its text was read across them.
"""

from __future__ import annotations

import pytest
from issue_specs import detected_family_page

from digitize.engines.base import OcrEngine
from digitize.model import Box, RegionType
from digitize.stages.segment import segment


@pytest.mark.model
def test_each_block_of_a_row_module_on_a_vertical_page_is_one_column(
    engine: OcrEngine,
) -> None:
    # A vertical page with a module of rows, gutters of 19 px.
    gt, page = detected_family_page(29, 0, engine)
    assert {"horizontal_on_vertical", "narrow_gutter"} <= set(gt["hard_cases"])
    columns = [
        region["bbox"]
        for region in gt["regions"]
        if region["type"] == "body"
        and region.get("lines")
        and len(region["lines"]) >= 3
        and sum(
            ln["bbox"][2] - ln["bbox"][0] > 3 * (ln["bbox"][3] - ln["bbox"][1])
            for ln in region["lines"]
        )
        >= 0.8 * len(region["lines"])
    ]
    assert len(columns) == 6
    segment(page)
    blocks = [
        r.box
        for r in page.regions
        if r.type is RegionType.BODY and not r.vertical and len(r.lines) >= 3
    ]

    def share(b: Box, c: list[float]) -> float:
        return max(0.0, min(b.x1, c[2]) - max(b.x0, c[0])) / (c[2] - c[0])

    for c in columns:  # every column of the module is one block's
        assert any(share(b, c) > 0.8 for b in blocks), c
    for b in blocks:  # and no block takes in two of them
        assert sum(share(b, c) > 0.5 for c in columns if b.y0 < c[3] and c[1] < b.y1) <= 1, b
