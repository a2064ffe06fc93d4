"""Throughput benchmark: the digitize pipeline next to full-page RapidOCR and Tesseract.

    .venv/bin/python benchmarks/throughput.py [--pages 3] [--dpi 200] [--workers 0]
                                              [--inputs DIR] [--presets fast,accurate]
                                              [--repeat N] [--no-dev] [--no-tesseract]
                                              [--kinds corpus,broadsheet,web,fold]

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

--kinds (issue 14) runs page kinds side by side instead, each system in its own process,
interleaved page kind by page kind on one machine: `corpus` (the rendered pages above),
`broadsheet` (one rendered 400 dpi page, >= 50 MP), `web` (one rendered 992x1419 page with
8 px body text), `fold` (the shared real 1939 fold, ../shared/real, when present). Per kind:
digitize's seconds per page and the peak resident memory of its driver and of its busiest
worker, the time per stage (report.json), full-page RapidOCR and Tesseract (chi_sim, or
chi_tra_vert on the vertical fold) with their own peaks, the recognition floor (the
recognizer alone on the page's own line crops, width-sorted, one process with all cores)
and the ratios, plus char F1 (rendered pages) or evaluate.py's metrics (the fold).

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
# ../shared beside the repository root; DIGITIZE_SHARED points elsewhere (a git worktree).
SHARED = Path(os.environ.get("DIGITIZE_SHARED", REPO.parent / "shared"))
STAGES = ("load", "deskew", "detect", "segment", "recognize", "layout")

# --- child programs (each run as `python -c`, so each has its own peak memory) -----------

PIPELINE_CHILD = r"""
import json, resource, sys
from pathlib import Path
from digitize.batch.runner import RunOptions, run
from digitize.config import Settings
args = json.loads(sys.argv[1])
settings = Settings(preset=args["preset"], workers=args["workers"])
summary = run([Path(p) for p in args["inputs"]],
              RunOptions(output=Path(args["output"]), settings=settings),
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


FLOOR_CHILD = r"""
import json, resource, sys, time
from pathlib import Path
from digitize import engines
from digitize.model import Page, WritingMode
from digitize.pipeline import PAGE_STAGES
from digitize.stages import recognize as rec
from digitize.stages.deskew import deskew
from digitize.stages.load import PageSource, load_page
args = json.loads(sys.argv[1])
engine = engines.create("rapidocr", preset=args["preset"])
out = []
for k, path in enumerate(args["pages"], start=1):
    image, transform = deskew(load_page(PageSource(Path(path), 0, Path(path).stem, k)))
    page = Page(number=k, file=Path(path), stem=Path(path).stem, transform=transform,
                image=image)
    for name, stage in PAGE_STAGES:
        if name == "recognize":
            break
        stage(page, engine)
    lines = list(page.iter_lines()) or list(page.lines)
    crops = [(rec.vertical_strip if ln.vertical else rec.horizontal_crop)(image, ln, 48)[0]
             for ln in lines]
    precise = page.writing_mode is WritingMode.VERTICAL
    t = time.perf_counter()
    engine.recognize(crops, precise=precise)
    out.append({"seconds": time.perf_counter() - t, "lines": len(crops)})
print(json.dumps({"pages": out}))
"""

KINDS = ("corpus", "broadsheet", "web", "fold")
FOLD = SHARED / "real" / "jingbao-19390423-p2p3"


def render_kind(kind: str, folder: Path, pages: int, dpi: int) -> dict[str, str]:
    """Render one page kind into `folder`; returns stem -> ground-truth text."""
    from digitize.synth import Degradation, grid_page, render_issue

    if kind == "corpus":
        return render_pages(folder, pages, dpi)
    spec = (
        grid_page(6, seed=3, dpi=400, width=6400, height=9000, degradation=Degradation.scan(0.6))
        if kind == "broadsheet"
        else grid_page(
            4, seed=2, body_px=8, width=992, height=1419, degradation=Degradation.scan(0.6)
        )
    )
    tmp = folder.parent / f"render-{kind}"
    gt = render_issue(spec, tmp)
    shutil.move(str(tmp / "page-1.png"), folder / "page-1.png")
    shutil.rmtree(tmp)
    return {"page-1": "".join(r.get("text", "") for r in gt["pages"][0]["regions"])}


def _render_in_child(kind: str, folder: Path, pages: int, dpi: int) -> dict[str, str]:
    """Render in a child process: Linux children inherit the parent's peak RSS at fork, so
    a parent grown by rendering a 57 MP page would inflate every later child's peak."""
    code = (
        "import json, sys; from pathlib import Path; a = json.loads(sys.argv[1]); "
        "sys.path.insert(0, a['bench']); from throughput import render_kind; "
        "print(json.dumps(render_kind(a['kind'], Path(a['folder']), a['pages'], a['dpi'])))"
    )
    payload = {"bench": str(Path(__file__).parent), "kind": kind, "folder": str(folder)}
    data, _ = _run_child(code, {**payload, "pages": pages, "dpi": dpi})
    return data


def run_tesseract_lang(pages: list[Path], lang: str) -> dict[str, Any] | None:
    """Tesseract --psm 3 in `lang`, one process per page, with each process's peak."""
    exe = shutil.which("tesseract")
    langs = (
        subprocess.run(
            [exe or "tesseract", "--list-langs"], capture_output=True, text=True, check=False
        )
        if exe
        else None
    )
    if exe is None or langs is None or lang not in langs.stdout.split():
        return None
    texts: dict[str, str] = {}
    secs: list[float] = []
    peak = 0
    for page in pages:
        t = time.perf_counter()
        proc = subprocess.Popen(
            [exe, str(page), "stdout", "-l", lang, "--psm", "3"],
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


def run_kinds(kinds: list[str], args: argparse.Namespace, preset: str, scratch: Path) -> None:
    """One block per page kind: every system on the same pages, back to back."""
    for kind in kinds:
        issue = scratch / f"kind-{kind}"
        if kind == "fold":
            if not (FOLD / "gt.json").exists():
                print("\n(no ../shared/real fold: skipped)")
                continue
            issue, truth = FOLD, {}
        else:
            issue.mkdir()
            truth = _render_in_child(kind, issue, args.pages, args.dpi)
        from digitize.stages.load import IMAGE_SUFFIXES

        pages = sorted(p for p in issue.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
        import cv2

        h, w = cv2.imread(str(pages[0]), cv2.IMREAD_GRAYSCALE).shape
        load = os.getloadavg()[0]
        out = scratch / f"out-{kind}"
        pipe = run_pipeline(issue, out, args.workers, preset)
        rapid = run_rapidocr(pages)
        lang = "chi_tra_vert" if kind == "fold" else "chi_sim"
        tess = None if args.no_tesseract else run_tesseract_lang(pages, lang)
        floor, _ = _run_child(FLOOR_CHILD, {"pages": [str(p) for p in pages], "preset": preset})
        floor_s = sum(f["seconds"] for f in floor["pages"]) / len(floor["pages"])
        print(
            f"\n== {kind}: {len(pages)} page(s) {w}x{h} ({w * h / 1e6:.1f} MP), "
            f"load average {load:.1f} at start"
        )
        print(f"{'system':<24}{'s/page':>8}{'peak MB':>9}{'char F1':>9}  notes")

        def f1(texts: dict[str, str], truth: dict[str, str] = truth) -> str:
            if not truth:
                return "-"
            scores = [char_f1(texts.get(stem, ""), gt) for stem, gt in truth.items()]
            return f"{sum(scores) / len(scores):.4f}"

        sec = pipe["sec_per_page"]
        print(
            f"{'digitize ' + preset:<24}{sec:>8.2f}{pipe['worker_maxrss_kb'] / 1024:>9.0f}"
            f"{f1(pipe['texts']):>9}  busiest worker; driver "
            f"{pipe['driver_maxrss_kb'] / 1024:.0f} MB; {pipe['workers']} worker(s) x "
            f"{pipe['threads']} thread(s)"
        )
        print(
            f"{'RapidOCR full page':<24}{rapid['sec_per_page']:>8.2f}"
            f"{rapid['maxrss_kb'] / 1024:>9.0f}{f1(rapid['texts']):>9}  ratio digitize/RapidOCR "
            f"{sec / rapid['sec_per_page']:.2f}"
        )
        if tess:
            print(
                f"{'Tesseract ' + lang:<24}{tess['sec_per_page']:>8.2f}"
                f"{tess['maxrss_kb'] / 1024:>9.0f}{f1(tess['texts']):>9}  ratio "
                f"digitize/Tesseract {sec / tess['sec_per_page']:.2f}"
            )
        lines = sum(f["lines"] for f in floor["pages"]) / len(floor["pages"])
        print(
            f"{'recognition floor':<24}{floor_s:>8.2f}{'':>9}{'':>9}  {lines:.0f} line crops/page; "
            f"digitize / floor {sec / floor_s:.2f}"
        )
        print(
            "stage seconds/page (in a worker): "
            + ", ".join(f"{k} {v:.2f}" for k, v in pipe["stages"].items())
        )
        if kind == "fold":
            _print_evaluation(issue, out / issue.name)


def _print_evaluation(issue: Path, pred: Path) -> None:
    evaluator = SHARED / "bench" / "evaluate.py"
    if evaluator.exists():
        proc = subprocess.run(
            [sys.executable, str(evaluator), "--gt", str(issue), "--pred", str(pred)],
            capture_output=True,
            text=True,
            check=False,
        )
        print(proc.stdout.rstrip() or proc.stderr.rstrip())


# --- report ------------------------------------------------------------------------------


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def main(argv: list[str] | None = None) -> int:
    from digitize.config import DEFAULT_PRESET
    from digitize.engines import PRESETS

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
    ap.add_argument(
        "--kinds",
        help=f"comma-separated page kinds to run side by side ({', '.join(KINDS)}), with the "
        "first preset, instead of the corpus rounds",
    )
    args = ap.parse_args(argv)
    presets = [p.strip() for p in args.presets.split(",") if p.strip()]
    unknown = [p for p in presets if p not in PRESETS]
    if unknown or not presets or args.repeat < 1:
        ap.error(f"--presets takes {', '.join(PRESETS)}; --repeat at least 1")

    scratch = Path(tempfile.mkdtemp(prefix="digitize-bench-"))
    if args.kinds:
        kinds = [k.strip() for k in args.kinds.split(",") if k.strip()]
        if not kinds or any(k not in KINDS for k in kinds):
            ap.error(f"--kinds takes {', '.join(KINDS)}")
        print(f"{os.cpu_count()} cores; load average {os.getloadavg()[0]:.1f}")
        try:
            run_kinds(kinds, args, presets[0], scratch)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
        return 0
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

        def f1(texts: dict[str, str], truth: dict[str, str] = truth) -> str:
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
