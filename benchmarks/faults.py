"""Fault and attack audit: hostile inputs through the real `digitize` command, tallied.

Every case runs the installed command line in a subprocess (real models, real workers), inside
one sandbox folder, and is judged from outside the program:

- handled: the exit code is the documented one and, where the input is refused or damaged,
  the terminal carries a message saying why (a non-empty line, never a Python traceback);
- tracebacks: "Traceback" anywhere in the command's stdout or stderr;
- outside writes: files created or changed in the sandbox outside the folders the case may
  write (snapshot of names, sizes and mtimes before and after);
- code executed: a pickle planted in an output folder creates a marker file if it is ever
  unpickled;
- pages lost: input pages of a run that appear neither in `mets.xml` nor in `report.json`.

The unit tests (`tests/unit/*/test_faults.py`) check each reproduction in detail; this script
prints the figures the safety issue asks for, against the shipped command.

    .venv/bin/python benchmarks/faults.py [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from lxml import etree
from PIL import Image, ImageDraw, ImageFont

from digitize.batch.store import STATE_DIR, RunLock, cache_path

DIGITIZE = str(Path(sys.executable).with_name("digitize"))
SCHEMAS = Path(__file__).resolve().parents[2] / "shared" / "schema"
FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
TEXT = [
    "本报讯 记者昨日从市政府获悉",
    "全市今年新建公共图书馆十二座",
    "各区阅览室延长开放时间至晚九时",
    "市民可凭身份证免费办理借书证",
]
M = "{http://www.loc.gov/METS/}"
ALTO = "{http://www.loc.gov/standards/alto/ns-v4#}"


@dataclass
class Outcome:
    name: str
    code: int
    expected: int | None  # None: any failing exit code
    message: bool
    traceback: bool
    outside: list[str]
    executed: bool = False
    lost: int = 0
    peak_mb: float = 0.0
    extra_ok: bool = True
    notes: list[str] = field(default_factory=list)

    @property
    def handled(self) -> bool:
        ok_code = self.code != 0 if self.expected is None else self.code == self.expected
        return (
            ok_code
            and (self.expected == 0 or self.message)
            and not self.traceback
            and not self.outside
            and not self.executed
            and self.lost == 0
            and self.extra_ok
        )


def page(path: Path, seed: int) -> Path:
    """A small horizontal page of real Chinese text (the models read it)."""
    img = Image.new("L", (900, 420), 245)
    draw = ImageDraw.Draw(img)
    font = ImageFont.truetype(FONT, 36)
    for k, line in enumerate(TEXT[seed % 2 :] + TEXT[: seed % 2]):
        draw.text((40, 40 + 90 * k), line, fill=20, font=font)
    path.parent.mkdir(parents=True, exist_ok=True)
    img.save(path, format="PNG")
    return path


def snapshot(root: Path) -> dict[str, tuple[int, int]]:
    out: dict[str, tuple[int, int]] = {}
    for p in root.rglob("*"):
        if p.is_file() and not p.is_symlink():
            st = p.stat()
            out[str(p.relative_to(root))] = (st.st_size, st.st_mtime_ns)
    return out


def run_cli(
    args: list[str], cwd: Path, env: dict[str, str] | None = None
) -> tuple[int, str, float]:
    """Run digitize; returns exit code, stdout+stderr and the child's peak RSS in MB."""
    proc = subprocess.Popen(
        [DIGITIZE, *args],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env={**os.environ, **(env or {})},
    )
    out, _ = proc.communicate()
    # wait4 is not available after communicate(); RUSAGE_CHILDREN is cumulative, so take the
    # maximum over all children so far, which bounds this child from above.
    import resource

    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return proc.returncode, out.decode("utf-8", "replace"), peak


class Audit:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.outcomes: list[Outcome] = []
        base_in = root / "in" / "base"
        for k in (1, 2):
            page(base_in / f"page-{k}.png", k)
        code, text, _ = run_cli(["run", "in/base", "-o", "good"], root)
        if code != 0:
            raise SystemExit(f"the baseline run failed ({code}):\n{text}")
        self.good = root / "good" / "base"

    def copy_good(self, name: str) -> Path:
        # Beside the original, so that its links to the scans still resolve.
        dest = self.root / f"good-{name}"
        shutil.copytree(self.root / "good", dest, symlinks=True)
        return dest

    def case(
        self,
        name: str,
        args: list[str],
        expected: int | None,
        *,
        allowed: list[Path],
        pages: tuple[int, Path] | None = None,
        marker: Path | None = None,
        check: Callable[[str], bool] | None = None,
        env: dict[str, str] | None = None,
    ) -> None:
        before = snapshot(self.root)
        code, text, peak = run_cli(args, self.root, env)
        after = snapshot(self.root)
        changed = [p for p, v in after.items() if before.get(p) != v]
        allowed_rel = [str(a.relative_to(self.root)) for a in allowed]
        outside = [
            p for p in changed if not any(p == a or p.startswith(a + os.sep) for a in allowed_rel)
        ]
        lost = 0
        if pages is not None:
            expected_pages, folder = pages
            lost = expected_pages - _pages_accounted(folder)
        lines = [ln for ln in text.splitlines() if ln.strip()]
        self.outcomes.append(
            Outcome(
                name=name,
                code=code,
                expected=expected,
                message=bool(lines),
                traceback="Traceback" in text,
                outside=outside,
                executed=bool(marker and marker.exists()),
                lost=max(lost, 0),
                peak_mb=peak,
                extra_ok=check(text) if check else True,
                notes=lines[-1:],
            )
        )
        o = self.outcomes[-1]
        flag = "ok  " if o.handled else "FAIL"
        print(
            f"{flag} {name:<58} exit {code} (want {expected})  {o.notes[0][:90] if o.notes else ''}"
        )
        if not o.handled:
            print(text[-2000:])


def _pages_accounted(folder: Path) -> int:
    """Pages present in mets.xml or, failing that, in report.json."""
    mets = folder / "mets.xml"
    if mets.is_file():
        return len(etree.parse(str(mets)).findall(f".//{M}div[@TYPE='page']"))
    report = folder / "report.json"
    if report.is_file():
        return len(json.loads(report.read_text(encoding="utf-8")).get("pages", []))
    return 0


class _Plant:
    """Unpickling this creates its marker file: proof that code ran."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, ...]:
        return (open, (str(self.marker), "w"))


def cases(a: Audit) -> None:
    r = a.root
    # --- inputs and output names ---------------------------------------------------------
    page(r / "x" / "iss" / "page-1.png", 1)
    (r / "x" / "iss" / "sub").mkdir()
    a.case(
        "issue given as sub/.. writes inside -o only",
        ["run", "x/iss/sub/..", "-o", "o/inner"],
        0,
        allowed=[r / "o" / "inner"],
        pages=(1, r / "o" / "inner" / "iss"),
    )
    page(r / "x" / "...png", 1)
    a.case(
        "page named '...png' (issue '..') refused",
        ["run", "x/...png", "-o", "o2/inner"],
        7,
        allowed=[r / "o2" / "inner"],
    )
    (r / "o3").mkdir()
    (r / "elsewhere").mkdir()
    (r / "o3" / "iss").symlink_to(r / "elsewhere")
    a.case(
        "output issue folder is a link elsewhere",
        ["run", "x/iss", "-o", "o3"],
        7,
        allowed=[r / "o3" / STATE_DIR, r / "o3" / ".digitize.lock"],
        check=lambda _t: not any((r / "elsewhere").iterdir()),
    )
    page(r / "nl" / "iss" / "page-1.png", 1)
    page(r / "nl" / "iss" / "page-\n2.png", 2)
    a.case(
        "page file name with a line break",
        ["run", "nl/iss", "-o", "o4"],
        1,
        allowed=[r / "o4"],
        pages=(2, r / "o4" / "iss"),
    )
    (r / "empty").mkdir()
    a.case("empty input folder", ["run", "empty", "-o", "o5"], 7, allowed=[r / "o5"])
    (r / "notes.txt").write_text("not a scan\n")
    a.case("a text file named as a scan", ["run", "notes.txt", "-o", "o6"], 7, allowed=[r / "o6"])
    bad = r / "bad" / "iss"
    bad.mkdir(parents=True)
    for k in (1, 2):
        (bad / f"page-{k}.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 40)
    a.case(
        "every page a truncated PNG",
        ["run", "bad/iss", "-o", "o7"],
        7,
        allowed=[r / "o7"],
        pages=(2, r / "o7" / "iss"),
        check=lambda _t: not (r / "o7" / "iss" / "mets.xml").exists(),
    )
    mixed = r / "mixed" / "iss"
    page(mixed / "page-1.png", 1)
    shutil.copy(bad / "page-2.png", mixed / "page-2.png")
    a.case(
        "one page of two damaged",
        ["run", "mixed/iss", "-o", "o8"],
        1,
        allowed=[r / "o8"],
        pages=(2, r / "o8" / "iss"),
    )
    huge = r / "huge" / "iss"
    huge.mkdir(parents=True)
    _zlib_tiff(huge / "page-1.tif", 17000)
    a.case(
        "17000x17000 zlib TIFF (577 KB file)",
        ["run", "huge/iss", "-o", "o9"],
        7,
        allowed=[r / "o9"],
        pages=(1, r / "o9" / "iss"),
    )
    a.case(
        "TIFF over --max-megapixels 100",
        ["run", "huge/iss", "-o", "o10", "--max-megapixels", "100"],
        7,
        allowed=[r / "o10"],
        pages=(1, r / "o10" / "iss"),
    )
    # --- planted and damaged files in an output folder --------------------------------------
    out = a.copy_good("pickle-run")
    marker = r / "marker-run"
    for k in (1, 2):
        (out / "base" / STATE_DIR / "pages" / f"page-{k}.pkl").write_bytes(
            pickle.dumps(_Plant(marker))
        )
    a.case(
        "planted pickle, run --force",
        ["run", "in/base", "-o", str(out.relative_to(r)), "--force"],
        0,
        allowed=[out],
        marker=marker,
        pages=(2, out / "base"),
    )
    out = a.copy_good("pickle-rebuild")
    marker = r / "marker-rebuild"
    (out / "base" / STATE_DIR / "pages" / "page-1.pkl").write_bytes(pickle.dumps(_Plant(marker)))
    a.case(
        "planted pickle, rebuild",
        ["rebuild", str((out / "base").relative_to(r))],
        0,
        allowed=[out],
        marker=marker,
        pages=(2, out / "base"),
    )
    out = a.copy_good("truncated-cache")
    cache = cache_path(out / "base", "page-1")
    cache.write_bytes(cache.read_bytes()[:100])
    (out / "base" / "mets.xml").unlink()
    a.case(
        "truncated page cache and deleted METS, re-run",
        ["run", "in/base", "-o", str(out.relative_to(r))],
        0,
        allowed=[out],
        pages=(2, out / "base"),
    )
    out = a.copy_good("foreign-cache")
    one, two = cache_path(out / "base", "page-1"), cache_path(out / "base", "page-2")
    one.write_bytes(two.read_bytes())
    a.case(
        "another page's cache planted, re-run",
        ["run", "in/base", "-o", str(out.relative_to(r))],
        0,
        allowed=[out],
        pages=(2, out / "base"),
    )
    out = a.copy_good("manifest")
    manifest = out / "base" / STATE_DIR / "manifest.json"
    manifest.write_bytes(manifest.read_bytes()[:50])
    a.case(
        "truncated manifest, re-run",
        ["run", "in/base", "-o", str(out.relative_to(r))],
        0,
        allowed=[out],
        pages=(2, out / "base"),
        check=lambda t: "edited" not in t,
    )
    out = a.copy_good("locked")
    with RunLock(out):
        a.case(
            "run into a locked output",
            ["run", "in/base", "-o", str(out.relative_to(r))],
            5,
            allowed=[],
        )
        a.case(
            "rebuild of a locked output",
            ["rebuild", str((out / "base").relative_to(r))],
            5,
            allowed=[],
        )
    a.case(
        "unreachable Dask scheduler",
        ["run", "in/base", "-o", "o11", "--scheduler", "tcp://127.0.0.1:9"],
        6,
        allowed=[r / "o11"],
    )
    # --- archive commands on hostile or broken files ---------------------------------------
    out = a.copy_good("review-xss")
    for alto in (out / "base").glob("page-*.xml"):
        doc = etree.parse(str(alto))
        for tag in doc.iter(f"{ALTO}OtherTag"):
            tag.set("LABEL", "x</title><img src=x onerror=alert(1)>")
        doc.write(str(alto), xml_declaration=True, encoding="UTF-8")
    a.case(
        "region label with markup, review",
        ["review", str((out / "base").relative_to(r))],
        0,
        allowed=[out],
        check=lambda _t: _no_markup(out / "base"),
    )
    out = a.copy_good("index-escape")
    (r / "secret-alto").write_text("<alto>機密</alto>")
    rec_path = out / "base" / "articles.jsonl"
    recs = [json.loads(x) for x in rec_path.read_text(encoding="utf-8").splitlines()]
    recs[0]["parts"][0]["file"] = "../../../secret-alto"
    rec_path.write_text(
        "".join(json.dumps(x, ensure_ascii=False) + "\n" for x in recs), encoding="utf-8"
    )
    db = out / "s.db"
    a.case(
        "articles.jsonl naming a file outside the issue, index",
        ["index", "--db", str(db.relative_to(r)), str(out.relative_to(r))],
        1,
        allowed=[out],
        check=lambda _t: _db_lacks(db, "機密"),
    )
    (r / "plain.db").write_text("this is not an index\n")
    a.case("search --db on a text file", ["search", "--db", "plain.db", "图书馆"], None, allowed=[])
    other = r / "other.sqlite"
    with sqlite3.connect(other) as con:
        con.execute("create table t (x)")
    foreign = other.read_bytes()
    a.case(
        "index --db on an unrelated SQLite file",
        ["index", "--db", "other.sqlite", "good"],
        None,
        allowed=[],
        check=lambda _t: other.read_bytes() == foreign,
    )
    out = a.copy_good("confidence")
    recs = [
        json.loads(x)
        for x in (out / "base" / "articles.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    recs[0]["confidence"] = "high"
    (out / "base" / "articles.jsonl").write_text(
        "".join(json.dumps(x, ensure_ascii=False) + "\n" for x in recs), encoding="utf-8"
    )
    a.case(
        'record with confidence "high", review',
        ["review", str((out / "base").relative_to(r))],
        None,
        allowed=[out],
    )
    (r / "afile").write_text("x")
    a.case(
        "export into a place that cannot hold files",
        ["export", "good", "-o", "afile/x.jsonl"],
        3,
        allowed=[],
    )
    a.case(
        "index into a place that cannot hold files",
        ["index", "--db", "afile/s.db", "good"],
        3,
        allowed=[],
    )
    (r / "noschemas").mkdir()
    a.case(
        "validate --schemas on a folder without XSDs",
        ["validate", "good", "--schemas", "noschemas"],
        None,
        allowed=[],
    )
    out = a.copy_good("edited-content")
    alto = out / "base" / "page-1.xml"
    doc = etree.parse(str(alto))
    string = next(doc.iter(f"{ALTO}String"))
    string.set("CONTENT", (string.get("CONTENT") or "") + "增補")
    doc.write(str(alto), xml_declaration=True, encoding="UTF-8")
    a.case(
        "String CONTENT edited, glyphs left stale, validate",
        ["validate", str((out / "base").relative_to(r)), "--schemas", str(SCHEMAS)],
        1,
        allowed=[],
    )
    a.case(
        "the same edit, rebuild then validate (rebuild)",
        ["rebuild", str((out / "base").relative_to(r))],
        0,
        allowed=[out],
        pages=(2, out / "base"),
    )
    a.case(
        "the same edit, rebuild then validate (validate)",
        ["validate", str((out / "base").relative_to(r)), "--schemas", str(SCHEMAS)],
        0,
        allowed=[],
    )
    mets = a.copy_good("mets-escape") / "base" / "mets.xml"
    doc = etree.parse(str(mets))
    loc = next(doc.iter(f"{M}FLocat"))
    loc.set("{http://www.w3.org/1999/xlink}href", "../../in/base/page-9.png")
    doc.write(str(mets), xml_declaration=True, encoding="UTF-8")
    a.case(
        "METS link to a scan that is not there, validate",
        ["validate", str(mets.parent.relative_to(r)), "--schemas", str(SCHEMAS)],
        1,
        allowed=[],
    )
    a.case(
        "digitize's own output validates",
        ["validate", "good", "--schemas", str(SCHEMAS)],
        0,
        allowed=[],
    )


def _zlib_tiff(path: Path, side: int) -> None:
    """A blank side x side page: a few hundred KB on disk, side^2 bytes once decoded."""
    import tifffile

    tifffile.imwrite(path, np.full((side, side), 255, np.uint8), compression="zlib")


def _no_markup(folder: Path) -> bool:
    pages = list(folder.rglob("*.html"))
    return bool(pages) and all("<img src=x" not in p.read_text(encoding="utf-8") for p in pages)


def _db_lacks(db: Path, needle: str) -> bool:
    if not db.exists():
        return True
    with sqlite3.connect(db) as con:
        rows = con.execute("select name from sqlite_master where type='table'").fetchall()
        for (table,) in rows:
            try:
                for row in con.execute(f'select * from "{table}"'):
                    if any(needle in str(v) for v in row):
                        return False
            except sqlite3.DatabaseError:
                continue
    return True


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--keep", type=Path, help="sandbox folder to keep (default: a temporary one)"
    )
    args = parser.parse_args()
    root = args.keep or Path(tempfile.mkdtemp(prefix="digitize-faults-"))
    root.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    audit = Audit(root.resolve())
    cases(audit)
    o = audit.outcomes
    print()
    print(f"inputs tried                 {len(o)}")
    print(f"handled as documented        {sum(x.handled for x in o)}")
    print(f"tracebacks                   {sum(x.traceback for x in o)}")
    print(f"files written outside        {sum(len(x.outside) for x in o)}")
    print(f"code executed from output    {sum(x.executed for x in o)}")
    print(f"pages lost                   {sum(x.lost for x in o)}")
    print(f"largest process so far       {max(x.peak_mb for x in o):.0f} MB")
    print(f"seconds                      {time.monotonic() - started:.0f}")
    if not args.keep:
        shutil.rmtree(root, ignore_errors=True)
    return 0 if all(x.handled for x in o) else 1


if __name__ == "__main__":
    sys.exit(main())
