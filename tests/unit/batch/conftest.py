"""Fixtures of the batch tests: the fake engine, so no OCR model runs."""

from __future__ import annotations

from pathlib import Path

import pytest
from batch_fakes import install


@pytest.fixture
def fakes(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Install the fake engine; return the counter file of finished pages."""
    install(monkeypatch)
    counter = tmp_path / "counter.txt"
    monkeypatch.setenv("DIGITIZE_TEST_COUNTER", str(counter))
    for var in ("DIGITIZE_TEST_DELAY", "DIGITIZE_TEST_CRASH", "DIGITIZE_TEST_MODEL"):
        monkeypatch.delenv(var, raising=False)
    return counter
