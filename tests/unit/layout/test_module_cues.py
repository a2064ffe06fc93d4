"""Geometric cues of article modules, on hand-placed boxes."""

from __future__ import annotations

from digitize.layout.module_cues import rule_between_v
from digitize.model import Box


def test_the_pieces_of_one_broken_rule_part_the_text_above_from_the_text_below() -> None:
    """A rule under three columns is broken where the column rules meet it. A column of
    the tier below, on a grid of its own, lies under two of the pieces: together they
    run across it, though neither does alone."""
    head = Box(284, 1240, 458, 1338)  # a headline over the middle column above
    below = Box(90, 1780, 331, 2287)  # the lower tier's first column
    pieces = [Box(89, 1759, 272, 1765), Box(281, 1759, 464, 1765), Box(473, 1759, 1041, 1765)]
    assert rule_between_v(head, below, pieces)
    assert not rule_between_v(head, below, pieces[1:])  # only the piece under the headline
    # Pieces at other heights are other rules.
    apart = [Box(89, 1700, 272, 1706), Box(281, 1759, 464, 1765)]
    assert not rule_between_v(head, below, apart)
