"""Hand-built pages and an issue for the serializer tests (no images, no OCR).

Page 1 is skewed (1.5°) and holds: a masthead, a jumped article (headline, byline,
body with a Latin phrase, 下转 jump), a second article with a vertical headline, a photo
and its caption, a rule, and an ad outside the reading order. Page 2 (printed 4) holds the
jump's continuation (上接 marker, body, a captioned photo) and a third article.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from lxml import etree

from digitize.engines.base import ModelInfo
from digitize.model import (
    Article,
    ArticlePart,
    Box,
    Glyph,
    Issue,
    JumpLink,
    JumpMarker,
    Line,
    Page,
    Region,
    RegionType,
    Transform,
)
from digitize.serialize.alto import Processing
from digitize.serialize.alto_read import rotation_transform

# The shared schema folder beside the repository; DIGITIZE_SCHEMAS (as for `digitize
# validate`) names another one, e.g. from a git worktree that sits elsewhere.
SCHEMA_DIR = Path(
    os.environ.get("DIGITIZE_SCHEMAS")
    or Path(__file__).resolve().parents[1].parent / "shared" / "schema"
)


def xml_schema(name: str) -> etree.XMLSchema:
    """A schema from the shared folder; the test is skipped where that folder is absent."""
    if not SCHEMA_DIR.is_dir():
        pytest.skip(f"schema folder not found at {SCHEMA_DIR}")
    path = SCHEMA_DIR / name
    assert path.is_file(), f"{path} missing from the schema folder"
    return etree.XMLSchema(etree.parse(str(path)))


PROCESSING = Processing(
    software="digitize",
    version="0.1.0",
    engine="rapidocr",
    models=[
        ModelInfo(
            name="PP-OCRv6_small_rec",
            role="rec",
            version="6",
            source="rapidocr==3.10.0",
            path="models/rec.onnx",
            sha256="ab" * 32,
        ),
        {
            "name": "PP-OCRv6_small_det",
            "role": "det",
            "version": "6",
            "source": "rapidocr==3.10.0",
            "sha256": "cd" * 32,
        },
    ],
    settings={"det_scale": "1.0", "batch": "16"},
    timestamp="2024-05-01T12:00:00Z",
)


def line(
    lid: str,
    text: str,
    box: Box,
    *,
    vertical: bool = False,
    para: bool = False,
    glyphs: bool = True,
    conf: float = 0.9,
) -> Line:
    """A line whose glyphs split its box evenly along the reading direction."""
    chars = [c for c in text if not c.isspace()]
    gl: list[Glyph] = []
    if glyphs and chars:
        n = len(chars)
        for k, ch in enumerate(chars):
            if vertical:
                step = box.height / n
                gb = Box(box.x0, box.y0 + k * step, box.x1, box.y0 + (k + 1) * step)
            else:
                step = box.width / n
                gb = Box(box.x0 + k * step, box.y0, box.x0 + (k + 1) * step, box.y1)
            gl.append(Glyph(gb, ch, round(0.5 + 0.5 * ((k * 7) % 10) / 10, 3)))
    return Line(lid, box, text, conf, gl, vertical, [], para)


def region(
    rid: str,
    rtype: RegionType,
    lines: list[Line],
    box: Box | None = None,
    **kw: object,
) -> Region:
    if box is None:
        box = Box.hull(ln.box for ln in lines).expand(2)
    return Region(rid, rtype, box, lines, **kw)  # type: ignore[arg-type]


def page_one(skew: float = 1.5) -> Page:
    t = rotation_transform(1000, 1400, skew)
    regions = [
        region(
            "m1", RegionType.MASTHEAD, [line("l1", "金坛日报", Box(400, 40, 600, 100), para=True)]
        ),
        region(
            "h1",
            RegionType.HEADLINE,
            [line("l2", "我市召开经济工作会议", Box(100, 150, 500, 200), para=True)],
            article_id="p1-a1",
        ),
        region(
            "b1",
            RegionType.BYLINE,
            [line("l3", "本报记者 张三", Box(100, 210, 300, 230), para=True)],
            article_id="p1-a1",
        ),
        region(
            "body1",
            RegionType.BODY,
            [
                line("l4", "会议总结了全年工作，", Box(100, 240, 460, 260), para=True),
                line("l5", "部署明年任务。", Box(100, 262, 460, 282), glyphs=False),
                line("l6", "会议指出 New Year plan 顺利", Box(100, 284, 460, 304), para=True),
                line("l7", "推进。", Box(100, 306, 160, 326)),
            ],
            article_id="p1-a1",
        ),
        region(
            "j1",
            RegionType.JUMP,
            [line("l8", "（下转第4版）", Box(340, 330, 460, 350), para=True)],
            article_id="p1-a1",
            jump=JumpMarker("out", "4", "（下转第4版）"),
        ),
        region(
            "v1",
            RegionType.HEADLINE,
            [line("l9", "春节前夕走访慰问", Box(900, 150, 930, 390), vertical=True, para=True)],
            article_id="p1-a2",
            vertical=True,
        ),
        region(
            "body2",
            RegionType.BODY,
            [
                line("l10", "市领导看望困难群众，", Box(520, 150, 880, 170), para=True),
                line("l11", "送去节日祝福。", Box(520, 172, 740, 192)),
            ],
            article_id="p1-a2",
        ),
        region("ph1", RegionType.PHOTO, [], Box(520, 200, 880, 400), article_id="p1-a2"),
        region(
            "cap1",
            RegionType.CAPTION,
            [line("l12", "图为慰问现场", Box(520, 405, 700, 425), para=True)],
            article_id="p1-a2",
            linked_to="ph1",
        ),
        region("rule1", RegionType.RULE, [], Box(80, 120, 920, 124)),
        region(
            "ad1",
            RegionType.AD,
            [line("l13", "广告热线", Box(100, 1200, 300, 1230), para=True)],
            inverted=True,
        ),
    ]
    return Page(
        number=1,
        file=Path("scans/page-1.png"),
        stem="page-1",
        transform=t,
        printed_number="1",
        dpi_estimate=300.0,
        text_height=20.0,
        regions=regions,
        reading_order=["m1", "h1", "b1", "body1", "j1", "v1", "body2", "cap1"],
    )


def page_two() -> Page:
    regions = [
        region(
            "m2", RegionType.MASTHEAD, [line("l1", "综合新闻", Box(400, 40, 600, 90), para=True)]
        ),
        region(
            "j2",
            RegionType.JUMP,
            [line("l2", "（上接第1版）", Box(100, 120, 240, 140), para=True)],
            article_id="p2-a1",
            jump=JumpMarker("in", "1", "（上接第1版）"),
        ),
        region(
            "body3",
            RegionType.BODY,
            [
                line("l3", "各部门要狠抓落实，", Box(100, 145, 460, 165)),
                line("l4", "确保完成目标。", Box(100, 167, 400, 187)),
            ],
            article_id="p2-a1",
        ),
        region("photo2", RegionType.PHOTO, [], Box(100, 200, 460, 400), article_id="p2-a1"),
        region(
            "cap2",
            RegionType.CAPTION,
            [line("l5", "会议现场", Box(100, 405, 260, 425), para=True)],
            article_id="p2-a1",
            linked_to="photo2",
        ),
        region(
            "h2",
            RegionType.HEADLINE,
            [line("l6", "文化活动丰富多彩", Box(520, 120, 900, 160), para=True)],
            article_id="p2-a2",
        ),
        region(
            "body4",
            RegionType.BODY,
            [line("l7", "各地举办迎新活动。", Box(520, 170, 880, 190), para=True)],
            article_id="p2-a2",
        ),
    ]
    return Page(
        number=2,
        file=Path("scans/page-4.png"),
        stem="page-4",
        transform=Transform.identity(1000, 1400),
        printed_number="4",
        regions=regions,
        reading_order=["m2", "j2", "body3", "cap2", "h2", "body4"],
    )


def issue() -> Issue:
    p1, p2 = page_one(), page_two()
    articles = [
        Article(
            id="a1",
            title="我市召开经济工作会议",
            byline="本报记者张三",
            parts=[
                ArticlePart(1, "page-1", ["h1", "b1", "body1", "j1"]),
                ArticlePart(2, "page-4", ["j2", "body3", "photo2", "cap2"]),
            ],
            confidence=0.9,
        ),
        Article(
            id="a2",
            title="春节前夕走访慰问",
            parts=[ArticlePart(1, "page-1", ["v1", "body2", "ph1", "cap1"])],
            text="市领导看望困难群众，送去节日祝福。",
            captions=["图为慰问现场"],
            confidence=0.8,
        ),
        Article(id="a3", parts=[ArticlePart(2, "page-4", ["h2", "body4"])], confidence=0.7),
    ]
    return Issue(
        name="jintan-20191219",
        source=Path("scans"),
        pages=[p1, p2],
        articles=articles,
        jumps=[JumpLink("a1", 1, 2, "j1", "j2", 0.93, {"target": "4", "pair": ("j1", "j2")})],
        unresolved_jumps=[
            {"article_id": "a3", "page": 2, "region_id": "body4", "raw": "下转第8版"}
        ],
    )


def small_page() -> Page:
    """The golden-file page: two blocks, one article, a Latin phrase, a slight skew."""
    return Page(
        number=3,
        file=Path("page-3.png"),
        stem="page-3",
        transform=rotation_transform(400, 300, -0.8),
        printed_number="A3",
        regions=[
            region(
                "h1",
                RegionType.HEADLINE,
                [line("l1", "新闻标题", Box(20, 20, 180, 50), para=True)],
                article_id="p3-a1",
            ),
            region(
                "t1",
                RegionType.BODY,
                [
                    line("l2", "正文 OCR test 内容", Box(20, 60, 260, 80), para=True),
                    line("l3", "第二行。", Box(20, 82, 100, 102), glyphs=False, conf=0.75),
                ],
                article_id="p3-a1",
            ),
        ],
        reading_order=["h1", "t1"],
    )
