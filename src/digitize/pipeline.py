"""The pipeline: page stages in order, then the issue half.

Page stages (one page at a time, any worker), `process_page`:
    load -> deskew -> PAGE_STAGES (detect -> segment -> recognize -> classify -> order)
Issue half (all pages of an issue, once they are done), `finish_issue` + `issue_report`:
    link articles (stages.link) -> serialize (ALTO, text, METS, records) -> report
`batch/runner.py` (after OCR) and `archive/rebuild.py` (from corrected ALTO) both call it;
the store (batch/store.py) writes the bytes. Imports stages and serializers, never batch/.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import numpy as np

from digitize import __version__
from digitize.config import Settings as Settings  # callers build it next to process_page
from digitize.engines.base import ModelInfo, OcrEngine
from digitize.errors import BlankPageError, DigitizeError, EngineError
from digitize.model import Image, Issue, Page
from digitize.serialize.alto import Processing, to_alto
from digitize.serialize.alto_read import NotAltoError, read_alto
from digitize.serialize.mets import to_mets
from digitize.serialize.records import article_records
from digitize.serialize.text import issue_text, page_text
from digitize.stages.classify import classify
from digitize.stages.deskew import deskew
from digitize.stages.detect import detect_lines
from digitize.stages.link import link_articles
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


# --- the issue half: link -> write (bytes) -> report -----------------------------------------


@dataclass(frozen=True, slots=True)
class UnreadPage:
    """A page of the issue that failed: METS lists it as "not read" with the reason."""

    number: int
    file: Path
    index: int
    reason: str


@dataclass(slots=True)
class IssueOutputs:
    """Every output file of one issue (by name, as bytes) and what linking found."""

    files: dict[str, bytes]
    pages: list[Page]
    articles: int = 0
    jumps: int = 0
    unresolved_jumps: list[dict[str, object]] = field(default_factory=list)


def processing_for(
    engine: str, models: Sequence[ModelInfo], settings: dict[str, str]
) -> Processing:
    return Processing(
        software="digitize",
        version=__version__,
        engine=engine,
        models=list(models),
        settings=settings,
        timestamp=datetime.now(UTC).replace(microsecond=0).isoformat(),
    )


def finish_issue(
    name: str,
    source: Path,
    pages: list[Page],
    processing: Processing,
    *,
    folder: Path,
    unread: Sequence[UnreadPage] = (),
    with_alto: bool = True,
    overlays: bool = False,
) -> IssueOutputs:
    """Link the issue's articles and serialize every output file (written to `folder`,
    which FLocat links are relative to). Used by `digitize run` and `digitize rebuild`.

    An issue without a single read page gets no files: an empty METS and empty text would
    look like a finished issue.
    """
    issue = Issue(name=name, source=source, pages=pages)
    if not pages:
        return IssueOutputs(files={}, pages=[])
    link_articles(issue)
    files = issue_files(
        issue, processing, folder=folder, unread=unread, with_alto=with_alto, overlays=overlays
    )
    return IssueOutputs(
        files=files,
        pages=issue.pages,
        articles=len(issue.articles),
        jumps=len(issue.jumps),
        unresolved_jumps=issue.unresolved_jumps,
    )


def issue_report(
    name: str,
    info: dict[str, Any],
    rows: list[dict[str, Any]],
    outputs: IssueOutputs,
    *,
    total_pages: int,
    skipped_files: list[dict[str, str]],
    kept_edited: list[str],
    backups: list[str],
    write_seconds: float,
) -> bytes:
    """report.json: a row per page (status and reason), totals, and what was kept."""
    ok = sum(1 for r in rows if r["status"] == "done")
    report: dict[str, Any] = {
        "issue": name,
        "software": info["software"],
        "models": info["models"],
        "settings": info["settings"],
        "pages": rows,
        "unresolved_jumps": outputs.unresolved_jumps,
        "skipped_files": skipped_files,
        "totals": {
            "pages": total_pages,
            "ok": ok,
            "failed": sum(1 for r in rows if r["status"] == "failed"),
            "seconds": round(sum(r["seconds"] for r in rows), 3),
            # linking articles + serializing + writing the issue's files (not per page)
            "write_seconds": round(write_seconds, 3),
            "articles": outputs.articles,
            "jumps": outputs.jumps,
        },
        "kept_edited": kept_edited,
        "backups": backups,
    }
    if not ok:
        report["note"] = "no page of this issue was read: no METS, text or article files written"
    return json.dumps(report, ensure_ascii=False, indent=1).encode("utf-8")


def alto_name(page: Page) -> str:
    return f"{page.stem}.xml"


def file_href(target: Path, base: Path) -> str:
    """`target` as a URI reference relative to the folder `base` (where METS is written),
    percent-encoded, so that spaces, '#' or a newline in a file name cannot break it."""
    rel = os.path.relpath(os.path.abspath(target), os.path.abspath(base))
    return quote(Path(rel).as_posix(), safe="/")


def issue_files(
    issue: Issue,
    processing: Processing,
    *,
    folder: Path,
    unread: Sequence[UnreadPage] = (),
    with_alto: bool = True,
    overlays: bool = False,
) -> dict[str, bytes]:
    """Every output file of one issue, by file name. `with_alto=False` is for rebuilds,
    where the (possibly corrected) ALTO files are the source and must not be rewritten."""
    files: dict[str, bytes] = {}
    for page in issue.pages:
        if with_alto:
            files[alto_name(page)] = to_alto(page, processing=processing, image_file=page.file.name)
        files[f"{page.stem}.txt"] = _text(page_text(page))
        if overlays:
            files[f"{page.stem}.overlay.png"] = _overlay(page)
    sources = [(p.number, p.file, p.source_index) for p in issue.pages]
    sources += [(u.number, u.file, u.index) for u in unread]
    multi = {f for _, f, index in sources if index > 0}  # files holding several pages
    files["mets.xml"] = to_mets(
        issue,
        image_files={n: file_href(f, folder) for n, f, _ in sources},
        alto_files={p.number: quote(alto_name(p)) for p in issue.pages},
        image_pages={n: index + 1 for n, f, index in sources if f in multi},
        unread={u.number: u.reason for u in unread},
    )
    files["issue.txt"] = _text(issue_text(issue))
    records = article_records(issue)
    files["articles.jsonl"] = "".join(
        json.dumps(r, ensure_ascii=False, sort_keys=False) + "\n" for r in records
    ).encode("utf-8")
    return files


def _text(text: str) -> bytes:
    return (text.rstrip("\n") + "\n").encode("utf-8") if text else b""


def _overlay(page: Page) -> bytes:
    from digitize.serialize.overlay import render_overlay

    source = PageSource(file=page.file, index=page.source_index, stem=page.stem, number=page.number)
    return render_overlay(page, load_page(source))


def read_corrected_page(path: Path, source: tuple[Path, int] | None) -> Page | None:
    """One (possibly hand-edited) ALTO file as a Page (`read_alto` parses it safely); None
    if it is not ALTO. `source` is the scan's path and page index, which ALTO lacks (it
    records only the image's file name).

    Raises InputError (with file and line) or OSError for a file that cannot be read.
    """
    try:
        page = read_alto(path)
    except NotAltoError:
        return None  # some other XML the archivist keeps next to the outputs
    if source is not None:
        page.file, page.source_index = source
    return page
