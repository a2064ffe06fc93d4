"""OCR engines behind one interface; `create` imports the chosen one lazily.

The only importers of OCR runtimes (rapidocr, paddleocr, onnxruntime, onnx): stages
receive an `OcrEngine` and never import one. Importing this package stays cheap:
rapidocr / paddleocr (and paddlex behind it) are only imported when an engine of that
name is created. May import `model`, `errors` and `synth` (calibration text for the
derived int8 recognizer); nothing above.
"""

from __future__ import annotations

import logging
import os
import sys

from digitize.engines.base import DetectedLine, ModelInfo, OcrEngine, Recognition
from digitize.errors import UsageError

ENGINES = ("rapidocr", "paddleocr")
# rapidocr: same PP-OCRv6 weights and the same accuracy as paddleocr on our tests, but
# it loads in a fraction of a second and recognizes faster (see models/README.md).
DEFAULT_ENGINE = "rapidocr"
# Speed/accuracy presets: "accurate" runs the manifest's float weights, "fast" an int8
# recognizer derived from them; measurements in models/README.md. Which one a run uses
# by default is decided once, in `digitize.config` (engines take it from Settings).
PRESETS = ("accurate", "fast")


# Where the OCR libraries' own log lines go (RapidOCR prints coloured "[INFO] ... Using
# engine_name" lines on every start): a file path, "stderr" (`digitize run --verbose`), or
# unset: warnings and errors only, on stderr. `digitize run` sets it for itself and its
# worker processes (they inherit the environment).
LIBRARY_LOG_ENV = "DIGITIZE_LIBRARY_LOG"
LIBRARY_LOGGERS = ("RapidOCR", "ppocr", "paddlex", "paddleocr", "PaddleOCR")
_LOG_FORMAT = "%(asctime)s %(process)d %(name)s %(levelname)s %(message)s"


def route_library_logs() -> None:
    """Send the OCR libraries' loggers where LIBRARY_LOG_ENV says, replacing the console
    handlers they install at import. Idempotent; call after importing a library."""
    target = os.environ.get(LIBRARY_LOG_ENV, "")
    handler: logging.Handler
    if target == "stderr":
        handler, level = logging.StreamHandler(sys.stderr), logging.INFO
    elif target:
        handler, level = logging.FileHandler(target, encoding="utf-8", delay=True), logging.INFO
    else:
        handler, level = logging.StreamHandler(sys.stderr), logging.WARNING
    handler.setFormatter(logging.Formatter(_LOG_FORMAT))
    for name in LIBRARY_LOGGERS:
        log = logging.getLogger(name)
        for old in list(log.handlers):
            log.removeHandler(old)
            old.close()
        log.addHandler(handler)
        log.setLevel(level)
        log.propagate = False


def create(name: str, *, threads: int | None = None, preset: str) -> OcrEngine:
    """Build an engine by name; `threads` sets onnxruntime's intra-op threads, `preset`
    ("accurate" | "fast", from `config.Settings.preset`) picks float or int8 weights."""
    if preset not in PRESETS:
        raise UsageError(f"unknown preset {preset!r}", hint=f"choose one of: {', '.join(PRESETS)}")
    if name == "rapidocr":
        from digitize.engines.rapid import RapidOcrEngine

        route_library_logs()
        return RapidOcrEngine(threads=threads, preset=preset)
    if name == "paddleocr":
        if preset != "accurate":
            raise UsageError(
                f"preset {preset!r} is available with the rapidocr engine only",
                hint="use --preset accurate with --engine paddleocr",
            )
        from digitize.engines.paddle import PaddleOcrEngine

        route_library_logs()
        engine: OcrEngine = PaddleOcrEngine(threads=threads)
        return engine
    raise UsageError(f"unknown OCR engine {name!r}", hint=f"choose one of: {', '.join(ENGINES)}")


__all__ = [
    "DEFAULT_ENGINE",
    "ENGINES",
    "LIBRARY_LOG_ENV",
    "PRESETS",
    "DetectedLine",
    "ModelInfo",
    "OcrEngine",
    "Recognition",
    "create",
    "route_library_logs",
]
