"""Corpus benchmark: the pipeline on a broad synthetic corpus, scored by the shared evaluator.

    .venv/bin/python benchmarks/corpus.py [--issues 48] [--half dev|report|both] [--seeds 0-47]
                                          [--workers 1] [--cache DIR] [--out DIR] [--json FILE]
                                          [--reuse] [--dev DIR] [--real DIR]

Issues come from `digitize.synth.family.random_issue(seed)` (2-4 pages each; fonts, grids,
folios, jump phrasings, file names, PDF input and degradation all drawn from the seed). Even
seeds are the development half (gt.json ``split`` "dev"), odd seeds the report half
(``split`` "holdout"): tune on the first, quote the second. Rendered issues are cached in
--cache and re-rendered only when missing; each issue is run with ``digitize run`` in a
subprocess of the current Python (`-o` a folder of its own under --out, emptied first unless
--reuse) and scored with ``../shared/bench/evaluate.py --json``.

Prints one line per issue, then per half the figures pooled with the evaluator's own weights
(characters for char F1 and the CERs, GT jumps for recall, predicted multi-page articles for
precision, captions for caption leak, ALTO files for ALTO validity), a breakdown by hard case
(pages having the case for page figures, issues having it for article and jump figures), the
reasons of missed jumps, and the shared dev issue and real fold when those folders exist.

This prints figures; it is not a test.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
HALVES = {"dev": "dev", "report": "holdout"}  # --half -> gt.json split


def shared_root() -> Path:
    """``../shared`` of the repo root; in a git worktree, that of the main checkout."""
    here = REPO.parent / "shared"
    if here.exists():
        return here
    proc = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--git-common-dir"],
                          capture_output=True, text=True, check=False)
    if proc.returncode == 0:
        common = (REPO / proc.stdout.strip()).resolve()
        main_shared = common.parent.parent / "shared"
        if main_shared.exists():
            return main_shared
    return here


SHARED = shared_root()
EVALUATE = SHARED / "bench" / "evaluate.py"


def _env() -> dict[str, str]:
    """The worktree's sources first, whatever the venv's editable install points at."""
    return {**os.environ, "PYTHONPATH": str(REPO / "src")}


# ------------------------------------------------------------------------------ corpus


def parse_seeds(text: str) -> list[int]:
    """ "0-23", "1,3,5" or "0-3,10" -> seeds."""
    out: list[int] = []
    for part in text.split(","):
        part = part.strip()
        if "-" in part:
            lo, hi = part.split("-", 1)
            out.extend(range(int(lo), int(hi) + 1))
        elif part:
            out.append(int(part))
    return out


def choose_seeds(n: int, half: str, seeds: list[int] | None) -> list[int]:
    """`seeds` filtered to the half, else the first n seeds of that half (both: 0..n-1)."""
    sys.path.insert(0, str(REPO / "src"))
    from digitize.synth.family import split_of

    want = None if half == "both" else HALVES[half]
    if seeds is not None:
        return [s for s in seeds if want is None or split_of(s) == want]
    out: list[int] = []
    s = 0
    while len(out) < n:
        if want is None or split_of(s) == want:
            out.append(s)
        s += 1
    return out


def render_missing(seeds: Iterable[int], cache: Path) -> None:
    """Render each seed's issue into cache/synth-SEED unless its gt.json is there."""
    todo = [s for s in seeds if not (cache / f"synth-{s:04d}" / "gt.json").exists()]
    if not todo:
        return
    code = (
        "import json, shutil, sys\nfrom pathlib import Path\n"
        "from digitize.synth.family import random_issue\n"
        "from digitize.synth.render import render_issue\n"
        "cache = Path(sys.argv[1])\n"
        "for s in json.loads(sys.argv[2]):\n"
        "    final = cache / f'synth-{s:04d}'\n"
        "    tmp = cache / f'.tmp-synth-{s:04d}'\n"
        "    shutil.rmtree(tmp, ignore_errors=True)\n"
        "    render_issue(random_issue(s), tmp, seed=s)\n"
        "    shutil.rmtree(final, ignore_errors=True)\n"
        "    tmp.rename(final)\n"
        "    print(f'rendered {final.name}', file=sys.stderr)\n"
    )
    cache.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, "-c", code, str(cache), json.dumps(todo)], env=_env(),
                   check=True)


# ------------------------------------------------------------------------------ running


@dataclass
class IssueRun:
    name: str
    gt_dir: Path
    pred: Path
    split: str
    seconds: float = 0.0
    rc: int = 0
    error: str = ""
    result: dict[str, Any] = field(default_factory=dict)
    gt: dict[str, Any] = field(default_factory=dict)


def run_pipeline(inp: Path, out_root: Path, name: str, workers: int, reuse: bool) -> IssueRun:
    """`digitize run INPUT -o out_root/name`; the issue's outputs land in out_root/name/name."""
    out = out_root / name
    run = IssueRun(name, inp, out / name, "")
    if reuse and (out / name).exists():
        return run
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    t0 = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "digitize.cli", "run", str(inp), "-o", str(out),
         "--workers", str(workers)],
        env=_env(), capture_output=True, text=True, check=False)
    run.seconds = time.monotonic() - t0
    run.rc = proc.returncode
    (out / "digitize.log").write_text(proc.stdout + proc.stderr, encoding="utf-8")
    if proc.returncode:
        tail = [ln for ln in proc.stderr.splitlines() if ln.strip()][-3:]
        run.error = " | ".join(tail)
    return run


def evaluate(run: IssueRun) -> None:
    """Score one output folder with the shared evaluator (its JSON, kept whole)."""
    run.gt = json.loads((run.gt_dir / "gt.json").read_text(encoding="utf-8"))
    run.split = run.gt.get("split", "")
    proc = subprocess.run(
        [sys.executable, str(EVALUATE), "--gt", str(run.gt_dir), "--pred", str(run.pred),
         "--json"], capture_output=True, text=True, check=False)
    if proc.returncode:
        run.error = (run.error + " | " if run.error else "") + "evaluate: " + proc.stderr[-300:]
        return
    run.result = json.loads(proc.stdout)


# ------------------------------------------------------------------------------ pooling


def _norm(s: str | None) -> str:
    return "".join((s or "").split())


def _div(a: float, b: float) -> float | None:
    return a / b if b else None


class Pool:
    """Sums the evaluator's counts over issues (or pages) so ratios weigh as it weighs them."""

    def __init__(self) -> None:
        self.c: Counter[str] = Counter()
        self.issues = 0
        self.pages = 0

    def add_page(self, row: dict[str, Any]) -> None:
        self.pages += 1
        for k in ("gt_chars", "pred_chars", "inter", "ro_edits", "ro_chars"):
            self.c[k] += row.get(k) or 0

    def add_issue(self, run: IssueRun, pages: bool = True) -> None:
        r, c = run.result, self.c
        if not r:
            return
        self.issues += 1
        if pages:
            for row in r["pages"]:
                self.add_page(row)
        titles = {a["id"]: len(_norm(a.get("title"))) for a in run.gt.get("articles", [])}
        for a in r.get("articles", []):
            c["art_err"] += a["cer"] * a["chars"]
            c["art_chars"] += a["chars"]
            if a.get("title_cer") is not None:
                c["title_err"] += a["title_cer"] * titles.get(a["id"], 0)
                c["title_chars"] += titles.get(a["id"], 0)
        if r.get("article_cer") is None:  # no articles.jsonl: every GT article missed
            for a in run.gt.get("articles", []):
                n = len(_norm(a.get("text")))
                c["art_err"] += n
                c["art_chars"] += n
        c["jumps"] += len(run.gt.get("jumps", []))
        c["jumps_found"] += sum(1 for j in r.get("jumps", []) if j.get("found"))
        multi = r.get("pred_multipage_articles") or 0
        c["multi"] += multi
        c["multi_ok"] += round((r.get("jump_precision") or 0.0) * multi)
        caps = sum(1 for p in run.gt["pages"] for g in p["regions"]
                   if g["type"] == "caption" and g.get("text"))
        if r.get("caption_leak") is not None:
            c["captions"] += caps
            c["captions_leaked"] += round(r["caption_leak"] * caps)
        if r.get("alto_files"):
            c["alto_files"] += r["alto_files"]
            c["alto_ok"] += round((r.get("alto_valid") or 0.0) * r["alto_files"])
        if r.get("mets_valid") is not None:
            c["mets"] += 1
            c["mets_ok"] += r["mets_valid"]
        if r.get("skew_err_deg") is not None:
            c["skew_pages"] += r["skew_pages"]
            c["skew_err"] += r["skew_err_deg"] * r["skew_pages"]

    def figures(self) -> dict[str, float | None]:
        c = self.c
        p, rcl = _div(c["inter"], c["pred_chars"]), _div(c["inter"], c["gt_chars"])
        return {
            "char_f1": 2 * p * rcl / (p + rcl) if p and rcl else (0.0 if c["gt_chars"] else None),
            "ro_cer": _div(c["ro_edits"], c["ro_chars"]),
            "article_cer": _div(c["art_err"], c["art_chars"]),
            "title_cer": _div(c["title_err"], c["title_chars"]),
            "jump_recall": _div(c["jumps_found"], c["jumps"]),
            "jump_precision": _div(c["multi_ok"], c["multi"]),
            "caption_leak": _div(c["captions_leaked"], c["captions"]),
            "skew_err_deg": _div(c["skew_err"], c["skew_pages"]),
            "alto_valid": _div(c["alto_ok"], c["alto_files"]),
            "mets_valid": _div(c["mets_ok"], c["mets"]),
        }


# ------------------------------------------------------------------------------ printing


def fmt(v: float | None, width: int = 6) -> str:
    return f"{'n/a':>{width}}" if v is None else f"{v:>{width}.3f}"


ISSUE_HEAD = (f"{'issue':<24}{'split':<8}{'pg':>3}{'s/pg':>7}{'charF1':>7}{'roCER':>7}"
              f"{'artCER':>7}{'titCER':>7}{'jumps':>7}{'jPrec':>7}{'capLk':>7}{'alto':>7}"
              f"{'mets':>7}  notes")


def pad(text: str, width: int) -> str:
    """Left-justify counting CJK characters as two columns, so tables line up."""
    cols = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return text + " " * max(0, width - cols)


def issue_line(run: IssueRun) -> str:
    r = run.result
    npages = len(run.gt.get("pages", []))
    spp = f"{run.seconds / npages:.1f}" if npages and run.seconds else "-"
    if not r:
        return f"{run.name:<24}{run.split:<8}{npages:>3}{spp:>7}  FAILED {run.error}"
    found = sum(1 for j in r.get("jumps", []) if j.get("found"))
    jumps = f"{found}/{len(run.gt.get('jumps', []))}"
    notes = [] if not run.rc else [f"rc={run.rc} {run.error}"]
    missed = Counter(j["why"] for j in r.get("jumps", []) if not j.get("found"))
    notes += [f"{why}:{n}" for why, n in sorted(missed.items())]
    return (f"{run.name:<24}{run.split:<8}{npages:>3}{spp:>7}{fmt(r['char_f1'], 7)}"
            f"{fmt(r['ro_cer'], 7)}{fmt(r['article_cer'], 7)}{fmt(r['title_cer'], 7)}"
            f"{jumps:>7}{fmt(r['jump_precision'], 7)}{fmt(r['caption_leak'], 7)}"
            f"{fmt(r['alto_valid'], 7)}{fmt(r['mets_valid'], 7)}  {' '.join(notes)}")


def print_pooled(name: str, figs: dict[str, float | None], pool: Pool) -> None:
    c = pool.c
    print(f"\n{name}: {pool.issues} issues, {pool.pages} pages")
    print(f"  char F1 {fmt(figs['char_f1'])}   reading-order CER {fmt(figs['ro_cer'])}"
          f"   article CER {fmt(figs['article_cer'])}   title CER {fmt(figs['title_cer'])}")
    print(f"  jump recall {fmt(figs['jump_recall'])} ({c['jumps_found']}/{c['jumps']})"
          f"   jump precision {fmt(figs['jump_precision'])} ({c['multi_ok']}/{c['multi']})"
          f"   caption leak {fmt(figs['caption_leak'])}"
          f" ({c['captions_leaked']}/{c['captions']})")
    print(f"  ALTO valid {fmt(figs['alto_valid'])} ({c['alto_ok']}/{c['alto_files']})"
          f"   METS valid {fmt(figs['mets_valid'])}   skew error {fmt(figs['skew_err_deg'])}°")


def case_pools(runs: list[IssueRun]) -> tuple[dict[str, Pool], dict[str, Pool]]:
    """Per hard case: a pool of the pages having it, and a pool of the issues having it."""
    pages: dict[str, Pool] = defaultdict(Pool)
    issues: dict[str, Pool] = defaultdict(Pool)
    for run in runs:
        if not run.result:
            continue
        cases_by_page = {p["page"]: p.get("hard_cases", []) for p in run.gt["pages"]}
        all_cases: set[str] = set()
        for row in run.result["pages"]:
            for case in cases_by_page.get(row["page"], []):
                pages[case].add_page(row)
                all_cases.add(case)
        for case in all_cases:
            issues[case].add_issue(run, pages=False)
    return pages, issues


def print_cases(runs: list[IssueRun], halves: list[str]) -> dict[str, Any]:
    split_runs = {h: [r for r in runs if r.split == h] for h in halves}
    pools = {h: case_pools(rs) for h, rs in split_runs.items()}
    cases = sorted({c for pg, _ in pools.values() for c in pg})
    out: dict[str, Any] = {}
    print("\nby hard case (page figures over pages having it; article/jump figures over issues "
          "having it)")
    head = f"{'case':<28}"
    for h in halves:
        head += f" | {h:<7}{'pg':>4}{'F1':>6}{'roCER':>6}{'iss':>4}{'artCER':>7}{'jumpR':>9}"
    print(head)
    for case in cases:
        line = pad(case, 28)
        for h in halves:
            pg, iss = pools[h][0].get(case), pools[h][1].get(case)
            if pg is None or iss is None:
                line += f" | {'':<7}{0:>4}{'':>6}{'':>6}{0:>4}{'':>7}{'':>9}"
                continue
            fp, fi = pg.figures(), iss.figures()
            jr = f"{iss.c['jumps_found']}/{iss.c['jumps']}" if iss.c["jumps"] else "-"
            line += (f" | {'':<7}{pg.pages:>4}{fmt(fp['char_f1'])}{fmt(fp['ro_cer'])}"
                     f"{iss.issues:>4}{fmt(fi['article_cer'], 7)}{jr:>9}")
            out.setdefault(case, {})[h] = {"pages": pg.pages, "issues": iss.issues,
                                           **{k: fp[k] for k in ("char_f1", "ro_cer")},
                                           **{k: fi[k] for k in ("article_cer", "jump_recall")}}
        print(line)
    return out


def print_jump_misses(runs: list[IssueRun]) -> None:
    """Missed jumps by reason and by the issue's jump phrasing (from the pages' hard cases)."""
    why: Counter[str] = Counter()
    by_phrase: dict[str, Counter[str]] = defaultdict(Counter)
    for run in runs:
        cases = {c for p in run.gt.get("pages", []) for c in p.get("hard_cases", [])}
        phrases = sorted(c for c in cases if c.startswith(("jump_out:", "jump_in:")))
        for j in (run.result or {}).get("jumps", []):
            for ph in phrases:
                by_phrase[ph]["found" if j.get("found") else "missed"] += 1
            if not j.get("found"):
                why[j.get("why", "?")] += 1
    if not by_phrase:
        return
    print("\nmissed jumps by reason: " + (", ".join(f"{k} {n}" for k, n in why.most_common())
                                          or "none"))
    print("jumps by phrasing (found/total): " + ", ".join(
        f"{ph} {c['found']}/{c['found'] + c['missed']}" for ph, c in sorted(by_phrase.items())))


# ------------------------------------------------------------------------------ main


def shared_issue(path: Path, out_root: Path, workers: int, reuse: bool) -> IssueRun | None:
    if not (path / "gt.json").exists():
        return None
    run = run_pipeline(path, out_root / "shared", path.name, workers, reuse)
    evaluate(run)
    return run


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--issues", type=int, default=48, help="issues to run (default 48)")
    ap.add_argument("--half", choices=["dev", "report", "both"], default="both",
                    help="dev = even seeds (split dev), report = odd seeds (split holdout)")
    ap.add_argument("--seeds", help="explicit seeds, e.g. 0-23 or 1,3,5 (filtered by --half)")
    ap.add_argument("--workers", type=int, default=1, help="digitize run --workers (default 1)")
    ap.add_argument("--cache", type=Path, default=REPO / "output" / "corpus-cache",
                    help="rendered issues (kept; re-rendered only when missing)")
    ap.add_argument("--out", type=Path, default=REPO / "output" / "corpus-runs",
                    help="pipeline outputs, one folder per issue")
    ap.add_argument("--json", type=Path, help="save the figures and per-issue results here")
    ap.add_argument("--reuse", action="store_true",
                    help="score existing outputs instead of running the pipeline again")
    ap.add_argument("--dev", type=Path, default=SHARED / "dev" / "jintan-20191219-dev",
                    help="shared dev issue (scored when present; default ../shared/dev/...)")
    ap.add_argument("--real", type=Path, default=SHARED / "real" / "jingbao-19390423-p2p3",
                    help="shared real fold (scored when present; default ../shared/real/...)")
    ap.add_argument("--no-shared", action="store_true", help="skip the shared dev and real")
    a = ap.parse_args(argv)
    if not EVALUATE.exists():
        print(f"evaluator not found: {EVALUATE}", file=sys.stderr)
        return 2
    seeds = choose_seeds(a.issues, a.half, parse_seeds(a.seeds) if a.seeds else None)
    render_missing(seeds, a.cache)
    print(ISSUE_HEAD, flush=True)
    runs: list[IssueRun] = []
    for s in seeds:
        name = f"synth-{s:04d}"
        run = run_pipeline(a.cache / name, a.out, name, a.workers, a.reuse)
        evaluate(run)
        runs.append(run)
        print(issue_line(run), flush=True)
    halves = [h for h in ("dev", "holdout") if any(r.split == h for r in runs)]
    report: dict[str, Any] = {"seeds": seeds, "halves": {}, "issues": []}
    for h in halves:
        pool = Pool()
        for r in runs:
            if r.split == h:
                pool.add_issue(r)
        figs = pool.figures()
        print_pooled(f"{h} half" + (" (report)" if h == "holdout" else ""), figs, pool)
        report["halves"][h] = {"issues": pool.issues, "pages": pool.pages, **figs,
                               "counts": dict(pool.c)}
    report["hard_cases"] = print_cases(runs, halves)
    print_jump_misses(runs)
    timed = [r for r in runs if r.seconds]
    if timed:
        pages = sum(len(r.gt.get("pages", [])) for r in timed)
        secs = sum(r.seconds for r in timed)
        print(f"\ntime: {secs:.0f} s for {len(timed)} issues, {secs / max(1, pages):.1f} s/page")
    failed = [r for r in runs if r.rc or not r.result]
    if failed:
        print("pipeline failures: " + "; ".join(f"{r.name} rc={r.rc} {r.error}" for r in failed))
    shared: dict[str, Any] = {}
    if not a.no_shared:
        for label, path in (("shared dev", a.dev), ("shared real", a.real)):
            srun = shared_issue(path, a.out, a.workers, a.reuse)
            if srun is None:
                continue
            print(f"\n{label}: {path.name}")
            print(ISSUE_HEAD)
            print(issue_line(srun))
            shared[label] = {k: srun.result.get(k) for k in (
                "char_f1", "ro_cer", "article_cer", "title_cer", "jump_recall",
                "jump_precision", "caption_leak", "skew_err_deg", "alto_valid", "mets_valid")}
    report["shared"] = shared
    report["issues"] = [{"name": r.name, "split": r.split, "seconds": r.seconds, "rc": r.rc,
                         "error": r.error, "result": r.result} for r in runs]
    if a.json:
        a.json.parent.mkdir(parents=True, exist_ok=True)
        a.json.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
