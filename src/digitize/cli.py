"""Command line: `digitize run INPUT... -o OUTPUT` and friends."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from digitize import __version__
from digitize.config import (
    DEFAULT_LIST,
    DEFAULT_PRESET,
    MODS_KEYS,
    add_output_options,
    output_values,
    parse_formats,
    read_config,
)
from digitize.engines import DEFAULT_ENGINE, ENGINES, PRESETS
from digitize.errors import EXIT_CODES_HELP, EXIT_OK, EXIT_USAGE, DigitizeError, UsageError

Handler = Callable[[argparse.Namespace], int]


RUN_EPILOG = f"""\
inputs:
  an issue folder of page images (TIFF incl. multi-page, JPEG, PNG, JPEG 2000), a folder of
  issue folders, a PDF (one issue; pages become page-1, page-2, ...), or single image files.
  Pages are taken in natural order of their file names; other files are skipped and listed.

outputs, per issue in OUTPUT/<issue>/ (--formats; default: {DEFAULT_LIST}):
  alto     <page>.xml       ALTO 4.4: boxes in scan pixels, confidences, per-character glyphs
  page     page/<page>.xml  PAGE-XML 2019 for Transkribus, eScriptorium, OCR-D
  text     <page>.txt       clean page text in reading order, and
           issue.txt        the whole issue in reading order, jumped articles merged
  mets     mets.xml         METS with MODS (title, date, issue number, language), the
                            pages' files and the issue's articles (jumps included)
  records  articles.jsonl   one article record per line, for search indexing
  pdf      <issue>.pdf      searchable PDF: the scans under an invisible text layer
  iiif     manifest.json    IIIF Presentation 3 manifest (canvases, ALTO, articles)
  always   report.json      per-page status, skew, timings and errors
Links in these files are relative to the file that holds them (IIIF ids: relative to
--iiif-base-url).

config file (--config FILE, TOML): any option above by its long name (engine = "rapidocr",
workers = 2, formats = ["alto", "pdf"], iiif-base-url = "https://...", inputs = [...],
output = "..."), and a [mods] table (title, date, issue_number, edition, script). Flags
given on the command line win; an unknown key is an error.

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
        nargs="*",
        type=Path,
        metavar="INPUT",
        help="issue folder, folder of issues, PDF or image (or `inputs` in --config)",
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
        "--max-megapixels",
        type=float,
        default=0.0,
        metavar="MP",
        help="refuse pages larger than this before decoding them (default: "
        "$DIGITIZE_MAX_MEGAPIXELS, else 300)",
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
    add_output_options(run)
    run.add_argument(
        "--dry-run",
        action="store_true",
        help="list per issue which pages are new, changed, failed before, done or edited; "
        "write nothing",
    )
    handlers: dict[str, Handler] = {"run": _cmd_run}
    handlers.update(_register_archive_commands(sub))
    return p, handlers


def _config_keys(p: argparse.ArgumentParser) -> dict[str, argparse.Action]:
    """A sub-command's options by the names a config file uses: the long option without
    its dashes (`fail-fast`, also `fail_fast`), positionals by their dest."""
    keys: dict[str, argparse.Action] = {}
    for action in p._actions:
        if action.dest in ("help", "config", "mods_table"):
            continue
        longs = [o for o in action.option_strings if o.startswith("--")]
        for name in [o[2:] for o in longs] or ([action.dest] if not action.option_strings else []):
            keys[name] = action
            keys[name.replace("-", "_")] = action
    return keys


def _config_value(action: argparse.Action, key: str, value: object, path: Path) -> object:
    """`value` checked against what the option takes (and converted like argparse does)."""
    def bad(what: str) -> UsageError:
        return UsageError(f"config key {key!r} must be {what}, not {value!r}", path=path)

    if action.nargs == 0:  # a flag
        if not isinstance(value, bool):
            raise bad("true or false")
        return value
    if action.dest == "formats":
        if not isinstance(value, str | list) or not all(isinstance(v, str) for v in value):
            raise bad("a list of format names")
        try:
            return ",".join(sorted(parse_formats(value)))
        except UsageError as exc:
            raise UsageError(exc.message, path=path, hint=exc.hint) from None
    convert = action.type if callable(action.type) else str
    if action.nargs in ("*", "+"):
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise bad("a list of strings")
        return [convert(v) for v in value]
    wanted = int if convert is int else str
    if isinstance(value, bool) or not isinstance(value, wanted):
        raise bad("a number" if wanted is int else "a string")
    if action.choices is not None and value not in action.choices:
        raise bad(f"one of {', '.join(map(str, action.choices))}")
    return convert(str(value)) if convert is not int else value


def apply_config(p: argparse.ArgumentParser, path: Path) -> None:
    """Make the config file's values the sub-command's defaults, so flags still win.
    UsageError naming the file and the key for an unknown key or a wrong type."""
    data = read_config(path)
    keys = _config_keys(p)
    defaults: dict[str, object] = {}
    for key, value in data.items():
        if key == "mods" and "title" in keys:
            if not isinstance(value, dict):
                raise UsageError("config key 'mods' must be a table ([mods])", path=path)
            unknown = sorted(set(value) - set(MODS_KEYS))
            if unknown:
                raise UsageError(
                    f"unknown key {unknown[0]!r} in the config file's [mods] table",
                    path=path,
                    hint=f"known: {', '.join(MODS_KEYS)}",
                )
            defaults["mods_table"] = {str(k): str(v) for k, v in value.items()}
            continue
        action = keys.get(key)
        if action is None:
            known = sorted({k for k in keys if "_" not in k or k.replace("_", "-") not in keys})
            raise UsageError(
                f"unknown key {key!r} in the config file",
                path=path,
                hint=f"known keys for this command: {', '.join(known)}"
                + (", [mods]" if "title" in keys else ""),
            )
        defaults[action.dest] = _config_value(action, key, value, path)
    p.set_defaults(**defaults)


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
    from digitize.config import OutputOptions, Settings

    if not args.inputs:
        raise UsageError("no INPUT given", hint="name issue folders, PDFs or images")
    outputs = output_values(args)
    if "formats" in outputs:
        outputs["formats"] = parse_formats(str(outputs["formats"]))
    options = RunOptions(
        output=args.output,
        settings=Settings(
            engine=args.engine,
            preset=args.preset or "",
            detect_orientation=not args.no_orientation,
            overlay=args.overlay,
            workers=args.workers,
            max_megapixels=args.max_megapixels,
        ),
        force=args.force,
        fail_fast=args.fail_fast,
        scheduler=args.scheduler,
        verbose=args.verbose,
        outputs=OutputOptions(**outputs),  # type: ignore[arg-type]  # fields checked there
    )
    if args.dry_run:
        from digitize.batch.plan import describe, plan_run

        for line in describe(plan_run(args.inputs, options)):
            print(line)
        print("dry run: nothing was written", file=sys.stderr)
        return EXIT_OK
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


def _subparser(parser: argparse.ArgumentParser, name: str) -> argparse.ArgumentParser:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            sub: argparse.ArgumentParser = action.choices[name]
            return sub
    raise KeyError(name)


def main(argv: Sequence[str] | None = None) -> int:
    parser, handlers = _parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        if getattr(args, "config", None) is not None:
            apply_config(_subparser(parser, args.command), args.config)
            args = parser.parse_args(argv)
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
