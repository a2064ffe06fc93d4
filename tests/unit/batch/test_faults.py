"""Fault and attack tests for `digitize run` / `rebuild` (issue 11's reproductions, batch side).

Each test is one reproduction: hostile input names, planted or damaged files in an output
folder, failed pages, empty inputs, locks, Dask without workers, library log noise, the
packaged model manifest, and the shape rules of issue 12 (one issue half, one preset
default). Pages run in-process with the fake OCR engine of `batch_fakes` (no models).
"""

from __future__ import annotations

import dataclasses
import inspect
import json
import logging
import os
import pickle
import re
import zlib
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import cv2
import pytest
from batch_fakes import counted, page_image, write_pages
from lxml import etree
from paths import REPO

from digitize import cli, engines
from digitize.batch.runner import RunOptions, RunSummary, run
from digitize.batch.store import STATE_DIR, Manifest, RunLock, cache_path, is_edited
from digitize.config import Settings
from digitize.errors import (
    EXIT_CLUSTER,
    EXIT_LOCKED,
    EXIT_NOTHING_READ,
    EXIT_OK,
    EXIT_OUTPUT,
    EXIT_PAGES_FAILED,
    EXIT_USAGE,
    ClusterError,
    UsageError,
)

SRC = REPO / "src" / "digitize"
M = "{http://www.loc.gov/METS/}"
HREF = "{http://www.w3.org/1999/xlink}href"
SCHEMAS = Path(os.environ.get("DIGITIZE_SCHEMAS") or REPO.parent / "shared" / "schema")


def _run(inputs: list[Path], out: Path, **kw: Any) -> tuple[RunSummary, list[str]]:
    logs: list[str] = []
    kw.setdefault("in_process", True)
    return run(inputs, RunOptions(output=out, **kw), log=logs.append), logs


def _cli(*args: str | Path) -> int:
    return cli.main([str(a) for a in args])


def _files(root: Path) -> set[Path]:
    return {p for p in root.rglob("*") if p.is_file()}


def _mets(folder: Path) -> etree._ElementTree:
    return etree.parse(str(folder / "mets.xml"))


def _report(folder: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((folder / "report.json").read_text(encoding="utf-8"))
    return data


def _corrupt(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 40)  # a PNG signature, then nothing
    return path


# --- path containment --------------------------------------------------------------------


def test_dotdot_issue_input_writes_only_inside_the_output(fakes: Path, tmp_path: Path) -> None:
    write_pages(tmp_path / "x" / "iss", 1)
    (tmp_path / "x" / "iss" / "sub").mkdir()
    out = tmp_path / "o" / "inner"
    summary, _ = _run([tmp_path / "x" / "iss" / "sub" / ".."], out)
    assert summary.exit_code == EXIT_OK
    outside = {p for p in _files(tmp_path / "o") if not p.is_relative_to(out)}
    assert outside == set()
    assert (out / "iss" / "mets.xml").is_file()  # named after the folder it resolves to


def test_issue_named_dots_is_refused_with_a_reason(fakes: Path, tmp_path: Path) -> None:
    scan = tmp_path / "x" / "...png"
    scan.parent.mkdir()
    cv2.imwrite(str(scan), page_image(0))
    out = tmp_path / "o" / "inner"
    summary, logs = _run([scan], out)
    assert summary.exit_code == EXIT_NOTHING_READ
    assert any("'..'" in line and "rename" in line for line in logs)
    assert {p for p in _files(tmp_path / "o") if not p.is_relative_to(out)} == set()
    assert not any(p.suffix in (".xml", ".txt") for p in _files(tmp_path / "o"))


def test_linked_issue_folder_cannot_carry_writes_outside(fakes: Path, tmp_path: Path) -> None:
    write_pages(tmp_path / "in" / "iss", 1)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    out = tmp_path / "out"
    out.mkdir()
    (out / "iss").symlink_to(elsewhere)
    summary, logs = _run([tmp_path / "in" / "iss"], out)
    assert summary.exit_code == EXIT_NOTHING_READ
    assert _files(elsewhere) == set()
    assert any("outside the output folder" in line for line in logs)


def test_page_name_with_a_newline_fails_cleanly(fakes: Path, tmp_path: Path) -> None:
    issue = tmp_path / "in" / "iss"
    write_pages(issue, 1)
    cv2.imwrite(str(issue / "page-\n2.png"), page_image(1))
    out = tmp_path / "out"
    summary, logs = _run([issue], out)
    assert (summary.ok, summary.failed, summary.exit_code) == (1, 1, EXIT_PAGES_FAILED)
    assert all("\n" not in line for line in logs)  # one log line per message
    assert any("line break" in line and "rename" in line for line in logs)
    rows = {r["stem"]: r for r in _report(out / "iss")["pages"]}
    assert rows["page-\n2"]["status"] == "failed"
    hrefs = [loc.get(HREF) for loc in _mets(out / "iss").iter(f"{M}FLocat")]
    assert all(h and "\n" not in h for h in hrefs) and any("%0A" in h for h in hrefs if h)
    assert {p.name for p in _files(out / "iss")} >= {"page-1.xml", "mets.xml"}
    assert not any("\n" in p.name for p in _files(out))


# --- the page cache: never code, verified before use, damage means redo -------------------


class _Boom:
    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Any, ...]:
        return (Path.write_text, (self.marker, "pwned"))


def test_a_planted_pickle_is_never_run(fakes: Path, tmp_path: Path) -> None:
    issue = tmp_path / "in" / "iss"
    write_pages(issue, 2)
    out = tmp_path / "out"
    _run([issue], out)
    marker = tmp_path / "marker"
    pages = out / "iss" / STATE_DIR / "pages"
    for stem in ("page-1", "page-2"):
        (pages / f"{stem}.pkl").write_bytes(pickle.dumps(_Boom(marker)))
    summary, _ = _run([issue], out, force=True)
    assert summary.exit_code == EXIT_OK
    assert _cli("rebuild", out / "iss") == EXIT_OK
    assert not marker.exists()
    assert not list(pages.glob("*.pkl"))  # old-format caches are removed, never read
    assert not any(p.suffix == ".pkl" for p in _files(out))


def test_a_forged_or_foreign_cache_means_redo(fakes: Path, tmp_path: Path) -> None:
    issue = tmp_path / "in" / "iss"
    write_pages(issue, 2)
    out = tmp_path / "out"
    _run([issue], out)
    before = (out / "iss" / "page-1.txt").read_bytes()
    one, two = cache_path(out / "iss", "page-1"), cache_path(out / "iss", "page-2")
    one.write_bytes(two.read_bytes())  # another page's (valid) cache
    two.write_bytes(zlib.compress(b'{"format": "digitize-page", "version": 1, "page": 1}'))
    fakes.unlink()
    summary, _ = _run([issue], out)
    assert sorted(counted(fakes)) == ["page-1", "page-2"]
    assert (summary.ok, summary.failed, summary.skipped) == (2, 0, 0)
    assert (out / "iss" / "page-1.txt").read_bytes() == before


def test_truncated_cache_and_deleted_mets_redo_the_page(fakes: Path, tmp_path: Path) -> None:
    issue = tmp_path / "in" / "iss"
    write_pages(issue, 3)
    out = tmp_path / "out"
    _run([issue], out)
    records = (out / "iss" / "articles.jsonl").read_text(encoding="utf-8").splitlines()
    path = cache_path(out / "iss", "page-1")
    path.write_bytes(path.read_bytes()[:100])
    (out / "iss" / "mets.xml").unlink()
    fakes.unlink()
    summary, _ = _run([issue], out)
    assert counted(fakes) == ["page-1"]  # redone, not failed, not lost
    assert (summary.ok, summary.failed, summary.skipped, summary.exit_code) == (1, 0, 2, 0)
    assert [r["status"] for r in _report(out / "iss")["pages"]] == ["done"] * 3
    assert (out / "iss" / "articles.jsonl").read_text(encoding="utf-8").splitlines() == records
    assert len(_mets(out / "iss").findall(f".//{M}div[@TYPE='page']")) == 3


def test_truncated_manifest_does_not_freeze_our_own_files(fakes: Path, tmp_path: Path) -> None:
    issue = tmp_path / "in" / "iss"
    write_pages(issue, 2)
    out = tmp_path / "out"
    _run([issue], out)
    manifest = out / "iss" / STATE_DIR / "manifest.json"
    manifest.write_bytes(manifest.read_bytes()[:200])
    summary, logs = _run([issue], out)
    assert summary.kept_edited == [] and summary.exit_code == EXIT_OK
    assert any("manifest.json is unreadable" in line for line in logs)
    m = Manifest.load(out / "iss")
    assert not m.damaged
    assert not any(is_edited(m, p.name) for p in (out / "iss").iterdir() if p.is_file())
    # a later run with other settings updates every file again (nothing stays stale)
    summary, _ = _run([issue], out, settings=Settings(detect_orientation=False))
    assert summary.kept_edited == []


def test_cache_is_smaller_than_the_pickle_it_replaces(fakes: Path, tmp_path: Path) -> None:
    issue = tmp_path / "in" / "iss"
    write_pages(issue, 1)
    out = tmp_path / "out"
    _run([issue], out)
    from digitize.batch.store import load_page_cache

    entry = Manifest.load(out / "iss").pages["page-1"]
    page = load_page_cache(out / "iss", "page-1", entry)
    assert page is not None
    size = cache_path(out / "iss", "page-1").stat().st_size
    assert size < len(pickle.dumps(page, protocol=pickle.HIGHEST_PROTOCOL))


# --- failed pages, empty runs, exit codes ---------------------------------------------------


def test_failed_page_is_in_mets_report_and_exit_code(fakes: Path, tmp_path: Path) -> None:
    issue = tmp_path / "in" / "iss"
    write_pages(issue, 1)
    _corrupt(issue / "page-2.png")
    out = tmp_path / "out"
    summary, _ = _run([issue], out)
    assert summary.exit_code == EXIT_PAGES_FAILED
    assert [r["status"] for r in _report(out / "iss")["pages"]] == ["done", "failed"]
    doc = _mets(out / "iss")
    (div,) = doc.findall(f".//{M}div[@ID='PHYS_0002']")
    assert div.get("LABEL", "").startswith("not read: ")
    ids = [f.get("FILEID") for f in div.iter(f"{M}fptr")]
    assert ids == ["IMG_0002"]  # the scan, no ALTO
    if SCHEMAS.is_dir():
        schema = etree.XMLSchema(etree.parse(str(SCHEMAS / "mets-1-12-1.xsd")))
        assert schema.validate(doc), schema.error_log


def test_every_page_failed_writes_no_empty_outputs(fakes: Path, tmp_path: Path) -> None:
    issue = tmp_path / "in" / "iss"
    _corrupt(issue / "page-1.png")
    _corrupt(issue / "page-2.png")
    out = tmp_path / "out"
    summary, _ = _run([issue], out)
    assert summary.exit_code == EXIT_NOTHING_READ and summary.unread_issues == ["iss"]
    assert sorted(p.name for p in (out / "iss").iterdir() if p.is_file()) == ["report.json"]
    assert "no page" in _report(out / "iss")["note"]


def test_runs_that_read_nothing_exit_non_zero(
    fakes: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = tmp_path / "emptydir"
    empty.mkdir()
    notes = tmp_path / "notes.txt"
    notes.write_text("x")
    assert _cli("run", empty, "-o", tmp_path / "out") == EXIT_NOTHING_READ
    assert _cli("run", notes, "-o", tmp_path / "out") == EXIT_NOTHING_READ
    err = capsys.readouterr().err
    assert "no page images found" in err and "not a page image" in err

    locked = tmp_path / "locked"
    locked.mkdir()
    real_iterdir = Path.iterdir

    def iterdir(self: Path) -> Any:
        if self == locked:
            raise PermissionError(13, "Permission denied")
        return real_iterdir(self)

    monkeypatch.setattr(Path, "iterdir", iterdir)
    assert _cli("run", locked, "-o", tmp_path / "out") == EXIT_NOTHING_READ
    assert "cannot list folder" in capsys.readouterr().err


def test_exit_codes_are_distinct_and_documented(capsys: pytest.CaptureFixture[str]) -> None:
    codes = [EXIT_OK, EXIT_PAGES_FAILED, EXIT_USAGE, EXIT_OUTPUT, 4, EXIT_LOCKED, EXIT_CLUSTER]
    codes.append(EXIT_NOTHING_READ)
    assert len(set(codes)) == len(codes)
    with pytest.raises(SystemExit):
        cli.main(["run", "--help"])
    helptext = " ".join(capsys.readouterr().out.split())
    readme = " ".join((REPO / "README.md").read_text(encoding="utf-8").split())
    for code in codes:
        assert re.search(rf"\b{code} [a-zA-Z]", helptext), code
        assert re.search(rf"\b{code} [a-zA-Z]", readme.split("Exit codes:")[1][:700]), code


def test_locked_output_and_rebuild_during_a_run(fakes: Path, tmp_path: Path) -> None:
    issue = tmp_path / "in" / "iss"
    write_pages(issue, 1)
    out = tmp_path / "out"
    _run([issue], out)
    with RunLock(out):
        assert _cli("run", issue, "-o", out) == EXIT_LOCKED
        assert _cli("rebuild", out / "iss") == EXIT_LOCKED
    assert _cli("rebuild", out / "iss") == EXIT_OK


# --- links --------------------------------------------------------------------------------


def test_mets_links_are_relative_to_the_mets_file(
    fakes: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    issue = tmp_path / "in" / "my issue"
    write_pages(issue, 2)
    monkeypatch.chdir(tmp_path)
    _run([Path("in/my issue")], Path("out"))
    folder = tmp_path / "out" / "my issue"
    for loc in _mets(folder).iter(f"{M}FLocat"):
        href = loc.get(HREF)
        assert href and " " not in href
        assert (folder / unquote(href)).resolve().is_file(), href


def test_pdf_pages_point_into_one_pdf_entry(fakes: Path, tmp_path: Path) -> None:
    from PIL import Image as PilImage

    pdf = tmp_path / "in" / "issue.pdf"
    pdf.parent.mkdir()
    first, second = (PilImage.fromarray(page_image(k)) for k in (0, 1))
    first.save(pdf, save_all=True, append_images=[second], resolution=72)
    out = tmp_path / "out"
    summary, _ = _run([pdf], out)
    assert summary.ok == 2
    doc = _mets(out / "issue")
    images = doc.findall(f".//{M}fileGrp[@USE='IMAGE']/{M}file")
    assert len(images) == 1
    assert unquote(images[0].find(f"{M}FLocat").get(HREF, "")) == "../../in/issue.pdf"  # type: ignore[union-attr]
    areas = [
        (a.get("FILEID"), a.get("ORDER")) for a in doc.iterfind(f".//{M}div[@TYPE='page']//{M}area")
    ]
    assert areas == [("IMG_0001", "1"), ("IMG_0001", "2")]


# --- logs, cluster, package data, shape ------------------------------------------------------


def test_library_logs_stay_off_the_terminal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("rapidocr")
    from rapidocr.utils.log import logger  # installs its coloured console handler

    log = tmp_path / "library.log"
    monkeypatch.setenv(engines.LIBRARY_LOG_ENV, str(log))
    engines.route_library_logs()
    logger.info("Using engine_name: onnxruntime")
    assert capfd.readouterr().err == ""
    assert "Using engine_name" in log.read_text(encoding="utf-8")
    monkeypatch.setenv(engines.LIBRARY_LOG_ENV, "stderr")  # --verbose
    engines.route_library_logs()
    logger.info("Using engine_name: onnxruntime")
    err = capfd.readouterr().err
    assert "Using engine_name" in err and "\x1b[" not in err
    monkeypatch.delenv(engines.LIBRARY_LOG_ENV)
    engines.route_library_logs()
    logging.getLogger("RapidOCR").info("quiet by default")
    assert capfd.readouterr().err == ""


def test_run_routes_library_logs_into_the_output(fakes: Path, tmp_path: Path) -> None:
    write_pages(tmp_path / "in" / "iss", 1)

    seen: list[str | None] = []

    def spy(*args: Any, **kw: Any) -> Any:
        seen.append(os.environ.get(engines.LIBRARY_LOG_ENV))
        from batch_fakes import FakeEngine

        return FakeEngine()

    from digitize.batch import runner

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(runner, "create_engine", spy)
        _run([tmp_path / "in" / "iss"], tmp_path / "out")
        _run([tmp_path / "in" / "iss"], tmp_path / "out2", verbose=True)
    assert seen == [str((tmp_path / "out").resolve() / STATE_DIR / "library.log"), "stderr"]
    assert engines.LIBRARY_LOG_ENV not in os.environ


def test_dask_without_workers_stops_with_a_message(
    fakes: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    distributed = pytest.importorskip("dask.distributed")
    from digitize.batch import cluster

    write_pages(tmp_path / "in" / "iss", 1)
    monkeypatch.setattr(cluster, "NO_WORKERS_TIMEOUT_S", 1.0)
    with (
        distributed.LocalCluster(n_workers=0, processes=False, dashboard_address=None) as local,
        pytest.raises(ClusterError, match="no Dask worker"),
    ):
        _run([tmp_path / "in" / "iss"], tmp_path / "out", scheduler=local.scheduler_address)
    assert ClusterError("x").exit_code == EXIT_CLUSTER


def test_model_manifest_ships_as_package_data() -> None:
    from importlib import resources

    from digitize.engines.modelstore import ModelStore, packaged_manifest

    manifest = resources.files("digitize") / "data" / "models" / "manifest.json"
    assert manifest.is_file()
    assert json.loads(manifest.read_text(encoding="utf-8"))["models"]
    assert ModelStore(Path("/nonexistent")).manifest_path == packaged_manifest()
    pyproject = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    assert '"data/models/*.json"' in pyproject


def test_one_preset_default_and_settings_validated_once() -> None:
    assert Settings().preset == "accurate" and Settings(engine="paddleocr").preset == "accurate"
    for bad in ({"preset": "fastest"}, {"engine": "paddleocr", "preset": "fast"}, {"workers": -1}):
        with pytest.raises(UsageError):
            Settings(**bad)
    from digitize.engines.rapid import RapidOcrEngine

    for fn in (engines.create, RapidOcrEngine.__init__):
        param = inspect.signature(fn).parameters["preset"]
        assert param.default is inspect.Parameter.empty, fn
    run_fields = {f.name for f in dataclasses.fields(RunOptions)} - {"settings"}
    assert not run_fields & {f.name for f in dataclasses.fields(Settings)}


def test_issue_half_has_one_owner_and_batch_stays_below_archive() -> None:
    for path in (SRC / "batch").glob("*.py"):
        assert "digitize.archive" not in path.read_text(encoding="utf-8"), path
    for path in (SRC / "batch" / "runner.py", SRC / "archive" / "rebuild.py"):
        text = path.read_text(encoding="utf-8")
        assert "link_articles" not in text and "finish_issue(" in text, path
    assert len((SRC / "batch" / "runner.py").read_text(encoding="utf-8").splitlines()) < 700


def test_every_output_write_is_checked(tmp_path: Path) -> None:
    from digitize.batch.store import WriteOutcome, write_outputs
    from digitize.errors import OutputError

    m = Manifest.load(tmp_path / "iss")
    for name in ("../escape.txt", "..", "a/b.txt", "x\ny.txt"):
        with pytest.raises(OutputError):
            write_outputs(m, {name: b"x"}, force=False, outcome=WriteOutcome())
    assert _files(tmp_path) == set()  # nothing written, inside or outside


def test_max_megapixels_option_refuses_a_page_in_every_worker(fakes: Path, tmp_path: Path) -> None:
    """The page-size guard set on the command line travels with the settings to the
    workers (which may run on other machines) and refuses the page with its reason."""
    issue = tmp_path / "in" / "issue-a"
    write_pages(issue, 2)  # 360 x 240 = 0.0864 MP each
    out = tmp_path / "out"
    code = _cli("run", issue, "-o", out, "--workers", "2", "--max-megapixels", "0.05")
    assert code == EXIT_NOTHING_READ
    report = json.loads((out / "issue-a" / "report.json").read_text(encoding="utf-8"))
    assert all(r["status"] == "failed" for r in report["pages"])
    assert all("megapixel limit" in str(r["error"]) for r in report["pages"])
    assert _cli("run", issue, "-o", out, "--max-megapixels", "-1") == EXIT_USAGE
