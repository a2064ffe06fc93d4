"""Render synthetic issues: ``python -m digitize.synth sample scans/yunxi-20240315-sample/``,
``python -m digitize.synth random OUT --seed 7`` (one issue of the seeded family)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from digitize.synth.family import random_issue
from digitize.synth.layouts import grid_page, multi_page_jumps, sample_issue, vertical_page
from digitize.synth.render import Degradation, IssueSpec, render_issue


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m digitize.synth",
                                 description="Render a synthetic newspaper issue with gt.json.")
    ap.add_argument("kind", choices=["sample", "grid", "vertical", "jumps", "random"])
    ap.add_argument("out", type=Path, help="output folder (page-N.png, gt.json)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--cols", type=int, default=5, help="grid: columns (3-6)")
    ap.add_argument("--dpi", type=int, default=200)
    ap.add_argument("--skew", type=float, default=0.0, help="skew in degrees (counter-clockwise)")
    ap.add_argument("--degrade", type=float, default=0.0, help="scan degradation strength 0-2")
    args = ap.parse_args(argv)
    deg = Degradation.scan(args.degrade) if args.degrade else Degradation()
    spec: IssueSpec
    if args.kind == "sample":
        spec = sample_issue()
    elif args.kind == "grid":
        spec = grid_page(args.cols, seed=args.seed, dpi=args.dpi, skew_deg=args.skew,
                         degradation=deg)
    elif args.kind == "vertical":
        spec = vertical_page(seed=args.seed, dpi=args.dpi, skew_deg=args.skew, degradation=deg)
    elif args.kind == "random":  # everything drawn from the seed; --dpi/--skew/--degrade unused
        spec = random_issue(args.seed)
    else:
        spec = multi_page_jumps(seed=args.seed, dpi=args.dpi, degradation=deg)
    gt = render_issue(spec, args.out, seed=args.seed)
    print(f"{gt['issue']}: {len(gt['pages'])} page(s), {len(gt['articles'])} articles"
          f" -> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
