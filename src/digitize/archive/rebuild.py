"""`digitize rebuild`: regenerate an issue's derived outputs from its (hand-corrected) ALTO
or PAGE-XML.

Per page the archivist's copy is its ALTO file, or its PAGE-XML (`page/<stem>.xml`, as
Transkribus or eScriptorium write it back) when that is the one edited since digitize
wrote it (`store.corrected_file`; both edited is refused, naming both). Text
corrections, split or merged words, deleted or added lines, blocks moved in the reading
order and changed block types are all read back (`alto_read.read_alto`,
`page_read.read_page_xml`), articles are linked again and every other output of the
formats asked for is written anew (a page read from PAGE-XML gets its ALTO rewritten
too). No OCR runs. The new outputs' hashes go into
the manifest (they are ours again), while the edited file keeps a hash the manifest does
not know, so a later `digitize run` keeps it; the files read are recorded as taken in
(`info.rebuilt.from`), and the rebuilt page models replace the page cache so that such
a run regenerates text that agrees with the correction.

Formats, IIIF base URL and MODS overrides default to what the run recorded in the
manifest (`info.output_options`), so a rebuild remakes what the run made.

An ALTO file is rewritten in one case only: a String whose CONTENT was corrected while
its Glyphs and CC still spell the old reading (`alto_repair`). Only those Strings change
(CONTENT, the edit, is kept as typed), and the editor's file is first copied to
.digitize/backup/: the archivist's edit is never lost, and the archive does not keep a
file that holds two texts for one word (viewers and search highlighting show the glyphs).
The repaired file keeps a hash the manifest does not know, so it stays "edited".

On unedited output a rebuild is idempotent and reproduces the run's files byte for byte:
the ALTO round trip is exact, and METS keeps its CREATEDATE (LASTMODDATE records the
last rebuild that changed the METS).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from digitize.batch.store import (
    STATE_DIR,
    Manifest,
    WriteOutcome,
    atomic_write,
    corrected_file,
    issue_lock,
    new_edit,
    record_taken_in,
    save_page,
    sha256_file,
    write_outputs,
)
from digitize.config import OutputOptions, parse_formats
from digitize.errors import EditConflictError, InputError, UsageError
from digitize.model import Page
from digitize.pipeline import finish_issue, processing_for, read_corrected_page
from digitize.serialize import page_xml, pdf
from digitize.serialize.alto import Processing
from digitize.serialize.alto_read import AltoError, read_alto_page
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
    from_page_xml: list[str] = field(default_factory=list)  # corrected PAGE-XML files read

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
    """Candidate ALTO files: every *.xml but METS and PAGE-XML, in name order (page order
    comes later)."""
    return sorted(p for p in folder.glob("*.xml") if p.name not in _NOT_PAGES)


def page_sources(folder: Path, manifest: Manifest) -> tuple[list[Path], list[str]]:
    """The file each page is read from, in name order: its ALTO, or its PAGE-XML when that
    was corrected since digitize wrote it (or is all there is); plus one message per page
    whose ALTO and PAGE-XML were both corrected (that page is not read)."""
    alto = {p.name.removesuffix(".xml"): p for p in alto_files(folder)}
    page = {p.stem: p for p in (folder / page_xml.PAGE_DIR).glob("*.xml")}
    chosen: list[Path] = []
    errors: list[str] = []
    for stem in sorted({*alto, *page}):
        try:
            edited = corrected_file(manifest, stem)
        except EditConflictError as exc:
            errors.append(f"{folder}: {exc.message}")
            continue
        if stem in page and (stem not in alto or edited == page_xml.file_name(stem)):
            chosen.append(page[stem])
        else:
            chosen.append(alto[stem])
    return chosen, errors


def _message(exc: Exception, path: Path) -> str:
    if isinstance(exc, AltoError):
        # AltoError's message starts "line N: ..."; put it in file:line: form.
        msg = exc.message
        if exc.line and msg.startswith(f"line {exc.line}: "):
            msg = msg[len(f"line {exc.line}: ") :]
        return f"{path}:{exc.line}: {msg}" if exc.line else f"{path}: {msg}"
    return f"{path}: {exc}"


def read_page(path: Path, manifest: Manifest) -> Page | None:
    """One (possibly hand-edited) ALTO or PAGE-XML file as a Page (parsed safely); None
    if it is neither.

    Raises InputError (with file and line) or OSError for a file that cannot be read.
    """
    page = read_corrected_page(path, None)
    entry = manifest.pages.get(page.stem) if page is not None else None
    if page is not None and entry is not None:
        # ALTO records only the image's file name; the manifest has the source path.
        page.file, page.source_index = Path(entry.file), entry.index
    return page


def read_pages(
    folder: Path, manifest: Manifest, sources: dict[str, str] | None = None
) -> tuple[list[Page], list[str]]:
    """Pages from the folder's ALTO (or corrected PAGE-XML) files in physical order, plus
    one message per bad file. `sources` receives, per page stem, the file it was read
    from.

    Each file is read on its own so one broken file never hides the others.
    """
    pages: list[Page] = []
    paths, errors = page_sources(folder, manifest)
    for path in paths:
        try:
            page = read_page(path, manifest)
        except (InputError, OSError) as exc:
            errors.append(_message(exc, path))
            continue
        if page is not None:
            pages.append(page)
            if sources is not None:
                sources[page.stem] = path.relative_to(folder).as_posix()
    pages.sort(key=lambda p: (p.number, p.stem))
    seen: dict[int, str] = {}
    unique: list[Page] = []
    for page in pages:
        if page.number in seen:
            errors.append(
                f"{folder / page.stem}: page number {page.number} (ALTO PHYSICAL_IMG_NR) is "
                f"also used by {seen[page.number]}; page skipped (give each page its own "
                "number)"
            )
            continue
        seen[page.number] = page.stem
        unique.append(page)
    return unique, errors


def output_options(manifest: Manifest, given: Mapping[str, Any] | None = None) -> OutputOptions:
    """The options a rebuild writes with: `given` (fields of OutputOptions, `formats` as a
    list or comma string) over what the run recorded in the manifest, over the defaults.
    UsageError for an unknown field."""
    known = {f.name for f in fields(OutputOptions)}
    recorded = manifest.info.get("output_options")
    values: dict[str, Any] = {}
    if isinstance(recorded, dict):
        values.update({k: v for k, v in recorded.items() if k in known})
    for key, value in (given or {}).items():
        if key not in known:
            raise UsageError(f"unknown output option {key!r}")
        if key == "mods":
            values["mods"] = {**values.get("mods", {}), **value}
        elif value is not None:
            values[key] = value
    if "formats" in values:
        values["formats"] = parse_formats(values["formats"])
    if "mods" in values:
        values["mods"] = {str(k): str(v) for k, v in dict(values["mods"]).items()}
    return OutputOptions(**values)


def rebuild_issue(
    folder: Path,
    *,
    log: Callable[[str], None] | None = None,
    outputs: Mapping[str, Any] | None = None,
) -> RebuildResult:
    """Re-derive every output of one issue folder from its ALTO files (a page's PAGE-XML
    where that was corrected instead), except the files read. `outputs` overrides the
    run's output options (`output_options`).

    When some page file cannot be read, page text of the readable pages is still
    rewritten, but the issue-level files (issue.txt, articles.jsonl, mets.xml, PDF, IIIF)
    are left as they are: writing them without the broken page would silently drop its
    articles. Holds the output's lock (the one `digitize run` takes) for the whole rebuild.
    """
    # The folder's name is the issue's ("." or "x/.." would name files ".pdf").
    folder = Path(os.path.normpath(folder.absolute()))
    with issue_lock(folder):
        return _rebuild_locked(folder, log, outputs)


def _rebuild_locked(
    folder: Path, log: Callable[[str], None] | None, given: Mapping[str, Any] | None
) -> RebuildResult:
    manifest = Manifest.load(folder)
    options = output_options(manifest, given)
    result = RebuildResult(issue=folder.name, folder=folder)
    repair_alto_files(folder, result, log)
    read_from: dict[str, str] = {}
    pages, result.errors = read_pages(folder, manifest, read_from)
    result.pages = len(pages)
    result.from_page_xml = sorted(n for n in read_from.values() if page_xml.stem_of(n))
    if not pages and not result.errors:
        result.errors.append(f"{folder}: no ALTO files to rebuild from")
    if not pages:
        return result
    outputs = finish_issue(
        folder.name,
        folder,
        pages,
        _run_processing(folder),
        folder=folder,
        outputs=options,
        sources={
            stem: "page" if page_xml.stem_of(name) else "alto"
            for stem, name in read_from.items()
        },
    )
    result.articles, result.jumps, files = outputs.articles, outputs.jumps, outputs.files
    keep_mets_dates(folder, files)
    keep_derived(folder, files, manifest, read_from)
    keep_unchanged(folder, files)
    if result.errors:
        files = {n: d for n, d in files.items() if n.endswith(".txt") and n != "issue.txt"}
    elif log is not None:
        for warning in outputs.warnings:
            log(warning)
    outcome = WriteOutcome()
    manifest.info["rebuilt"] = {
        "at": datetime.now(UTC).replace(microsecond=0).isoformat(),
        "from": {name: sha256_file(folder / name) for name in read_from.values()},
    }
    manifest.info["output_options"] = options.as_dict()
    for page in pages:
        save_page(folder, page, manifest.pages.get(page.stem))
    if not result.errors:
        record_taken_in(manifest, sorted(read_from.values()))
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


def _run_processing(folder: Path) -> Processing:
    """The provenance of the run that read these pages (engine, models, settings, time),
    from the first ALTO file that digitize wrote: a rebuild runs no OCR, so the files it
    writes (PAGE-XML) name the OCR that produced their text, not the rebuild."""
    for path in alto_files(folder):
        try:
            found = read_alto_page(path).processing
        except (InputError, OSError):
            continue
        if found is not None:
            return found
    return processing_for("rebuild", [], {})


def keep_derived(
    folder: Path, files: dict[str, bytes], manifest: Manifest, read_from: dict[str, str]
) -> None:
    """Keep the PAGE-XML of every page whose source was not corrected since it was last
    taken in, and the PDF when no page was: both are drawn from page geometry, which a page
    read back from ALTO (whole scan pixels) only reproduces to a pixel of rounding, so
    rewriting them would change files that no correction touched."""
    fresh = {stem for stem, name in read_from.items() if new_edit(manifest, name)}
    for name in list(files):
        path = folder / name
        if path.is_symlink() or not path.is_file():
            continue
        if (stem := page_xml.stem_of(name)) is not None:
            keep = stem not in fresh
        else:
            keep = name.endswith(".pdf") and not fresh
        if keep:
            files[name] = path.read_bytes()


def keep_unchanged(folder: Path, files: dict[str, bytes]) -> None:
    """Keep the existing PAGE-XML and PDF files where the rebuilt ones differ only in
    their dates: a rebuild that changes nothing rewrites nothing."""
    for name, new in list(files.items()):
        if page_xml.stem_of(name) is not None:
            same = page_xml.without_dates
        elif name.endswith(".pdf"):
            same = pdf.without_dates
        else:
            continue
        path = folder / name
        if path.is_symlink() or not path.is_file():
            continue
        old = path.read_bytes()
        if same(old) == same(new):
            files[name] = old


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
