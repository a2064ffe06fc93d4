"""Tests that run a real OCR model: every test here is marked ``model`` and shares one
engine per session (loading it is the slow part)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from digitize import engines
from digitize.engines.base import OcrEngine

_HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if _HERE in Path(str(item.fspath)).resolve().parents:
            item.add_marker(pytest.mark.model)


@pytest.fixture(scope="session")
def threads() -> int:
    """onnxruntime threads per engine: the cores shared among the test workers (two xdist
    workers running two threads each on two cores took 10 % longer per page than one each)."""
    workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
    return max(1, (os.cpu_count() or 1) // workers)


@pytest.fixture(scope="session")
def engine(threads: int) -> OcrEngine:
    """The default engine, shared by the session."""
    return engines.create(engines.DEFAULT_ENGINE, threads=threads, preset="accurate")
