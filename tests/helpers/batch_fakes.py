"""Fakes for batch-run tests: an OCR engine without models and an instrumented page function.

The real pipeline runs (loading, deskew, layout); only the OCR engine is fake, so bad inputs
fail exactly as they would in production while a page costs a fraction of a second.
Behaviour is steered by environment variables so that forked workers and `digitize run`
subprocesses see it too:

    DIGITIZE_TEST_COUNTER  file that gets one line "<stem>" per finished page
    DIGITIZE_TEST_DELAY    seconds to sleep per page (to interrupt a run mid-batch)
    DIGITIZE_TEST_CRASH    stem of a page whose worker process kills itself (SIGKILL)
    DIGITIZE_TEST_MODEL    model hash the fake engine reports (to simulate a model update)
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import cv2
import numpy as np
import pytest

from digitize import pipeline
from digitize.config import Settings
from digitize.engines.base import DetectedLine, ModelInfo, Recognition
from digitize.model import Image
from digitize.pipeline import PageResult
from digitize.stages.load import PageSource


class FakeEngine:
    """Finds dark horizontal bands as lines and reads each as a fixed string."""

    name = "rapidocr"

    def __init__(self, *, threads: int | None = None) -> None:
        self.threads = threads

    def detect(self, image: Image) -> list[DetectedLine]:
        grey = image if image.ndim == 2 else image.mean(axis=2).astype(np.uint8)
        ink = (grey < 128).sum(axis=1) > 0
        lines: list[DetectedLine] = []
        y = 0
        h = len(ink)
        while y < h:
            if not ink[y]:
                y += 1
                continue
            y0 = y
            while y < h and ink[y]:
                y += 1
            cols = np.flatnonzero((grey[y0:y] < 128).any(axis=0))
            x0, x1 = float(cols[0]), float(cols[-1] + 1)
            lines.append(DetectedLine([(x0, y0), (x1, y0), (x1, y), (x0, y)], 0.9))
        return lines

    def recognize(self, crops: Sequence[Image], *, precise: bool = False) -> list[Recognition]:
        return [
            Recognition("新闻报道", 0.95, [0.95] * 4, [0.125, 0.375, 0.625, 0.875]) for _ in crops
        ]

    def models(self) -> list[ModelInfo]:
        sha = os.environ.get("DIGITIZE_TEST_MODEL", "0" * 64)
        return [ModelInfo("fake_rec", "rec", "1", "tests", "-", sha)]

    def settings(self) -> dict[str, str]:
        return {"engine": "fake", "threads": str(self.threads or 1)}


def fake_create(
    name: str = "rapidocr", *, threads: int | None = None, preset: str = "fast"
) -> FakeEngine:
    return FakeEngine(threads=threads)


def instrumented_process_page(source: PageSource, engine: object, settings: Settings) -> PageResult:
    """The real process_page, plus the test hooks described in the module docstring."""
    if os.environ.get("DIGITIZE_TEST_CRASH") == source.stem:
        os.kill(os.getpid(), signal.SIGKILL)
    delay = float(os.environ.get("DIGITIZE_TEST_DELAY", "0") or 0)
    if delay:
        time.sleep(delay)
    res = pipeline.process_page(source, engine, settings)  # type: ignore[arg-type]
    counter = os.environ.get("DIGITIZE_TEST_COUNTER")
    if counter and res.ok:
        fd = os.open(counter, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, f"{source.stem}\n".encode())
        finally:
            os.close(fd)
    return res


def _patch_modules(setattr_: Callable[[object, str, object], None]) -> None:
    from digitize.batch import cluster, pool, runner

    for module in (runner, pool, cluster):
        setattr_(module, "create_engine", fake_create)
        setattr_(module, "process_page", instrumented_process_page)


def fake_worker_init(settings: Settings, threads: int) -> None:
    """Pool initializer: patch the fakes into this fresh (spawned) worker, then the real init."""
    from digitize.batch import pool

    _patch_modules(setattr)
    pool._init_worker(settings, threads)


def install(monkeypatch: pytest.MonkeyPatch) -> None:
    """Route the runner, its spawned workers and the Dask path to the fakes.

    Workers are spawned as in production (forking a test process that runs threads, e.g.
    Dask's event loop, can deadlock); the initializer patches them on start.
    """
    from digitize.batch import pool

    _patch_modules(monkeypatch.setattr)
    monkeypatch.setattr(pool, "_init_worker", fake_worker_init)


def page_image(seed: int, width: int = 360, height: int = 240) -> Image:
    """A small page with a few dark text-like bars (enough ink not to count as blank)."""
    rng = np.random.default_rng(seed)
    img = np.full((height, width), 235, np.uint8)
    y = 20
    while y + 14 < height - 10:
        length = int(rng.integers(width // 3, width - 40))
        img[y : y + 12, 20 : 20 + length] = 30
        img[y + 4 : y + 8, 20 + length // 2 : 24 + length // 2] = 235  # a gap, not a solid block
        y += 30
    return img


def write_pages(folder: Path, n: int, *, first_seed: int = 0) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for k in range(n):
        path = folder / f"page-{k + 1}.png"
        cv2.imwrite(str(path), page_image(first_seed + k))
        paths.append(path)
    return paths


def counted(counter: Path) -> list[str]:
    return counter.read_text().split() if counter.exists() else []


NOTO = "/usr/share/fonts/opentype/noto"
TINY_LINES = ("本报讯 今天上午全市召开会议", "部署冬季安全生产工作", "会议要求各部门落实责任")


def text_page(path: Path, lines: Sequence[str] = TINY_LINES) -> Path:
    """A tiny real page of printed Chinese lines, for tests that run the real OCR models."""
    from PIL import Image as PilImage
    from PIL import ImageDraw, ImageFont

    font = ImageFont.truetype(f"{NOTO}/NotoSerifCJK-Regular.ttc", 30, index=2)
    img = PilImage.new("L", (560, 60 + 52 * len(lines)), 245)
    draw = ImageDraw.Draw(img)
    for k, line in enumerate(lines):
        draw.text((40, 30 + 52 * k), line, fill=20, font=font)
    path.parent.mkdir(parents=True, exist_ok=True)
    img.save(path)
    return path
