"""Batch runs: discover issues, run pages in a worker pool (or on a Dask cluster), skip what an
earlier run finished, then join each issue's pages and write its outputs.

A page's failure is recorded and the batch goes on; only an unwritable output location,
missing models or an unreachable cluster stop a run.

Memory stays flat over long runs: at most two pages per worker are queued, page images
are dropped inside the worker after recognition, finished page models go to the page
cache on disk at once, and an issue's pages are read back from that cache only when its
last page is done (so even an issue of hundreds of pages is held in memory only while
its outputs are written).
"""

from __future__ import annotations

import contextlib
import heapq
import json
import os
import sys
import time
from collections.abc import Callable, Generator, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from digitize import __version__
from digitize.batch.pool import failure, plan_workers, pool_results
from digitize.batch.progress import Progress, shown
from digitize.batch.store import (
    STATE_DIR,
    Manifest,
    PageEntry,
    RunLock,
    WriteOutcome,
    cache_ok,
    check_writable,
    contained,
    corrected_file,
    is_edited,
    load_page_cache,
    name_problem,
    record_taken_in,
    remove_old_caches,
    remove_stale_temps,
    save_page,
    sha256_bytes,
    sha256_file,
    write_outputs,
)
from digitize.config import OutputOptions, Settings
from digitize.engines import LIBRARY_LOG_ENV
from digitize.engines import create as create_engine
from digitize.engines.base import ModelInfo, OcrEngine
from digitize.errors import (
    EXIT_NOTHING_READ,
    EXIT_OK,
    EXIT_PAGES_FAILED,
    DigitizeError,
    EditConflictError,
    NothingReadError,
)
from digitize.model import Page
from digitize.pipeline import (
    PageResult,
    UnreadPage,
    finish_issue,
    issue_report,
    process_page,
    processing_for,
    read_corrected_page,
)
from digitize.serialize.alto import Processing
from digitize.serialize.page_xml import file_name as page_xml_file_name
from digitize.stages.load import IssueSource, PageSource, SkippedFile, discover

SLOWEST_KEPT = 5


@dataclass(slots=True)
class RunOptions:
    """What only a run needs beyond `Settings` (which say how pages are read)."""

    output: Path
    settings: Settings = field(default_factory=Settings)
    force: bool = False
    fail_fast: bool = False
    scheduler: str | None = None
    # Run pages in this process instead of a worker pool: no second copy of the models and
    # plain tracebacks, but a crash in native code ends the run. For debugging and profiling.
    in_process: bool = False
    # OCR libraries' log lines on stderr instead of OUTPUT/.digitize/library.log
    verbose: bool = False
    # Which files each issue gets (formats, IIIF base URL, MODS overrides)
    outputs: OutputOptions = field(default_factory=OutputOptions)


@dataclass(slots=True)
class RunSummary:
    ok: int = 0
    failed: int = 0
    skipped: int = 0  # finished by an earlier run
    seconds: float = 0.0
    slowest: list[tuple[float, str]] = field(default_factory=list)
    kept_edited: list[str] = field(default_factory=list)
    issues: list[str] = field(default_factory=list)
    stopped_early: bool = False
    workers: int = 0
    threads: int = 0
    refused: list[str] = field(default_factory=list)  # issues not run, with the reason
    unread_issues: list[str] = field(default_factory=list)  # issues of which no page was read

    @property
    def exit_code(self) -> int:
        if self.ok + self.skipped == 0:
            return EXIT_NOTHING_READ
        if self.failed or self.stopped_early or self.refused:
            return EXIT_PAGES_FAILED
        return EXIT_OK


# --- driver side -------------------------------------------------------------------------


def fingerprint(
    settings: Settings,
    engine_models: Sequence[dict[str, str]],
    engine_settings: dict[str, str] | None = None,
) -> str:
    """Changes whenever a re-run must redo a page: software, models or settings.

    The engine's thread count is left out: it changes speed, not output.
    """
    engine = {k: v for k, v in (engine_settings or {}).items() if k != "threads"}
    blob = json.dumps(
        {
            "software": __version__,
            "settings": settings.as_dict(),
            "models": list(engine_models),
            "engine": engine,
        },
        sort_keys=True,
    )
    return sha256_bytes(blob.encode())[:16]


def engine_fingerprint(settings: Settings) -> str:
    """The fingerprint a run with `settings` gives its pages (the engine is built, not run)."""
    probe = create_engine(settings.engine, threads=1, preset=settings.preset)
    model_ids = [{"name": m.name, "sha256": m.sha256} for m in probe.models()]
    return fingerprint(settings, model_ids, probe.settings())


@dataclass(slots=True)
class _IssueState:
    source: IssueSource
    folder: Path
    manifest: Manifest
    done: set[str] = field(default_factory=set)  # stems whose page model is in the cache
    results: dict[str, dict[str, Any]] = field(default_factory=dict)
    pending: int = 0
    ran: int = 0  # pages processed by this run
    skipped_files: list[dict[str, str]] = field(default_factory=list)  # not read, and why
    finished: bool = False  # outputs written (or found up to date) by this run


@dataclass(slots=True)
class _Job:
    state: _IssueState
    source: PageSource
    digest: str
    size: int
    mtime_ns: int


class Hasher:
    """Input hashes, reusing the manifest's when size and mtime are unchanged, and hashing a
    multi-page file once per run rather than once per page."""

    def __init__(self) -> None:
        self._memo: dict[Path, tuple[str, int, int]] = {}

    def __call__(self, ps: PageSource, entry: PageEntry | None) -> tuple[str, int, int]:
        if ps.file not in self._memo:
            try:
                st = ps.file.stat()
            except OSError:
                # Unreadable: the worker reports why; a unique digest forces a retry next time.
                self._memo[ps.file] = (f"unreadable-{time.time_ns()}", -1, -1)
            else:
                size, mtime = st.st_size, st.st_mtime_ns
                base = entry.input_sha256.split(":")[0] if entry else ""
                if entry and entry.size == size and entry.mtime_ns == mtime and base:
                    self._memo[ps.file] = (base, size, mtime)
                else:
                    try:
                        self._memo[ps.file] = (sha256_file(ps.file), size, mtime)
                    except OSError:
                        self._memo[ps.file] = (f"unreadable-{time.time_ns()}", -1, -1)
        digest, size, mtime = self._memo[ps.file]
        return digest + (f":{ps.index}" if ps.index else ""), size, mtime


def run(
    inputs: Sequence[Path], options: RunOptions, *, log: Callable[[str], None] | None = None
) -> RunSummary:
    """Run every page of the inputs that an earlier run has not finished, then write outputs."""
    log = log or (lambda msg: print(msg, file=sys.stderr))
    started = time.perf_counter()
    discovery = discover(inputs)
    if not discovery.issues:
        for skipped in discovery.skipped:
            log(f"skipped {shown(skipped.path)}: {skipped.reason}")
        raise NothingReadError(
            "no page images found in the inputs",
            hint="pass an issue folder of page images (TIFF, JPEG, PNG, JPEG 2000), a folder "
            "of issue folders, page images or a PDF",
        )
    check_writable(options.output)
    with RunLock(options.output), _library_log(options):
        return _run_locked(discovery.issues, discovery.skipped, options, log, started)


@contextlib.contextmanager
def _library_log(options: RunOptions) -> Iterator[None]:
    """OCR libraries log to OUTPUT/.digitize/library.log (stderr with --verbose), here and
    in worker processes, which inherit the environment."""
    saved = os.environ.get(LIBRARY_LOG_ENV)
    if options.verbose:
        os.environ[LIBRARY_LOG_ENV] = "stderr"
    else:
        path = contained(options.output, STATE_DIR) / "library.log"
        try:
            path.parent.mkdir(exist_ok=True)
        except OSError:
            path = Path(os.devnull)
        os.environ[LIBRARY_LOG_ENV] = str(path)
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop(LIBRARY_LOG_ENV, None)
        else:
            os.environ[LIBRARY_LOG_ENV] = saved


def issue_folder(src: IssueSource, output: Path, taken: set[str]) -> tuple[Path | None, str]:
    """The issue's output folder inside `output`, or None and the reason it is refused.

    The name comes from the input (`x/iss/sub/..` is named after what it resolves to, `iss`);
    a name that is still not a plain folder name ('..', a separator, a line break) is refused.
    """
    name = src.name
    if name_problem(name):
        resolved = src.path.resolve()
        name = resolved.name if src.path.is_dir() else resolved.stem
    problem = name_problem(name)
    if problem:
        return None, f"the issue name {name!r} (from {shown(src.path)}) {problem}; rename it"
    base, n = name, 1
    while name in taken:
        n += 1
        name = f"{base}-{n}"
    try:
        folder = contained(output, name)
    except DigitizeError as exc:
        return None, f"{name}: {exc}"
    taken.add(name)
    src.name = name
    return folder, ""


def _run_locked(
    issues: Sequence[IssueSource],
    skipped_files: Sequence[SkippedFile],
    options: RunOptions,
    log: Callable[[str], None],
    started: float,
) -> RunSummary:
    summary = RunSummary()
    for skipped in skipped_files:
        log(f"skipped {shown(skipped.path)}: {skipped.reason}")
    settings = options.settings
    workers, threads = plan_workers(settings.workers)
    if options.in_process:
        workers, threads = 1, os.cpu_count() or 1
    summary.workers, summary.threads = workers, threads
    # Loaded here first so that missing or broken models stop the run before any page.
    probe: OcrEngine | None = create_engine(
        settings.engine, threads=threads, preset=settings.preset
    )
    assert probe is not None
    models = probe.models()
    model_ids = [{"name": m.name, "sha256": m.sha256} for m in models]
    fp = fingerprint(settings, model_ids, probe.settings())
    processing = processing_for(settings.engine, models, settings.as_dict())
    info = {
        "software": {"name": "digitize", "version": __version__},
        "engine": settings.engine,
        "models": [{"name": m.name, "version": m.version, "sha256": m.sha256} for m in models],
        "settings": settings.as_dict(),
        "fingerprint": fp,
    }
    if not options.in_process:
        probe = None  # workers load their own; don't hold a third copy during the run

    states: list[_IssueState] = []
    todo: list[_Job] = []
    refused: list[tuple[_Job, PageResult]] = []
    hasher = Hasher()
    taken: set[str] = set()
    for src in issues:
        folder, why = issue_folder(src, options.output, taken)
        if folder is None:
            log(f"skipped issue: {why}")
            summary.refused.append(why)
            continue
        check_writable(folder)
        remove_stale_temps(folder)
        remove_old_caches(folder)
        manifest = Manifest.load(folder)
        if manifest.damaged:
            log(f"{src.name}: {STATE_DIR}/manifest.json is unreadable; redoing the issue")
        state = _IssueState(src, folder, manifest)
        state.skipped_files = [
            {"file": s.path.name, "reason": s.reason}
            for s in skipped_files
            if src.path.is_dir() and s.path.parent == src.path
        ]
        states.append(state)
        for ps in src.pages:
            entry = manifest.pages.get(ps.stem)
            digest, size, mtime = hasher(ps, entry)
            job = _Job(state, ps, digest, size, mtime)
            problem = name_problem(ps.stem)
            if problem:  # no output file can carry this name; the scan itself may be fine
                why = f"the page file name {problem}; rename the file"
                refused.append((job, failure(ps, "input", why)))
            elif (
                entry
                and entry.status == "done"
                and entry.input_sha256 == digest
                and entry.fingerprint == fp
                and cache_ok(folder, ps.stem, entry)
            ):
                state.done.add(ps.stem)
                state.results[ps.stem] = _row(ps, entry.seconds, "done", None, None, entry)
                summary.skipped += 1
                continue
            else:
                todo.append(job)
            state.pending += 1

    if todo and not options.in_process and len(todo) < workers:
        # Fewer pages than workers: fewer processes, each with more threads.
        workers, threads = plan_workers(len(todo))
        summary.workers, summary.threads = workers, threads
    progress = Progress(total=len(todo) + len(refused), log=log)
    say = progress.note
    if summary.skipped:
        say(f"{summary.skipped} page(s) already done by an earlier run; skipping them")
    slowest: list[tuple[float, str]] = []

    def on_result(job: _Job, res: PageResult) -> None:
        state, ps = job.state, job.source
        entry = PageEntry(
            file=str(ps.file.absolute()),
            index=ps.index,
            input_sha256=job.digest,
            fingerprint=fp,
            size=job.size,
            mtime_ns=job.mtime_ns,
        )
        entry.seconds = round(res.seconds, 3)
        if res.page is not None:
            save_page(state.folder, res.page, entry)  # before the manifest says "done"
            state.done.add(ps.stem)
            entry.status = "done"
            entry.skew_deg = res.page.transform.skew_deg
            summary.ok += 1
        else:
            entry.status = "failed"
            entry.error = res.error
            summary.failed += 1
            page_note = f" [page {ps.index + 1}]" if ps.index else ""
            say(f"FAILED {shown(ps.file)}{page_note}: {_describe(res.error)}")
        entry.finished_at = time.time()
        state.manifest.info = {**state.manifest.info, **info}  # keeps what rebuild recorded
        state.manifest.pages[ps.stem] = entry
        state.manifest.save()
        state.results[ps.stem] = _row(ps, res.seconds, entry.status, res.error, res.page, entry)
        item = (res.seconds, f"{state.source.name}/{shown(ps.stem)}")
        if len(slowest) < SLOWEST_KEPT:
            heapq.heappush(slowest, item)
        else:
            heapq.heappushpop(slowest, item)
        state.pending -= 1
        state.ran += 1
        progress.advance(f"{state.source.name}/{shown(ps.stem)}", ok=res.ok)
        if state.pending == 0:
            _finish_issue(state, options, processing, info, summary, say)

    for job, res in refused:
        on_result(job, res)
    for state in states:
        if state.pending == 0 and not state.finished:
            _finish_issue(state, options, processing, info, summary, say)

    results = _execute(todo, options, probe, threads, workers, models)
    try:
        for job, res in results:
            on_result(job, res)
            if options.fail_fast and not res.ok:
                summary.stopped_early = True
                say("stopping at the first failure (--fail-fast)")
                break
    finally:
        results.close()  # stops workers still busy (fail-fast, Ctrl-C, output error)
        progress.close()
    summary.seconds = time.perf_counter() - started
    summary.slowest = sorted(slowest, reverse=True)
    return summary


def _execute(
    todo: list[_Job],
    options: RunOptions,
    probe: OcrEngine | None,
    threads: int,
    workers: int,
    models: Sequence[ModelInfo],
) -> Generator[tuple[_Job, PageResult], None, None]:
    """Yield page results as they finish: in-process, in a process pool, or on Dask."""
    if not todo:
        return
    if options.scheduler:
        from digitize.batch.cluster import run_on_dask

        pairs = [(job, job.source) for job in todo]
        yield from run_on_dask(pairs, options.scheduler, options.settings, models=models)
        return
    if options.in_process:
        assert probe is not None
        for job in todo:
            yield job, process_page(job.source, probe, options.settings)
        return
    yield from pool_results(todo, options.settings, min(workers, len(todo)), threads)


def _row(
    ps: PageSource,
    seconds: float,
    status: str,
    error: dict[str, Any] | None,
    page: Page | None,
    entry: PageEntry | None,
) -> dict[str, Any]:
    skew = page.transform.skew_deg if page else (entry.skew_deg if entry else None)
    return {
        "page": ps.number,
        "file": str(ps.file.name) + (f"#{ps.index + 1}" if ps.index else ""),
        "stem": ps.stem,
        "skew_deg": round(skew, 3) if skew is not None else None,
        "rotation_quarter_turns": page.transform.quarter_turns if page else None,
        "printed_page": page.printed_number if page else None,
        "unread_chars": page.unread_chars if page else None,
        "seconds": round(seconds, 3),
        "stage_seconds": page.seconds if page else {},
        "status": status,
        "error": _describe(error) if error else None,
        "error_kind": (error or {}).get("kind"),
    }


def _describe(error: dict[str, Any] | None) -> str:
    if not error:
        return ""
    msg = str(error.get("message", "error"))
    hint = error.get("hint")
    return f"{msg} ({hint})" if hint else msg


def _outputs_key(state: _IssueState, info: dict[str, Any], options: RunOptions) -> str:
    """Identifies everything an issue's outputs are made from; equal keys = same outputs."""
    pages = sorted(
        (stem, e.status, e.input_sha256, e.fingerprint) for stem, e in state.manifest.pages.items()
    )
    blob = json.dumps(
        {
            "pages": pages,
            "stems": [p.stem for p in state.source.pages],
            "fingerprint": info["fingerprint"],
            "overlay": options.settings.overlay,
            "outputs": options.outputs.as_dict(),
        },
        sort_keys=True,
    )
    return sha256_bytes(blob.encode())[:16]


def _page_for_outputs(
    state: _IssueState,
    ps: PageSource,
    options: RunOptions,
    say: Callable[[str], None],
    followed: list[str],
) -> Page | None:
    """The page model the issue's outputs are built from: the page as an archivist corrected
    it when its ALTO or PAGE-XML was edited since we wrote it (the edited file is kept
    unless --force, so text, articles and METS must agree with it; its name is added to
    `followed`), else the verified page cache. Raises EditConflictError when both were
    edited."""
    entry = state.manifest.pages.get(ps.stem)
    name = None if options.force else corrected_file(state.manifest, ps.stem)
    if name is not None:
        source = (Path(entry.file), entry.index) if entry else None
        try:
            page = read_corrected_page(state.folder / name, source, number=ps.number)
            if page is not None:
                followed.append(name)
                return page
        except (DigitizeError, OSError) as exc:
            say(f"{state.source.name}: edited {name} cannot be read ({exc}); using the OCR result")
    return load_page_cache(state.folder, ps.stem, entry) if entry else None


def _finish_issue(
    state: _IssueState,
    options: RunOptions,
    processing: Processing,
    info: dict[str, Any],
    summary: RunSummary,
    say: Callable[[str], None],
) -> None:
    """All pages of the issue are done: link articles and write every output file.

    Skipped when nothing changed since the outputs were last written (a re-run of a
    finished issue rewrites nothing), unless --force asks to replace edited files.
    """
    state.finished = True
    started = time.perf_counter()
    name = state.source.name
    summary.issues.append(name)
    key = _outputs_key(state, info, options)
    recorded = state.manifest.info.get("outputs")
    if (
        state.ran == 0
        and not options.force
        and isinstance(recorded, dict)
        and recorded.get("key") == key
        and all((state.folder / n).exists() for n in recorded.get("files", []))
        and recorded.get("edits") == _edit_hashes(state)
    ):
        return

    pages: list[Page] = []
    unread: list[UnreadPage] = []
    followed: list[str] = []  # corrected files the outputs are made from
    for ps in state.source.pages:
        row = state.results.get(ps.stem)
        try:
            page = (
                _page_for_outputs(state, ps, options, say, followed)
                if ps.stem in state.done
                else None
            )
        except EditConflictError as exc:
            why = f"{name}: {exc.message}; the issue's files were not written"
            say(why)
            summary.refused.append(why)
            state.manifest.save()
            return
        if page is None and row is not None and row["status"] == "done":
            # verified when the run began, damaged since: said so, never dropped silently
            row.update(
                status="failed",
                error="its cached result was damaged during the run; run again to redo it",
                error_kind="cache",
            )
            state.manifest.pages.pop(ps.stem, None)
            summary.failed += 1
        if page is None:
            reason = str(row["error"]) if row and row.get("error") else "not read"
            unread.append(UnreadPage(ps.number, ps.file, ps.index, reason))
            continue
        pages.append(page)
        if row is not None:  # rows of pages loaded from the cache get their details
            row.update(
                printed_page=page.printed_number,
                rotation_quarter_turns=page.transform.quarter_turns,
                stage_seconds=page.seconds,
                unread_chars=page.unread_chars,
            )
    outputs = finish_issue(
        name,
        state.source.path,
        pages,
        processing,
        folder=state.folder,
        unread=unread,
        outputs=options.outputs,
        overlays=options.settings.overlay,
    )
    del pages
    for warning in outputs.warnings:
        say(warning)
    if not outputs.pages:
        summary.unread_issues.append(name)
        say(f"{name}: no page was read; no METS, text or article files written")
    rows = [state.results[ps.stem] for ps in state.source.pages if ps.stem in state.results]
    outcome = WriteOutcome()
    # what a rebuild took in stays (store.corrected_file); options for the next rebuild
    state.manifest.info = {**state.manifest.info, **info}
    state.manifest.info["output_options"] = options.outputs.as_dict()
    record_taken_in(state.manifest, followed)
    write_outputs(state.manifest, outputs.files, force=options.force, outcome=outcome)
    if outcome.kept_edited:
        names = ", ".join(outcome.kept_edited)
        say(
            f"{name}: kept edited file(s) {names}; "
            "rerun with --force to overwrite (a backup is kept)"
        )
        summary.kept_edited.extend(f"{name}/{n}" for n in outcome.kept_edited)
    if outcome.backed_up and state.manifest.damaged:
        say(
            f"{name}: replaced files the unreadable manifest did not list; backups in "
            f"{STATE_DIR}/backup/"
        )
    report = issue_report(
        name,
        info,
        rows,
        outputs,
        total_pages=len(state.source.pages),
        skipped_files=state.skipped_files,
        kept_edited=outcome.kept_edited,
        backups=outcome.backed_up,
        write_seconds=time.perf_counter() - started,
    )
    write_outputs(state.manifest, {"report.json": report}, force=True, outcome=WriteOutcome())
    state.manifest.info["outputs"] = {
        "key": key,
        "files": sorted([*outputs.files, "report.json"]),
        "edits": _edit_hashes(state),
    }
    state.manifest.save()


def _edit_hashes(state: _IssueState) -> dict[str, str]:
    """The edited ALTO and PAGE-XML files of the issue with their hashes: the outputs are
    up to date only while these are what they were when the outputs were written."""
    edits: dict[str, str] = {}
    for ps in state.source.pages:
        for name in (f"{ps.stem}.xml", page_xml_file_name(ps.stem)):
            if is_edited(state.manifest, name):
                edits[name] = sha256_file(state.folder / name)
    return edits
