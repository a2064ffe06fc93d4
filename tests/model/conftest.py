"""Tests that run a real OCR model: every test here is marked ``model`` and shares one
engine per session (loading it is the slow part)."""

from __future__ import annotations

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
def engine() -> OcrEngine:
    """The default engine with two onnxruntime threads."""
    return engines.create(engines.DEFAULT_ENGINE, threads=2, preset="accurate")
