"""Progress on stderr: a live bar with pages/s and ETA on a terminal, plain log lines otherwise."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TextIO


class Progress:
    def __init__(
        self, total: int, log: Callable[[str], None], *, stream: TextIO | None = None
    ) -> None:
        self.total = total
        self.done = 0
        self.failed = 0
        self.log = log
        self.stream = stream or sys.stderr
        self.started = time.perf_counter()
        self.live = self.stream.isatty()
        self._bar = ""

    def note(self, message: str) -> None:
        """Log a message without garbling the live bar: clear it, log, draw it again."""
        if self.live and self._bar:
            self.stream.write("\r" + " " * len(self._bar) + "\r")
            self.stream.flush()
        self.log(message)
        if self.live and self._bar:
            self.stream.write(self._bar)
            self.stream.flush()

    def _rate(self) -> tuple[float, float]:
        elapsed = max(time.perf_counter() - self.started, 1e-6)
        rate = self.done / elapsed
        eta = (self.total - self.done) / rate if rate > 0 else float("inf")
        return rate, eta

    def advance(self, label: str, *, ok: bool = True) -> None:
        self.done += 1
        self.failed += 0 if ok else 1
        rate, eta = self._rate()
        eta_text = _fmt_seconds(eta)
        if self.live:
            width = 30
            filled = int(width * self.done / max(self.total, 1))
            bar = "#" * filled + "-" * (width - filled)
            line = (
                f"\r[{bar}] {self.done}/{self.total} pages  {rate:.2f} pages/s  ETA {eta_text}"
                f"  {'failed ' + str(self.failed) if self.failed else ''} {label[-40:]}"
            )
            self._bar = line.ljust(110)
            self.stream.write(self._bar)
            self.stream.flush()
        else:
            status = "ok" if ok else "FAILED"
            self.log(
                f"page {self.done}/{self.total} {status} {label}"
                f" ({rate:.2f} pages/s, ETA {eta_text})"
            )

    def close(self) -> None:
        if self.live and self._bar:
            self.stream.write("\n")
            self.stream.flush()
        self._bar = ""


def _fmt_seconds(seconds: float) -> str:
    if seconds == float("inf"):
        return "--"
    s = int(seconds)
    return (
        f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60}:{s % 60:02d}"
    )


def shown(path: object) -> str:
    """A path or name fit for one log line: control characters (a newline in a file name)
    are shown escaped, so they can neither break the progress line nor fake another line."""
    text = str(path)
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode() for c in text)
