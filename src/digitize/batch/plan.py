"""`digitize run --dry-run`: what a run would do to each page, with nothing written.

The same decisions as the runner (batch/runner.py), made from the same evidence: the
run manifest's input hashes and fingerprints, the page cache, and which outputs an
archivist edited. Only reads: no output folder, lock, log or temporary file is created.
The OCR engine is built (not run) because the fingerprint includes its models' hashes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from digitize.batch.runner import Hasher, RunOptions, engine_fingerprint, issue_folder
from digitize.batch.store import Manifest, cache_ok, corrected_file, name_problem
from digitize.errors import EditConflictError, NothingReadError
from digitize.stages.load import discover

Status = Literal["new", "changed", "failed", "done", "edited", "refused"]


@dataclass(frozen=True, slots=True)
class PagePlan:
    stem: str
    status: Status
    why: str = ""  # what changed, which file was edited, why a page is refused


@dataclass(slots=True)
class IssuePlan:
    name: str
    folder: Path | None  # None: the issue is refused (see `refused`)
    pages: list[PagePlan] = field(default_factory=list)
    refused: str = ""

    def count(self, status: Status) -> int:
        return sum(1 for p in self.pages if p.status == status)


def plan_run(inputs: list[Path], options: RunOptions) -> list[IssuePlan]:
    """Per issue of the inputs, per page: new (never run), changed (input, or models or
    settings, since the last run; or its cached result is gone), failed (failed last
    time: retried), done (skipped), edited (done, and its ALTO or PAGE-XML was corrected:
    the outputs follow the correction), refused (no file can carry the page's name).

    Raises NothingReadError when the inputs hold no page image, like a run.
    """
    discovery = discover(inputs)
    if not discovery.issues:
        raise NothingReadError("no page images found in the inputs")
    fp = engine_fingerprint(options.settings)
    hasher = Hasher()
    taken: set[str] = set()
    plans: list[IssuePlan] = []
    for src in discovery.issues:
        folder, why = issue_folder(src, options.output, taken)
        plan = IssuePlan(src.name, folder, refused=why)
        plans.append(plan)
        if folder is None:
            continue
        manifest = Manifest.load(folder)
        for ps in src.pages:
            entry = manifest.pages.get(ps.stem)
            problem = name_problem(ps.stem)
            if problem:
                plan.pages.append(PagePlan(ps.stem, "refused", f"the file name {problem}"))
                continue
            if entry is None:
                plan.pages.append(PagePlan(ps.stem, "new"))
                continue
            digest, _, _ = hasher(ps, entry)
            if entry.status != "done":
                plan.pages.append(PagePlan(ps.stem, "failed", "failed last time; retried"))
            elif entry.input_sha256 != digest:
                plan.pages.append(PagePlan(ps.stem, "changed", "input"))
            elif entry.fingerprint != fp:
                plan.pages.append(PagePlan(ps.stem, "changed", "models or settings"))
            elif not cache_ok(folder, ps.stem, entry):
                plan.pages.append(PagePlan(ps.stem, "changed", "cached result missing"))
            else:
                plan.pages.append(_done(manifest, ps.stem, options.force))
    return plans


def _done(manifest: Manifest, stem: str, force: bool) -> PagePlan:
    try:
        edited = corrected_file(manifest, stem)
    except EditConflictError as exc:
        return PagePlan(stem, "edited", f"conflict: {exc.message}")
    if edited is None:
        return PagePlan(stem, "done")
    what = "overwritten by --force (backup kept)" if force else "kept; outputs follow it"
    return PagePlan(stem, "edited", f"{edited} {what}")


def describe(plans: list[IssuePlan]) -> list[str]:
    """The plan as lines for a terminal: one per page, a summary per issue."""
    lines: list[str] = []
    for plan in plans:
        if plan.folder is None:
            lines.append(f"{plan.name}: not run: {plan.refused}")
            continue
        counts = ", ".join(
            f"{plan.count(s)} {s}"
            for s in ("new", "changed", "failed", "done", "edited", "refused")
            if plan.count(s)
        )
        lines.append(f"{plan.name} -> {plan.folder}: {counts}")
        for page in plan.pages:
            lines.append(f"  {page.stem:<24}{page.status}" + (f" ({page.why})" if page.why else ""))
    return lines
