"""Output store: atomic writes, manifest robustness, edit protection, page cache, run lock."""

from __future__ import annotations

import errno
import json
import os
from pathlib import Path

import pytest

from digitize.batch.store import (
    STATE_DIR,
    Manifest,
    PageEntry,
    RunLock,
    WriteOutcome,
    atomic_write,
    cache_path,
    check_writable,
    is_edited,
    load_page_cache,
    output_error,
    remove_stale_temps,
    save_page,
    sha256_bytes,
    write_outputs,
)
from digitize.errors import LockedError, OutputError
from digitize.model import Page, Transform


def test_atomic_write_replaces_whole_file_and_leaves_no_temporaries(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "page-1.xml"
    atomic_write(target, b"<alto/>")
    atomic_write(target, b"<alto>v2</alto>")
    assert target.read_bytes() == b"<alto>v2</alto>"
    assert [p.name for p in target.parent.iterdir()] == ["page-1.xml"]


def test_atomic_write_keeps_the_mode_of_the_file_it_replaces(tmp_path: Path) -> None:
    target = tmp_path / "page-1.txt"
    target.write_bytes(b"old")
    target.chmod(0o640)
    atomic_write(target, b"new")
    assert target.stat().st_mode & 0o777 == 0o640


def test_failed_write_raises_output_error_and_cleans_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "page-1.xml"
    target.write_bytes(b"old")

    def full(src: str, dst: str) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "replace", full)
    with pytest.raises(OutputError, match="disk is full") as err:
        atomic_write(target, b"new")
    assert err.value.exit_code == 3
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["page-1.xml"]


@pytest.mark.parametrize(
    ("code", "text"),
    [
        (errno.ENOSPC, "disk is full"),
        (errno.EROFS, "not writable"),
        (errno.EACCES, "not writable"),
        (errno.EIO, "cannot write output"),
    ],
)
def test_output_error_messages(code: int, text: str) -> None:
    err = output_error(OSError(code, os.strerror(code)), Path("/x"))
    assert text in str(err) and err.exit_code == 3


def test_check_writable_under_a_file_fails_once_clearly(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(OutputError, match="a file is in the way") as err:
        check_writable(blocker / "out")
    assert str(blocker / "out") in str(err.value)
    with pytest.raises(OutputError, match="cannot be created here"):
        check_writable(Path("/proc/digitize-test"))  # no folder can be made in /proc


@pytest.mark.skipif(not Path("/sys/kernel").is_dir(), reason="needs Linux sysfs")
def test_check_writable_on_a_read_only_filesystem() -> None:
    # sysfs refuses new entries even to root: a read-only location without chmod.
    with pytest.raises(OutputError, match="not writable"):
        check_writable(Path("/sys/kernel/digitize-test"))


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes to read-only folders anyway")
def test_check_writable_read_only_folder(tmp_path: Path) -> None:
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    try:
        with pytest.raises(OutputError, match="not writable"):
            check_writable(ro)
    finally:
        ro.chmod(0o700)


def test_manifest_round_trip_and_damaged_manifests(tmp_path: Path) -> None:
    m = Manifest.load(tmp_path)
    m.pages["page-1"] = PageEntry("a.png", 0, "h", "fp", status="done", size=3, mtime_ns=7)
    m.outputs["page-1.xml"] = ["x"]
    m.info = {"fingerprint": "fp"}
    m.save()
    again = Manifest.load(tmp_path)
    assert again.pages == m.pages and again.outputs == m.outputs and again.info == m.info

    path = tmp_path / STATE_DIR / "manifest.json"
    for damaged in ("{not json", "[]", json.dumps({"version": 1, "pages": {"p": {"bad": 1}}})):
        path.write_text(damaged)
        assert Manifest.load(tmp_path).pages == {}  # redo the work rather than trust it


def test_edited_file_is_kept_and_force_backs_it_up(tmp_path: Path) -> None:
    m = Manifest.load(tmp_path)
    write_outputs(m, {"page-1.xml": b"v1", "mets.xml": b"m1"}, force=False, outcome=WriteOutcome())
    # Our own earlier version is replaced without fuss.
    out = WriteOutcome()
    write_outputs(m, {"page-1.xml": b"v2"}, force=False, outcome=out)
    assert out.written == ["page-1.xml"] and not out.kept_edited
    (tmp_path / "page-1.xml").write_bytes(b"corrected by hand")
    assert is_edited(m, "page-1.xml") and not is_edited(m, "mets.xml")

    out = WriteOutcome()
    write_outputs(m, {"page-1.xml": b"v3", "mets.xml": b"m2"}, force=False, outcome=out)
    assert out.kept_edited == ["page-1.xml"] and out.written == ["mets.xml"]
    assert (tmp_path / "page-1.xml").read_bytes() == b"corrected by hand"

    # The manifest on disk agrees (a later process sees the same).
    out = WriteOutcome()
    write_outputs(Manifest.load(tmp_path), {"page-1.xml": b"v3"}, force=True, outcome=out)
    assert (tmp_path / "page-1.xml").read_bytes() == b"v3"
    [backup] = out.backed_up
    assert (tmp_path / backup).read_bytes() == b"corrected by hand"


def test_crash_between_manifest_and_file_is_not_mistaken_for_an_edit(tmp_path: Path) -> None:
    m = Manifest.load(tmp_path)
    write_outputs(m, {"page-1.xml": b"v1"}, force=False, outcome=WriteOutcome())
    # write_outputs records the new hash first; simulate dying before the rename.
    m.outputs["page-1.xml"].append(sha256_bytes(b"v2"))
    m.save()
    out = WriteOutcome()
    write_outputs(Manifest.load(tmp_path), {"page-1.xml": b"v2"}, force=False, outcome=out)
    assert out.written == ["page-1.xml"] and not out.kept_edited


def test_page_cache_round_trip_and_rot(tmp_path: Path) -> None:
    page = Page(number=1, file=Path("a.png"), stem="page-1", transform=Transform.identity(10, 20))
    entry = PageEntry(file="a.png", index=0, input_sha256="a" * 64, fingerprint="f")
    save_page(tmp_path, page, entry)
    assert entry.cache_sha256
    loaded = load_page_cache(tmp_path, "page-1", entry)
    assert loaded == page
    path = cache_path(tmp_path, "page-1")
    path.write_bytes(path.read_bytes()[:10])  # truncated by a crash or a bad disk
    assert load_page_cache(tmp_path, "page-1", entry) is None
    assert load_page_cache(tmp_path, "missing", entry) is None


def test_remove_stale_temps_only_removes_ours(tmp_path: Path) -> None:
    (tmp_path / STATE_DIR / "pages").mkdir(parents=True)
    ours = [tmp_path / ".page-1.xml.abc123.tmp", tmp_path / STATE_DIR / "pages" / ".p.pkl.x.tmp"]
    for p in ours:
        p.write_bytes(b"half")
    theirs = tmp_path / "notes.tmp"
    theirs.write_bytes(b"keep")
    assert sorted(remove_stale_temps(tmp_path)) == sorted(ours)
    assert theirs.exists() and not any(p.exists() for p in ours)


def test_run_lock_is_exclusive_and_released(tmp_path: Path) -> None:
    with (
        RunLock(tmp_path),
        pytest.raises(LockedError, match="another digitize run"),
        RunLock(tmp_path),
    ):
        pass
    with RunLock(tmp_path):
        pass
