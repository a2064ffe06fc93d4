"""Output store: atomic writes, the per-issue run manifest, the page cache, and protection of
files an archivist has edited since we wrote them.

Layout of one issue's output folder:
    <stem>.xml, <stem>.txt, mets.xml, issue.txt, articles.jsonl, report.json
    .digitize/manifest.json      input/output hashes, versions, settings per page
    .digitize/pages/<stem>.page.json.z  finished page models: zlib'd JSON, never code
                                 (verified against the manifest's sha256 before use)
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
import re
import tempfile
import time
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, BinaryIO

from digitize.errors import EditConflictError, LockedError, OutputError
from digitize.model import Page
from digitize.serialize import page_xml
from digitize.serialize.pagejson import PageJsonError, page_from_json, page_to_json

MANIFEST_VERSION = 1
STATE_DIR = ".digitize"
LOCK_NAME = ".digitize.lock"
TEMP_SUFFIX = ".tmp"
CACHE_SUFFIX = ".page.json.z"
# A page model is 10-200 KB compressed and a few MB as JSON: anything far larger is not ours.
CACHE_MAX_BYTES = 64 << 20
CACHE_MAX_JSON = 512 << 20


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


# Characters no output name may hold: line breaks and other control characters (they would
# break log lines and links), besides path separators.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def name_problem(name: str) -> str | None:
    """Why `name` cannot be one output file or folder name, or None if it can."""
    if name in ("", ".", ".."):
        return "is empty, '.' or '..'"
    if "/" in name or "\\" in name:
        return "contains a path separator"
    if _CONTROL.search(name):
        return "contains a line break or another control character"
    return None


SUBFOLDERS = (page_xml.PAGE_DIR,)
"""Output subfolders an issue folder may hold (PAGE-XML)."""


def contained(root: Path, name: str) -> Path:
    """`root/name`, refused (OutputError) unless it is one plain name, or one in a known
    output subfolder (`SUBFOLDERS`), that resolves, links followed, to that place inside
    `root`: no input name may steer a write elsewhere."""
    folder, sep, base_name = name.partition("/")
    sub = bool(sep) and folder in SUBFOLDERS
    problem = name_problem(base_name if sub else name)
    base = root.resolve()
    path = (base / name).resolve()
    if problem or path.parent != (base / folder if sub else base):
        raise OutputError(
            f"refusing to write {name!r}: it would land outside the output folder",
            path=root,
            hint="rename the input or remove the link" if not problem else f"the name {problem}",
        )
    return base / name


def _check_inside(path: Path, root: Path) -> None:
    """Every write lands inside its issue folder, links followed (a `.digitize` that was
    replaced by a link to elsewhere must not carry our writes out)."""
    if not path.parent.resolve().is_relative_to(root.resolve()):
        raise OutputError(
            "refusing to write outside the output folder (a folder in it is a link)",
            path=path,
            hint="remove the link from the output folder",
        )


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


_UMASK = _umask()


def atomic_write(path: Path, data: bytes, *, root: Path | None = None) -> None:
    """Temporary file in the same folder, then rename: no reader ever sees half a file.

    With `root`, the file's folder must resolve to a place inside it. The file gets the
    mode a plain open() would give it (mkstemp's 0600 would hide outputs from the archive's
    other users), or keeps the mode of the file it replaces.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if root is not None:
            _check_inside(path, root)
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


def issue_lock(issue_folder: Path) -> RunLock:
    """The lock a rebuild of one issue folder takes: its output root's, the one a run of
    that output holds, so a rebuild never interleaves with a run (or another rebuild)."""
    return RunLock(issue_folder.resolve().parent)


class RunLock:
    """Exclusive lock on an output folder for the length of a run or rebuild.

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
            raise LockedError(
                "another digitize run or rebuild is writing to this output folder",
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
    cache_sha256: str = ""  # of .digitize/pages/<stem>.page.json.z, checked before use


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
    # The manifest file existed but could not be read (truncated, foreign): which files
    # are ours is then unknown. Not saved.
    damaged: bool = False

    @classmethod
    def load(cls, issue_dir: Path) -> Manifest:
        path = issue_dir / STATE_DIR / "manifest.json"
        m = cls(path=path)
        if not path.exists():
            return m
        damaged = cls(path=path, damaged=True)  # redo the work rather than trust it
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError, RecursionError):
            return damaged
        if not isinstance(raw, dict) or raw.get("version") != MANIFEST_VERSION:
            return damaged
        try:
            m.pages = {str(k): PageEntry(**v) for k, v in raw.get("pages", {}).items()}
            m.outputs = {str(k): [str(h) for h in v] for k, v in raw.get("outputs", {}).items()}
            m.info = dict(raw.get("info", {}))
        except (TypeError, ValueError, AttributeError):
            return damaged  # unknown layout: start over rather than half-trust it
        return m

    def save(self) -> None:
        from dataclasses import asdict

        data = {
            "version": MANIFEST_VERSION,
            "info": self.info,
            "pages": {k: asdict(v) for k, v in sorted(self.pages.items())},
            "outputs": dict(sorted(self.outputs.items())),
        }
        atomic_write(
            self.path,
            json.dumps(data, ensure_ascii=False, indent=1).encode("utf-8"),
            root=self.folder,
        )

    @property
    def folder(self) -> Path:
        return self.path.parent.parent


def cache_path(issue_dir: Path, stem: str) -> Path:
    return issue_dir / STATE_DIR / "pages" / f"{stem}{CACHE_SUFFIX}"


def _cache_header(stem: str, entry: PageEntry | None) -> dict[str, str]:
    """What a cached page must say about itself to be used for `entry`: a cache copied
    from another page, input or settings is then refused like a damaged one."""
    header = {"stem": stem}
    if entry is not None:
        header.update(input_sha256=entry.input_sha256, fingerprint=entry.fingerprint)
    return header


def save_page(issue_dir: Path, page: Page, entry: PageEntry | None) -> str:
    """Cache a finished page model (JSON, compressed); returns the file's sha256, which the
    caller records in `entry.cache_sha256` so the cache is verified before it is used."""
    data = zlib.compress(page_to_json(page, _cache_header(page.stem, entry)), 6)
    atomic_write(cache_path(issue_dir, page.stem), data, root=issue_dir)
    digest = sha256_bytes(data)
    if entry is not None:
        entry.cache_sha256 = digest
    return digest


def _cache_bytes(issue_dir: Path, stem: str, entry: PageEntry) -> bytes | None:
    path = cache_path(issue_dir, stem)
    try:
        if not entry.cache_sha256 or path.stat().st_size > CACHE_MAX_BYTES:
            return None
        data = path.read_bytes()
    except OSError:
        return None
    return data if sha256_bytes(data) == entry.cache_sha256 else None


def cache_ok(issue_dir: Path, stem: str, entry: PageEntry) -> bool:
    """The page's cache is there and is the very file this run recorded (cheap: a hash)."""
    return _cache_bytes(issue_dir, stem, entry) is not None


def load_page_cache(issue_dir: Path, stem: str, entry: PageEntry) -> Page | None:
    """The cached page model, or None when it is missing, damaged, foreign or not the file
    the manifest recorded: the caller then redoes the page. Never runs code from the file."""
    data = _cache_bytes(issue_dir, stem, entry)
    if data is None:
        return None
    try:
        inflate = zlib.decompressobj()
        raw = inflate.decompress(data, CACHE_MAX_JSON)
        if inflate.unconsumed_tail or not inflate.eof:
            return None  # larger than any page model, or cut short
        page = page_from_json(raw, _cache_header(stem, entry))
    except (zlib.error, PageJsonError):
        return None
    return page if page.stem == stem else None


def remove_old_caches(issue_dir: Path) -> None:
    """Delete page caches of the old pickle format: never read (unpickling runs code)."""
    for old in (issue_dir / STATE_DIR / "pages").glob("*.pkl"):
        with contextlib.suppress(OSError):
            old.unlink()


@dataclass(slots=True)
class WriteOutcome:
    written: list[str] = field(default_factory=list)
    kept_edited: list[str] = field(default_factory=list)
    backed_up: list[str] = field(default_factory=list)


def is_edited(manifest: Manifest, name: str) -> bool:
    """True when the file exists and is not a version we wrote (an archivist changed it).

    With a damaged manifest nothing is known about a file it has no record of; such a file
    counts as ours (`write_outputs` backs it up before replacing it), since calling every
    output "edited" would freeze the folder for good.
    """
    path = manifest.folder / name
    if not path.exists():
        return False
    if manifest.damaged and name not in manifest.outputs:
        return False
    return sha256_file(path) not in manifest.outputs.get(name, [])


def taken_in(manifest: Manifest) -> dict[str, str]:
    """The corrected files (name -> sha256) that a run or rebuild has read and written
    every other output from: edits already in those outputs."""
    seen = manifest.info.get("taken_in")
    return {str(k): str(v) for k, v in seen.items()} if isinstance(seen, dict) else {}


def record_taken_in(manifest: Manifest, names: list[str]) -> None:
    """Remember that the outputs now follow these (corrected) files as they are."""
    seen = taken_in(manifest)
    seen.update({name: sha256_file(manifest.folder / name) for name in names})
    manifest.info["taken_in"] = dict(sorted(seen.items()))


def new_edit(manifest: Manifest, name: str) -> bool:
    """Edited (`is_edited`) and not yet taken in: an ALTO corrected and rebuilt stays
    edited (a run must keep it) but is no newer than the PAGE-XML written from it."""
    if not is_edited(manifest, name):
        return False
    return taken_in(manifest).get(name) != sha256_file(manifest.folder / name)


ALTO_SUFFIX = ".xml"


def corrected_file(manifest: Manifest, stem: str) -> str | None:
    """The name of the page's file an archivist corrected, which the other outputs must
    follow: its ALTO (`<stem>.xml`) or its PAGE-XML (`page/<stem>.xml`), whichever was
    edited since digitize wrote it; an edit a rebuild already took in counts only when
    nothing newer is there. None when neither was edited.

    Raises EditConflictError when both were edited since the last rebuild.
    """
    alto, page = f"{stem}{ALTO_SUFFIX}", page_xml.file_name(stem)
    fresh = [name for name in (alto, page) if new_edit(manifest, name)]
    if len(fresh) == 2:
        raise EditConflictError(
            f"both {alto} and {page} were edited since digitize wrote them; keep the "
            f"corrections in one of them (or restore the other from {STATE_DIR}/backup/ or "
            "an earlier copy) and run again",
            path=manifest.folder,
        )
    if fresh:
        return fresh[0]
    return next((name for name in (alto, page) if is_edited(manifest, name)), None)


def write_outputs(
    manifest: Manifest, files: dict[str, bytes], *, force: bool, outcome: WriteOutcome
) -> None:
    """Write outputs atomically, never overwriting a file someone edited since we wrote it.

    Without --force an edited file is left alone and reported; with --force it is first
    copied to .digitize/backup/. After a damaged manifest, a file it has no record of is
    backed up and replaced too (see `is_edited`): no edit is lost and nothing stays stale.
    """
    folder = manifest.folder
    for name, data in files.items():
        path = contained(folder, name)
        new_hash = sha256_bytes(data)
        if path.exists():
            current = sha256_file(path)
            if current == new_hash:
                _remember(manifest, name, new_hash)
                continue
            if current not in manifest.outputs.get(name, []):
                if not force and not manifest.damaged:
                    outcome.kept_edited.append(name)
                    continue
                stamp = time.strftime("%Y%m%dT%H%M%S")
                backup = folder / STATE_DIR / "backup" / f"{name}.{stamp}"
                atomic_write(backup, path.read_bytes(), root=folder)
                outcome.backed_up.append(str(backup.relative_to(folder)))
        _remember(manifest, name, new_hash)
        manifest.save()  # write-ahead: the record exists before the file changes
        atomic_write(path, data, root=folder)
        outcome.written.append(name)
    manifest.save()


def _remember(manifest: Manifest, name: str, digest: str) -> None:
    history = [h for h in manifest.outputs.get(name, []) if h != digest]
    manifest.outputs[name] = [*history[-3:], digest]
