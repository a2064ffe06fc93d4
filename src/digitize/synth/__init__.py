"""Synthetic newspaper issues with exact ground truth in the bench gt.json format: the
committed sample, the test layouts and the seeded corpus family (`family`) behind
benchmarks/corpus.py (see `digitize.synth.render`).

A leaf package: it imports nothing else from digitize, so tests, benchmarks and the
engines (int8 calibration text) may all use it.
"""

from digitize.synth.layouts import grid_page, multi_page_jumps, sample_issue, vertical_page
from digitize.synth.render import (
    Degradation,
    IssueSpec,
    Module,
    PageSpec,
    SynthIssue,
    build_issue,
    page_text,
    render_issue,
)

__all__ = [
    "Degradation",
    "IssueSpec",
    "Module",
    "PageSpec",
    "SynthIssue",
    "build_issue",
    "grid_page",
    "multi_page_jumps",
    "page_text",
    "render_issue",
    "sample_issue",
    "vertical_page",
]
