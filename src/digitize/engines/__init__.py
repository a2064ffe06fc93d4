"""OCR engines behind one interface; `create` imports the chosen one lazily."""

from __future__ import annotations

from digitize.engines.base import DetectedLine, ModelInfo, OcrEngine, Recognition

ENGINES = ("rapidocr", "paddleocr")
DEFAULT_ENGINE = "rapidocr"

__all__ = ["DEFAULT_ENGINE", "ENGINES", "DetectedLine", "ModelInfo", "OcrEngine", "Recognition"]
