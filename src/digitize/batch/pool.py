"""Pages in a local pool of worker processes that survives workers dying.

Each worker loads the OCR models once (`_init_worker`) and runs `pipeline.process_page`
on the pages it is sent; the driver (`runner.py`) writes everything. Imports the
pipeline and engines, never the runner.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import threading
import time
from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Protocol, TypeVar

from digitize.config import Settings
from digitize.engines import create as create_engine
from digitize.engines.base import OcrEngine
from digitize.errors import DigitizeError, ModelError
from digitize.pipeline import PageResult, process_page
from digitize.stages.load import PageSource

# "spawn": workers start clean, never inheriting the driver's onnxruntime threads (forking a
# process that runs threads can deadlock). Tests switch to "fork" so workers see fakes.
MP_START_METHOD = "spawn"
# Pages queued per worker: enough to keep workers busy, few enough to keep memory flat.
QUEUE_PER_WORKER = 2
# Native thread pools that read their size from the environment when first loaded.
THREAD_ENV = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


class PoolJob(Protocol):
    @property
    def source(self) -> PageSource: ...


J = TypeVar("J", bound=PoolJob)


def failure(source: PageSource, kind: str, message: str, hint: str = "") -> PageResult:
    """A failed page's result, for failures found outside `process_page`."""
    return PageResult(
        source,
        None,
        0.0,
        {"kind": kind, "message": message, "path": str(source.file), "hint": hint},
    )


def plan_workers(workers: int, cores: int | None = None) -> tuple[int, int]:
    """(worker processes, OCR threads per worker) so that workers x threads ~ cores."""
    cores = cores or os.cpu_count() or 1
    n = workers if workers > 0 else cores
    return n, max(1, cores // n)


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


@contextlib.contextmanager
def thread_env(threads: int) -> Iterator[None]:
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


def pool_results(
    jobs: Sequence[J], settings: Settings, workers: int, threads: int
) -> Iterator[tuple[J, PageResult]]:
    """Run pages in worker processes, surviving workers that die.

    When a worker dies every page in flight fails with BrokenProcessPool, and nothing says
    which page killed it. Those pages become suspects: a fresh pool reruns them one at a
    time, so a page that kills a worker alone is the culprit and only it is failed.
    """
    queue: deque[J] = deque(jobs)
    suspects: deque[J] = deque()
    in_flight: dict[Future[PageResult], J] = {}
    limit = QUEUE_PER_WORKER * workers
    finished = False
    with thread_env(threads):
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
                broken: list[J] = []
                for fut in sorted(done, key=lambda f: in_flight[f].source.number):
                    job = in_flight.pop(fut)
                    exc = fut.exception()
                    if isinstance(exc, BrokenProcessPool):
                        broken.append(job)
                        continue
                    if isinstance(exc, ModelError):
                        raise exc
                    if exc is not None:
                        res = failure(
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
                            failure(broken[0].source, "crash", CRASH_MESSAGE, CRASH_HINT),
                        )
                    else:
                        suspects.extend(broken)
            finished = True
        finally:
            _stop_pool(pool, kill=not finished)
