"""Batch runs: discover issues, run pages in a worker pool (or on a Dask cluster), skip what an
earlier run finished, then join each issue's pages and write its outputs.

A page's failure is recorded and the batch goes on; only an unwritable output location or
missing models stop a run.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from digitize import __version__
from digitize.engines import create as create_engine
from digitize.engines.base import OcrEngine
from digitize.errors import EXIT_OK, EXIT_PAGES_FAILED
from digitize.load import IssueSource, PageSource, discover
from digitize.model import Issue, Page
from digitize.pipeline import PageResult, Settings, process_page
from digitize.progress import Progress
from digitize.serialize.alto import Processing
from digitize.store import (
    Manifest,
    WriteOutcome,
    check_writable,
    load_page_cache,
    save_page,
    sha256_file,
    write_outputs,
)
from digitize.writer import issue_files, processing_for


@dataclass(slots=True)
class RunOptions:
    output: Path
    settings: Settings = field(default_factory=Settings)
    workers: int = 0  # 0 = one per core
    force: bool = False
    fail_fast: bool = False
    scheduler: str | None = None


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

    @property
    def exit_code(self) -> int:
        return EXIT_PAGES_FAILED if self.failed or self.stopped_early else EXIT_OK


# --- worker side -------------------------------------------------------------------------

_ENGINE: OcrEngine | None = None
_SETTINGS: Settings | None = None


def _init_worker(settings: Settings, threads: int) -> None:
    """Load the models once per worker process, not once per page."""
    global _ENGINE, _SETTINGS
    _SETTINGS = settings
    _ENGINE = create_engine(settings.engine, threads=threads)


def _run_in_worker(source: PageSource) -> PageResult:
    assert _ENGINE is not None and _SETTINGS is not None, "worker not initialised"
    return process_page(source, _ENGINE, _SETTINGS)


# --- driver side -------------------------------------------------------------------------


def fingerprint(settings: Settings, engine_models: list[dict[str, str]]) -> str:
    """Changes whenever a re-run must redo a page: software, models or settings."""
    from digitize.store import sha256_bytes

    blob = json.dumps(
        {"software": __version__, "settings": settings.as_dict(), "models": engine_models},
        sort_keys=True,
    )
    return sha256_bytes(blob.encode())[:16]


@dataclass(slots=True)
class _IssueState:
    source: IssueSource
    folder: Path
    manifest: Manifest
    pages: dict[str, Page] = field(default_factory=dict)
    results: dict[str, dict[str, Any]] = field(default_factory=dict)
    pending: int = 0


def run(
    inputs: Sequence[Path], options: RunOptions, *, log: Callable[[str], None] | None = None
) -> RunSummary:
    log = log or (lambda msg: print(msg, file=sys.stderr))
    started = time.perf_counter()
    discovery = discover(inputs)
    check_writable(options.output)
    summary = RunSummary()
    for skipped in discovery.skipped:
        log(f"skipped {skipped.path}: {skipped.reason}")

    workers = options.workers or (os.cpu_count() or 1)
    threads = max(1, (os.cpu_count() or 1) // workers)
    probe = create_engine(options.settings.engine, threads=threads)
    models = probe.models()
    fp = fingerprint(options.settings, [{"name": m.name, "sha256": m.sha256} for m in models])
    processing = processing_for(options.settings.engine, models, options.settings.as_dict())

    states: list[_IssueState] = []
    todo: list[tuple[_IssueState, PageSource, str]] = []
    for src in discovery.issues:
        folder = options.output / src.name
        check_writable(folder)
        manifest = Manifest.load(folder)
        state = _IssueState(src, folder, manifest)
        states.append(state)
        for ps in src.pages:
            digest = sha256_file(ps.file) + (f":{ps.index}" if ps.index else "")
            entry = manifest.pages.get(ps.stem)
            if (
                entry
                and entry.status == "done"
                and entry.input_sha256 == digest
                and entry.fingerprint == fp
            ):
                cached = load_page_cache(folder, ps.stem)
                if cached is not None:
                    state.pages[ps.stem] = cached
                    state.results[ps.stem] = _row(ps, entry.seconds, "done", None, cached)
                    summary.skipped += 1
                    continue
            todo.append((state, ps, digest))
            state.pending += 1

    progress = Progress(total=len(todo), log=log)
    if summary.skipped:
        log(f"{summary.skipped} page(s) already done by an earlier run; skipping them")

    def on_result(state: _IssueState, ps: PageSource, digest: str, res: PageResult) -> None:
        from digitize.store import PageEntry

        entry = PageEntry(file=str(ps.file), index=ps.index, input_sha256=digest, fingerprint=fp)
        entry.seconds = round(res.seconds, 3)
        if res.page is not None:
            save_page(state.folder, res.page)
            state.pages[ps.stem] = res.page
            entry.status = "done"
            entry.skew_deg = res.page.transform.skew_deg
            summary.ok += 1
        else:
            entry.status = "failed"
            entry.error = res.error
            summary.failed += 1
            log(
                f"FAILED {ps.file}{f' [page {ps.index + 1}]' if ps.index else ''}: "
                f"{_describe(res.error)}"
            )
        state.manifest.pages[ps.stem] = entry
        state.manifest.save()
        state.results[ps.stem] = _row(ps, res.seconds, entry.status, res.error, res.page)
        summary.slowest.append((res.seconds, f"{state.source.name}/{ps.stem}"))
        state.pending -= 1
        progress.advance(f"{state.source.name}/{ps.stem}", ok=res.ok)
        if state.pending == 0:
            _finish_issue(state, options, processing, summary, log)

    for state in states:
        if state.pending == 0:
            _finish_issue(state, options, processing, summary, log)

    for state, ps, digest, res in _execute(todo, options, probe, threads, workers):
        on_result(state, ps, digest, res)
        if options.fail_fast and not res.ok:
            summary.stopped_early = True
            log("stopping at the first failure (--fail-fast)")
            break
    progress.close()
    summary.seconds = time.perf_counter() - started
    summary.slowest = sorted(summary.slowest, reverse=True)[:5]
    return summary


def _execute(
    todo: list[tuple[_IssueState, PageSource, str]],
    options: RunOptions,
    probe: OcrEngine,
    threads: int,
    workers: int,
) -> Iterator[tuple[_IssueState, PageSource, str, PageResult]]:
    """Yield page results as they finish: in-process, in a process pool, or on Dask."""
    if not todo:
        return
    if options.scheduler:
        from digitize.cluster import run_on_dask

        yield from run_on_dask(todo, options.scheduler, options.settings)
        return
    if workers <= 1 or len(todo) == 1:
        for state, ps, digest in todo:
            yield state, ps, digest, process_page(ps, probe, options.settings)
        return
    del probe  # workers load their own models
    with ProcessPoolExecutor(
        max_workers=min(workers, len(todo)),
        initializer=_init_worker,
        initargs=(options.settings, threads),
    ) as pool:
        futures: dict[Future[PageResult], tuple[_IssueState, PageSource, str]] = {}
        queue = list(todo)
        # Keep a short queue per worker so memory stays flat on long runs.
        while queue or futures:
            while queue and len(futures) < 2 * workers:
                item = queue.pop(0)
                futures[pool.submit(_run_in_worker, item[1])] = item
            done, _ = wait(futures, return_when=FIRST_COMPLETED)
            for fut in done:
                state, ps, digest = futures.pop(fut)
                try:
                    res = fut.result()
                except Exception as exc:
                    res = PageResult(
                        ps,
                        None,
                        0.0,
                        {"kind": "worker", "message": str(exc), "path": str(ps.file), "hint": ""},
                    )
                yield state, ps, digest, res


def _row(
    ps: PageSource, seconds: float, status: str, error: dict[str, Any] | None, page: Page | None
) -> dict[str, Any]:
    return {
        "page": ps.number,
        "file": str(ps.file.name) + (f"#{ps.index + 1}" if ps.index else ""),
        "stem": ps.stem,
        "skew_deg": round(page.transform.skew_deg, 3) if page else None,
        "rotation_quarter_turns": page.transform.quarter_turns if page else None,
        "printed_page": page.printed_number if page else None,
        "seconds": round(seconds, 3),
        "stage_seconds": page.seconds if page else {},
        "status": status,
        "error": _describe(error) if error else None,
    }


def _describe(error: dict[str, Any] | None) -> str:
    if not error:
        return ""
    msg = str(error.get("message", "error"))
    hint = error.get("hint")
    return f"{msg} ({hint})" if hint else msg


def _finish_issue(
    state: _IssueState,
    options: RunOptions,
    processing: Processing,
    summary: RunSummary,
    log: Callable[[str], None],
) -> None:
    """All pages of the issue are done: link articles and write every output file."""
    from digitize.articles import link_articles

    pages = sorted(state.pages.values(), key=lambda p: p.number)
    issue = Issue(name=state.source.name, source=state.source.path, pages=pages)
    if pages:
        link_articles(issue)
    files = issue_files(issue, processing, overlays=options.settings.overlay)
    rows = [state.results[ps.stem] for ps in state.source.pages if ps.stem in state.results]
    report = {
        "issue": issue.name,
        "software": {"name": "digitize", "version": __version__},
        "settings": options.settings.as_dict(),
        "pages": rows,
        "unresolved_jumps": issue.unresolved_jumps,
        "totals": {
            "pages": len(state.source.pages),
            "ok": sum(1 for r in rows if r["status"] == "done"),
            "failed": sum(1 for r in rows if r["status"] == "failed"),
            "articles": len(issue.articles),
            "jumps": len(issue.jumps),
            "seconds": round(sum(r["seconds"] for r in rows), 3),
        },
    }
    outcome = WriteOutcome()
    write_outputs(state.manifest, files, force=options.force, outcome=outcome)
    if outcome.kept_edited:
        names = ", ".join(outcome.kept_edited)
        log(
            f"{issue.name}: kept edited file(s) {names}; "
            "rerun with --force to overwrite (a backup is kept)"
        )
        summary.kept_edited.extend(f"{issue.name}/{n}" for n in outcome.kept_edited)
    report["kept_edited"] = outcome.kept_edited
    report["backups"] = outcome.backed_up
    write_outputs(
        state.manifest,
        {"report.json": json.dumps(report, ensure_ascii=False, indent=1).encode("utf-8")},
        force=True,
        outcome=WriteOutcome(),
    )
    summary.issues.append(issue.name)
