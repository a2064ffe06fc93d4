"""`digitize review`: a self-contained HTML proof-reading page, rendered in Chromium."""

from __future__ import annotations

import json
import os
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


# setup.sh installs chromium; only a machine without it skips, never CI.
needs_chromium = pytest.mark.skipif(
    not CHROMIUM.exists() and not os.environ.get("CI"), reason="chromium not installed"
)


@needs_chromium
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


def _attrs(tag: str) -> dict[str, str]:
    return dict(re.findall(r'([\w-]+)="([^"]*)"', tag))


def _rect(a: dict[str, str]) -> tuple[float, float, float, float]:
    return float(a["x"]), float(a["y"]), float(a["width"]), float(a["height"])


def _hull(tag: str) -> tuple[float, float, float, float]:
    """Bounding box of an emitted block: its rect, or its polygon's points."""
    a = _attrs(tag)
    if tag.startswith("<rect"):
        return _rect(a)
    pts = [tuple(map(float, p.split(","))) for p in a["points"].split()]
    xs, ys = [p[0] for p in pts], [p[1] for p in pts]
    return min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys)


def _meets(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    return a[0] < b[0] + b[2] and b[0] < a[0] + a[2] and a[1] < b[1] + b[3] and b[1] < a[1] + a[3]


def test_badges_sit_outside_every_text_block(issue_dir: Path) -> None:
    """The reading-order badge of each block lies beside it, covering no text block of the
    page (computed from the coordinates in the page), and its leader ends on the block's
    top-left corner."""
    html, _ = build_review(issue_dir)
    for section in re.findall(r'<section class="page".*?</section>', html, re.S):
        blocks = {
            _attrs(t)["data-block"]: (_attrs(t)["data-type"], _hull(t))
            for t in re.findall(r'<(?:rect|polygon) [^>]*class="blk"[^>]*>', section)
        }
        text = [box for kind, box in blocks.values() if kind not in ("photo", "rule")]
        badges = re.findall(
            r'<g class="num" data-block="([^"]+)"><line ([^>]*)/><rect ([^>]*)/>', section
        )
        assert len(badges) >= 7
        for bid, line, rect in badges:
            badge = _rect(_attrs(rect))
            assert not [box for box in text if _meets(badge, box)], bid
            leader = _attrs(line)
            x, y, _, _ = blocks[bid][1]
            assert abs(float(leader["x2"]) - x) < 40 and abs(float(leader["y2"]) - y) < 40


def test_review_page_has_click_hover_and_zoom_wiring(issue_dir: Path) -> None:
    html, _ = build_review(issue_dir)
    pages = html.count('<section class="page"')
    for zoom in ("in", "out", "fit", "native"):
        assert html.count(f'data-zoom="{zoom}"') == pages
    assert html.count('class="vp" data-scan-width="1200"') == pages
    assert html.count('<div class="info" hidden>') == pages and 'id="artinfo"' in html
    for handler in ("'click'", "'mouseenter'", "'wheel'", "'pointerdown'", "'dblclick'"):
        assert f"addEventListener({handler}" in html, handler
    # Each text row carries what the info panel shows, and the article rows their text.
    row = r'class="tb" data-block="p1-body1"[^>]*data-conf="0\.\d\d" data-min="0\.50"'
    assert re.search(row, html)
    assert 'data-text="今年以来，我市新能源汽车产业' in html
    # Nothing from outside: no external URL anywhere in the page.
    assert not re.search(r"(?:https?:)?//(?!www\.w3\.org/2000/svg)[\w.-]+\.[a-z]{2,}", html)


_PROBE = """<script>
(function(){
 var r={};function q(s){return document.querySelector(s);}
 var reg=q('#page-1 .blk[data-block="p1-body3"]');
 reg.dispatchEvent(new MouseEvent('mouseenter'));
 r.follow=q('#page-1 .text').scrollTop;
 r.lit=q('#page-1 .tb[data-block="p1-body3"]').classList.contains('on');
 reg.dispatchEvent(new MouseEvent('click',{bubbles:true}));
 var info=q('#page-1 .info');r.info=info.hidden?null:info.textContent;
 var svg=q('#page-1 svg.scan');var w0=svg.getBoundingClientRect().width;
 q('#page-1 [data-zoom="in"]').click();r.zoomIn=svg.getBoundingClientRect().width/w0;
 q('#page-1 [data-zoom="native"]').click();r.native=svg.getBoundingClientRect().width/w0;
 for(var i=0;i<20;i++)q('#page-1 [data-zoom="in"]').click();
 r.most=svg.getBoundingClientRect().width/w0;r.label=q('#page-1 .zl').textContent;
 q('tr[data-article="jintan-20191219-p1-a2"]').click();
 r.article=q('#artinfo').hidden?null:q('#artinfo').textContent;
 r.selected=document.querySelectorAll('.blk.sel').length;
 document.body.setAttribute('data-probe',JSON.stringify(r));
})();
</script></body>"""


@needs_chromium
def test_review_page_behaves_in_headless_chromium(issue_dir: Path, tmp_path: Path) -> None:
    """Load the page in Chromium with a probe script appended: pointing at a region scrolls
    the text panel to its block, clicking shows its text and confidence, the zoom buttons
    enlarge the image up to 4x, clicking an article row shows its text and selects its
    regions."""
    assert main(["review", str(issue_dir)]) == 0
    page = tmp_path / "probe.html"
    html = (issue_dir / "review.html").read_text(encoding="utf-8")
    page.write_text(html.replace("</body>", _PROBE), encoding="utf-8")
    cmd = [
        str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
        "--no-first-run", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", f"--user-data-dir={tmp_path / 'profile'}", "--dump-dom",
        "--window-size=1400,500", page.as_uri(),
    ]  # fmt: skip
    dom = subprocess.run(cmd, check=True, capture_output=True, timeout=120, text=True).stdout
    m = re.search(r'data-probe="([^"]*)"', dom)
    assert m, dom[-2000:]
    probe = json.loads(m.group(1).replace("&quot;", '"').replace("&amp;", "&"))
    assert probe["follow"] > 0 and probe["lit"]  # the text panel scrolled to body3
    assert "各镇积极组织农户开展冬季" in probe["info"] and "confidence 0.97" in probe["info"]
    assert probe["zoomIn"] == pytest.approx(1.5, rel=0.05)
    assert probe["native"] > 1 and probe["most"] == pytest.approx(4, rel=0.05)
    assert probe["label"] == "400%"
    assert "老城区改造惠及万户居民" in probe["article"] and "老街区焕发新活力" in probe["article"]
    assert probe["selected"] == 5  # h2, body2, body2b, cap1 and the photo ph1
