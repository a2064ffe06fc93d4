"""End to end on a tiny rendered issue with the real OCR: `digitize run --formats all`.

PAGE-XML validates, the PDF's text (pdftotext) is the page text with no space between
Chinese characters, the IIIF manifest has one canvas per page, METS has MODS title and
date (given by the batch: the tiny pages print no masthead)."""

from __future__ import annotations

import json
import re
import subprocess
from collections import Counter
from pathlib import Path

from batch_fakes import TINY_LINES, text_page
from lxml import etree
from paths import SCHEMA_DIR

from digitize.cli import main
from digitize.serialize.mods import MODS_NS


def _f1(found: str, truth: str) -> float:
    a, b = Counter(found), Counter(truth)
    hit = sum((a & b).values())
    return 2 * hit / max(1, sum(a.values()) + sum(b.values()))


def test_run_formats_all_on_a_tiny_issue(tmp_path: Path) -> None:
    issue = tmp_path / "in" / "tiny-20240315"
    text_page(issue / "page-1.png")
    text_page(issue / "page-2.png", TINY_LINES[::-1])
    out = tmp_path / "out"
    argv = ["run", str(issue), "-o", str(out), "--workers", "1", "--formats", "all"]
    assert main([*argv, "--title", "小报", "--date", "2024年3月15日"]) == 0
    folder = out / "tiny-20240315"

    schema = etree.XMLSchema(etree.parse(str(SCHEMA_DIR / "pagecontent-2019-07-15.xsd")))
    for n in (1, 2):
        doc = etree.parse(str(folder / "page" / f"page-{n}.xml"))
        assert schema.validate(doc), schema.error_log

    for n in (1, 2):
        pdf_text = subprocess.run(
            ["pdftotext", "-f", str(n), "-l", str(n), str(folder / "tiny-20240315.pdf"), "-"],
            check=True, capture_output=True, text=True,
        ).stdout  # fmt: skip
        page_text = (folder / f"page-{n}.txt").read_text(encoding="utf-8")
        assert not re.search(r"[\u4e00-\u9fff] [\u4e00-\u9fff]", pdf_text), pdf_text
        assert _f1(re.sub(r"\s", "", pdf_text), re.sub(r"\s", "", page_text)) >= 0.99

    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert [c["type"] for c in manifest["items"]] == ["Canvas", "Canvas"]

    mets = etree.parse(str(folder / "mets.xml"))
    ns = {"mods": MODS_NS}
    assert mets.xpath("string(//mods:title)", namespaces=ns) == "小报"
    assert mets.xpath("string(//mods:dateIssued)", namespaces=ns) == "2024-03-15"
