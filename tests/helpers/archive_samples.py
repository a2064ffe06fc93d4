"""A small two-page issue written to disk with the real serializers, writer and store,
for the archivist and search tests (no OCR, no models).

Page 1 (skewed 0.8°, printed 1): masthead; article A "新能源汽车..." whose body jumps to
page 2; article B with two body blocks and a captioned photo; article C; an ad outside
the reading order. Page 2 (printed 4): the continuation of A and two more articles.
Every article's text is distinct so four-character phrases identify it.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
from paths import SCHEMA_DIR as SCHEMA_DIR  # tests that build an issue also validate it

from digitize.batch.store import Manifest, PageEntry, WriteOutcome, write_outputs
from digitize.model import Box, Glyph, Issue, JumpMarker, Line, Page, Region, RegionType, Transform
from digitize.pipeline import issue_files
from digitize.serialize.alto import Processing
from digitize.serialize.alto_read import rotation_transform
from digitize.stages.link import link_articles

ISSUE_NAME = "jintan-20191219"

PROCESSING = Processing(
    software="digitize", version="0.1.0", engine="test", timestamp="2024-05-01T12:00:00Z"
)


def _line(lid: str, text: str, box: Box, *, para: bool = False, low: str = "") -> Line:
    """A horizontal line with one glyph per character; characters in `low` get GC 0.5."""
    chars = [c for c in text if not c.isspace()]
    step = box.width / max(1, len(chars))
    glyphs = [
        Glyph(
            Box(box.x0 + k * step, box.y0, box.x0 + (k + 1) * step, box.y1),
            ch,
            0.5 if ch in low else 0.97,
        )
        for k, ch in enumerate(chars)
    ]
    conf = sum(g.confidence for g in glyphs) / max(1, len(glyphs))
    return Line(lid, box, text, conf, glyphs, False, [], para)


def _lines(prefix: str, texts: list[str], x: float, y: float, *, low: str = "") -> list[Line]:
    out = []
    for k, t in enumerate(texts):
        out.append(
            _line(f"{prefix}_{k + 1}", t, Box(x, y + 34 * k, x + 30 * len(t), y + 34 * k + 30),
                  para=k == 0, low=low)
        )  # fmt: skip
    return out


def _region(
    rid: str, rtype: RegionType, lines: list[Line], art: str | None, **kw: object
) -> Region:
    box = Box.hull(ln.box for ln in lines).expand(4)
    return Region(rid, rtype, box, lines, article_id=art, **kw)  # type: ignore[arg-type]


HEAD, CAPTION = RegionType.HEADLINE, RegionType.CAPTION
ARTICLE_A_P1 = ["今年以来，我市新能源汽车产业", "保持快速增长势头，全年产量", "预计突破十万辆。"]
ARTICLE_A_P2 = ["配套充电桩建设同步推进，", "全市已建成公共充电站二百座。"]
ARTICLE_B_1 = ["老城区改造工程涉及街巷八十条，", "改善了居民的出行条件。"]
ARTICLE_B_2 = ["下一步将继续推进管网更新，", "让老街区焕发新活力。"]
ARTICLE_C = ["各镇积极组织农户开展冬季", "田间管理，确保小麦安全越冬。"]
ARTICLE_D = ["市图书馆自下月起每天开放至", "晚上九点，方便市民借阅图书。"]
ARTICLE_E = ["本届联赛共有三十六支球队参", "加，比赛将持续两个月时间。"]


def page_one() -> Page:
    t = rotation_transform(1200, 1600, 0.8)
    regions = [
        _region("m1", RegionType.MASTHEAD, _lines("m1", ["金坛日报"], 480, 40), None),
        _region("h1", HEAD, _lines("h1", ["新能源汽车产业加快发展"], 60, 140), "p1-a1"),
        _region("body1", RegionType.BODY, _lines("b1", ARTICLE_A_P1, 60, 190, low="势"), "p1-a1"),
        _region("j1", RegionType.JUMP, _lines("j1", ["（下转第4版）"], 300, 300), "p1-a1",
                jump=JumpMarker("out", "4", "（下转第4版）")),
        _region("h2", HEAD, _lines("h2", ["老城区改造惠及万户居民"], 620, 140), "p1-a2"),
        _region("body2", RegionType.BODY, _lines("b2", ARTICLE_B_1, 620, 190), "p1-a2"),
        _region("body2b", RegionType.BODY, _lines("b2b", ARTICLE_B_2, 620, 270), "p1-a2"),
        _region("cap1", CAPTION, _lines("c1", ["图为改造后的老街"], 620, 600), "p1-a2",
                linked_to="ph1"),
        _region("h3", HEAD, _lines("h3", ["冬季农业生产有序推进"], 60, 700), "p1-a3"),
        _region("body3", RegionType.BODY, _lines("b3", ARTICLE_C, 60, 750), "p1-a3"),
        _region("ad1", RegionType.AD, _lines("ad", ["广告热线八八八八"], 60, 1400), None),
    ]  # fmt: skip
    regions.append(Region("ph1", RegionType.PHOTO, Box(620, 350, 1100, 590), article_id="p1-a2"))
    regions.append(Region("rule1", RegionType.RULE, Box(40, 110, 1160, 114)))
    return Page(
        number=1,
        file=Path("page-1.png"),
        stem="page-1",
        transform=t,
        printed_number="1",
        regions=regions,
        reading_order=["m1", "h1", "body1", "j1", "h2", "body2", "body2b", "cap1", "h3", "body3"],
    )


def page_two() -> Page:
    regions = [
        _region("m2", RegionType.MASTHEAD, _lines("m2", ["综合新闻"], 480, 40), None),
        _region("j2", RegionType.JUMP, _lines("j2", ["（上接第1版）"], 60, 140), "p2-a1",
                jump=JumpMarker("in", "1", "（上接第1版）")),
        _region("body4", RegionType.BODY, _lines("b4", ARTICLE_A_P2, 60, 180), "p2-a1"),
        _region("h5", RegionType.HEADLINE, _lines("h5", ["图书馆延长开放时间"], 620, 140), "p2-a2"),
        _region("body5", RegionType.BODY, _lines("b5", ARTICLE_D, 620, 190), "p2-a2"),
        _region("h6", RegionType.HEADLINE, _lines("h6", ["青少年足球联赛开幕"], 60, 700), "p2-a3"),
        _region("body6", RegionType.BODY, _lines("b6", ARTICLE_E, 60, 750), "p2-a3"),
    ]  # fmt: skip
    return Page(
        number=2,
        file=Path("page-2.png"),
        stem="page-2",
        transform=Transform.identity(1200, 1600),
        printed_number="4",
        regions=regions,
        reading_order=["m2", "j2", "body4", "h5", "body5", "h6", "body6"],
    )


def _scan(page: Page) -> np.ndarray:
    """A white scan with a dark bar where each line is (enough for a screenshot)."""
    t = page.transform
    img = np.full((t.scan_height, t.scan_width), 245, np.uint8)
    for ln in page.iter_lines():
        pts = np.array(page.to_scan_polygon(ln.box), np.int32)
        cv2.fillPoly(img, [pts], 40)
    for r in page.regions:
        if r.type is RegionType.PHOTO:
            pts = np.array(page.to_scan_polygon(r.box), np.int32)
            cv2.fillPoly(img, [pts], 120)
    return img


def write_issue(root: Path, pages: list[Page] | None = None) -> Path:
    """Write the issue (`pages`, by default page_one and page_two) as `digitize run`
    would: OUT/<issue>/ with ALTO, text, METS, records and a manifest naming the scans.
    Returns the issue folder."""
    scans = root / "scans"
    scans.mkdir(parents=True, exist_ok=True)
    folder = root / "out" / ISSUE_NAME
    folder.mkdir(parents=True, exist_ok=True)
    pages = pages if pages is not None else [page_one(), page_two()]
    manifest = Manifest.load(folder)
    for page in pages:
        scan = scans / page.file.name
        cv2.imwrite(str(scan), _scan(page))
        page.file = scan
        manifest.pages[page.stem] = PageEntry(
            file=str(scan), index=0, input_sha256="0" * 64, fingerprint="test", status="done"
        )
    issue = Issue(name=ISSUE_NAME, source=scans, pages=pages)
    link_articles(issue)
    files = issue_files(issue, PROCESSING, folder=folder)
    write_outputs(manifest, files, force=False, outcome=WriteOutcome())
    return folder
