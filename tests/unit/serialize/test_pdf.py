"""Searchable PDF: what pdftotext (poppler) extracts equals the page text, with no space
between Chinese characters; pages keep the scan's size; images are kept as promised."""

from __future__ import annotations

import io
import re
import subprocess
import time
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from fontTools.ttLib import TTFont
from lxml import etree
from PIL import Image as PILImage
from serialize_samples import issue, line, region

from digitize.model import Box, Issue, Page, RegionType
from digitize.serialize.alto_read import rotation_transform
from digitize.serialize.page_xml import clean
from digitize.serialize.pdf import glyphless_font, searchable_pdf

CJK_SPACE = re.compile(
    r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef] +[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]"
)


def _blank_scans(iss: Issue) -> dict[int, np.ndarray]:
    return {
        p.number: np.full((p.transform.scan_height, p.transform.scan_width), 255, np.uint8)
        for p in iss.pages
    }


def _poppler(tool: str, pdf: Path, *args: str) -> str:
    """pdftotext/pdfinfo output (pdftotext writes to stdout with "-")."""
    tail = ["-"] if tool == "pdftotext" else []
    return subprocess.run(
        [tool, *args, str(pdf), *tail], capture_output=True, text=True, check=True
    ).stdout


def char_f1(expected: str, got: str) -> float:
    ce, cg = Counter(re.sub(r"\s", "", expected)), Counter(re.sub(r"\s", "", got))
    inter = sum((ce & cg).values())
    if not inter:
        return 0.0
    p, r = inter / sum(cg.values()), inter / sum(ce.values())
    return 2 * p * r / (p + r)


def test_pdftotext_gives_the_page_text(tmp_path: Path) -> None:
    iss = issue()
    pdf = tmp_path / "issue.pdf"
    pdf.write_bytes(searchable_pdf(iss, _blank_scans(iss)))
    for page in iss.pages:
        n = str(page.number)
        got = _poppler("pdftotext", pdf, "-f", n, "-l", n)
        expected = "".join(clean(ln) for ln in page.iter_lines())
        assert char_f1(expected, got) >= 0.99, got
        assert not CJK_SPACE.search(got), got
    text = _poppler("pdftotext", pdf)
    assert "会议指出New Year plan顺利" in text  # spaces between Latin words kept
    assert "春节前夕走访慰问" in text  # the vertical headline reads as one line


def test_pages_keep_the_scan_size_and_text_sits_on_its_line(tmp_path: Path) -> None:
    iss = issue()
    iss.pages[1].dpi_estimate = 150.0
    pdf = tmp_path / "issue.pdf"
    pdf.write_bytes(searchable_pdf(iss, _blank_scans(iss)))
    info = _poppler("pdfinfo", pdf, "-f", "1", "-l", "9")
    assert re.search(r"^Pages:\s+2$", info, re.M)
    sizes = re.findall(r"Page\s+\d+ size:\s+([\d.]+) x ([\d.]+) pts", info)
    # 1000 x 1400 scan pixels at 300 dpi (page 1) and at 150 dpi (page 2)
    assert [(float(w), float(h)) for w, h in sizes] == [(240.0, 336.0), (480.0, 672.0)]
    # page 2 is unskewed: the headline's words lie on its line box (520,120)-(900,160) px
    bbox = etree.fromstring(_poppler("pdftotext", pdf, "-bbox", "-f", "2", "-l", "2").encode())
    words = [w for w in bbox.iter("{*}word") if w.text == "文化活动丰富多彩"]
    assert len(words) == 1
    k = 72 / 150
    w = words[0]
    assert abs(float(w.get("xMin", "0")) - 520 * k) < 1.0
    assert abs(float(w.get("xMax", "0")) - 900 * k) < 1.0
    # the glyphless font's ascent and descent are the em box's, so the word box is the
    # line box (a system CJK font's 1.16/0.29 em made it taller than the line)
    assert abs(float(w.get("yMin", "0")) - 120 * k) < 1.0
    assert abs(float(w.get("yMax", "0")) - 160 * k) < 1.0


def test_any_character_extracts_through_the_glyphless_font(tmp_path: Path) -> None:
    """Characters no common font has (CJK extension B, the unread mark, circled digits)
    come back out of the text layer; the embedded font is the text layer's own."""
    text = "𠀀𪚥〓①龘"
    lines = [line("l1", text, Box(100, 100, 100 + 40 * len(text), 140))]
    page = Page(
        number=1,
        file=Path("page-1.png"),
        stem="page-1",
        transform=rotation_transform(1000, 400, 0.0),
        regions=[region("r1", RegionType.BODY, lines)],
        reading_order=["r1"],
    )
    iss = Issue(name="x", source=tmp_path, pages=[page])
    pdf = tmp_path / "x.pdf"
    pdf.write_bytes(searchable_pdf(iss, _blank_scans(iss)))
    assert _poppler("pdftotext", pdf).strip() == text
    fonts = _poppler("pdffonts", pdf).splitlines()[2:]
    assert len(fonts) == 1 and "GlyphLess" in fonts[0] and "TrueType" in fonts[0], fonts


def test_images_jpeg_kept_as_is_and_lossless_option(tmp_path: Path) -> None:
    iss = issue()
    iss.pages = iss.pages[:1]
    rng = np.random.default_rng(1)
    scan = rng.integers(0, 255, (1400, 1000, 3), dtype=np.uint8)
    jpeg = io.BytesIO()
    PILImage.fromarray(scan).save(jpeg, format="JPEG", quality=80)
    out = searchable_pdf(iss, {1: jpeg.getvalue()})
    assert jpeg.getvalue() in out  # embedded byte for byte, no second loss

    pdf = tmp_path / "lossless.pdf"
    pdf.write_bytes(searchable_pdf(iss, {1: scan}, lossless=True))
    subprocess.run(["pdfimages", "-png", str(pdf), str(tmp_path / "img")], check=True)
    (png,) = sorted(tmp_path.glob("img-*.png"))
    back = np.asarray(PILImage.open(png).convert("RGB"))
    assert np.array_equal(back, scan[:, :, ::-1])  # BGR in, every pixel kept


def test_columns_across_a_narrow_gutter_do_not_join(tmp_path: Path) -> None:
    """Gutters of 0.3-0.6 em are common in print; pdftotext joins runs closer than ~0.7 em
    on one baseline into one line with a space, so two columns' lines came out interleaved
    with a space between two Chinese characters."""
    em, gutter, width = 40.0, 0.35 * 40.0, 8
    left = [f"甲{'一二三四五六七'}", f"乙{'八九十百千万亿'}"]
    right = [f"丙{'春夏秋冬东南西'}", f"丁{'北上下左右前后'}"]
    cols = []
    for c, texts in enumerate((left, right)):
        x0 = 100 + c * (width * em + gutter)
        tops = [100 + r * 1.5 * em for r in range(len(texts))]
        lines = [
            line(f"c{c}l{r}", t, Box(x0, top, x0 + width * em, top + em))
            for r, (t, top) in enumerate(zip(texts, tops, strict=True))
        ]
        cols.append(region(f"col{c}", RegionType.BODY, lines))
    page = Page(
        number=1,
        file=Path("page-1.png"),
        stem="page-1",
        transform=rotation_transform(1000, 400, 0.0),
        regions=cols,
        reading_order=["col0", "col1"],
    )
    iss = Issue(name="x", source=tmp_path, pages=[page])
    pdf = tmp_path / "x.pdf"
    pdf.write_bytes(searchable_pdf(iss, _blank_scans(iss)))
    got = _poppler("pdftotext", pdf)
    assert not CJK_SPACE.search(got), got
    for text in left + right:
        assert text in got, got


def test_glyphless_font_carries_no_build_time(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """fontTools stamps fonts with the time they are built; the PDF of an issue must not
    change between two runs (a Dask run is compared with a local one byte for byte). The
    fixed date must not make fontTools warn when fpdf2 reads the font."""
    first = glyphless_font("中文")
    TTFont(io.BytesIO(first))["head"]
    assert not [r for r in caplog.records if r.levelname == "WARNING"], caplog.text
    later = time.time() + 86400 * 400
    monkeypatch.setattr(time, "time", lambda: later)
    assert glyphless_font("文中") == first
    assert TTFont(io.BytesIO(first))["cmap"].getBestCmap() == {
        0x20: "blank",
        ord("中"): "blank",
        ord("文"): "blank",
    }
