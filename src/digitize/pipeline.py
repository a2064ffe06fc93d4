"""The pipeline: page stages in order, then issue stages, then writing.

Page stages (one page at a time, any worker):
    load -> deskew -> PAGE_STAGES (detect -> segment -> recognize -> classify -> order)
Issue stages (all pages of an issue, in runner.py once its pages are done):
    link articles (articles.link_articles) -> write (writer.issue_files, store.write_outputs)
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from digitize.engines import DEFAULT_PRESET
from digitize.engines.base import OcrEngine
from digitize.errors import BlankPageError, DigitizeError, EngineError
from digitize.model import Image, Page
from digitize.stages.classify import classify
from digitize.stages.deskew import deskew
from digitize.stages.detect import detect_lines
from digitize.stages.load import PageSource, load_page
from digitize.stages.order import order
from digitize.stages.recognize import recognize
from digitize.stages.segment import segment

PageStage = Callable[[Page, OcrEngine], None]


def _without_engine(stage: Callable[[Page], None]) -> PageStage:
    def run(page: Page, engine: OcrEngine) -> None:
        stage(page)

    return run


# After load and deskew (which make the Page), each stage fills in more of the page model.
PAGE_STAGES: tuple[tuple[str, PageStage], ...] = (
    ("detect", detect_lines),
    ("segment", _without_engine(segment)),
    ("recognize", recognize),
    ("classify", _without_engine(classify)),
    ("order", _without_engine(order)),
)


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything that changes the output; recorded in ALTO and in the run manifest."""

    engine: str = "rapidocr"
    detect_orientation: bool = True
    overlay: bool = False
    preset: str = DEFAULT_PRESET

    def as_dict(self) -> dict[str, str]:
        return {
            "engine": self.engine,
            "detect_orientation": str(self.detect_orientation).lower(),
            "preset": self.preset,
        }


@dataclass(slots=True)
class PageResult:
    """What a worker hands back: the finished page model, or the reason it failed."""

    source: PageSource
    page: Page | None
    seconds: float
    error: dict[str, str | None] | None = None
    stage_seconds: dict[str, float] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.page is not None


def _is_blank(image: Image) -> bool:
    """A page with (almost) no ink: a scanning mistake worth reporting, not an empty ALTO."""
    small = image[:: max(1, image.shape[0] // 400), :: max(1, image.shape[1] // 400)]
    grey = small if small.ndim == 2 else small.mean(axis=2)
    return float(np.std(grey)) < 2.0


def _orientation_scorer(engine: OcrEngine) -> Callable[[list[Image]], list[float]]:
    def score(crops: list[Image]) -> list[float]:
        return [r.confidence for r in engine.recognize(crops)]

    return score


def process_page(source: PageSource, engine: OcrEngine, settings: Settings) -> PageResult:
    """Run every page stage on one page. Never raises for a bad page: the error is returned."""
    timings: dict[str, float] = {}
    started = time.perf_counter()
    stage = "load"

    def tick(name: str, t0: float) -> float:
        now = time.perf_counter()
        timings[name] = round(now - t0, 4)
        return now

    try:
        t = time.perf_counter()
        scan = load_page(source)
        if _is_blank(scan):
            raise BlankPageError(
                "the page is blank (no ink found)",
                path=source.file,
                hint="check the scan; remove the file if the blank page is intended",
            )
        t = tick("load", t)
        stage = "deskew"
        scorer = _orientation_scorer(engine) if settings.detect_orientation else None
        page_image, transform = deskew(scan, read_score=scorer)
        del scan
        page = Page(
            number=source.number,
            file=source.file,
            stem=source.stem,
            transform=transform,
            source_index=source.index,
            image=page_image,
        )
        t = tick("deskew", t)
        for stage, run_stage in PAGE_STAGES:
            run_stage(page, engine)
            t = tick(stage, t)
        page.image = None  # the deskewed image is large and no later stage needs it
        page.seconds = timings
        return PageResult(source, page, time.perf_counter() - started, None, timings)
    except DigitizeError as exc:
        err = exc.to_dict()
    except MemoryError:
        err = EngineError(f"out of memory in stage {stage}", path=source.file).to_dict()
    except Exception as exc:
        err = EngineError(
            f"unexpected failure in stage {stage}: {type(exc).__name__}: {exc}",
            path=source.file,
            hint="please report this with the file",
        ).to_dict()
    err["stage"] = stage
    return PageResult(source, None, time.perf_counter() - started, err, timings)
