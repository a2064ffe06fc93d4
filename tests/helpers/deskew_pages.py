"""Rendered newspaper-like pages for the deskew tests (three columns of lines, or two
tiers of columns), and a skewed scan of one."""

from __future__ import annotations

import glob

import cv2
import numpy as np
import pytest
from PIL import Image as PilImage
from PIL import ImageDraw, ImageFont

from digitize.model import Image

TEXT = (
    "金坛市委常委会召开会议传达学习全国两会精神研究部署全市重点工作会议强调要坚持以人民为中心"
    "的发展思想扎实推进经济社会高质量发展持续改善民生福祉加快建设美丽宜居城市本报记者从市发展"
    "和改革委员会获悉今年以来我市围绕产业强市主导战略大力实施重大项目攻坚行动新开工亿元以上项目"
    "五十二个完成投资一百八十亿元同比增长农村人居环境整治深入开展群众满意度不断提升教育卫生文化"
)


PAPER = 245


def cjk_font(size: int) -> ImageFont.FreeTypeFont:
    paths = sorted(glob.glob("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc"))
    paths += sorted(glob.glob("/usr/share/fonts/opentype/noto/NotoSansCJK-*.ttc"))
    if not paths:
        pytest.skip("Noto CJK fonts are not installed")
    return ImageFont.truetype(paths[0], size)


def render_page(*, vertical: bool = False, w: int = 1200, h: int = 1600, size: int = 30) -> Image:
    """A newspaper-like page: a rule, then three columns of lines or two tiers of columns."""
    img = PilImage.new("L", (w, h), PAPER)
    draw = ImageDraw.Draw(img)
    font = cjk_font(size)
    draw.rectangle([60, 60, w - 60, 66], fill=20)
    pitch, lead = size + 2, int(size * 1.5)
    k = 0

    def put(x: int, y: int) -> None:
        nonlocal k
        draw.text((x, y), TEXT[k % len(TEXT)], font=font, fill=25)
        k += 1

    if vertical:
        tier = (h - 260) // 2
        for y0 in (100, 100 + tier + 60):
            for x in range(w - 60 - size, 60, -lead):
                for i in range(tier // pitch):
                    put(x, y0 + i * pitch)
    else:
        colw = (w - 200) // 3
        for c in range(3):
            for y in range(100, h - 80, lead):
                for i in range(colw // pitch):
                    put(60 + c * (colw + 40) + i * pitch, y)
    page = np.asarray(img).astype(np.float64)
    page += np.random.default_rng(3).normal(0, 3, page.shape)
    return np.clip(page, 0, 255).astype(np.uint8)


def skew_scan(page: Image, skew_deg: float) -> Image:
    """What a scanner gives for `page` turned counter-clockwise by `skew_deg` (same size)."""
    h, w = page.shape
    m = cv2.getRotationMatrix2D((w / 2, h / 2), skew_deg, 1.0)
    out = cv2.warpAffine(page, m, (w, h), flags=cv2.INTER_LINEAR, borderValue=(PAPER,))
    return np.asarray(out, dtype=np.uint8)


