"""Command line for archivists and search: rebuild, validate, index, search, export, review.

Registered into `digitize`'s sub-commands by cli.py through `add_commands`.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sqlite3
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

from digitize.batch.store import output_error
from digitize.errors import (
    EXIT_OK,
    EXIT_PAGES_FAILED,
    EXIT_USAGE,
    DigitizeError,
    InputError,
    UsageError,
)

Handler = Callable[[argparse.Namespace], int]
_RAW = argparse.RawDescriptionHelpFormatter

REBUILD_EPILOG = """\
Use after correcting ALTO files by hand (text in String/@CONTENT, split or merged Strings,
added or deleted lines, blocks moved in the ReadingOrder, block types changed in TAGREFS),
or PAGE-XML files (page/<page>.xml) in Transkribus, eScriptorium or any PAGE editor.
Per page the ALTO is read, or its PAGE-XML when that is the file corrected since digitize
wrote it; a page whose ALTO and PAGE-XML were both corrected is refused (both are named).
Page order comes from the page number the files record. No OCR is run; every other
file of the formats (--formats; default: those the run wrote) is written anew: ALTO
(from a corrected PAGE-XML), PAGE-XML, <page>.txt, issue.txt, articles.jsonl, mets.xml,
the PDF and the IIIF manifest (a file edited by hand is backed up to .digitize/backup/
first). --iiif-base-url and the MODS options default to the run's too. A later
`digitize run` keeps the corrected files. An ALTO file is rewritten only where a
String's CONTENT was corrected but its Glyphs/CC still spell the old reading: those are
re-aligned with the correction (marked CS="true"), after the file as edited is backed
up; mets.xml keeps its CREATEDATE. On unedited output a rebuild changes no file.

exit codes: 0 done, 1 some page file could not be read or was corrected twice (the others
are still used; the issue-wide files of that issue are then left as they were), 2 usage
error, 5 the output folder is locked by a run or rebuild.
"""

VALIDATE_EPILOG = """\
Checks ALTO, METS and PAGE-XML files (folders are searched for *.xml) against the XML
schemas in --schemas DIR or $DIGITIZE_SCHEMAS (alto*.xsd, mets*.xsd, pagecontent*.xsd
and the xlink.xsd they import), and what a schema cannot check: every IDREF (IDNEXT,
TAGREFS, ElementRef/@REF, METS FILEID, smLink, PAGE regionRef) points at an existing
element of the right kind, METS area/@BEGIN ids exist in the ALTO file named by the
area's FILEID, IDs are unique, every box lies inside its Page, the ReadingOrder covers
every text block, no String has empty CONTENT, METS hrefs and PAGE imageFilename
resolve relative to the file that holds them.
Each problem is printed as FILE:LINE: message.

exit codes: 0 all valid, 1 something is invalid.
"""

INDEX_EPILOG = """\
Adds every issue folder (holding articles.jsonl) found in OUTPUT to an SQLite FTS5
database; an issue indexed before is replaced. The trigram tokenizer finds any
substring of 3+ characters (Chinese needs no word segmentation); 1-2 character queries
are answered by a scan. Each article keeps its ALTO block ids and scan boxes.
"""

SEARCH_EPILOG = """\
Terms separated by spaces must all occur (as substrings). Each hit shows issue, article
id, page(s), title, a snippet with the hits marked 【like this】 (bold red on a
terminal) and the ALTO blocks holding the hit with their boxes (x,y wxh, scan pixels);
--json adds, per block, the hit's characters and a glyph box for each of them, also
where a phrase runs on across a line or column break.
"""

EXPORT_EPILOG = """\
formats:
  jsonl  Elasticsearch/OpenSearch bulk body: for each article an action line
         {"index": {"_index": INDEX, "_id": ID}} and the document, where ID is the
         article id (which starts with the issue name, e.g. jintan-20191219-p1-a1;
         "<issue>/<article>" only for records whose id does not):
         id, issue, article_id, date (from the issue name, when it holds one), title,
         kicker, subtitle, byline, pages (printed labels), physical_pages, text,
         captions, confidence, blocks [{page, printed_page, file, block, type,
         box [x, y, w, h]}].
           curl -H 'Content-Type: application/x-ndjson' -XPOST \\
                localhost:9200/_bulk --data-binary @articles.ndjson
         For Chinese, map title/text with an analyzer such as smartcn, ik or icu.
  solr   a JSON array of flat documents using the dynamic fields of Solr's _default
         configset: id, issue_s, article_id_s, date_dt, title_txt_cjk, text_txt_cjk,
         kicker_txt_cjk, subtitle_txt_cjk, captions_txt_cjk, byline_s, pages_ss,
         physical_pages_is, confidence_f, blocks_s (the blocks as a JSON string).
           curl -H 'Content-Type: application/json' \\
                'localhost:8983/solr/news/update?commit=true' --data-binary @articles.json
"""

REVIEW_EPILOG = """\
Writes OUTPUT/<issue>/review.html: every page image (embedded, downscaled) with the ALTO
regions drawn in their type's colour and numbered in reading order (badges beside the
blocks, never over their text), low-confidence characters shaded red, the page text
beside it with the same characters marked, and the issue's articles on top. Point at a
block to light it up and scroll the text to it; click a block or an article to show its
text and confidence; zoom with the buttons, Ctrl+wheel or a double-click and drag to pan.
The file is self-contained: open it in any browser, mail it or archive it.
Page images are found through the run manifest, then by the ALTO fileName in --images
DIR or the issue folder.
"""


def _guarded(handler: Handler) -> Handler:
    """One clear message and exit code, never a traceback.

    Typed errors are reported by `digitize`'s main; the file-system and SQLite errors
    that escape the commands' own checks become typed errors here. `digitize export ...
    | head` closing the pipe early is not an error.
    """

    def run(args: argparse.Namespace) -> int:
        try:
            return handler(args)
        except BrokenPipeError:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            return EXIT_OK
        except OSError as exc:
            where = exc.filename if exc.filename is not None else None
            raise DigitizeError(exc.strerror or str(exc), path=where) from exc
        except sqlite3.Error as exc:
            raise DigitizeError(f"search index: {exc}", path=getattr(args, "db", None)) from exc
        except UnicodeError as exc:
            raise InputError(f"text that is not UTF-8: {exc}") from exc

    return run


def _issue_args(p: argparse.ArgumentParser) -> None:
    """rebuild and review work on issue folders holding ALTO files."""
    p.add_argument(
        "folders",
        nargs="+",
        type=Path,
        metavar="ISSUE",
        help="OUTPUT/<issue> folder (or an OUTPUT folder: every issue in it)",
    )


def add_commands(
    sub: argparse._SubParsersAction[argparse.ArgumentParser],
) -> dict[str, Handler]:
    """Register the archivist and search sub-commands; returns handler per command."""
    p = sub.add_parser(
        "rebuild",
        help="regenerate text, METS and article records from corrected ALTO (no OCR)",
        description="Rebuild an issue's outputs from its ALTO files.",
        epilog=REBUILD_EPILOG,
        formatter_class=_RAW,
    )
    _issue_args(p)
    p.add_argument("--db", type=Path, help="also re-index the rebuilt issues in this search DB")
    from digitize.config import add_output_options

    add_output_options(p, rebuild=True)

    p = sub.add_parser(
        "validate",
        help="check ALTO/METS against the schemas and for dangling references",
        description="Validate ALTO, METS and PAGE-XML files.",
        epilog=VALIDATE_EPILOG,
        formatter_class=_RAW,
    )
    p.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="file or folder")
    p.add_argument(
        "--schemas",
        type=Path,
        metavar="DIR",
        help="folder with alto-4-4.xsd, mets-1-12-1.xsd, xlink.xsd, pagecontent-2019-07-15.xsd "
        "(default: $DIGITIZE_SCHEMAS)",
    )
    p.add_argument("-q", "--quiet", action="store_true", help="no summary line")

    p = sub.add_parser(
        "index",
        help="build or update an SQLite full-text index of the articles",
        description="Index article records for search.",
        epilog=INDEX_EPILOG,
        formatter_class=_RAW,
    )
    p.add_argument(
        "paths", nargs="+", type=Path, metavar="OUTPUT", help="output folder or issue folder"
    )
    p.add_argument("--db", type=Path, required=True, help="SQLite database file")

    p = sub.add_parser(
        "search",
        help="search the article index",
        description="Search indexed articles.",
        epilog=SEARCH_EPILOG,
        formatter_class=_RAW,
    )
    p.add_argument("query", help='words or phrases, e.g. "新能源汽车" or "两会 代表"')
    p.add_argument("--db", type=Path, required=True, help="SQLite database made by `index`")
    p.add_argument("-n", "--limit", type=int, default=20, help="at most this many hits (20)")
    p.add_argument("--json", action="store_true", help="one JSON object per hit")

    p = sub.add_parser(
        "export",
        help="write article records for Elasticsearch/OpenSearch or Solr",
        description="Export article documents for a search server.",
        epilog=EXPORT_EPILOG,
        formatter_class=_RAW,
    )
    p.add_argument(
        "paths", nargs="+", type=Path, metavar="OUTPUT", help="output folder or issue folder"
    )
    p.add_argument(
        "--format",
        choices=("jsonl", "solr"),
        default="jsonl",
        help="jsonl: ES/OpenSearch bulk lines (default); solr: JSON array",
    )
    p.add_argument("-o", "--output", type=Path, help="file to write (default: stdout)")
    p.add_argument("--index", default="digitize", help="index name in bulk action lines")

    p = sub.add_parser(
        "review",
        help="write a self-contained HTML proof-reading page per issue",
        description="Write OUTPUT/<issue>/review.html.",
        epilog=REVIEW_EPILOG,
        formatter_class=_RAW,
    )
    _issue_args(p)
    p.add_argument("--images", type=Path, metavar="DIR", help="folder with the page scans")
    p.add_argument(
        "--max-side",
        type=int,
        default=3200,
        help="longer side of embedded images in px (3200; zooming shows no more detail)",
    )
    p.add_argument(
        "--low-confidence",
        type=float,
        default=0.8,
        help="mark characters/words below this confidence (0.8)",
    )
    return {
        "rebuild": _guarded(_cmd_rebuild),
        "validate": _guarded(_cmd_validate),
        "index": _guarded(_cmd_index),
        "search": _guarded(_cmd_search),
        "export": _guarded(_cmd_export),
        "review": _guarded(_cmd_review),
    }


def _err(msg: str) -> None:
    print(msg, file=sys.stderr)


def _missing(paths: list[Path]) -> list[Path]:
    gone = [p for p in paths if not p.exists()]
    for p in gone:
        _err(f"digitize: error: {p}: no such file or folder")
    return gone


def _not_folders(paths: list[Path]) -> list[Path]:
    files = [p for p in paths if p.exists() and not p.is_dir()]
    for p in files:
        _err(f"digitize: error: {p}: is a file; name an issue or output folder")
    return files


def _found(
    paths: list[Path], find: Callable[[list[Path]], list[Path]], what: str
) -> list[Path] | None:
    """The folders `find` sees in `paths`; None (after saying why) is a usage error."""
    if _missing(paths) or _not_folders(paths):
        return None
    folders = find(paths)
    if not folders:
        _err(f"digitize: error: no issue folders {what} found")
        return None
    return folders


def _issue_folders(paths: list[Path]) -> list[Path] | None:
    from digitize.archive.rebuild import issue_folders

    return _found(paths, issue_folders, "(with ALTO files)")


def _record_folders(paths: list[Path]) -> list[Path] | None:
    from digitize.archive.documents import record_folders

    return _found(paths, record_folders, "with articles.jsonl")


def _report(problems: list[str]) -> int:
    """Print per-file problems to stderr; the exit code they amount to."""
    for msg in problems:
        _err(msg)
    return EXIT_PAGES_FAILED if problems else EXIT_OK


def _cmd_rebuild(args: argparse.Namespace) -> int:
    from digitize.archive.rebuild import rebuild_issue
    from digitize.config import output_values

    folders = _issue_folders(args.folders)
    if folders is None:
        return EXIT_USAGE
    code = EXIT_OK
    rebuilt: list[Path] = []
    given = output_values(args)
    for folder in folders:
        res = rebuild_issue(folder, log=_err, outputs=given)
        code = max(code, _report(res.errors))
        if res.pages:
            what = "all outputs" if res.issue_files_written else "page text only"
            edited = f", corrected PAGE-XML: {', '.join(res.from_page_xml)}"
            print(
                f"{res.issue}: rebuilt {what} from {res.pages} page(s)"
                f"{edited if res.from_page_xml else ''}: "
                f"{res.articles} article(s), {res.jumps} jump(s); "
                f"{len(res.written)} file(s) changed"
                + (f" ({', '.join(res.written)})" if res.written else "")
            )
        if res.issue_files_written:
            rebuilt.append(folder)
    if args.db is not None and rebuilt:
        from digitize.archive.search import index_issue, writing

        with writing(args.db) as con:
            for folder in rebuilt:
                n, problems = index_issue(con, folder)
                code = max(code, _report(problems))
                print(f"{folder.name}: {n} article(s) re-indexed in {args.db}")
    return code


def _cmd_validate(args: argparse.Namespace) -> int:
    from digitize.archive.validate import Schemas, validate_paths

    if _missing(args.paths):
        return EXIT_USAGE
    schemas = Schemas(Schemas.locate(args.schemas))
    if schemas.folder is not None and not schemas.folder.is_dir():
        _err(f"digitize: error: schema folder {schemas.folder} does not exist")
        return EXIT_USAGE
    report = validate_paths(args.paths, schemas)
    for problem in report.problems:
        print(problem)
    if not report.checked:
        _err("digitize: error: no ALTO or METS files found; nothing was validated")
        return EXIT_PAGES_FAILED
    if not args.quiet:
        bad = len(report.invalid_files)
        warnings = len(report.problems) - len(report.errors)
        if bad:
            summary = f"{bad} invalid, {len(report.errors)} problem(s)"
        elif warnings:
            summary = f"no errors, {warnings} warning(s): not fully validated"
        else:
            summary = "all valid"
        _err(f"{len(report.checked)} file(s) checked: {summary}")
    return EXIT_PAGES_FAILED if report.errors else EXIT_OK


def _cmd_index(args: argparse.Namespace) -> int:
    from digitize.archive.search import index_issue, writing

    folders = _record_folders(args.paths)
    if folders is None:
        return EXIT_USAGE
    total = 0
    code = EXIT_OK
    with writing(args.db) as con:
        for folder in folders:
            try:
                n, problems = index_issue(con, folder)
            except InputError as exc:
                n, problems = 0, [str(exc)]
            total += n
            code = max(code, _report(problems))
            print(f"{folder.name}: {n} article(s)")
        count = con.execute("SELECT count(*) FROM articles").fetchone()[0]
    print(f"indexed {total} article(s) from {len(folders)} issue(s); {args.db} holds {count}")
    return code


def _marks(stream: TextIO) -> tuple[str, str]:
    if stream.isatty() and not os.environ.get("NO_COLOR"):
        return ("\x1b[1;31m", "\x1b[0m")
    return ("【", "】")


def _cmd_search(args: argparse.Namespace) -> int:
    from dataclasses import asdict

    from digitize.archive.search import connect, search

    con = connect(args.db, readonly=True)
    try:
        mark = ("【", "】") if args.json else _marks(sys.stdout)
        hits = search(con, args.query, limit=max(1, args.limit), mark=mark)
    finally:
        con.close()
    for n, hit in enumerate(hits, start=1):
        if args.json:
            print(json.dumps(asdict(hit), ensure_ascii=False))
            continue
        pages = ", ".join(hit.pages)
        print(f"{n}. {hit.issue}  {hit.article_id}  p. {pages}  {hit.title}")
        print(f"   {hit.snippet}")
        for b in hit.blocks:
            box = f"{b.box[0]},{b.box[1]} {b.box[2]}x{b.box[3]}" if b.box else "no box"
            print(f"   - {b.file} {b.block_id} ({box})")
    _err(f"{len(hits)} hit(s) for {args.query!r}")
    return EXIT_OK


def _cmd_export(args: argparse.Namespace) -> int:
    from digitize.archive.documents import bulk_lines, export_docs, solr_doc

    folders = _record_folders(args.paths)
    if folders is None:
        return EXIT_USAGE
    problems: list[str] = []

    def docs() -> Iterator[dict[str, object]]:
        for doc, probs in export_docs(folders):
            problems.extend(probs)
            if doc:
                yield doc

    def write(out: TextIO) -> int:
        count = 0
        if args.format == "jsonl":
            for line in bulk_lines(docs(), args.index):
                out.write(line + "\n")
                count += 1
            return count // 2
        out.write("[\n")
        for doc in docs():
            out.write(("" if count == 0 else ",\n") + json.dumps(solr_doc(doc), ensure_ascii=False))
            count += 1
        out.write("\n]\n")
        return count

    if args.output is None:
        count = write(sys.stdout)
    else:
        with atomic_text(args.output) as out:
            count = write(out)
            if not count and problems:
                _report(problems)
                raise InputError("no article could be exported; nothing written", path=args.output)
    code = _report(problems)
    where = args.output or "stdout"
    _err(f"exported {count} article(s) from {len(folders)} issue(s) to {where} ({args.format})")
    return code


@contextmanager
def atomic_text(path: Path) -> Iterator[TextIO]:
    """A text file written whole or not at all: a temporary file beside `path`, renamed
    over it once everything is written (a full disk or an error leaves `path` as it was)."""
    if path.is_dir():
        raise UsageError("is a folder; name the file to write", path=path)
    tmp: Path | None = None
    try:
        fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        tmp = Path(name)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            yield out
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
        tmp = None
    except OSError as exc:
        raise output_error(exc, path) from exc
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                tmp.unlink()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _cmd_review(args: argparse.Namespace) -> int:
    from digitize.archive.review import ReviewOptions, write_review

    folders = _issue_folders(args.folders)
    if folders is None:
        return EXIT_USAGE
    options = ReviewOptions(
        max_side=max(200, args.max_side),
        low_confidence=args.low_confidence,
        images=args.images,
    )
    code = EXIT_OK
    for folder in folders:
        out, problems, size = write_review(folder, options)
        code = max(code, _report(problems))
        print(f"{out} ({size / 1e6:.1f} MB)")
    return code
