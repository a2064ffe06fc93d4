"""Shared test set-up: the offline XSD folder, located once, and the guard that keeps OCR
models out of unit tests.

Tests that run a real OCR model carry ``@pytest.mark.model`` (``pytest -m "not model"``
runs the fast unit suite). An unmarked test that builds an OCR engine fails with a
message naming the marker, so a slow test cannot hide among the unit tests.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from paths import SCHEMA_DIR

_model_allowed = False


@pytest.fixture(scope="session")
def schema_dir() -> Path:
    if not (SCHEMA_DIR / "alto-4-4.xsd").is_file():
        pytest.fail(f"schemas not found in {SCHEMA_DIR} (../shared/schema beside the project)")
    return SCHEMA_DIR


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    global _model_allowed
    _model_allowed = item.get_closest_marker("model") is not None


def _guarded(init: Callable[..., None]) -> Callable[..., None]:
    @functools.wraps(init)  # keeps the signature for tests that inspect it
    def wrapper(self: Any, *args: Any, **kwargs: Any) -> None:
        if not _model_allowed:
            raise AssertionError(
                "this test builds an OCR engine: mark it @pytest.mark.model "
                "(or use a fake engine)"
            )
        init(self, *args, **kwargs)

    return wrapper


@pytest.fixture(scope="session", autouse=True)
def _models_only_in_model_tests() -> Iterator[None]:
    from digitize.engines.paddle import PaddleOcrEngine
    from digitize.engines.rapid import RapidOcrEngine

    originals = [(cls, cls.__init__) for cls in (RapidOcrEngine, PaddleOcrEngine)]
    for cls, init in originals:
        cls.__init__ = _guarded(init)  # type: ignore[method-assign]
    yield
    for cls, init in originals:
        cls.__init__ = init  # type: ignore[method-assign]
