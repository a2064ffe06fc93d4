"""The code base stays lint- and type-clean: ruff and mypy (strict) run as part of the suite."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from paths import REPO


def _tool(name: str) -> str:
    found = Path(sys.executable).with_name(name)
    if found.exists():
        return str(found)
    on_path = shutil.which(name)
    if on_path is None:
        pytest.fail(f"{name} is not installed; run ./setup.sh (it installs the dev extras)")
    return on_path


def test_ruff_clean() -> None:
    res = subprocess.run(
        [_tool("ruff"), "check", "src", "tests", "benchmarks"],
        cwd=REPO, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert res.returncode == 0, res.stdout + res.stderr


def test_mypy_strict_clean() -> None:
    res = subprocess.run(
        [_tool("mypy")], cwd=REPO, capture_output=True, text=True, check=False
    )
    assert res.returncode == 0, res.stdout + res.stderr
