"""OCR engines behind one interface; `create` imports the chosen one lazily.

Importing this package stays cheap: rapidocr / paddleocr (and paddlex behind it) are
only imported when an engine of that name is created.
"""

from __future__ import annotations

from digitize.engines.base import DetectedLine, ModelInfo, OcrEngine, Recognition
from digitize.errors import UsageError

ENGINES = ("rapidocr", "paddleocr")
# rapidocr: same PP-OCRv6 weights and the same accuracy as paddleocr on our tests, but
# it loads in a fraction of a second and recognizes faster (see models/README.md).
DEFAULT_ENGINE = "rapidocr"
# Speed/accuracy presets: "accurate" runs the manifest's float weights, "fast" (default)
# an int8 recognizer derived from them; measurements in models/README.md.
PRESETS = ("accurate", "fast")
DEFAULT_PRESET = "fast"


def create(
    name: str = DEFAULT_ENGINE, *, threads: int | None = None, preset: str = "accurate"
) -> OcrEngine:
    """Build an engine by name; `threads` sets onnxruntime's intra-op threads, `preset`
    ("accurate" | "fast") picks float or int8 recognition weights."""
    if preset not in PRESETS:
        raise UsageError(f"unknown preset {preset!r}", hint=f"choose one of: {', '.join(PRESETS)}")
    if name == "rapidocr":
        from digitize.engines.rapid import RapidOcrEngine

        return RapidOcrEngine(threads=threads, preset=preset)
    if name == "paddleocr":
        if preset != "accurate":
            raise UsageError(
                f"preset {preset!r} is available with the rapidocr engine only",
                hint="use --preset accurate with --engine paddleocr",
            )
        from digitize.engines.paddle import PaddleOcrEngine

        engine: OcrEngine = PaddleOcrEngine(threads=threads)
        return engine
    raise UsageError(f"unknown OCR engine {name!r}", hint=f"choose one of: {', '.join(ENGINES)}")


__all__ = [
    "DEFAULT_ENGINE",
    "DEFAULT_PRESET",
    "ENGINES",
    "PRESETS",
    "DetectedLine",
    "ModelInfo",
    "OcrEngine",
    "Recognition",
    "create",
]
