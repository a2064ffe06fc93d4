"""How the rapidocr engine splits work: detector bands and recognizer batches (no model)."""

from __future__ import annotations

import itertools

import pytest

from digitize.engines._common import REC_BATCH, REC_HEIGHT
from digitize.engines.rapid import REC_BATCH_PIXELS, band_spans, rec_batches


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
