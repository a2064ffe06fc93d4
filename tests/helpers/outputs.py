"""Comparing two output folders of the same issue, timestamps aside (a Dask run against a
local one, a rebuild against a run)."""

from __future__ import annotations

import re
from pathlib import Path

from digitize.serialize import page_xml, pdf


def without_timestamp(xml: bytes) -> bytes:
    """ALTO, PAGE-XML and METS with their processing and creation times removed."""
    xml = re.sub(rb"<processingDateTime>[^<]*</processingDateTime>", b"", xml)
    xml = page_xml.without_dates(xml)
    return re.sub(rb'CREATEDATE="[^"]*"', b"", xml)  # METS header


def same_outputs(a: Path, b: Path) -> None:
    """Assert both folders hold the same files with the same content (report.json aside)."""
    names = sorted(p.name for p in a.iterdir() if p.is_file() and p.name != "report.json")
    assert names == sorted(p.name for p in b.iterdir() if p.is_file() and p.name != "report.json")
    for name in names:
        left, right = (a / name).read_bytes(), (b / name).read_bytes()
        if name.endswith(".xml"):
            left, right = without_timestamp(left), without_timestamp(right)
        if name.endswith(".pdf"):
            left, right = pdf.without_dates(left), pdf.without_dates(right)
        assert left == right, name
