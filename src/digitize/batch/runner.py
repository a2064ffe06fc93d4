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
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Generator, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from digitize import __version__
from digitize.batch.progress import Progress
from digitize.batch.store import (
    Manifest,
    PageEntry,
    RunLock,
    WriteOutcome,
    check_writable,
    is_edited,
    load_page_cache,
    remove_stale_temps,
    save_page,
    sha256_bytes,
    sha256_file,
    write_outputs,
)
from digitize.batch.writer import issue_files, processing_for
from digitize.engines import create as create_engine
from digitize.engines.base import ModelInfo, OcrEngine
from digitize.errors import EXIT_OK, EXIT_PAGES_FAILED, DigitizeError, ModelError, UsageError
from digitize.model import Issue, Page
from digitize.pipeline import PageResult, Settings, process_page
from digitize.serialize.alto import Processing
from digitize.stages.load import IssueSource, PageSource, discover

# "spawn": workers start clean, never inheriting the driver's onnxruntime threads (forking a
# process that runs threads can deadlock). Tests switch to "fork" so workers see fakes.
MP_START_METHOD = "spawn"
# Pages queued per worker: enough to keep workers busy, few enough to keep memory flat.
QUEUE_PER_WORKER = 2
# Native thread pools that read their size from the environment when first loaded.
THREAD_ENV = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
SLOWEST_KEPT = 5


@dataclass(slots=True)
class RunOptions:
    output: Path
    settings: Settings = field(default_factory=Settings)
    workers: int = 0  # 0 = one per core
    force: bool = False
    fail_fast: bool = False
    scheduler: str | None = None
    # Run pages in this process instead of a worker pool: no second copy of the models and
    # plain tracebacks, but a crash in native code ends the run. For debugging and profiling.
    in_process: bool = False


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

    @property
    def exit_code(self) -> int:
        return EXIT_PAGES_FAILED if self.failed or self.stopped_early else EXIT_OK


def plan_workers(workers: int, cores: int | None = None) -> tuple[int, int]:
    """(worker processes, OCR threads per worker) so that workers x threads ~ cores."""
    cores = cores or os.cpu_count() or 1
    n = workers if workers > 0 else cores
    return n, max(1, cores // n)


# --- worker side -------------------------------------------------------------------------

_ENGINE: OcrEngine | None = None
_SETTINGS: Settings | None = None
_INIT_ERROR: DigitizeError | None = None


def limit_threads(threads: int) -> None:
    """Cap this process's native thread pools (OpenMP/BLAS via the environment, OpenCV)."""
    for var in THREAD_ENV:
        os.environ[var] = str(threads)
    import cv2

    cv2.setNumThreads(threads)


def _init_worker(settings: Settings, threads: int) -> None:
    """Load the models once per worker process, not once per page.

    A failure is kept and raised with the first page: an initializer that raises breaks the
    whole pool, which would look like a crashing page.
    """
    global _ENGINE, _SETTINGS, _INIT_ERROR
    # Ctrl-C reaches the whole process group; the driver handles it and stops the workers,
    # so they need not each print a KeyboardInterrupt traceback.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _exit_with_parent()
    limit_threads(threads)
    _SETTINGS = settings
    try:
        _ENGINE = create_engine(settings.engine, threads=threads, preset=settings.preset)
    except DigitizeError as exc:
        _INIT_ERROR = exc


def _exit_with_parent() -> None:
    """End this worker when the driver is gone (kill -9): nothing else would, and an orphan
    would sit on its models' memory forever."""
    parent = os.getppid()

    def watch() -> None:
        while True:
            time.sleep(1.0)
            if os.getppid() != parent:
                os._exit(1)

    threading.Thread(target=watch, name="digitize-parent-watch", daemon=True).start()


def _run_in_worker(source: PageSource) -> PageResult:
    if _INIT_ERROR is not None:
        raise _INIT_ERROR
    if _ENGINE is None or _SETTINGS is None:
        raise RuntimeError("worker not initialised")
    return process_page(source, _ENGINE, _SETTINGS)


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


@dataclass(slots=True)
class _Job:
    state: _IssueState
    source: PageSource
    digest: str
    size: int
    mtime_ns: int


def _failure(source: PageSource, kind: str, message: str, hint: str = "") -> PageResult:
    return PageResult(
        source,
        None,
        0.0,
        {"kind": kind, "message": message, "path": str(source.file), "hint": hint},
    )


class _Hasher:
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
    if options.workers < 0:
        raise UsageError("--workers must be 0 (one per core) or more")
    started = time.perf_counter()
    discovery = discover(inputs)
    check_writable(options.output)
    with RunLock(options.output):
        return _run_locked(discovery.issues, discovery.skipped, options, log, started)


def _run_locked(
    issues: Sequence[IssueSource],
    skipped_files: Sequence[Any],
    options: RunOptions,
    log: Callable[[str], None],
    started: float,
) -> RunSummary:
    summary = RunSummary()
    for skipped in skipped_files:
        log(f"skipped {skipped.path}: {skipped.reason}")

    workers, threads = plan_workers(options.workers)
    if options.in_process:
        workers, threads = 1, os.cpu_count() or 1
    summary.workers, summary.threads = workers, threads
    # Loaded here first so that missing or broken models stop the run before any page.
    probe: OcrEngine | None = create_engine(
        options.settings.engine, threads=threads, preset=options.settings.preset
    )
    assert probe is not None
    models = probe.models()
    model_ids = [{"name": m.name, "sha256": m.sha256} for m in models]
    fp = fingerprint(options.settings, model_ids, probe.settings())
    processing = processing_for(options.settings.engine, models, options.settings.as_dict())
    info = {
        "software": {"name": "digitize", "version": __version__},
        "engine": options.settings.engine,
        "models": [{"name": m.name, "version": m.version, "sha256": m.sha256} for m in models],
        "settings": options.settings.as_dict(),
        "fingerprint": fp,
    }
    if not options.in_process:
        probe = None  # workers load their own; don't hold a third copy during the run

    states: list[_IssueState] = []
    todo: list[_Job] = []
    hasher = _Hasher()
    for src in issues:
        folder = options.output / src.name
        check_writable(folder)
        remove_stale_temps(folder)
        manifest = Manifest.load(folder)
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
            if (
                entry
                and entry.status == "done"
                and entry.input_sha256 == digest
                and entry.fingerprint == fp
                and _cache_ok(folder, ps.stem)
            ):
                state.done.add(ps.stem)
                state.results[ps.stem] = _row(ps, entry.seconds, "done", None, None, entry)
                summary.skipped += 1
                continue
            todo.append(_Job(state, ps, digest, size, mtime))
            state.pending += 1

    if todo and not options.in_process and len(todo) < workers:
        # Fewer pages than workers: fewer processes, each with more threads.
        workers, threads = plan_workers(len(todo))
        summary.workers, summary.threads = workers, threads
    progress = Progress(total=len(todo), log=log)
    say = progress.note
    if summary.skipped:
        say(f"{summary.skipped} page(s) already done by an earlier run; skipping them")
    slowest: list[tuple[float, str]] = []

    def on_result(job: _Job, res: PageResult) -> None:
        state, ps = job.state, job.source
        entry = PageEntry(
            file=str(ps.file),
            index=ps.index,
            input_sha256=job.digest,
            fingerprint=fp,
            size=job.size,
            mtime_ns=job.mtime_ns,
        )
        entry.seconds = round(res.seconds, 3)
        if res.page is not None:
            save_page(state.folder, res.page)  # before the manifest says "done"
            state.done.add(ps.stem)
            entry.status = "done"
            entry.skew_deg = res.page.transform.skew_deg
            summary.ok += 1
        else:
            entry.status = "failed"
            entry.error = res.error
            summary.failed += 1
            page_note = f" [page {ps.index + 1}]" if ps.index else ""
            say(f"FAILED {ps.file}{page_note}: {_describe(res.error)}")
        entry.finished_at = time.time()
        state.manifest.info = info
        state.manifest.pages[ps.stem] = entry
        state.manifest.save()
        state.results[ps.stem] = _row(ps, res.seconds, entry.status, res.error, res.page, entry)
        item = (res.seconds, f"{state.source.name}/{ps.stem}")
        if len(slowest) < SLOWEST_KEPT:
            heapq.heappush(slowest, item)
        else:
            heapq.heappushpop(slowest, item)
        state.pending -= 1
        state.ran += 1
        progress.advance(f"{state.source.name}/{ps.stem}", ok=res.ok)
        if state.pending == 0:
            _finish_issue(state, options, processing, info, summary, say)

    for state in states:
        if state.pending == 0:
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


def _cache_ok(folder: Path, stem: str) -> bool:
    from digitize.batch.store import cache_path

    return cache_path(folder, stem).is_file()


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
    yield from _pool_results(todo, options.settings, min(workers, len(todo)), threads)


@contextlib.contextmanager
def _thread_env(threads: int) -> Iterator[None]:
    """Set the thread-count variables that spawned workers inherit, and restore them after.

    They must be in the environment before a worker imports numpy/onnxruntime, which is
    before any initializer runs.
    """
    saved = {var: os.environ.get(var) for var in THREAD_ENV}
    for var in THREAD_ENV:
        os.environ[var] = str(threads)
    try:
        yield
    finally:
        for var, value in saved.items():
            if value is None:
                os.environ.pop(var, None)
            else:
                os.environ[var] = value


def _new_pool(settings: Settings, workers: int, threads: int) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context(MP_START_METHOD),
        initializer=_init_worker,
        initargs=(settings, threads),
    )


def _stop_pool(pool: ProcessPoolExecutor, *, kill: bool) -> None:
    """Shut a pool down; with `kill`, end workers still busy instead of waiting for them."""
    procs = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=not kill, cancel_futures=True)
    if kill:
        for proc in procs:
            with contextlib.suppress(Exception):
                if proc.is_alive():
                    proc.kill()
        for proc in procs:
            with contextlib.suppress(Exception):
                proc.join(timeout=5)


CRASH_MESSAGE = "the worker process died while reading this page (crash or out of memory)"
CRASH_HINT = "check the file; it is retried on the next run"


def _pool_results(
    jobs: Sequence[_Job], settings: Settings, workers: int, threads: int
) -> Iterator[tuple[_Job, PageResult]]:
    """Run pages in worker processes, surviving workers that die.

    When a worker dies every page in flight fails with BrokenProcessPool, and nothing says
    which page killed it. Those pages become suspects: a fresh pool reruns them one at a
    time, so a page that kills a worker alone is the culprit and only it is failed.
    """
    queue: deque[_Job] = deque(jobs)
    suspects: deque[_Job] = deque()
    in_flight: dict[Future[PageResult], _Job] = {}
    limit = QUEUE_PER_WORKER * workers
    finished = False
    with _thread_env(threads):
        pool = _new_pool(settings, workers, threads)
        try:
            while queue or suspects or in_flight:
                broken_on_submit = False
                try:
                    if suspects:
                        if not in_flight:
                            job = suspects.popleft()
                            in_flight[pool.submit(_run_in_worker, job.source)] = job
                    else:
                        while queue and len(in_flight) < limit:
                            job = queue.popleft()
                            in_flight[pool.submit(_run_in_worker, job.source)] = job
                except BrokenProcessPool:  # a worker died since the last wake-up
                    (suspects if suspects else queue).appendleft(job)
                    broken_on_submit = True
                done: set[Future[PageResult]] = set()
                if in_flight:
                    done, _ = wait(in_flight, return_when=FIRST_COMPLETED)
                if broken_on_submit or any(
                    isinstance(f.exception(), BrokenProcessPool) for f in done
                ):
                    wait(in_flight)  # the rest are doomed too; collect what did finish
                    done = set(in_flight)
                    broken_on_submit = True
                broken: list[_Job] = []
                for fut in sorted(done, key=lambda f: in_flight[f].source.number):
                    job = in_flight.pop(fut)
                    exc = fut.exception()
                    if isinstance(exc, BrokenProcessPool):
                        broken.append(job)
                        continue
                    if isinstance(exc, ModelError):
                        raise exc
                    if exc is not None:
                        res = _failure(
                            job.source, "worker", f"worker error: {type(exc).__name__}: {exc}"
                        )
                    else:
                        res = fut.result()
                    yield job, res
                if broken_on_submit:
                    _stop_pool(pool, kill=True)
                    pool = _new_pool(settings, workers, threads)
                    if len(broken) == 1:
                        # It was alone in the pool: it is the page that killed the worker.
                        yield (
                            broken[0],
                            _failure(broken[0].source, "crash", CRASH_MESSAGE, CRASH_HINT),
                        )
                    else:
                        suspects.extend(broken)
            finished = True
        finally:
            _stop_pool(pool, kill=not finished)


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
        },
        sort_keys=True,
    )
    return sha256_bytes(blob.encode())[:16]


def _corrected_page(
    state: _IssueState, stem: str, options: RunOptions, say: Callable[[str], None]
) -> Page | None:
    """The page as an archivist corrected it, when its ALTO was edited since we wrote it.

    The edited ALTO is kept (unless --force), so the issue's text, articles and METS must be
    built from it too; otherwise a re-run would quietly undo the corrections there.
    """
    name = f"{stem}.xml"
    if options.force or not is_edited(state.manifest, name):
        return None
    from digitize.archive.rebuild import read_page

    try:
        return read_page(state.folder / name, state.manifest)
    except (DigitizeError, OSError) as exc:
        say(f"{state.source.name}: edited {name} cannot be read ({exc}); using the OCR result")
        return None


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
    from digitize.stages.link import link_articles

    started = time.perf_counter()
    summary.issues.append(state.source.name)
    key = _outputs_key(state, info, options)
    recorded = state.manifest.info.get("outputs")
    if (
        state.ran == 0
        and not options.force
        and isinstance(recorded, dict)
        and recorded.get("key") == key
        and all((state.folder / name).exists() for name in recorded.get("files", []))
        and not any(is_edited(state.manifest, f"{ps.stem}.xml") for ps in state.source.pages)
    ):
        return

    pages: list[Page] = []
    for ps in state.source.pages:
        if ps.stem not in state.done:
            continue
        page = _corrected_page(state, ps.stem, options, say) or load_page_cache(
            state.folder, ps.stem
        )
        if page is None:  # the cache vanished or rotted since the page finished
            row = state.results[ps.stem]
            row.update(status="failed", error="cached page result unreadable; re-run the issue")
            state.manifest.pages.pop(ps.stem, None)
            continue
        pages.append(page)
    issue = Issue(name=state.source.name, source=state.source.path, pages=pages)
    if pages:
        link_articles(issue)
    by_stem = {p.stem: p for p in pages}
    for stem, page in by_stem.items():  # rows of pages loaded from the cache get their details
        row = state.results[stem]
        row.update(
            printed_page=page.printed_number,
            rotation_quarter_turns=page.transform.quarter_turns,
            stage_seconds=page.seconds,
            unread_chars=page.unread_chars,
        )
    files = issue_files(issue, processing, overlays=options.settings.overlay)
    linked = {"articles": len(issue.articles), "jumps": len(issue.jumps)}
    unresolved = issue.unresolved_jumps
    del issue, pages, by_stem
    rows = [state.results[ps.stem] for ps in state.source.pages if ps.stem in state.results]
    outcome = WriteOutcome()
    state.manifest.info = dict(info)
    write_outputs(state.manifest, files, force=options.force, outcome=outcome)
    if outcome.kept_edited:
        names = ", ".join(outcome.kept_edited)
        say(
            f"{state.source.name}: kept edited file(s) {names}; "
            "rerun with --force to overwrite (a backup is kept)"
        )
        summary.kept_edited.extend(f"{state.source.name}/{n}" for n in outcome.kept_edited)
    report = {
        "issue": state.source.name,
        "software": info["software"],
        "models": info["models"],
        "settings": info["settings"],
        "pages": rows,
        "unresolved_jumps": unresolved,
        "skipped_files": state.skipped_files,
        "totals": {
            "pages": len(state.source.pages),
            "ok": sum(1 for r in rows if r["status"] == "done"),
            "failed": sum(1 for r in rows if r["status"] == "failed"),
            "seconds": round(sum(r["seconds"] for r in rows), 3),
            # linking articles + serializing + writing the issue's files (not per page)
            "write_seconds": round(time.perf_counter() - started, 3),
            **linked,
        },
        "kept_edited": outcome.kept_edited,
        "backups": outcome.backed_up,
    }
    report_bytes = json.dumps(report, ensure_ascii=False, indent=1).encode("utf-8")
    write_outputs(state.manifest, {"report.json": report_bytes}, force=True, outcome=WriteOutcome())
    state.manifest.info["outputs"] = {"key": key, "files": sorted([*files, "report.json"])}
    state.manifest.save()
