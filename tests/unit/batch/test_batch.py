"""Batch runs: resume and skip, fault isolation, crashes, interruption, edited outputs, Dask.

Most tests run the real pipeline with a fake OCR engine (batch_fakes) in forked workers;
the model-marked tests at the end run the real engine on a tiny rendered page.
"""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import struct
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import tifffile
from batch_fakes import counted, page_image, write_pages
from lxml import etree
from outputs import same_outputs
from paths import HELPERS, REPO
from pdf_samples import encrypted_pdf

from digitize.batch.runner import RunOptions, RunSummary, fingerprint, plan_workers, run
from digitize.batch.store import STATE_DIR, Manifest, cache_path
from digitize.config import Settings
from digitize.errors import EXIT_OK, EXIT_PAGES_FAILED


def _run(inputs: list[Path], out: Path, **kw: Any) -> tuple[RunSummary, list[str]]:
    logs: list[str] = []
    settings = dataclasses.replace(kw.pop("settings", Settings()), workers=kw.pop("workers", 0))
    opts = RunOptions(output=out, settings=settings, **kw)
    return run(inputs, opts, log=logs.append), logs


def _report(folder: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((folder / "report.json").read_text(encoding="utf-8"))
    return data


def _rows(folder: Path) -> dict[str, dict[str, Any]]:
    return {r["stem"]: r for r in _report(folder)["pages"]}


def _temps(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.name.endswith(".tmp")]


def test_plan_workers_fills_the_cores() -> None:
    assert plan_workers(0, cores=8) == (8, 1)
    assert plan_workers(2, cores=8) == (2, 4)
    assert plan_workers(3, cores=8) == (3, 2)
    assert plan_workers(16, cores=8) == (16, 1)


def test_fingerprint_tracks_models_and_settings_not_threads() -> None:
    models = [{"name": "rec", "sha256": "a" * 64}]
    base = fingerprint(Settings(), models, {"det_thresh": "0.3", "threads": "1"})
    assert base == fingerprint(Settings(), models, {"det_thresh": "0.3", "threads": "8"})
    assert base != fingerprint(Settings(), models, {"det_thresh": "0.4", "threads": "1"})
    assert base != fingerprint(Settings(detect_orientation=False), models, {"det_thresh": "0.3"})
    assert base != fingerprint(Settings(), [{"name": "rec", "sha256": "b" * 64}], {})


def test_run_writes_outputs_manifest_and_report(fakes: Path, tmp_path: Path) -> None:
    write_pages(tmp_path / "in" / "issue-a", 3)
    out = tmp_path / "out"
    summary, _ = _run([tmp_path / "in" / "issue-a"], out, workers=2)
    assert (summary.ok, summary.failed, summary.skipped, summary.exit_code) == (3, 0, 0, EXIT_OK)
    folder = out / "issue-a"
    for name in ("page-1.xml", "page-2.txt", "mets.xml", "issue.txt", "articles.jsonl"):
        assert (folder / name).is_file(), name
    assert (folder / "page-3.txt").read_text(encoding="utf-8").startswith("新闻报道")
    manifest = Manifest.load(folder)
    assert set(manifest.pages) == {"page-1", "page-2", "page-3"}
    entry = manifest.pages["page-2"]
    assert entry.status == "done" and len(entry.input_sha256) == 64 and entry.size > 0
    assert manifest.info["models"][0]["name"] == "fake_rec"
    assert manifest.info["software"]["name"] == "digitize"
    assert manifest.info["settings"]["detect_orientation"] == "true"
    assert "page-1.xml" in manifest.outputs and "report.json" in manifest.outputs
    rows = _rows(folder)
    assert all(r["status"] == "done" for r in rows.values())
    assert set(rows["page-1"]["stage_seconds"]) >= {"load", "deskew", "detect", "recognize"}
    # Outputs are readable by others like any file (not mkstemp's private 0600).
    assert (folder / "page-1.xml").stat().st_mode & 0o044 == 0o044 & ~_umask()
    assert sorted(counted(fakes)) == ["page-1", "page-2", "page-3"]
    assert not _temps(out)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_rerun_skips_done_pages_and_rewrites_nothing(fakes: Path, tmp_path: Path) -> None:
    issue = tmp_path / "in" / "issue-a"
    write_pages(issue, 3)
    out = tmp_path / "out"
    _run([issue], out, workers=1)
    stamps = {p.name: p.stat().st_mtime_ns for p in (out / "issue-a").iterdir() if p.is_file()}
    summary, logs = _run([issue], out, workers=1)
    assert (summary.ok, summary.skipped, summary.exit_code) == (0, 3, EXIT_OK)
    assert any("already done" in line for line in logs)
    assert sorted(counted(fakes)) == ["page-1", "page-2", "page-3"]  # nothing ran twice
    after = {p.name: p.stat().st_mtime_ns for p in (out / "issue-a").iterdir() if p.is_file()}
    assert after == stamps

    # A deleted output is written again from the page cache, still without OCR.
    (out / "issue-a" / "page-2.xml").unlink()
    summary, _ = _run([issue], out, workers=1)
    assert summary.skipped == 3 and (out / "issue-a" / "page-2.xml").is_file()
    assert len(counted(fakes)) == 3


def test_changed_input_model_or_settings_redo_pages(
    fakes: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    issue = tmp_path / "in" / "issue-a"
    paths = write_pages(issue, 3)
    out = tmp_path / "out"
    _run([issue], out, workers=1)
    assert len(counted(fakes)) == 3

    import cv2

    cv2.imwrite(str(paths[1]), page_image(99))  # a re-scanned page
    summary, _ = _run([issue], out, workers=1)
    assert (summary.ok, summary.skipped) == (1, 2)
    assert counted(fakes)[3:] == ["page-2"]

    monkeypatch.setenv("DIGITIZE_TEST_MODEL", "f" * 64)  # a model update
    summary, _ = _run([issue], out, workers=1)
    assert (summary.ok, summary.skipped) == (3, 0)

    summary, _ = _run([issue], out, workers=1, settings=Settings(detect_orientation=False))
    assert (summary.ok, summary.skipped) == (3, 0)
    assert len(counted(fakes)) == 10


def _bad_inputs(folder: Path) -> dict[str, str]:
    """Write one file per failure mode into `folder`; return stem -> expected error kind."""
    import cv2

    folder.mkdir(parents=True, exist_ok=True)

    ok, png = cv2.imencode(".png", page_image(5))
    assert ok
    data = png.tobytes()
    (folder / "page-2-truncated.png").write_bytes(data[: len(data) // 2])
    (folder / "page-3-corrupt.png").write_bytes(b"this is not an image at all" * 10)
    # A PNG header that claims a 40000x40000 image: refused before decoding.
    ihdr = struct.pack(">IIBBBBB", 40000, 40000, 8, 0, 0, 0, 0)
    import zlib

    chunk = b"IHDR" + ihdr
    head = (
        b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + chunk + struct.pack(">I", zlib.crc32(chunk))
    )
    (folder / "page-4-huge.png").write_bytes(head + b"\x00" * 64)
    cv2.imwrite(str(folder / "page-5-blank.png"), np.full((240, 360), 250, np.uint8))
    # TIFF with a compression scheme nobody implements.
    tifffile.imwrite(folder / "page-6-odd.tif", page_image(6), compression="zlib")
    raw = bytearray((folder / "page-6-odd.tif").read_bytes())
    at = raw.find(struct.pack("<HHI", 259, 3, 1))
    raw[at + 8 : at + 10] = struct.pack("<H", 60001)
    (folder / "page-6-odd.tif").write_bytes(bytes(raw))
    (folder / "page-7-gone.png").symlink_to(folder / "no-such-file.png")
    return {
        "page-2-truncated": "corrupt-image",
        "page-3-corrupt": "corrupt-image",
        "page-4-huge": "image-too-large",
        "page-5-blank": "blank-page",
        "page-6-odd": "unsupported-format",
        "page-7-gone": "input",
    }


def test_bad_pages_are_reported_and_the_batch_goes_on(fakes: Path, tmp_path: Path) -> None:
    issue = tmp_path / "in" / "issue-a"
    expected = _bad_inputs(issue)
    import cv2

    cv2.imwrite(str(issue / "page-1.png"), page_image(1))
    cv2.imwrite(str(issue / "page-8.png"), page_image(8))
    (issue / "notes.docx").write_bytes(b"PK\x03\x04")
    locked = tmp_path / "in" / "locked.pdf"
    locked.write_bytes(encrypted_pdf())
    broken = tmp_path / "in" / "broken.pdf"
    broken.write_bytes(b"%PDF-1.4\n1 0 obj <<>> endobj\n%%EOF\n")
    out = tmp_path / "out"
    summary, logs = _run([issue, locked, broken], out, workers=2)
    assert summary.exit_code == EXIT_PAGES_FAILED
    assert (summary.ok, summary.failed) == (2, len(expected) + 2)
    rows = _rows(out / "issue-a")
    assert rows["page-1"]["status"] == rows["page-8"]["status"] == "done"
    for stem, kind in expected.items():
        assert rows[stem]["status"] == "failed", stem
        assert rows[stem]["error_kind"] == kind, (stem, rows[stem])
        assert rows[stem]["error"], stem
    assert "megapixel" in str(rows["page-4-huge"]["error"])
    assert "blank" in str(rows["page-5-blank"]["error"])
    report = _report(out / "issue-a")
    assert {"file": "notes.docx", "reason": "not a page image (.docx files are not read)"} in (
        report["skipped_files"]
    )
    assert report["totals"]["failed"] == len(expected)
    assert "encrypted" in str(_rows(out / "locked")["page-1"]["error"])
    assert _rows(out / "broken")["page-1"]["status"] == "failed"
    # The good pages' outputs exist; the failed ones have none.
    assert (out / "issue-a" / "page-8.xml").is_file()
    assert not (out / "issue-a" / "page-3-corrupt.xml").exists()
    assert sum(line.startswith("FAILED ") for line in logs) == len(expected) + 2


def test_fail_fast_stops_at_the_first_failure(fakes: Path, tmp_path: Path) -> None:
    issue = tmp_path / "in" / "issue-a"
    write_pages(issue, 4)
    (issue / "page-2.png").write_bytes(b"\x89PNG\r\n\x1a\nbroken")
    summary, logs = _run([issue], tmp_path / "out", workers=1, fail_fast=True)
    assert summary.stopped_early and summary.failed == 1 and summary.exit_code == EXIT_PAGES_FAILED
    assert summary.ok < 3
    assert any("--fail-fast" in line for line in logs)


@pytest.mark.parametrize("workers", [1, 2])
def test_a_worker_that_dies_fails_only_its_page(
    fakes: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, workers: int
) -> None:
    issue = tmp_path / "in" / "issue-a"
    write_pages(issue, 5)
    monkeypatch.setenv("DIGITIZE_TEST_CRASH", "page-3")
    summary, _ = _run([issue], tmp_path / "out", workers=workers)
    assert (summary.ok, summary.failed) == (4, 1)
    rows = _rows(tmp_path / "out" / "issue-a")
    assert rows["page-3"]["error_kind"] == "crash"
    assert "worker process died" in str(rows["page-3"]["error"])
    # A page in flight beside the crash may be read twice (its result died with the pool),
    # never more, and the crashing page never finishes.
    reads = counted(fakes)
    assert set(reads) == {"page-1", "page-2", "page-4", "page-5"}
    assert max(reads.count(stem) for stem in set(reads)) <= 2

    # Fixed (here: no longer crashing), the page is done on the next run, alone.
    monkeypatch.delenv("DIGITIZE_TEST_CRASH")
    summary, _ = _run([issue], tmp_path / "out", workers=workers)
    assert (summary.ok, summary.skipped, summary.failed) == (1, 4, 0)


def test_edited_output_survives_rerun_and_force_keeps_a_backup(fakes: Path, tmp_path: Path) -> None:
    issue = tmp_path / "in" / "issue-a"
    write_pages(issue, 2)
    out = tmp_path / "out"
    _run([issue], out, workers=1)
    alto = out / "issue-a" / "page-1.xml"
    edited = alto.read_bytes().replace(b"\xe6\x96\xb0\xe9\x97\xbb", b"\xe6\x97\xa7\xe9\x97\xbb")
    assert edited != alto.read_bytes()
    alto.write_bytes(edited)

    # A settings change redoes every page; the corrected ALTO is still left alone.
    new = Settings(detect_orientation=False)
    summary, logs = _run([issue], out, workers=1, settings=new)
    assert summary.ok == 2 and summary.kept_edited == ["issue-a/page-1.xml"]
    assert alto.read_bytes() == edited
    assert any("kept edited" in line for line in logs)
    assert _report(out / "issue-a")["kept_edited"] == ["page-1.xml"]
    # The correction reaches the page and issue text, not only the ALTO.
    assert "旧闻" in (out / "issue-a" / "page-1.txt").read_text(encoding="utf-8")
    assert "旧闻" in (out / "issue-a" / "issue.txt").read_text(encoding="utf-8")
    assert "旧闻" not in (out / "issue-a" / "page-2.txt").read_text(encoding="utf-8")

    summary, _ = _run([issue], out, workers=1, settings=new, force=True)
    assert alto.read_bytes() != edited
    backups = list((out / "issue-a" / STATE_DIR / "backup").iterdir())
    assert [b.read_bytes() for b in backups] == [edited]
    assert _report(out / "issue-a")["backups"] == [f"{STATE_DIR}/backup/{backups[0].name}"]


def test_second_concurrent_run_on_the_same_output_is_refused(fakes: Path, tmp_path: Path) -> None:
    from digitize.batch.store import RunLock
    from digitize.errors import LockedError

    issue = tmp_path / "in" / "issue-a"
    write_pages(issue, 1)
    out = tmp_path / "out"
    out.mkdir()
    with RunLock(out), pytest.raises(LockedError, match="another digitize run"):
        _run([issue], out, workers=1)


# --- interruption: kill -9 mid-batch, then re-run ----------------------------------------

_DRIVER = """
import sys
sys.path.insert(0, {tests!r})
import pytest
from batch_fakes import install
from digitize import cli
if __name__ == "__main__":  # spawned workers import this file too
    install(pytest.MonkeyPatch())
    raise SystemExit(cli.main(sys.argv[1:]))
"""


def _driver(tmp_path: Path) -> Path:
    script = tmp_path / "driver.py"
    script.write_text(_DRIVER.format(tests=str(HELPERS)), encoding="utf-8")
    return script


def _children(pid: int) -> list[int]:
    """Direct child processes of `pid`, from /proc."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def _done(folder: Path) -> set[str]:
    """Pages the issue's manifest records as finished."""
    return {stem for stem, e in Manifest.load(folder).pages.items() if e.status == "done"}


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"  # a zombie has ended; it only waits to be reaped


def _wait_gone(pids: list[int], timeout: float = 10.0) -> list[int]:
    """The processes among `pids` still running after up to `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and any(_running(p) for p in pids):
        time.sleep(0.1)
    return [p for p in pids if _running(p)]


def test_kill_9_mid_batch_then_rerun_finishes_each_page_once(tmp_path: Path) -> None:
    issue = tmp_path / "in" / "issue-a"
    write_pages(issue, 6)
    out = tmp_path / "out"
    counter = tmp_path / "counter.txt"
    env = {
        **os.environ,
        "DIGITIZE_TEST_COUNTER": str(counter),
        "DIGITIZE_TEST_DELAY": "0.4",
        "PYTHONPATH": str(REPO / "src"),
    }
    cmd = [sys.executable, str(_driver(tmp_path)), "run", str(issue), "-o", str(out)]
    proc = subprocess.Popen(
        [*cmd, "--workers", "2"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not _done(out / "issue-a"):
        time.sleep(0.05)
    workers = _children(proc.pid)
    assert workers, "the run should have worker processes"
    os.kill(proc.pid, signal.SIGKILL)  # the driver only: its workers must not outlive it
    proc.wait(timeout=10)
    alive = _wait_gone(workers)
    for pid in alive:
        os.kill(pid, signal.SIGKILL)
    assert not alive, "orphaned workers kept running"
    # A page is finished once the manifest says so (its cache file is written just before).
    cached_before = _done(out / "issue-a")
    assert cached_before and len(cached_before) < 6, "the kill should land mid-batch"
    first_run = counted(counter)

    rerun = subprocess.run(
        [*cmd, "--workers", "2"],
        env={**env, "DIGITIZE_TEST_DELAY": "0"},
        capture_output=True,
        timeout=120,
    )
    assert rerun.returncode == 0, rerun.stderr.decode()
    second_run = counted(counter)[len(first_run) :]
    # Pages finished before the kill were not redone; the rest were done once each.
    assert not cached_before & set(second_run)
    assert len(second_run) == len(set(second_run))
    assert cached_before | set(second_run) == {f"page-{k}" for k in range(1, 7)}
    manifest = Manifest.load(out / "issue-a")
    assert all(e.status == "done" for e in manifest.pages.values()) and len(manifest.pages) == 6
    assert all(cache_path(out / "issue-a", f"page-{k}").is_file() for k in range(1, 7))
    # No partial files: no temporaries, every XML parses, JSON lines parse.
    assert not _temps(out)
    for xml in (out / "issue-a").glob("*.xml"):
        etree.parse(str(xml))
    for line in (out / "issue-a" / "articles.jsonl").read_text(encoding="utf-8").splitlines():
        json.loads(line)
    assert f"{len(cached_before)} page(s) already done".encode() in rerun.stderr


# --- Dask ------------------------------------------------------------------------------


def test_dask_path_writes_the_same_files_as_the_local_path(fakes: Path, tmp_path: Path) -> None:
    distributed = pytest.importorskip("dask.distributed")
    issue = tmp_path / "in" / "issue-a"
    write_pages(issue, 3)
    local, _ = _run([issue], tmp_path / "local", workers=1)
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None
    ) as cluster:
        summary, _ = _run([issue], tmp_path / "dask", scheduler=cluster.scheduler_address)
    assert (summary.ok, summary.failed) == (local.ok, 0) == (3, 0)
    same_outputs(tmp_path / "local" / "issue-a", tmp_path / "dask" / "issue-a")
    rows = _rows(tmp_path / "dask" / "issue-a")
    assert all(r["status"] == "done" for r in rows.values())


def test_unreachable_scheduler_is_one_clear_error(
    fakes: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("dask.distributed")
    from digitize.batch import cluster
    from digitize.errors import ClusterError

    write_pages(tmp_path / "in" / "issue-a", 1)
    monkeypatch.setattr(cluster, "CONNECT_TIMEOUT_S", 1)
    with pytest.raises(ClusterError, match="cannot reach the Dask scheduler"):
        _run([tmp_path / "in" / "issue-a"], tmp_path / "out", scheduler="tcp://127.0.0.1:9")


def test_ctrl_c_stops_cleanly_and_keeps_finished_pages(tmp_path: Path) -> None:
    issue = tmp_path / "in" / "issue-a"
    write_pages(issue, 6)
    out = tmp_path / "out"
    env = {
        **os.environ,
        "DIGITIZE_TEST_DELAY": "0.4",
        "PYTHONPATH": str(REPO / "src"),
    }
    cmd = [sys.executable, str(_driver(tmp_path)), "run", str(issue), "-o", str(out)]
    # A terminal leaves SIGINT at its default; a test run started in the background
    # (`cmd &`, nohup) inherits it ignored, and so would the run without this.
    proc = subprocess.Popen(
        [*cmd, "--workers", "2"],
        env=env,
        stderr=subprocess.PIPE,
        start_new_session=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not _done(out / "issue-a"):
        time.sleep(0.05)
    workers = _children(proc.pid)
    os.killpg(proc.pid, signal.SIGINT)  # what a terminal sends on Ctrl-C
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, err.decode()
    assert b"interrupted; finished pages are kept" in err
    assert b"Traceback" not in err and b"KeyboardInterrupt" not in err
    assert not _temps(out)
    assert not _wait_gone(workers), "workers outlived the interrupted run"
    done = Manifest.load(out / "issue-a").pages
    assert done and all(e.status == "done" for e in done.values())
