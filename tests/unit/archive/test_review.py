"""`digitize review`: a self-contained HTML proof-reading page, rendered in Chromium."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import cv2
import numpy as np
import pytest
from archive_samples import write_issue

from digitize.archive.review import COLOURS, ReviewOptions, build_review
from digitize.cli import main

CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture
def issue_dir(tmp_path: Path) -> Path:
    return write_issue(tmp_path)


def test_review_page_is_self_contained(issue_dir: Path) -> None:
    assert main(["review", str(issue_dir)]) == 0
    html = (issue_dir / "review.html").read_text(encoding="utf-8")
    # Both pages embedded as JPEG, nothing loaded from elsewhere.
    assert len(re.findall(r'href="data:image/jpeg;base64,', html)) == 2
    assert not re.search(r'(?:src|href)="(?:https?:|//|file:)', html)
    assert "<link" not in html and "@import" not in html and "url(" not in html
    # Regions in their type colours, reading-order numbers, low-confidence glyph marked.
    assert f"stroke:{COLOURS['headline']}" in html and f"stroke:{COLOURS['photo']}" in html
    assert html.count('class="blk"') == 13 + 7  # every block of both pages
    assert '<mark title="GC 0.50">势</mark>' in html
    assert html.count('class="low"') == 1
    assert ">10</text>" in html  # page 1 has ten blocks in reading order
    # The articles list and the page text.
    assert "新能源汽车产业加快发展" in html and "（下转第4版）" in html


def test_missing_image_still_renders_overlays(issue_dir: Path, tmp_path: Path) -> None:
    shutil.rmtree(tmp_path / "scans")
    html, problems = build_review(issue_dir, ReviewOptions())
    assert len(problems) == 2 and "page image not found" in problems[0]
    assert "data:image/jpeg" not in html and html.count('class="blk"') == 20


@pytest.mark.skipif(not CHROMIUM.exists(), reason="chromium not installed (setup.sh installs it)")
def test_review_page_renders_in_headless_chromium(issue_dir: Path, tmp_path: Path) -> None:
    assert main(["review", str(issue_dir)]) == 0
    shot = tmp_path / "shot.png"
    cmd = [
        str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
        "--no-first-run", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", f"--user-data-dir={tmp_path / 'profile'}", f"--screenshot={shot}",
        "--window-size=1400,1000", (issue_dir / "review.html").as_uri(),
    ]  # fmt: skip
    subprocess.run(cmd, check=True, capture_output=True, timeout=120)
    assert shot.is_file()
    img = cv2.imread(str(shot))
    assert img is not None and img.shape[:2] == (1000, 1400)
    # Not blank: the dark header, the scan, the coloured overlays.
    assert float(img.std()) > 20
    assert int((img.max(axis=2).astype(int) - img.min(axis=2)).max()) > 100  # colour present
    header = img[:40, :, :]
    assert float(np.mean(header)) < 100
