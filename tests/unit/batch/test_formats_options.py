"""`--formats`, `--config`, `--dry-run` and the Python API (`digitize.run`,
`digitize.read_issue`), on the fake engine (batch_fakes): no model runs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from batch_fakes import install, write_pages
from lxml import etree

import digitize
from digitize.batch.store import Manifest
from digitize.cli import main
from digitize.config import DEFAULT_FORMATS, FORMATS, parse_formats
from digitize.errors import EXIT_OK, EXIT_USAGE, UsageError
from digitize.serialize.alto import ALTO_NS
from digitize.serialize.mods import MODS_NS

ISSUE = "issue-a"


@pytest.fixture
def issue(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Fakes installed; a three-page issue folder of scans."""
    install(monkeypatch)
    for var in ("DIGITIZE_TEST_DELAY", "DIGITIZE_TEST_CRASH", "DIGITIZE_TEST_MODEL"):
        monkeypatch.delenv(var, raising=False)
    folder = tmp_path / "in" / ISSUE
    write_pages(folder, 3)
    return folder


def _files(folder: Path) -> set[str]:
    """Output files of an issue folder, relative to it (the PAGE-XML subfolder included)."""
    return {
        p.relative_to(folder).as_posix()
        for p in folder.rglob("*")
        if p.is_file() and ".digitize" not in p.parts
    }


def _tree(root: Path) -> dict[str, tuple[int, int]]:
    """Every file under `root` with its size and mtime (what 'nothing written' checks)."""
    return {
        str(p.relative_to(root)): (p.stat().st_size, p.stat().st_mtime_ns)
        for p in root.rglob("*")
        if p.is_file()
    }


def test_parse_formats() -> None:
    assert parse_formats("all") == frozenset(FORMATS)
    assert parse_formats("default,iiif") == DEFAULT_FORMATS | {"iiif"}
    assert parse_formats(["ALTO", " page"]) == {"alto", "page"}
    with pytest.raises(UsageError, match="'tiff'"):
        parse_formats("alto,tiff")
    with pytest.raises(UsageError):
        parse_formats(",")


def test_api_run_default_formats_then_read_issue(issue: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    summary = digitize.run(issue, out, in_process=True, detect_orientation=False)
    assert (summary.ok, summary.exit_code) == (3, EXIT_OK)
    folder = out / ISSUE
    kinds = (".xml", ".txt")
    expected = {f"page-{n}{ext}" for n in (1, 2, 3) for ext in kinds}
    expected |= {f"page/page-{n}.xml" for n in (1, 2, 3)}
    expected |= {"mets.xml", "issue.txt", "articles.jsonl", f"{ISSUE}.pdf", "report.json"}
    assert _files(folder) == expected  # no manifest.json: IIIF is not a default format
    assert Manifest.load(folder).info["output_options"]["formats"] == sorted(DEFAULT_FORMATS)

    read = digitize.read_issue(folder)
    assert [p.stem for p in read.pages] == ["page-1", "page-2", "page-3"]
    assert read.pages[0].regions and read.pages[0].regions[0].lines[0].text == "新闻报道"
    with pytest.raises(UsageError, match="colour"):
        digitize.run(issue, out, colour=True)


def test_formats_option_writes_only_those(issue: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    summary = digitize.run(
        [issue], out, in_process=True, formats="alto,iiif", iiif_base_url="https://x.org/a"
    )
    assert summary.exit_code == EXIT_OK
    assert _files(out / ISSUE) == {
        "page-1.xml", "page-2.xml", "page-3.xml", "manifest.json", "report.json"
    }  # fmt: skip
    manifest = json.loads((out / ISSUE / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["id"] == f"https://x.org/a/{ISSUE}/manifest.json"
    assert len(manifest["items"]) == 3 and "seeAlso" not in manifest  # no METS written
    # Other formats on a re-run: the issue's files are written again, pages are not redone.
    summary = digitize.run([issue], out, in_process=True, formats=["text"])
    assert (summary.ok, summary.skipped) == (0, 3)
    assert "issue.txt" in _files(out / ISSUE)


def _write_config(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_config_file_holds_options_and_flags_win(
    issue: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    config = _write_config(
        tmp_path / "batch.toml",
        f'inputs = ["{issue}"]\noutput = "{out}"\nworkers = 1\nno-orientation = true\n'
        'formats = ["mets", "text"]\n\n[mods]\ntitle = "配置报"\ndate = "2019年12月19日"\n'
        'issue_number = "12"\n',
    )
    assert main(["run", "--config", str(config), "--title", "命令行报"]) == EXIT_OK
    folder = out / ISSUE
    assert "page-1.xml" not in _files(folder) and "mets.xml" in _files(folder)
    mets = etree.parse(str(folder / "mets.xml"))
    ns = {"mods": MODS_NS}
    assert mets.xpath("string(//mods:title)", namespaces=ns) == "命令行报"  # the flag wins
    assert mets.xpath("string(//mods:dateIssued)", namespaces=ns) == "2019-12-19"
    assert mets.xpath("string(//mods:part/mods:detail/mods:number)", namespaces=ns) == "12"
    assert Manifest.load(folder).info["settings"]["detect_orientation"] == "false"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("wrokers = 2\n", "unknown key 'wrokers'"),
        ("workers = 'two'\n", "'workers' must be a number"),
        ("[mods]\ntitel = 'x'\n", "unknown key 'titel'"),
        ("formats = 'alto,tiff'\n", "unknown output format 'tiff'"),
        ("workers = \n", "not valid TOML"),
    ],
)
def test_config_file_errors_name_the_key_and_the_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, message: str
) -> None:
    config = _write_config(tmp_path / "bad.toml", text)
    assert main(["run", str(tmp_path), "--config", str(config), "--dry-run"]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert message in err and str(config) in err


def _statuses(lines: list[str]) -> dict[str, str]:
    return {ln.split()[0]: ln.split(maxsplit=1)[1] for ln in lines[1:]}


def test_dry_run_lists_pages_and_writes_nothing(
    issue: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    # Before any run: every page is new, and not even the output folder is made.
    assert main(["run", str(issue), "-o", str(out), "--dry-run"]) == EXIT_OK
    first = capsys.readouterr().out.splitlines()
    assert first[0].endswith(": 3 new") and _statuses(first) == dict.fromkeys(
        ("page-1", "page-2", "page-3"), "new"
    )
    assert not out.exists()

    digitize.run(issue, out, in_process=True)
    folder = out / ISSUE
    write_pages(issue, 4)  # page-4 added; pages 1-3 rewritten identically
    (issue / "page-2.png").write_bytes((issue / "page-1.png").read_bytes())  # changed input
    alto = folder / "page-3.xml"
    alto.write_text(alto.read_text(encoding="utf-8").replace("新闻", "新聞"), encoding="utf-8")
    before = _tree(out)
    capsys.readouterr()
    assert main(["run", str(issue), "-o", str(out), "--dry-run"]) == EXIT_OK
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == f"{ISSUE} -> {folder}: 1 new, 1 changed, 1 done, 1 edited"
    assert _statuses(lines) == {
        "page-1": "done",
        "page-2": "changed (input)",
        "page-3": "edited (page-3.xml kept; outputs follow it)",
        "page-4": "new",
    }
    assert _tree(out) == before  # nothing written, not even a lock, log or temporary file

    # Both corrected: the plan says so before a run refuses it.
    page_xml = folder / "page" / "page-3.xml"
    page_xml.write_text(page_xml.read_text(encoding="utf-8").replace("新闻", "新文"), "utf-8")
    assert main(["run", str(issue), "-o", str(out), "--dry-run"]) == EXIT_OK
    assert "page-3.xml and page/page-3.xml were edited" in capsys.readouterr().out


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_run_follows_a_corrected_page_xml_and_refuses_two_corrections(
    issue: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    digitize.run(issue, out, in_process=True)
    folder = out / ISSUE
    page_xml = folder / "page" / "page-1.xml"
    _replace(page_xml, "新闻报道", "新闻快讯")
    summary = digitize.run(issue, out, in_process=True)
    assert summary.exit_code == EXIT_OK and summary.kept_edited == [f"{ISSUE}/page/page-1.xml"]
    assert (folder / "page-1.txt").read_text(encoding="utf-8").startswith("新闻快讯")
    strings = etree.parse(str(folder / "page-1.xml")).iter(f"{{{ALTO_NS}}}String")
    assert next(strings).get("CONTENT") == "新闻快讯"

    # The run took the PAGE correction in: correcting the ALTO next is no conflict.
    alto = folder / "page-1.xml"
    _replace(alto, "新闻快讯", "新闻简讯")
    assert digitize.run(issue, out, in_process=True).exit_code == EXIT_OK
    assert (folder / "page-1.txt").read_text(encoding="utf-8").startswith("新闻简讯")

    # Both corrected since: the issue's files are not written, and the run says why.
    _replace(alto, "新闻简讯", "新闻短讯")
    _replace(page_xml, "新闻快讯", "新闻要讯")
    before = (folder / "issue.txt").read_bytes()
    summary = digitize.run(issue, out, in_process=True)
    assert summary.exit_code != EXIT_OK
    assert any("page-1.xml and page/page-1.xml" in why for why in summary.refused)
    assert (folder / "issue.txt").read_bytes() == before
