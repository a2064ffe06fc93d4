"""The pipeline: page stages in order, then the issue half.

Page stages (one page at a time, any worker), `process_page`:
    load -> deskew -> PAGE_STAGES (detect -> segment -> recognize -> classify -> order)
Issue half (all pages of an issue, once they are done), `finish_issue` + `issue_report`:
    link articles (stages.link) -> serialize (the formats asked for: ALTO, PAGE-XML,
    text, METS with MODS, records, searchable PDF, IIIF manifest) -> report
`batch/runner.py` (after OCR) and `archive/rebuild.py` (from corrected ALTO) both call it;
the store (batch/store.py) writes the bytes. Imports stages and serializers, never batch/.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import numpy as np

from digitize import __version__
from digitize.config import OutputOptions
from digitize.config import Settings as Settings  # callers build it next to process_page
from digitize.engines.base import ModelInfo, OcrEngine
from digitize.errors import BlankPageError, DigitizeError, EngineError, UsageError
from digitize.model import Image, Issue, Page
from digitize.serialize.alto import Processing, to_alto
from digitize.serialize.alto_read import NotAltoError, read_alto
from digitize.serialize.iiif import iiif_manifest
from digitize.serialize.mets import to_mets
from digitize.serialize.mods import mods
from digitize.serialize.page_read import NotPageXmlError, read_page_xml
from digitize.serialize.page_xml import PAGE_DIR, page_xml
from digitize.serialize.page_xml import file_name as page_xml_file_name
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

if TYPE_CHECKING:
    from digitize.serialize.pdf import ImageSource

PageStage = Callable[[Page, OcrEngine], None]
IIIF_NAME = "manifest.json"


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


def process_page(
    source: PageSource,
    engine: OcrEngine,
    settings: Settings,
    stages: Sequence[tuple[str, PageStage]] = PAGE_STAGES,
) -> PageResult:
    """Run every page stage on one page. Never raises for a bad page: the error is returned.

    `stages` is the page half by default; benchmarks/replay.py stops it after recognize to
    replay the text-only stages on stored pages."""
    timings: dict[str, float] = {}
    started = time.perf_counter()
    stage = "load"

    def tick(name: str, t0: float) -> float:
        now = time.perf_counter()
        timings[name] = round(now - t0, 4)
        return now

    try:
        t = time.perf_counter()
        scan = load_page(source, max_pixels=settings.max_pixels)
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
        for stage, run_stage in stages:
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
    warnings: list[str] = field(default_factory=list)  # formats left out, and why


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
    outputs: OutputOptions | None = None,
    sources: Mapping[str, str] | None = None,
    overlays: bool = False,
) -> IssueOutputs:
    """Link the issue's articles and serialize every output file (written to `folder`,
    which links are relative to). Used by `digitize run` and `digitize rebuild`.

    An issue without a single read page gets no files: an empty METS and empty text would
    look like a finished issue.
    """
    issue = Issue(name=name, source=source, pages=pages)
    if not pages:
        return IssueOutputs(files={}, pages=[])
    link_articles(issue)
    warnings: list[str] = []
    files = issue_files(
        issue,
        processing,
        folder=folder,
        unread=unread,
        outputs=outputs,
        sources=sources,
        overlays=overlays,
        warn=warnings.append,
    )
    return IssueOutputs(
        files=files,
        pages=issue.pages,
        articles=len(issue.articles),
        jumps=len(issue.jumps),
        unresolved_jumps=issue.unresolved_jumps,
        warnings=warnings,
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


def page_xml_name(page: Page) -> str:
    return page_xml_file_name(page.stem)


def file_href(target: Path, base: Path) -> str:
    """`target` as a URI reference relative to the folder `base` (where METS is written),
    percent-encoded, so that spaces, '#' or a newline in a file name cannot break it."""
    return quote(_relative(target, base), safe="/")


def _relative(target: Path, base: Path) -> str:
    return Path(os.path.relpath(os.path.abspath(target), os.path.abspath(base))).as_posix()


def iiif_base(outputs: OutputOptions, folder: Path) -> str:
    """The issue folder's absolute URL: `--iiif-base-url` + the issue's name, else the
    folder's `file:` URI (good on this machine only)."""
    if outputs.iiif_base_url is None:
        return folder.resolve().as_uri() + "/"
    base = outputs.iiif_base_url.rstrip("/") + "/"
    return f"{base}{quote(folder.name)}/"


def issue_files(
    issue: Issue,
    processing: Processing,
    *,
    folder: Path,
    unread: Sequence[UnreadPage] = (),
    outputs: OutputOptions | None = None,
    sources: Mapping[str, str] | None = None,
    overlays: bool = False,
    warn: Callable[[str], None] | None = None,
) -> dict[str, bytes]:
    """Every output file of one issue in `outputs.formats`, by file name.

    `sources` names, per page stem, the format its model was read from in a rebuild
    ("alto" or "page"): that file is the archivist's copy and is not written again.
    A format that cannot be made (the PDF without its scans) is left out with a `warn`.
    """
    outputs = outputs or OutputOptions()
    formats = outputs.formats
    sources = sources or {}
    files: dict[str, bytes] = {}
    for page in issue.pages:
        if "alto" in formats and sources.get(page.stem) != "alto":
            files[alto_name(page)] = to_alto(page, processing=processing, image_file=page.file.name)
        if "page" in formats and sources.get(page.stem) != "page":
            image = _relative(page.file, folder / PAGE_DIR)
            files[page_xml_name(page)] = page_xml(page, processing, image_file=image)
        if "text" in formats:
            files[f"{page.stem}.txt"] = _text(page_text(page))
        if overlays:
            files[f"{page.stem}.overlay.png"] = _overlay(page)
    if "mets" in formats:
        files["mets.xml"] = _mets(issue, folder, unread, outputs)
    if "text" in formats:
        files["issue.txt"] = _text(issue_text(issue))
    if "records" in formats:
        records = article_records(issue)
        files["articles.jsonl"] = "".join(
            json.dumps(r, ensure_ascii=False, sort_keys=False) + "\n" for r in records
        ).encode("utf-8")
    pdf_name = f"{issue.name}.pdf"
    if "pdf" in formats:
        pdf = _pdf(issue, outputs, processing, warn)
        if pdf is not None:
            files[pdf_name] = pdf
    if "iiif" in formats:
        files[IIIF_NAME] = iiif_manifest(
            issue,
            iiif_base(outputs, folder),
            {p.number: _relative(p.file, folder) for p in issue.pages},
            alto_names={p.number: alto_name(p) for p in issue.pages} if "alto" in formats else {},
            mets_name="mets.xml" if "mets" in formats else None,
            pdf_name=pdf_name if pdf_name in files else None,
            manifest_name=IIIF_NAME,
        )
    return files


def _mets(
    issue: Issue, folder: Path, unread: Sequence[UnreadPage], outputs: OutputOptions
) -> bytes:
    sources = [(p.number, p.file, p.source_index) for p in issue.pages]
    sources += [(u.number, u.file, u.index) for u in unread]
    multi = {f for _, f, index in sources if index > 0}  # files holding several pages
    try:
        descriptive = mods(issue, outputs.mods)
    except ValueError as exc:  # OutputOptions checks the keys; a bad value lands here
        raise UsageError(f"MODS: {exc}") from exc
    return to_mets(
        issue,
        image_files={n: file_href(f, folder) for n, f, _ in sources},
        alto_files={p.number: quote(alto_name(p)) for p in issue.pages},
        page_files=(
            {p.number: quote(page_xml_name(p)) for p in issue.pages}
            if "page" in outputs.formats
            else None
        ),
        image_pages={n: index + 1 for n, f, index in sources if f in multi},
        unread={u.number: u.reason for u in unread},
        mods=descriptive,
    )


# Scans a PDF embeds as they are (JPEG) or decodes itself; other files are loaded.
_PLAIN_IMAGES = frozenset((".jpg", ".jpeg", ".png", ".tif", ".tiff"))


def _pdf(
    issue: Issue,
    outputs: OutputOptions,
    processing: Processing,
    warn: Callable[[str], None] | None,
) -> bytes | None:
    """The searchable PDF, or None (with a warning) when a page's scan cannot be read:
    a PDF without that page would look complete."""
    # Imported here: fpdf costs 0.2 s at import, and page workers import this module
    # without ever writing a PDF.
    from digitize.serialize.pdf import searchable_pdf

    images: dict[int, ImageSource] = {}
    for page in issue.pages:
        try:
            if page.source_index == 0 and page.file.suffix.lower() in _PLAIN_IMAGES:
                images[page.number] = page.file.read_bytes()
            else:
                images[page.number] = load_page(
                    PageSource(
                        file=page.file, index=page.source_index, stem=page.stem, number=page.number
                    )
                )
        except (OSError, DigitizeError) as exc:
            if warn is not None:
                why = exc.strerror if isinstance(exc, OSError) else exc.message
                warn(f"{issue.name}: no PDF written: the scan of {page.stem} ({page.file}) "
                     f"cannot be read: {why}")
            return None
    created = _timestamp(processing.timestamp)
    return searchable_pdf(issue, images, lossless=outputs.pdf_lossless, created=created)


def _timestamp(value: str) -> datetime | None:
    try:
        stamp = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)


def _text(text: str) -> bytes:
    return (text.rstrip("\n") + "\n").encode("utf-8") if text else b""


def _overlay(page: Page) -> bytes:
    from digitize.serialize.overlay import render_overlay

    source = PageSource(file=page.file, index=page.source_index, stem=page.stem, number=page.number)
    return render_overlay(page, load_page(source))


def read_corrected_page(
    path: Path, source: tuple[Path, int] | None, *, number: int | None = None
) -> Page | None:
    """One (possibly hand-edited) ALTO or PAGE-XML file (by its place: `page/<stem>.xml` is
    PAGE) as a Page, parsed safely; None if it is neither. `source` is the scan's path and
    page index, which the files lack (they record only an image name); `number` the
    page's place in the issue, for a PAGE file a tool stripped of ours.

    Raises InputError (with file and line) or OSError for a file that cannot be read.
    """
    try:
        if path.parent.name == PAGE_DIR:
            page = read_page_xml(path, number=number)
        else:
            page = read_alto(path)
    except (NotAltoError, NotPageXmlError):
        return None  # some other XML the archivist keeps next to the outputs
    if source is not None:
        page.file, page.source_index = source
    return page
