"""Command line: `digitize run INPUT... -o OUTPUT` and friends."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from digitize import __version__
from digitize.config import DEFAULT_PRESET
from digitize.engines import DEFAULT_ENGINE, ENGINES, PRESETS
from digitize.errors import EXIT_CODES_HELP, EXIT_USAGE, DigitizeError

Handler = Callable[[argparse.Namespace], int]

RUN_EPILOG = f"""\
inputs:
  an issue folder of page images (TIFF incl. multi-page, JPEG, PNG, JPEG 2000), a folder of
  issue folders, a PDF (one issue; pages become page-1, page-2, ...), or single image files.
  Pages are taken in natural order of their file names; other files are skipped and listed.

outputs, per issue in OUTPUT/<issue>/:
  <page>.xml     ALTO 4.4 with boxes in scan pixels, confidences and per-character glyphs
  <page>.txt     clean page text in reading order
  mets.xml       METS with the issue's articles (jumps across pages included)
  issue.txt      the whole issue in reading order, jumped articles merged
  articles.jsonl one article record per line, for search indexing
  report.json    per-page status, skew, timings and errors

A re-run skips finished pages and never overwrites a file that was edited since it was
written (use --force to overwrite; a backup is kept in .digitize/backup/).

The OCR libraries' own log lines go to OUTPUT/.digitize/library.log (--verbose: stderr).

exit codes: {EXIT_CODES_HELP}.
"""


def _parser() -> tuple[argparse.ArgumentParser, dict[str, Handler]]:
    p = argparse.ArgumentParser(
        prog="digitize",
        description="OCR for scanned Chinese newspapers: ALTO, METS, text, article records.",
    )
    p.add_argument("--version", action="version", version=f"digitize {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    run = sub.add_parser(
        "run",
        help="OCR scanned issues into ALTO, METS, text and article records",
        description="OCR scanned newspaper issues.",
        epilog=RUN_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    run.add_argument(
        "inputs",
        nargs="+",
        type=Path,
        metavar="INPUT",
        help="issue folder, folder of issues, PDF or image",
    )
    run.add_argument(
        "-o", "--output", type=Path, default=Path("output"), help="output folder (default: output)"
    )
    run.add_argument(
        "--engine",
        choices=ENGINES,
        default=DEFAULT_ENGINE,
        help=f"OCR engine (default: {DEFAULT_ENGINE})",
    )
    run.add_argument(
        "--workers", type=int, default=0, help="parallel page workers (default: one per core)"
    )
    run.add_argument(
        "--overlay", action="store_true", help="also write <page>.overlay.png with regions drawn"
    )
    run.add_argument(
        "--force", action="store_true", help="overwrite edited outputs (a backup is kept)"
    )
    run.add_argument("--fail-fast", action="store_true", help="stop at the first page that fails")
    run.add_argument(
        "--preset",
        choices=PRESETS,
        default=None,
        help=f"speed/accuracy trade-off (default: {DEFAULT_PRESET} with rapidocr, accurate "
        "with paddleocr); fast = int8 recognizer derived locally from the float weights",
    )
    run.add_argument(
        "--no-orientation",
        action="store_true",
        help="skip the check for pages turned by 90/180 degrees",
    )
    run.add_argument(
        "--verbose",
        action="store_true",
        help="show the OCR libraries' log lines on stderr (default: OUTPUT/.digitize/library.log)",
    )
    run.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="run pages on a Dask cluster, e.g. tcp://host:8786 (needs digitize[dask])",
    )
    handlers: dict[str, Handler] = {"run": _cmd_run}
    handlers.update(_register_archive_commands(sub))
    return p, handlers


def _register_archive_commands(
    sub: argparse._SubParsersAction[argparse.ArgumentParser],
) -> dict[str, Handler]:
    """Archivist and search commands (rebuild, validate, index, search, export, review)."""
    try:
        from digitize.archive.cli import add_commands
    except ImportError:  # pragma: no cover - module always ships; guard keeps `run` usable
        return {}
    handlers: dict[str, Handler] = add_commands(sub)
    return handlers


def _cmd_run(args: argparse.Namespace) -> int:
    from digitize.batch.runner import RunOptions, run
    from digitize.config import Settings

    options = RunOptions(
        output=args.output,
        settings=Settings(
            engine=args.engine,
            preset=args.preset or "",
            detect_orientation=not args.no_orientation,
            overlay=args.overlay,
            workers=args.workers,
        ),
        force=args.force,
        fail_fast=args.fail_fast,
        scheduler=args.scheduler,
        verbose=args.verbose,
    )
    summary = run(args.inputs, options)
    err = sys.stderr
    total = summary.ok + summary.failed + summary.skipped
    print("", file=err)
    print(f"{'issues':<22}{len(summary.issues)}", file=err)
    print(f"{'pages ok':<22}{summary.ok}", file=err)
    print(f"{'pages failed':<22}{summary.failed}", file=err)
    print(f"{'pages already done':<22}{summary.skipped}", file=err)
    print(f"{'time':<22}{summary.seconds:.1f} s", file=err)
    if summary.ok:
        print(f"{'seconds per page':<22}{summary.seconds / max(summary.ok, 1):.2f}", file=err)
    if summary.slowest:
        slow = ", ".join(f"{name} {sec:.1f}s" for sec, name in summary.slowest[:3])
        print(f"{'slowest pages':<22}{slow}", file=err)
    if summary.kept_edited:
        print(
            f"{'edited files kept':<22}{len(summary.kept_edited)} (use --force to overwrite)",
            file=err,
        )
    for why in summary.refused:
        print(f"{'issue not run':<22}{why}", file=err)
    if summary.unread_issues:
        names = ", ".join(summary.unread_issues)
        print(f"{'nothing read in':<22}{names} (see report.json there)", file=err)
    read = summary.ok + summary.skipped
    if read:
        print(f"output in {args.output}/ ({read} of {total} pages read)", file=err)
    else:
        print(f"no page was read; nothing but report.json written to {args.output}/", file=err)
    return summary.exit_code


def main(argv: Sequence[str] | None = None) -> int:
    parser, handlers = _parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        return handlers[args.command](args)
    except DigitizeError as exc:
        print(f"digitize: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print(
            "\ndigitize: interrupted; finished pages are kept, re-run to continue", file=sys.stderr
        )
        return 130


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    raise SystemExit(main())
