"""Output store: atomic writes, the per-issue run manifest, the page cache, and protection of
files an archivist has edited since we wrote them.

Layout of one issue's output folder:
    <stem>.xml, <stem>.txt, mets.xml, issue.txt, articles.jsonl, report.json
    .digitize/manifest.json      input/output hashes, versions, settings per page
    .digitize/pages/<stem>.pkl   finished page models (our own cache, never read from elsewhere)
    .digitize/backup/            files replaced by --force

A run holds an exclusive lock on `<output>/.digitize.lock`, so two runs never interleave
writes into the same manifests.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import json
import os
import pickle
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, BinaryIO

from digitize.errors import OutputError, UsageError
from digitize.model import Page

MANIFEST_VERSION = 1
STATE_DIR = ".digitize"
LOCK_NAME = ".digitize.lock"
TEMP_SUFFIX = ".tmp"


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


_UMASK = _umask()


def atomic_write(path: Path, data: bytes) -> None:
    """Temporary file in the same folder, then rename: no reader ever sees half a file.

    The file gets the mode a plain open() would give it (mkstemp's 0600 would hide outputs
    from the archive's other users), or keeps the mode of the file it replaces.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=TEMP_SUFFIX, dir=path.parent)
        try:
            try:
                mode = path.stat().st_mode & 0o7777
            except OSError:
                mode = 0o666 & ~_UMASK
            os.fchmod(fd, mode)
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
    except OSError as exc:
        raise output_error(exc, path) from exc


def output_error(exc: OSError, path: Path) -> OutputError:
    """One clear message for the ways an output location fails."""
    if exc.errno == errno.ENOSPC:
        return OutputError(
            "the output disk is full", path=path, hint="free space or choose -o elsewhere"
        )
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return OutputError(
            "the output location is not writable",
            path=path,
            hint="check permissions or choose another folder with -o",
        )
    if exc.errno in (errno.ENOTDIR, errno.EEXIST):
        return OutputError(
            "the output folder cannot be created: a file is in the way",
            path=path,
            hint="choose another folder with -o",
        )
    if exc.errno == errno.ENOENT:
        return OutputError(
            "the output folder cannot be created here",
            path=path,
            hint="check the path or choose another folder with -o",
        )
    return OutputError(f"cannot write output: {exc.strerror or exc}", path=path)


def check_writable(folder: Path) -> None:
    """Fail once, up front, rather than once per page."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".write-test.", dir=folder)
        os.close(fd)
        os.unlink(tmp)
    except OSError as exc:
        raise output_error(exc, folder) from exc


def remove_stale_temps(issue_dir: Path) -> list[Path]:
    """Delete half-written temporaries that a killed run left behind (ours only: `.name.*.tmp`).

    Nothing reads them, but an archivist should not find them next to the outputs.
    """
    removed: list[Path] = []
    for folder in (issue_dir, issue_dir / STATE_DIR, issue_dir / STATE_DIR / "pages"):
        try:
            entries = list(folder.iterdir())
        except OSError:
            continue
        for entry in entries:
            if entry.name.startswith(".") and entry.name.endswith(TEMP_SUFFIX) and entry.is_file():
                with contextlib.suppress(OSError):
                    entry.unlink()
                    removed.append(entry)
    return removed


class RunLock:
    """Exclusive lock on an output folder for the length of a run.

    Released by the kernel when the process dies, so a kill -9 never leaves a stale lock.
    """

    def __init__(self, output: Path) -> None:
        self.path = output / LOCK_NAME
        self._fh: BinaryIO | None = None

    def __enter__(self) -> RunLock:
        try:
            self._fh = self.path.open("ab")
        except OSError as exc:
            raise output_error(exc, self.path.parent) from exc
        try:
            fcntl.flock(self._fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            self._fh.close()
            self._fh = None
            raise UsageError(
                "another digitize run is writing to this output folder",
                path=self.path.parent,
                hint="wait for it to finish or choose another folder with -o",
            ) from exc
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._fh is not None:
            with contextlib.suppress(OSError):
                fcntl.flock(self._fh.fileno(), fcntl.LOCK_UN)
            self._fh.close()
            self._fh = None


@dataclass(slots=True)
class PageEntry:
    file: str
    index: int
    input_sha256: str
    fingerprint: str  # software + models + settings
    status: str = "pending"  # pending | done | failed
    error: dict[str, Any] | None = None
    seconds: float = 0.0
    skew_deg: float | None = None
    # The input file's size and mtime when it was hashed: an unchanged stat lets a re-run
    # reuse the hash instead of reading every scan of a library again.
    size: int = -1
    mtime_ns: int = -1
    finished_at: float = 0.0  # time.time() when the page result was recorded


@dataclass(slots=True)
class Manifest:
    """What was done for one issue, so a re-run can skip, redo or finish exactly the right work."""

    path: Path
    pages: dict[str, PageEntry] = field(default_factory=dict)
    # file name -> hashes of versions we wrote, newest last (kept short). A list, not one
    # hash, because the new hash is recorded *before* the file is replaced: a crash between
    # the two must not make our own previous version look like an archivist's edit.
    outputs: dict[str, list[str]] = field(default_factory=dict)
    info: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def load(cls, issue_dir: Path) -> Manifest:
        path = issue_dir / STATE_DIR / "manifest.json"
        m = cls(path=path)
        if not path.exists():
            return m
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return m  # unreadable manifest: redo the work rather than trust it
        if not isinstance(raw, dict) or raw.get("version") != MANIFEST_VERSION:
            return m
        try:
            m.pages = {k: PageEntry(**v) for k, v in raw.get("pages", {}).items()}
            m.outputs = {k: list(v) for k, v in raw.get("outputs", {}).items()}
            m.info = dict(raw.get("info", {}))
        except (TypeError, ValueError, AttributeError):
            return cls(path=path)  # unknown layout: start over rather than half-trust it
        return m

    def save(self) -> None:
        from dataclasses import asdict

        data = {
            "version": MANIFEST_VERSION,
            "info": self.info,
            "pages": {k: asdict(v) for k, v in sorted(self.pages.items())},
            "outputs": dict(sorted(self.outputs.items())),
        }
        atomic_write(self.path, json.dumps(data, ensure_ascii=False, indent=1).encode("utf-8"))

    @property
    def folder(self) -> Path:
        return self.path.parent.parent


def cache_path(issue_dir: Path, stem: str) -> Path:
    return issue_dir / STATE_DIR / "pages" / f"{stem}.pkl"


def save_page(issue_dir: Path, page: Page) -> None:
    atomic_write(
        cache_path(issue_dir, page.stem), pickle.dumps(page, protocol=pickle.HIGHEST_PROTOCOL)
    )


def load_page_cache(issue_dir: Path, stem: str) -> Page | None:
    """The cached page model, or None when it is missing or unreadable (the page is redone)."""
    path = cache_path(issue_dir, stem)
    try:
        with path.open("rb") as f:
            page = pickle.load(f)
    except (
        OSError,
        pickle.UnpicklingError,
        EOFError,
        AttributeError,
        ImportError,
        TypeError,
        ValueError,
        IndexError,
    ):
        return None
    return page if isinstance(page, Page) else None


@dataclass(slots=True)
class WriteOutcome:
    written: list[str] = field(default_factory=list)
    kept_edited: list[str] = field(default_factory=list)
    backed_up: list[str] = field(default_factory=list)


def is_edited(manifest: Manifest, name: str) -> bool:
    """True when the file exists and is not a version we wrote (an archivist changed it)."""
    path = manifest.folder / name
    if not path.exists():
        return False
    return sha256_file(path) not in manifest.outputs.get(name, [])


def write_outputs(
    manifest: Manifest, files: dict[str, bytes], *, force: bool, outcome: WriteOutcome
) -> None:
    """Write outputs atomically, never overwriting a file someone edited since we wrote it.

    Without --force an edited file is left alone and reported; with --force it is first
    copied to .digitize/backup/.
    """
    folder = manifest.folder
    for name, data in files.items():
        path = folder / name
        new_hash = sha256_bytes(data)
        if path.exists():
            current = sha256_file(path)
            if current == new_hash:
                _remember(manifest, name, new_hash)
                continue
            if current not in manifest.outputs.get(name, []):
                if not force:
                    outcome.kept_edited.append(name)
                    continue
                stamp = time.strftime("%Y%m%dT%H%M%S")
                backup = folder / STATE_DIR / "backup" / f"{name}.{stamp}"
                atomic_write(backup, path.read_bytes())
                outcome.backed_up.append(str(backup.relative_to(folder)))
        _remember(manifest, name, new_hash)
        manifest.save()  # write-ahead: the record exists before the file changes
        atomic_write(path, data)
        outcome.written.append(name)
    manifest.save()


def _remember(manifest: Manifest, name: str, digest: str) -> None:
    history = [h for h in manifest.outputs.get(name, []) if h != digest]
    manifest.outputs[name] = [*history[-3:], digest]
