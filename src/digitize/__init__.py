"""digitize: scanned Chinese newspaper pages to ALTO 4.4, PAGE-XML, METS/MODS, searchable
PDF, IIIF, clean text and article records.

The Python API (the command line runs the same code):

    import digitize
    summary = digitize.run(["scans/issue"], "output", formats="default,iiif", workers=2)
    issue = digitize.read_issue("output/issue")      # the model, from the ALTO files

Heavy modules (OCR runtimes, image libraries) are imported on first call, not here.
"""

from __future__ import annotations

from collections.abc import Sequence
from os import PathLike
from pathlib import Path
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from digitize.batch.runner import RunSummary
    from digitize.model import Issue

__all__ = ["__version__", "read_issue", "run"]

_SETTINGS = ("engine", "preset", "detect_orientation", "overlay", "workers")
_RUN = ("force", "fail_fast", "scheduler", "in_process", "verbose")
_OUTPUTS = ("formats", "iiif_base_url", "mods", "pdf_lossless")


def run(
    inputs: Sequence[str | PathLike[str]] | str | PathLike[str],
    output: str | PathLike[str],
    **options: Any,
) -> RunSummary:
    """OCR `inputs` (issue folders, folders of issues, PDFs, images) into `output`, like
    `digitize run`: pages an earlier run finished are skipped, edited files kept.

    Options, by the command's long names with underscores: engine, preset,
    detect_orientation, overlay, workers, force, fail_fast, scheduler, verbose,
    formats ("alto,page" or a list; "all", "default"), iiif_base_url, mods (a dict:
    title, date, issue_number, edition, script), pdf_lossless. Progress goes to stderr.

    Raises digitize.errors.UsageError for an unknown option or value, and the
    command's other errors (OutputError, ModelError, ...), each with `exit_code`.
    Check `RunSummary.exit_code` (0: every page read) for pages that failed.
    """
    from digitize.batch.runner import RunOptions
    from digitize.batch.runner import run as run_batch
    from digitize.config import OutputOptions, Settings, parse_formats
    from digitize.errors import UsageError

    unknown = sorted(set(options) - {*_SETTINGS, *_RUN, *_OUTPUTS})
    if unknown:
        raise UsageError(
            f"unknown option(s) {', '.join(unknown)}",
            hint=f"known: {', '.join((*_SETTINGS, *_RUN, *_OUTPUTS))}",
        )
    outputs = {k: options[k] for k in _OUTPUTS if k in options}
    if "formats" in outputs:
        outputs["formats"] = parse_formats(outputs["formats"])
    paths = [inputs] if isinstance(inputs, str | PathLike) else list(inputs)
    run_options = RunOptions(
        output=Path(output),
        settings=Settings(**{k: options[k] for k in _SETTINGS if k in options}),
        outputs=OutputOptions(**outputs),
        **{k: options[k] for k in _RUN if k in options},
    )
    return run_batch([Path(p) for p in paths], run_options)


def read_issue(folder: str | PathLike[str]) -> Issue:
    """An output issue folder read back into the model (`digitize.model.Issue`): its
    ALTO files (or a page's corrected PAGE-XML, as `digitize rebuild` reads them), pages
    in order, articles linked again. Nothing is written.

    Raises digitize.errors.InputError naming every file that cannot be read.
    """
    from digitize.archive.rebuild import read_pages
    from digitize.batch.store import Manifest
    from digitize.errors import InputError
    from digitize.model import Issue
    from digitize.stages.link import link_articles

    path = Path(folder)
    pages, errors = read_pages(path, Manifest.load(path))
    if errors or not pages:
        raise InputError(
            "; ".join(errors) or "no ALTO or PAGE-XML files", path=None if errors else path
        )
    issue = Issue(name=path.name, source=path, pages=pages)
    link_articles(issue)
    return issue
