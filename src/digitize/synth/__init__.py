"""Synthetic newspaper pages with exact ground truth (see `digitize.synth.render`)."""

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
