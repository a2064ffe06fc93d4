"""The Dask path with the real engine writes what a local run writes."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest
from outputs import same_outputs

from digitize.batch.runner import RunOptions, RunSummary, run
from digitize.config import Settings


def _run(inputs: list[Path], out: Path, **kw: Any) -> tuple[RunSummary, list[str]]:
    logs: list[str] = []
    settings = dataclasses.replace(kw.pop("settings", Settings()), workers=kw.pop("workers", 0))
    opts = RunOptions(output=out, settings=settings, **kw)
    return run(inputs, opts, log=logs.append), logs


@pytest.mark.model
def test_dask_path_with_the_real_engine_matches_a_local_run(tmp_path: Path) -> None:
    distributed = pytest.importorskip("dask.distributed")
    from batch_fakes import text_page

    issue = tmp_path / "in" / "issue-t"
    text_page(issue / "page-1.png")
    text_page(issue / "page-2.png", ["下转第二版", "各部门落实责任"])
    local, _ = _run([issue], tmp_path / "local", in_process=True)
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None
    ) as cluster:
        remote, _ = _run([issue], tmp_path / "dask", scheduler=cluster.scheduler_address)
    assert (local.ok, remote.ok, remote.failed) == (2, 2, 0)
    same_outputs(tmp_path / "local" / "issue-t", tmp_path / "dask" / "issue-t")
    assert "本报讯" in (tmp_path / "dask" / "issue-t" / "page-1.txt").read_text(encoding="utf-8")


