"""`digitize rebuild`: regenerate an issue's derived outputs from its (hand-corrected) ALTO.

The ALTO files are the archivist's master copy: text corrections, split or merged
Strings, deleted or added lines, blocks moved in the reading order and changed block
types are all read back (`alto_read.read_alto`), articles are linked again and page
text, issue text, METS and article records are written anew. No OCR runs. The new
outputs' hashes go into the manifest (they are ours again), while the edited ALTO keeps
a hash the manifest does not know, so a later `digitize run` keeps it; the rebuilt page
models also replace the page cache so that such a run regenerates text that agrees with
the corrected ALTO.

An ALTO file is rewritten in one case only: a String whose CONTENT was corrected while
its Glyphs and CC still spell the old reading (`alto_repair`). Only those Strings change
(CONTENT, the edit, is kept as typed), and the editor's file is first copied to
.digitize/backup/: the archivist's edit is never lost, and the archive does not keep a
file that holds two texts for one word (viewers and search highlighting show the glyphs).

On unedited output a rebuild is idempotent and reproduces the run's files byte for byte:
the ALTO round trip is exact, and METS keeps its CREATEDATE (LASTMODDATE records the
last rebuild that changed the METS).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from digitize.batch.store import (
    STATE_DIR,
    Manifest,
    WriteOutcome,
    atomic_write,
    issue_lock,
    save_page,
    sha256_file,
    write_outputs,
)
from digitize.errors import InputError
from digitize.model import Page
from digitize.pipeline import finish_issue, processing_for, read_corrected_page
from digitize.serialize.alto_read import AltoError
from digitize.serialize.alto_repair import repair_strings
from digitize.serialize.mets import header_dates, with_header_dates
from digitize.serialize.xmlsafe import XmlError, read_bytes

METS_NAME = "mets.xml"
# Our own non-ALTO XML outputs; everything else *.xml in an issue folder is a page.
_NOT_PAGES = frozenset({METS_NAME})


@dataclass(slots=True)
class RebuildResult:
    issue: str
    folder: Path
    pages: int = 0
    articles: int = 0
    jumps: int = 0
    written: list[str] = field(default_factory=list)
    repaired: list[str] = field(default_factory=list)  # ALTO files whose glyphs were re-aligned
    backed_up: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # "file:line: message"
    issue_files_written: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors


def is_issue_folder(folder: Path) -> bool:
    return (folder / STATE_DIR / "manifest.json").is_file() or any(
        p.suffix == ".xml" and p.name not in _NOT_PAGES for p in folder.glob("*.xml")
    )


def issue_folders(paths: list[Path]) -> list[Path]:
    """Issue folders named directly, or found one level down in an output folder."""
    out: list[Path] = []
    for p in paths:
        if is_issue_folder(p):
            out.append(p)
        elif p.is_dir():
            out.extend(sorted(c for c in p.iterdir() if c.is_dir() and is_issue_folder(c)))
    return out


def alto_files(folder: Path) -> list[Path]:
    """Candidate ALTO files: every *.xml but METS, in name order (page order comes later)."""
    return sorted(p for p in folder.glob("*.xml") if p.name not in _NOT_PAGES)


def _message(exc: Exception, path: Path) -> str:
    if isinstance(exc, AltoError):
        # AltoError's message starts "line N: ..."; put it in file:line: form.
        msg = exc.message
        if exc.line and msg.startswith(f"line {exc.line}: "):
            msg = msg[len(f"line {exc.line}: ") :]
        return f"{path}:{exc.line}: {msg}" if exc.line else f"{path}: {msg}"
    return f"{path}: {exc}"


def read_page(path: Path, manifest: Manifest) -> Page | None:
    """One (possibly hand-edited) ALTO file as a Page (`read_alto` parses it safely);
    None if it is not ALTO.

    Raises InputError (with file and line) or OSError for a file that cannot be read.
    """
    page = read_corrected_page(path, None)
    entry = manifest.pages.get(page.stem) if page is not None else None
    if page is not None and entry is not None:
        # ALTO records only the image's file name; the manifest has the source path.
        page.file, page.source_index = Path(entry.file), entry.index
    return page


def read_pages(folder: Path, manifest: Manifest) -> tuple[list[Page], list[str]]:
    """Pages from the folder's ALTO files in physical order, plus one message per bad file.

    Each file is read on its own so one broken file never hides the others.
    """
    pages: list[Page] = []
    errors: list[str] = []
    for path in alto_files(folder):
        try:
            page = read_page(path, manifest)
        except (InputError, OSError) as exc:
            errors.append(_message(exc, path))
            continue
        if page is not None:
            pages.append(page)
    pages.sort(key=lambda p: (p.number, p.stem))
    seen: dict[int, str] = {}
    unique: list[Page] = []
    for page in pages:
        if page.number in seen:
            errors.append(
                f"{folder / (page.stem + '.xml')}: PHYSICAL_IMG_NR {page.number} is also used "
                f"by {seen[page.number]}.xml; page skipped (give each page its own number)"
            )
            continue
        seen[page.number] = page.stem
        unique.append(page)
    return unique, errors


def rebuild_issue(folder: Path, *, log: Callable[[str], None] | None = None) -> RebuildResult:
    """Re-derive every non-ALTO output of one issue folder from its ALTO files.

    When some ALTO file cannot be read, page text of the readable pages is still
    rewritten, but the issue-level files (issue.txt, articles.jsonl, mets.xml) are left
    as they are: writing them without the broken page would silently drop its articles.
    Holds the output's lock (the one `digitize run` takes) for the whole rebuild.
    """
    with issue_lock(folder):
        return _rebuild_locked(folder, log)


def _rebuild_locked(folder: Path, log: Callable[[str], None] | None) -> RebuildResult:
    manifest = Manifest.load(folder)
    result = RebuildResult(issue=folder.name, folder=folder)
    repair_alto_files(folder, result, log)
    pages, result.errors = read_pages(folder, manifest)
    result.pages = len(pages)
    if not pages and not result.errors:
        result.errors.append(f"{folder}: no ALTO files to rebuild from")
    if not pages:
        return result
    outputs = finish_issue(
        folder.name,
        folder,
        pages,
        processing_for("rebuild", [], {}),
        folder=folder,
        with_alto=False,
    )
    result.articles, result.jumps, files = outputs.articles, outputs.jumps, outputs.files
    keep_mets_dates(folder, files)
    if result.errors:
        files = {n: d for n, d in files.items() if n.endswith(".txt") and n != "issue.txt"}
    outcome = WriteOutcome()
    manifest.info["rebuilt"] = {
        "at": datetime.now(UTC).replace(microsecond=0).isoformat(),
        "from": {f"{p.stem}.xml": sha256_file(folder / f"{p.stem}.xml") for p in pages},
    }
    for page in pages:
        save_page(folder, page, manifest.pages.get(page.stem))
    write_outputs(manifest, files, force=True, outcome=outcome)
    result.written += outcome.written
    result.backed_up += outcome.backed_up
    result.issue_files_written = not result.errors
    if log is not None:
        for b in outcome.backed_up:
            log(f"{folder.name}: hand-edited {b.split('/')[-1]} replaced; backup in {b}")
    return result


def repair_alto_files(
    folder: Path, result: RebuildResult, log: Callable[[str], None] | None = None
) -> None:
    """Re-align the Glyphs and CC of hand-corrected Strings with their CONTENT, in every
    ALTO file that needs it, after copying the editor's file to .digitize/backup/.

    A file that cannot be parsed is left alone here (`read_pages` reports it); a link is
    never followed for writing.
    """
    for path in alto_files(folder):
        if path.is_symlink():
            continue
        try:
            raw = read_bytes(path)
            fixed = repair_strings(raw, path)
        except XmlError:
            continue
        if fixed is None:
            continue
        backup = backup_copy(folder, path.name, raw)
        atomic_write(path, fixed.data, root=folder)
        result.repaired.append(path.name)
        result.written.append(path.name)
        result.backed_up.append(backup)
        if log is not None:
            log(
                f"{folder.name}: {path.name}: glyphs and CC of {len(fixed.strings)} corrected "
                f"String(s) re-aligned with CONTENT ({', '.join(fixed.strings[:5])}"
                f"{', ...' if len(fixed.strings) > 5 else ''}); the file as edited is in {backup}"
            )


def backup_copy(folder: Path, name: str, data: bytes) -> str:
    """Keep `data` (a file about to be replaced) as .digitize/backup/<name>.<time>, never
    overwriting an earlier backup; returns its path relative to `folder`."""
    stamp = time.strftime("%Y%m%dT%H%M%S")
    base = folder / STATE_DIR / "backup" / f"{name}.{stamp}"
    target, n = base, 1
    while target.exists():
        n += 1
        target = base.with_name(f"{base.name}.{n}")
    atomic_write(target, data, root=folder)
    return str(target.relative_to(folder))


def keep_mets_dates(folder: Path, files: dict[str, bytes]) -> None:
    """Give the rebuilt METS the existing METS's CREATEDATE (the issue was created by the
    run, not by this rebuild); LASTMODDATE becomes now only when the METS content changed,
    so a rebuild that changes nothing leaves mets.xml byte for byte as it was."""
    new = files.get(METS_NAME)
    path = folder / METS_NAME
    if new is None or path.is_symlink() or not path.is_file():
        return
    try:
        old = read_bytes(path)
    except XmlError:
        return
    created, modified = header_dates(old)
    if created is None:
        return  # no usable date: the new METS's own CREATEDATE stands
    same = with_header_dates(new, created, modified)
    if same != old:
        now = datetime.now(UTC).replace(microsecond=0).isoformat()
        same = with_header_dates(new, created, now)
    files[METS_NAME] = same
