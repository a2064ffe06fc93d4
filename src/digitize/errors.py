"""Typed errors. Each carries the process exit code the CLI uses and a hint saying what to do.

Exit codes (README, `digitize run --help`): 0 all pages done, 1 some pages failed, 2 usage
error, 3 output not writable, 4 OCR models missing or broken, 5 output folder locked by
another digitize process, 6 Dask cluster unreachable or lost, 7 no page was read.
"""

from __future__ import annotations

from pathlib import Path

EXIT_OK = 0
EXIT_PAGES_FAILED = 1
EXIT_USAGE = 2
EXIT_OUTPUT = 3
EXIT_MODEL = 4
EXIT_LOCKED = 5
EXIT_CLUSTER = 6
EXIT_NOTHING_READ = 7

EXIT_CODES_HELP = (
    "0 all pages done, 1 some pages failed, 2 usage error, 3 output not writable, "
    "4 OCR models missing or broken, 5 output folder locked by another digitize run or "
    "rebuild, 6 Dask cluster unreachable or all its workers lost, 7 no page was read "
    "(no page images found, or every page failed)"
)


class DigitizeError(Exception):
    """Base class. `hint` tells the user what to do about it."""

    exit_code = EXIT_PAGES_FAILED
    kind = "error"

    def __init__(self, message: str, *, path: Path | str | None = None, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.path = str(path) if path is not None else None
        self.hint = hint

    def __str__(self) -> str:
        where = f"{self.path}: " if self.path else ""
        tail = f" ({self.hint})" if self.hint else ""
        return f"{where}{self.message}{tail}"

    def to_dict(self) -> dict[str, str | None]:
        return {"kind": self.kind, "message": self.message, "path": self.path, "hint": self.hint}


class UsageError(DigitizeError):
    exit_code = EXIT_USAGE
    kind = "usage"


class LockedError(DigitizeError):
    """Another digitize process (a run or a rebuild) is writing to the same output."""

    exit_code = EXIT_LOCKED
    kind = "locked"


class ClusterError(DigitizeError):
    """The Dask scheduler cannot be reached, or every worker is gone: fatal for the run."""

    exit_code = EXIT_CLUSTER
    kind = "cluster"


class NothingReadError(DigitizeError):
    """The inputs held no page that could be read; nothing useful was written."""

    exit_code = EXIT_NOTHING_READ
    kind = "nothing-read"


class InputError(DigitizeError):
    """A page or file that cannot be read. Reported per page; the batch goes on."""

    kind = "input"


class XmlFileError(InputError):
    """A malformed or unusable XML file of a known format (ALTO, PAGE-XML); `line` is the
    1-based line in the file where known. Subclasses name the format."""

    kind = "xml"
    file_kind = "XML"  # how the hint names the file
    file_format = "XML"  # what it must be

    def __init__(self, message: str, *, path: Path | str | None = None, line: int | None = None):
        where = f"line {line}: " if line else ""
        super().__init__(
            where + message,
            path=path,
            hint=f"fix the {self.file_kind} file (it must be well-formed {self.file_format}) "
            "and run again",
        )
        self.line = line


class EditConflictError(InputError):
    """A page's ALTO and its PAGE-XML were both corrected: which one wins is not ours to
    guess."""

    kind = "edit-conflict"


class UnsupportedFormatError(InputError):
    kind = "unsupported-format"


class CorruptImageError(InputError):
    kind = "corrupt-image"


class ImageTooLargeError(InputError):
    kind = "image-too-large"


class BlankPageError(InputError):
    kind = "blank-page"


class ModelError(DigitizeError):
    """Model weights missing or broken: fatal for the run, since every page needs them."""

    exit_code = EXIT_MODEL
    kind = "model"


class EngineError(DigitizeError):
    """The OCR engine failed on one page."""

    kind = "engine"


class OutputError(DigitizeError):
    """The output location cannot be written (read-only, full disk): fatal for the run."""

    exit_code = EXIT_OUTPUT
    kind = "output"
