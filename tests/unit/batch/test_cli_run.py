"""`digitize run` from the command line: exit codes, one-line fatal errors, progress, summary.

In-process tests use the fake engine (batch_fakes); the model-marked test runs the real
command in a subprocess on a tiny printed page.
"""

from __future__ import annotations

import errno
import io
import os
from pathlib import Path

import pytest
from batch_fakes import install, write_pages

from digitize import cli
from digitize.batch.progress import Progress


@pytest.fixture
def fakes(monkeypatch: pytest.MonkeyPatch) -> None:
    install(monkeypatch)
    for var in ("DIGITIZE_TEST_DELAY", "DIGITIZE_TEST_CRASH", "DIGITIZE_TEST_COUNTER"):
        monkeypatch.delenv(var, raising=False)


def _errors(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if "error" in line.lower()]


def test_all_pages_ok_exits_0_with_log_lines_and_summary(
    fakes: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    issue = tmp_path / "issue-a"
    write_pages(issue, 2)
    code = cli.main(["run", str(issue), "-o", str(tmp_path / "out"), "--workers", "1"])
    err = capsys.readouterr().err
    assert code == 0
    # Not a terminal: plain progress lines, then the summary table.
    assert "page 1/2 ok issue-a/page-1" in err and "pages/s" in err and "ETA" in err
    for label in ("pages ok", "pages failed", "pages already done", "time", "slowest pages"):
        assert label in err, label
    assert [ln.split() for ln in err.splitlines() if ln.startswith("pages ok")] == [
        ["pages", "ok", "2"]
    ]

    code = cli.main(["run", str(issue), "-o", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 0 and "pages already done    2" in err


def test_some_pages_failed_exits_1(
    fakes: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    issue = tmp_path / "issue-a"
    write_pages(issue, 2)
    (issue / "page-3.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 20)
    assert cli.main(["run", str(issue), "-o", str(tmp_path / "out"), "--workers", "1"]) == 1
    err = capsys.readouterr().err
    assert "FAILED" in err and "page-3.png" in err and "Traceback" not in err


@pytest.mark.parametrize(
    "argv",
    [
        ["run", "/no/such/issue"],
        ["run", "IN", "--workers", "-1"],
        [],
    ],
)
def test_usage_errors_exit_2(
    fakes: None, tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    write_pages(tmp_path / "IN", 1)
    argv = [str(tmp_path / "IN") if a == "IN" else a for a in argv]
    assert cli.main([*argv, "-o", str(tmp_path / "out")] if argv else argv) == 2
    assert "Traceback" not in capsys.readouterr().err


def test_bad_option_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        cli.main(["run", "x", "--no-such-option"])
    assert exc.value.code == 2


def test_unwritable_output_is_one_line_and_exit_3(
    fakes: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    issue = tmp_path / "issue-a"
    write_pages(issue, 3)
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    for target in (blocker / "out", Path("/sys/kernel/digitize-test")):
        assert cli.main(["run", str(issue), "-o", str(target), "--workers", "1"]) == 3
        err = capsys.readouterr().err
        assert err.count("digitize: error:") == 1, err
        assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
        assert str(target) in err


def test_disk_full_mid_run_is_one_line_and_exit_3(
    fakes: None, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    issue = tmp_path / "issue-a"
    write_pages(issue, 4)
    real_replace = os.replace

    def replace(src: str, dst: str) -> None:
        if f"{os.sep}pages{os.sep}" in str(dst):  # the disk fills up after the first check
            raise OSError(errno.ENOSPC, "No space left on device")
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    assert cli.main(["run", str(issue), "-o", str(tmp_path / "out"), "--workers", "2"]) == 3
    err = capsys.readouterr().err
    assert _errors(err) == [line for line in err.splitlines() if line.startswith("digitize: error")]
    assert len(_errors(err)) == 1 and "disk is full" in err and "Traceback" not in err
    assert not list((tmp_path / "out").rglob("*.tmp"))


def test_progress_bar_on_a_terminal() -> None:
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    stream = Tty()
    logged: list[str] = []
    progress = Progress(total=4, log=logged.append, stream=stream)
    progress.advance("issue/page-1")
    progress.note("FAILED something")
    progress.advance("issue/page-2", ok=False)
    progress.close()
    text = stream.getvalue()
    assert "2/4 pages" in text and "pages/s" in text and "ETA" in text and "failed 1" in text
    assert "#" * 15 in text  # half the bar
    assert logged == ["FAILED something"]  # messages go to the log, between bar redraws
    assert text.endswith("\n")


