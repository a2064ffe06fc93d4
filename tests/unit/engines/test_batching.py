"""How the rapidocr engine splits work: detector bands and tiles, the choice between the
two detection passes, and recognizer batches (no model)."""

from __future__ import annotations

import itertools

import numpy as np
import numpy.typing as npt
import pytest

from digitize.engines._common import REC_BATCH, REC_HEIGHT
from digitize.engines.rapid import (
    REC_BATCH_PIXELS,
    band_spans,
    choose_confident,
    rec_batches,
    text_confidence,
    tile_spans,
)


def test_an_image_within_the_band_size_is_one_pass() -> None:
    assert band_spans(2048, 1504, 6_000_000, 96) == [(0, 2048, 0, 2048)]


@pytest.mark.parametrize(("height", "width"), [(3232, 4544), (9024, 992), (3520, 2400)])
def test_band_cores_partition_the_rows_on_the_stride_grid(height: int, width: int) -> None:
    pixels, margin = 3_000_000, 96
    spans = band_spans(height, width, pixels, margin)
    assert len(spans) > 1
    assert spans[0][2] == 0 and spans[-1][3] == height
    for (_, _, _, end), (_, _, start, _) in itertools.pairwise(spans):
        assert end == start  # cores tile the image without gap or overlap
    for start, end, core0, core1 in spans:
        assert start % 32 == 0 and core0 % 32 == 0 and core1 % 32 == 0
        assert start == max(0, core0 - margin) and end == min(height, core1 + margin)
        assert (end - start) * width <= pixels + 32 * width


def test_recognizer_batches_stay_within_count_and_pixels() -> None:
    ratios = {i: r for i, r in enumerate([2.0, 5.0, 8.0] * 10 + [60.0, 90.0, 120.0] * 4)}
    order = sorted(ratios, key=lambda i: ratios[i])
    batches = list(rec_batches(order, ratios))
    assert [i for b in batches for i in b] == order  # every crop once, in width order
    for batch in batches:
        widest = REC_HEIGHT * max(320 / REC_HEIGHT, *(ratios[i] for i in batch))
        assert len(batch) <= REC_BATCH
        assert len(batch) == 1 or len(batch) * widest * REC_HEIGHT <= REC_BATCH_PIXELS
    # short lines still fill whole batches; 120-em lines go a few at a time
    assert len(batches[0]) == REC_BATCH
    assert len(batches[-1]) < REC_BATCH


@pytest.mark.parametrize(("height", "width", "side"), [(3232, 4544, 1024), (992, 640, 1024)])
def test_tiles_partition_the_image_on_the_stride_grid(height: int, width: int, side: int) -> None:
    margin = 96
    tiles = tile_spans(height, width, side, margin)
    covered = np.zeros((height, width), dtype=np.int32)
    for y0, y1, cy0, cy1, x0, x1, cx0, cx1 in tiles:
        covered[cy0:cy1, cx0:cx1] += 1
        assert all(v % 32 == 0 for v in (y0, cy0, cy1, x0, cx0, cx1))
        assert (y0, y1) == (max(0, cy0 - margin), min(height, cy1 + margin))
        assert (x0, x1) == (max(0, cx0 - margin), min(width, cx1 + margin))
        assert cy1 - cy0 <= side and cx1 - cx0 <= side
    assert (covered == 1).all()  # every pixel in exactly one core
    assert (len(tiles) == 1) == (height <= side and width <= side)


def _rows(h: int, w: int, pitch: int, dotted: bool) -> npt.NDArray[np.float32]:
    """A probability map of text rows: solid lines near certainty, or the beads of a pass
    that did not see the rows (characters near 1, the gaps between them middling)."""
    out = np.zeros((h, w), dtype=np.float32)
    for y in range(8, h - 16, pitch):
        out[y : y + 14] = 0.95
        if dotted:
            for x in range(0, w, 22):
                out[y : y + 14, x + 12 : x + 22] = 0.45
    return out


def test_each_neighbourhood_takes_the_pass_that_found_its_lines() -> None:
    h, w = 1024, 2048
    # the tile pass found the rows on the left and broke them on the right; the page
    # pass the other way round
    local = np.hstack([_rows(h, w // 2, 30, False), _rows(h, w // 2, 30, True)])
    page = np.hstack([_rows(h, w // 2, 30, True), _rows(h, w // 2, 30, False)])
    solid = _rows(h, w, 30, False)
    out = choose_confident(local, page.copy(), text_confidence(page, 352), 352)
    inner = np.s_[:, list(range(0, w // 2 - 200)) + list(range(w // 2 + 200, w))]
    assert np.array_equal(out[inner], solid[inner])
    # each place holds one of the two maps, never a mixture
    assert ((out == local) | (out == page)).all()


def test_the_page_pass_stands_where_the_tile_pass_is_barely_surer() -> None:
    page = _rows(512, 512, 30, False)
    local = page.copy()
    page[page > 0] = 0.92  # a little less sure than the tile pass, not confused
    out = choose_confident(local, page.copy(), text_confidence(page, 352), 352)
    assert np.array_equal(out, page)


def test_confidence_tells_beads_from_lines_whatever_the_amount_of_text() -> None:
    dense, sparse = _rows(512, 512, 30, False), _rows(512, 512, 90, False)
    beads = _rows(512, 512, 30, True)
    assert np.allclose(text_confidence(dense, 352), 0.95, atol=0.01)
    assert np.allclose(text_confidence(sparse, 352), 0.95, atol=0.01)
    assert (text_confidence(beads, 352) < 0.8).all()
    blank = np.zeros((512, 512), dtype=np.float32)
    assert (text_confidence(blank, 352) == 1).all()  # nothing to be unsure of
