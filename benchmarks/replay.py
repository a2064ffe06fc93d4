"""Replay the text half of the pipeline on stored pages: a change to classify, order, link
or the writers tried on the whole corpus in a minute instead of half an hour.

    .venv/bin/python benchmarks/replay.py capture --cache C --pages P [--seeds 0-47] [--workers 2]
    .venv/bin/python benchmarks/replay.py run --cache C --pages P --out O [--seeds 0-47]
                                             [--against O2]

`capture` runs load, deskew, detect, segment and recognize on each issue of --cache (the
issues benchmarks/corpus.py renders there), with default settings as `digitize run` does,
and stores each page model as JSON (`serialize.pagejson`) under P/ISSUE. `run` reads
them, runs classify and order, then link and the writers (`pipeline.finish_issue`: ALTO,
text, METS, records) into O/ISSUE/ISSUE, scores each issue with the shared evaluator and
prints both halves pooled as benchmarks/corpus.py does (`--json` there, per-issue results
in O/results.json); with --against, an earlier run's O, each issue whose figures differ.

The replayed files equal those of `digitize run` on the same pages, so a change that only
touches the text half is measured exactly; a change to detect, segment or recognize needs a
new capture (and the corpus benchmark). This prints figures; it is not a test.
"""

from __future__ import annotations

import argparse
import json
import sys
import zlib
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import corpus  # the sibling benchmark: seeds, evaluator, pooling

from digitize.config import OutputOptions, Settings
from digitize.pipeline import PAGE_STAGES, finish_issue, process_page, processing_for
from digitize.serialize.pagejson import page_from_json, page_to_json
from digitize.stages.classify import classify
from digitize.stages.load import discover
from digitize.stages.order import order

TEXT_HALF = ("classify", "order")  # replayed; the stages before them are captured
HEADER = {"replay": "after recognize"}
FORMATS = frozenset({"alto", "text", "mets", "records"})
_ENGINE: Any = None


def _init_worker() -> None:
    global _ENGINE
    from digitize.engines import create

    settings = Settings()
    _ENGINE = create(settings.engine, threads=1, preset=settings.preset)


def capture_issue(args: tuple[Path, Path]) -> str:
    """Page stages up to recognize on every page of one issue; one JSON file per page."""
    issue_dir, pages_dir = args
    settings = Settings()
    stages = tuple(s for s in PAGE_STAGES if s[0] not in TEXT_HALF)
    found = discover([issue_dir])
    target = pages_dir / issue_dir.name
    target.mkdir(parents=True, exist_ok=True)
    for src in found.issues[0].pages:
        result = process_page(src, _ENGINE, settings, stages)
        if result.page is None:
            return f"{issue_dir.name}: page {src.number} failed: {result.error}"
        data = zlib.compress(page_to_json(result.page, HEADER), 6)
        (target / f"{src.number:03d}.json.z").write_bytes(data)
    (target / "done").write_text("ok\n", encoding="utf-8")
    return f"captured {issue_dir.name}"


def replay_issue(args: tuple[Path, Path, Path]) -> tuple[str, dict[str, Any], str]:
    """Classify and order the stored pages, link and write the issue, score it."""
    issue_dir, pages_dir, out = args
    name = issue_dir.name
    pages = []
    for f in sorted((pages_dir / name).glob("*.json.z")):
        page = page_from_json(zlib.decompress(f.read_bytes()), HEADER)
        classify(page)
        order(page)
        pages.append(page)
    folder = out / name / name
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.rglob("*"):
        if old.is_file():
            old.unlink()
    done = finish_issue(name, issue_dir, pages, processing_for("replay", [], {}), folder=folder,
                        outputs=OutputOptions(formats=FORMATS))
    for rel, data in done.files.items():
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    run = corpus.IssueRun(name, issue_dir, folder, "")
    corpus.evaluate(run)
    return name, run.result, run.error


def _runs(results: dict[str, dict[str, Any]], cache: Path) -> dict[str, corpus.IssueRun]:
    runs = {}
    for name, result in results.items():
        run = corpus.IssueRun(name, cache / name, Path(), "")
        run.gt = json.loads((cache / name / "gt.json").read_text(encoding="utf-8"))
        run.split = run.gt.get("split", "")
        run.result = result
        runs[name] = run
    return runs


def _fmt(v: float | None) -> str:
    return "n/a" if v is None else f"{v:.3f}"


def _changes(old: corpus.IssueRun, new: corpus.IssueRun) -> list[str]:
    keys = ("article_cer", "title_cer", "ro_cer", "char_f1", "caption_leak", "jump_precision")
    out = []
    for k in keys:
        a, b = old.result.get(k), new.result.get(k)
        if a != b and (a is None or b is None or abs(a - b) > 5e-4):
            out.append(f"{k} {_fmt(a)} -> {_fmt(b)}")

    def found(run: corpus.IssueRun) -> int:
        return sum(1 for j in run.result.get("jumps", []) if j.get("found"))

    if found(old) != found(new):
        out.append(f"jumps found {found(old)} -> {found(new)}")
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("mode", choices=("capture", "run"))
    ap.add_argument("--cache", type=Path, required=True, help="rendered issues (corpus.py --cache)")
    ap.add_argument("--pages", type=Path, required=True, help="stored page models")
    ap.add_argument("--out", type=Path, help="replayed outputs and results.json (run)")
    ap.add_argument("--seeds", default="0-47")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--against", type=Path, help="an earlier run's --out to compare with")
    a = ap.parse_args(argv)
    names = [f"synth-{s:04d}" for s in corpus.parse_seeds(a.seeds)]
    names = [n for n in names if (a.cache / n / "gt.json").exists()]
    if a.mode == "capture":
        todo = [(a.cache / n, a.pages) for n in names if not (a.pages / n / "done").exists()]
        with ProcessPoolExecutor(a.workers, initializer=_init_worker) as pool:
            for line in pool.map(capture_issue, todo):
                print(line, flush=True)
        return 0
    if a.out is None:
        ap.error("run needs --out")
    ready = [n for n in names if (a.pages / n / "done").exists()]
    results: dict[str, dict[str, Any]] = {}
    with ProcessPoolExecutor(a.workers) as pool:
        for name, result, error in pool.map(
            replay_issue, [(a.cache / n, a.pages, a.out) for n in ready]
        ):
            if error:
                print(f"{name}: {error}")
            results[name] = result
    a.out.mkdir(parents=True, exist_ok=True)
    (a.out / "results.json").write_text(json.dumps(results), encoding="utf-8")
    runs = _runs(results, a.cache)
    for split, label in (("dev", "dev half"), ("holdout", "holdout half (report)")):
        tally = corpus.Pool()
        for run in runs.values():
            if run.split == split:
                tally.add_issue(run)
        corpus.print_pooled(label, tally.figures(), tally)
    if a.against is not None:
        before = _runs(json.loads((a.against / "results.json").read_text("utf-8")), a.cache)
        print("\nissues whose figures changed:")
        for name, run in sorted(runs.items()):
            if name in before and (diff := _changes(before[name], run)):
                print(f"  {name} ({run.split}): " + "; ".join(diff))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
