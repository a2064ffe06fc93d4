"""Throughput benchmark: the digitize pipeline next to full-page RapidOCR and Tesseract.

    .venv/bin/python benchmarks/throughput.py [--pages 3] [--dpi 200] [--workers 0]
                                              [--inputs DIR] [--presets fast,accurate]
                                              [--repeat N] [--no-dev] [--no-tesseract]

Renders synthetic pages (digitize.synth; or takes the page images in --inputs) and runs the
same pages through, each in its own process so peak memory (ru_maxrss) is its own:

* the digitize pipeline (`runner.run`, --workers worker processes) once per preset: wall
  seconds per page, worker seconds per page, peak memory of the driver and of the busiest
  worker, and the time per stage (load, deskew, detect, segment, recognize, layout, write);
* the reference: full-page RapidOCR, PP-OCRv4 mobile det/cls/rec with default settings, as
  bundled in rapidocr-onnxruntime 1.4.4 (setup.sh installs it; one process, all cores);
* Tesseract `chi_sim --psm 3` (the `tesseract` CLI), when installed (once, not per round);

then the speed ratios and a character F1 against the synthetic ground truth, so that a speed
difference is read next to what it buys. On a shared machine use --repeat: each round runs
the pipeline presets and RapidOCR back to back (order alternating between rounds), ratios
are taken within a round and the median is reported, with the load average per round. With
../shared/dev present (relative to the repo root) it also runs each preset on each dev issue
and prints evaluate.py's metrics.

This prints figures; it is not a test.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
STAGES = ("load", "deskew", "detect", "segment", "recognize", "layout")

# --- child programs (each run as `python -c`, so each has its own peak memory) -----------

PIPELINE_CHILD = r"""
import json, resource, sys
from pathlib import Path
from digitize.pipeline import Settings
from digitize.batch.runner import RunOptions, run
args = json.loads(sys.argv[1])
settings = Settings(preset=args["preset"])
summary = run([Path(p) for p in args["inputs"]],
              RunOptions(output=Path(args["output"]), workers=args["workers"], settings=settings),
              log=lambda m: None)
print(json.dumps({
    "seconds": summary.seconds, "ok": summary.ok, "failed": summary.failed,
    "workers": summary.workers, "threads": summary.threads,
    "driver_maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
    "worker_maxrss_kb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
}))
"""

RAPIDOCR_CHILD = r"""
import json, resource, sys, time
args = json.loads(sys.argv[1])
try:  # the reference: rapidocr-onnxruntime 1.4.4 bundles PP-OCRv4 mobile det/cls/rec
    from importlib.metadata import version
    from rapidocr_onnxruntime import RapidOCR
    label = f"rapidocr-onnxruntime {version('rapidocr-onnxruntime')}: PP-OCRv4 mobile, defaults"
    legacy = True
except ImportError:  # not installed (setup.sh installs it): rapidocr 3.x bundled models
    from rapidocr import RapidOCR
    label = "rapidocr 3.x bundled default models (PP-OCRv4 mobile not installed)"
    legacy = False
t = time.perf_counter()
engine = RapidOCR() if legacy else RapidOCR(params={"Global.log_level": "error"})
load = time.perf_counter() - t
out = []
for page in args["pages"]:
    t = time.perf_counter()
    res = engine(page)
    sec = time.perf_counter() - t
    if legacy:
        found = res[0] or []
        boxes, texts = [r[0] for r in found], [r[1] for r in found]
    else:
        boxes = [] if res.boxes is None else res.boxes.tolist()
        texts = list(res.txts or [])
    rows = sorted(zip(boxes, texts), key=lambda bt: (bt[0][0][1], bt[0][0][0]))
    out.append({"seconds": sec, "text": "".join(t for _, t in rows)})
print(json.dumps({"label": label, "load": load, "pages": out,
                  "maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
"""


def _run_child(code: str, payload: dict[str, Any]) -> tuple[dict[str, Any], float]:
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    t = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", code, json.dumps(payload)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    wall = time.perf_counter() - t
    if proc.returncode != 0:
        raise RuntimeError(f"child failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    last = [line for line in proc.stdout.splitlines() if line.startswith("{")][-1]
    data: dict[str, Any] = json.loads(last)
    return data, wall


# --- measurements ------------------------------------------------------------------------


def render_pages(folder: Path, n: int, dpi: int) -> dict[str, str]:
    """n synthetic pages in one issue folder; returns stem -> ground-truth page text."""
    from digitize.synth import Degradation, grid_page, render_issue

    truth: dict[str, str] = {}
    for k in range(n):
        spec = grid_page(
            (4, 5, 6, 3)[k % 4],
            seed=k,
            dpi=dpi,
            number=k + 1,
            skew_deg=(0.0, 0.8, -0.5)[k % 3],
            degradation=Degradation.scan(0.6),
        )
        tmp = folder.parent / f"render-{k}"
        gt = render_issue(spec, tmp, seed=k)
        src = tmp / f"page-{k + 1}.png"
        shutil.move(str(src), folder / src.name)
        page = gt["pages"][0]
        truth[src.stem] = "".join(r.get("text", "") for r in page["regions"])
        shutil.rmtree(tmp)
    return truth


def char_f1(pred: str, truth: str) -> float:
    p = Counter(c for c in pred if not c.isspace())
    g = Counter(c for c in truth if not c.isspace())
    inter = sum((p & g).values())
    if not inter:
        return 0.0
    precision, recall = inter / sum(p.values()), inter / sum(g.values())
    return 2 * precision * recall / (precision + recall)


def run_pipeline(issue: Path, out: Path, workers: int, preset: str) -> dict[str, Any]:
    shutil.rmtree(out, ignore_errors=True)  # a re-run would skip the finished pages
    data, wall = _run_child(
        PIPELINE_CHILD,
        {"inputs": [str(issue)], "output": str(out), "workers": workers, "preset": preset},
    )
    report = json.loads((out / issue.name / "report.json").read_text(encoding="utf-8"))
    pages = [r for r in report["pages"] if r["status"] == "done"]
    stages = {
        s: sum(r["stage_seconds"].get(s, 0.0) for r in pages) / max(len(pages), 1) for s in STAGES
    }
    stages["write"] = report["totals"].get("write_seconds", 0.0) / max(len(pages), 1)
    texts = {
        r["stem"]: (out / issue.name / f"{r['stem']}.txt").read_text(encoding="utf-8")
        for r in pages
    }
    n = max(data["ok"], 1)
    return {
        **data,
        "process_wall": wall,
        "sec_per_page": data["seconds"] / n,
        "worker_sec_per_page": sum(r["seconds"] for r in pages) / n,
        "stages": stages,
        "texts": texts,
    }


def run_rapidocr(pages: list[Path]) -> dict[str, Any]:
    data, wall = _run_child(RAPIDOCR_CHILD, {"pages": [str(p) for p in pages]})
    secs = [p["seconds"] for p in data["pages"]]
    data["sec_per_page"] = sum(secs) / len(secs)
    data["texts"] = {p.stem: r["text"] for p, r in zip(pages, data["pages"], strict=True)}
    data["process_wall"] = wall
    return data


def run_tesseract(pages: list[Path]) -> dict[str, Any] | None:
    exe = shutil.which("tesseract")
    if exe is None:
        return None
    langs = subprocess.run([exe, "--list-langs"], capture_output=True, text=True, check=False)
    if "chi_sim" not in langs.stdout.split():
        return None
    texts: dict[str, str] = {}
    secs: list[float] = []
    peak = 0
    for page in pages:
        t = time.perf_counter()
        proc = subprocess.Popen(
            [exe, str(page), "stdout", "-l", "chi_sim", "--psm", "3"],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        assert proc.stdout is not None
        text = proc.stdout.read().decode("utf-8", "replace")
        _, _, usage = os.wait4(proc.pid, 0)
        proc.returncode = 0
        secs.append(time.perf_counter() - t)
        peak = max(peak, usage.ru_maxrss)
        texts[page.stem] = text
    return {"sec_per_page": sum(secs) / len(secs), "maxrss_kb": peak, "texts": texts}


def evaluate_dev(workers: int, presets: list[str], scratch: Path) -> None:
    dev = SHARED / "dev"
    evaluator = SHARED / "bench" / "evaluate.py"
    if not dev.is_dir() or not evaluator.exists():
        print("\n(no ../shared/dev: dev-set evaluation skipped)")
        return
    for issue in sorted(p for p in dev.iterdir() if (p / "gt.json").exists()):
        for preset in presets:
            out = scratch / f"dev-out-{preset}"
            res = run_pipeline(issue, out, workers, preset)
            print(
                f"\n== dev issue {issue.name}, preset {preset}: {res['ok']} page(s) ok, "
                f"{res['failed']} failed, {res['sec_per_page']:.1f} s/page wall with "
                f"{res['workers']} worker(s) x {res['threads']} thread(s), worker peak "
                f"{res['worker_maxrss_kb'] / 1024:.0f} MB"
            )
            print(
                "   stage means (s/page): "
                + ", ".join(f"{k} {v:.2f}" for k, v in res["stages"].items())
            )
            proc = subprocess.run(
                [
                    sys.executable,
                    str(evaluator),
                    "--gt",
                    str(issue),
                    "--pred",
                    str(out / issue.name),
                ],
                capture_output=True,
                text=True,
                check=False,
            )
            print(proc.stdout.rstrip() or proc.stderr.rstrip())


# --- report ------------------------------------------------------------------------------


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def main(argv: list[str] | None = None) -> int:
    from digitize.engines import DEFAULT_PRESET, PRESETS

    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--pages", type=int, default=3, help="synthetic pages to render (default 3)")
    ap.add_argument("--dpi", type=int, default=200, help="synthetic page resolution (default 200)")
    ap.add_argument("--workers", type=int, default=0, help="pipeline workers (default: cores)")
    ap.add_argument("--inputs", type=Path, help="use the page images in this folder instead")
    ap.add_argument(
        "--presets",
        default=DEFAULT_PRESET,
        help=f"comma-separated pipeline presets to run ({', '.join(PRESETS)}; "
        f"default {DEFAULT_PRESET})",
    )
    ap.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="rounds; each runs every system once, in alternating order (default 1)",
    )
    ap.add_argument("--no-dev", action="store_true", help="skip the ../shared/dev evaluation")
    ap.add_argument("--no-tesseract", action="store_true")
    args = ap.parse_args(argv)
    presets = [p.strip() for p in args.presets.split(",") if p.strip()]
    unknown = [p for p in presets if p not in PRESETS]
    if unknown or not presets or args.repeat < 1:
        ap.error(f"--presets takes {', '.join(PRESETS)}; --repeat at least 1")

    scratch = Path(tempfile.mkdtemp(prefix="digitize-bench-"))
    try:
        truth: dict[str, str] = {}
        if args.inputs:
            issue = args.inputs
            from digitize.stages.load import IMAGE_SUFFIXES

            pages = sorted(p for p in issue.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
        else:
            issue = scratch / "bench-issue"
            issue.mkdir()
            truth = render_pages(issue, args.pages, args.dpi)
            pages = sorted(issue.glob("*.png"))
        import cv2

        sizes = {cv2.imread(str(p), cv2.IMREAD_GRAYSCALE).shape for p in pages[:3]}
        print(
            f"pages: {len(pages)} ({', '.join(f'{w}x{h}' for h, w in sizes)}), "
            f"{os.cpu_count()} cores"
        )

        # The machine may be shared: every round runs all systems back to back (order
        # alternating between rounds) and ratios are taken within a round, then the median.
        pipes: dict[str, list[dict[str, Any]]] = {p: [] for p in presets}
        rapids: list[dict[str, Any]] = []
        tess = None if args.no_tesseract else run_tesseract(pages)
        print(
            f"\n{'round':<7}{'load1':>6}  "
            + "".join(f"{'pipeline ' + p:>19}" for p in presets)
            + f"{'RapidOCR':>10}  ratios"
        )
        for rnd in range(args.repeat):
            load = os.getloadavg()[0]
            systems: list[str] = [*presets, "rapidocr"]
            if rnd % 2:
                systems.reverse()
            for name in systems:
                if name == "rapidocr":
                    rapids.append(run_rapidocr(pages))
                else:
                    pipes[name].append(
                        run_pipeline(issue, scratch / f"out-{name}", args.workers, name)
                    )
            base = rapids[-1]["sec_per_page"]
            print(
                f"{rnd + 1:<7}{load:>6.1f}  "
                + "".join(f"{pipes[p][-1]['sec_per_page']:>19.2f}" for p in presets)
                + f"{base:>10.2f}  "
                + ", ".join(f"{p} {pipes[p][-1]['sec_per_page'] / base:.2f}" for p in presets)
            )

        def f1(texts: dict[str, str]) -> str:
            if not truth:
                return "-"
            scores = [char_f1(texts.get(stem, ""), gt) for stem, gt in truth.items()]
            return f"{sum(scores) / len(scores):.3f}"

        rows: list[tuple[str, float, int, str, str]] = []
        for p in presets:
            runs = pipes[p]
            last = runs[-1]
            rows.append(
                (
                    f"pipeline {p}",
                    _median([r["sec_per_page"] for r in runs]),
                    max(r["worker_maxrss_kb"] for r in runs),
                    f1(last["texts"]),
                    f"{last['workers']} worker(s) x {last['threads']} thread(s); "
                    f"{_median([r['worker_sec_per_page'] for r in runs]):.1f} s/page inside a "
                    f"worker; driver {last['driver_maxrss_kb'] / 1024:.0f} MB",
                )
            )
        rows.append(
            (
                "RapidOCR full page",
                _median([r["sec_per_page"] for r in rapids]),
                max(r["maxrss_kb"] for r in rapids),
                f1(rapids[-1]["texts"]),
                rapids[-1]["label"],
            )
        )
        if tess:
            rows.append(
                (
                    "Tesseract chi_sim",
                    tess["sec_per_page"],
                    tess["maxrss_kb"],
                    f1(tess["texts"]),
                    "--psm 3, one process",
                )
            )
        print(
            f"\n{'system':<20}{'s/page':>8}{'peak MB':>9}{'char F1':>9}  notes (median of rounds)"
        )
        for name, sec, kb, score, note in rows:
            print(f"{name:<20}{sec:>8.2f}{kb / 1024:>9.0f}{score:>9}  {note}")
        for k, p in enumerate(presets):
            ratios = [
                a["sec_per_page"] / b["sec_per_page"] for a, b in zip(pipes[p], rapids, strict=True)
            ]
            print(
                f"\npipeline {p} / RapidOCR full page (same round): median "
                f"{_median(ratios):.2f}, rounds " + " ".join(f"{r:.2f}" for r in ratios)
            )
            if tess:
                print(f"pipeline {p} / Tesseract: {rows[k][1] / tess['sec_per_page']:.2f}")
            stages = {k: _median([r["stages"][k] for r in pipes[p]]) for k in pipes[p][0]["stages"]}
            print(
                f"pipeline {p} stage medians (worker s/page): "
                + ", ".join(f"{k} {v:.2f}" for k, v in stages.items())
            )
        print(f"load average after: {' '.join(f'{v:.1f}' for v in os.getloadavg())}")
        if not args.no_dev:
            evaluate_dev(args.workers, presets, scratch)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    raise SystemExit(main())
