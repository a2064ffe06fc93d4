"""Pages on a Dask distributed cluster: `digitize run --scheduler tcp://HOST:8786`.

The driver (the machine running `digitize run`) discovers pages, skips finished ones, and
writes every output, exactly as in a local run; Dask workers only run the page stages
and send page models back. So workers need the same digitize and models installed and
must see the input files under the same absolute paths (a shared filesystem); they never
write anything.

Each worker thread builds its OCR engine once and keeps it (`_engine`), so models load
once per worker thread rather than once per page. Run workers with one thread per
process (`dask worker --nthreads 1 --nworkers N`) unless memory is tight: onnxruntime
then gets cores/N threads per page.
"""

from __future__ import annotations

import dataclasses
import itertools
import os
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from typing import Any, TypeVar

from digitize.config import Settings
from digitize.engines import create as create_engine
from digitize.engines.base import ModelInfo, OcrEngine
from digitize.errors import ClusterError, ModelError, UsageError
from digitize.pipeline import PageResult, process_page
from digitize.stages.load import PageSource

K = TypeVar("K")

# Pages submitted per worker thread ahead of results: keeps workers fed while the
# driver's memory stays flat (results are consumed as they arrive).
QUEUE_PER_THREAD = 2
CONNECT_TIMEOUT_S = 30
# With pages outstanding and no worker connected for this long, the run stops with a clear
# message instead of waiting silently for workers that may never come back.
NO_WORKERS_TIMEOUT_S = 120.0
POLL_S = 0.2

_local = threading.local()


def _worker_threads() -> int:
    """Threads of the Dask worker this task runs in (1 outside a worker)."""
    try:
        from dask.distributed import get_worker

        worker: Any = get_worker()
    except (ImportError, ValueError):
        return 1
    state = getattr(worker, "state", None)
    n = getattr(state, "nthreads", None) or getattr(worker, "nthreads", None) or 1
    return max(1, int(n))


def _engine(settings: Settings) -> OcrEngine:
    """This worker thread's engine for `settings`, built on first use."""
    cache: dict[str, OcrEngine] | None = getattr(_local, "engines", None)
    if cache is None:
        cache = _local.engines = {}
    key = f"{settings.engine}:{settings.preset}"
    engine = cache.get(key)
    if engine is None:
        threads = max(1, (os.cpu_count() or 1) // _worker_threads())
        engine = cache[key] = create_engine(
            settings.engine, threads=threads, preset=settings.preset
        )
    return engine


def _model_ids(models: Sequence[ModelInfo]) -> list[tuple[str, str]]:
    return sorted((m.name, m.sha256) for m in models)


def dask_page(
    source: PageSource, settings: Settings, expected: list[tuple[str, str]] | None
) -> PageResult:
    """The task run on a worker: one page with the worker's cached engine.

    A worker whose models differ from the driver's would write outputs that the manifest
    attributes to other models, so its pages fail with a clear reason instead.
    """
    try:
        engine = _engine(settings)
    except ModelError as exc:
        return PageResult(source, None, 0.0, {**exc.to_dict(), "stage": "models"})
    if expected is not None and _model_ids(engine.models()) != expected:
        import socket

        return PageResult(
            source,
            None,
            0.0,
            {
                "kind": "model",
                "message": f"Dask worker on {socket.gethostname()} has other OCR models "
                "than the machine running digitize",
                "path": str(source.file),
                "hint": "install the same digitize version and models on every worker",
            },
        )
    return process_page(source, engine, settings)


def _connect(address: str) -> Any:
    try:
        from dask import distributed
    except ImportError as exc:
        raise UsageError(
            "--scheduler needs Dask", hint="install it with: pip install 'digitize[dask]'"
        ) from exc
    try:
        client_cls: Any = distributed.Client  # untyped library
        return client_cls(address, timeout=CONNECT_TIMEOUT_S, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as exc:
        raise ClusterError(
            f"cannot reach the Dask scheduler at {address}: {exc}",
            hint="start it with `dask scheduler` and check the address and port",
        ) from exc


def run_on_dask(
    todo: Sequence[tuple[K, PageSource]],
    address: str,
    settings: Settings,
    *,
    models: Sequence[ModelInfo] | None = None,
) -> Iterator[tuple[K, PageResult]]:
    """Run pages on the cluster at `address`, yielding (key, result) as pages finish.

    Input paths are sent as absolute paths (workers share the filesystem); results come
    back with the driver's own paths, so outputs are byte-identical to a local run's.
    A page whose task fails (a worker killed repeatedly, see Dask's allowed-failures) is
    a failed page; the run goes on.
    """
    from dask import distributed

    expected = _model_ids(models) if models is not None else None
    client = _connect(address)
    try:
        threads = sum(client.nthreads().values()) or 1
        limit = max(1, QUEUE_PER_THREAD * threads)
        pending = iter(todo)
        running: dict[str, tuple[K, PageSource]] = {}
        as_completed: Any = distributed.as_completed  # untyped library
        stream: Any = as_completed(loop=client.loop)
        run_id = uuid.uuid4().hex[:8]

        def submit(n: int) -> None:
            for key, source in itertools.islice(pending, n):
                remote = dataclasses.replace(source, file=source.file.resolve())
                future = client.submit(
                    dask_page,
                    remote,
                    settings,
                    expected,
                    key=f"digitize-{run_id}-{len(running)}-{source.stem}-{uuid.uuid4().hex[:6]}",
                    pure=False,
                )
                running[future.key] = (key, source)
                stream.add(future)

        submit(limit)
        for future in _finished(stream, client):
            key, source = running.pop(future.key)
            try:
                res: PageResult = future.result()
            except Exception as exc:  # KilledWorker, lost connection, unpicklable result
                res = PageResult(
                    source,
                    None,
                    0.0,
                    {
                        "kind": "worker",
                        "message": f"the Dask task failed: {type(exc).__name__}: {exc}",
                        "path": str(source.file),
                        "hint": "see the Dask worker logs; the page is retried on the next run",
                    },
                )
            finally:
                future.release()
            if res.error and res.error.get("stage") == "models":
                raise ModelError(str(res.error.get("message")), hint=str(res.error.get("hint")))
            res.source = source
            if res.page is not None:
                res.page.file = source.file
            yield key, res
            submit(1)
    finally:
        client.close()


def _finished(stream: Any, client: Any) -> Iterator[Any]:
    """Futures as they finish; ClusterError when no worker has been connected for
    NO_WORKERS_TIMEOUT_S while pages are outstanding (all workers lost or never started)."""
    alone_since: float | None = None
    while not stream.is_empty():
        if stream.has_ready():
            alone_since = None
            yield from stream.next_batch(block=False)
            continue
        if client.nthreads():
            alone_since = None
        elif alone_since is None:
            alone_since = time.monotonic()
        elif time.monotonic() - alone_since > NO_WORKERS_TIMEOUT_S:
            raise ClusterError(
                f"no Dask worker has been connected for {NO_WORKERS_TIMEOUT_S:.0f} s while "
                f"{stream.count()} page(s) wait",
                hint="start workers with `dask worker ADDRESS` (finished pages are kept; "
                "re-run to continue)",
            )
        time.sleep(POLL_S)
