"""`digitize run` as a user runs it: a subprocess with the real engine writes valid ALTO."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from batch_fakes import TINY_LINES, text_page
from lxml import etree
from paths import REPO

SCHEMA = REPO.parent / "shared" / "schema" / "alto-4-4.xsd"



@pytest.mark.model
def test_real_run_subprocess_writes_valid_alto(tmp_path: Path) -> None:
    page = text_page(tmp_path / "in" / "issue-t" / "page-1.png")
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    cmd = [sys.executable, "-m", "digitize.cli", "run", str(page.parent), "-o", str(out)]
    proc = subprocess.run([*cmd, "--workers", "1"], env=env, capture_output=True, timeout=180)
    assert proc.returncode == 0, proc.stderr.decode()
    folder = out / "issue-t"
    text = (folder / "page-1.txt").read_text(encoding="utf-8")
    expected = "".join(TINY_LINES).replace(" ", "")
    same = sum(a == b for a, b in zip(text.replace("\n", ""), expected, strict=False))
    assert same >= 0.9 * len(expected), text
    doc = etree.parse(str(folder / "page-1.xml"))
    if SCHEMA.exists():
        assert etree.XMLSchema(etree.parse(str(SCHEMA))).validate(doc)
    # Second run: nothing to do, nothing rewritten.
    before = (folder / "page-1.xml").stat().st_mtime_ns
    proc = subprocess.run(cmd, env=env, capture_output=True, timeout=180)
    assert proc.returncode == 0 and b"already done" in proc.stderr
    assert (folder / "page-1.xml").stat().st_mtime_ns == before


