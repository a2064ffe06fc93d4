"""The OCR engine interface. Only modules in this package import an OCR library.

Stages talk to engines in two calls per page: `detect` once on the whole deskewed page
(at a scale chosen from the measured text size), then `recognize` on all line crops
in batches. Engines never see regions or layout.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from digitize.model import Image, Point


@dataclass(frozen=True, slots=True)
class ModelInfo:
    """One model file in use, as listed in models/manifest.json and in ALTO OCRProcessing."""

    name: str  # e.g. "PP-OCRv6_small_rec"
    role: str  # "det" | "rec" | "dict"
    version: str
    source: str  # registry package that ships it, e.g. "rapidocr==3.10.0"
    path: str
    sha256: str


@dataclass(frozen=True, slots=True)
class DetectedLine:
    """A text line found by the detector, in the pixel frame of the image passed to detect()."""

    polygon: list[Point]  # 4 points, clockwise from top-left
    score: float


@dataclass(frozen=True, slots=True)
class Recognition:
    text: str
    confidence: float  # mean character confidence, 0..1
    char_confidences: list[float] = field(default_factory=list)
    # Centre of each character along the crop width as a fraction 0..1 (from CTC
    # time steps) when the engine can tell; used for Glyph boxes.
    char_positions: list[float] | None = None
    # Per character: runners-up (label, probability), best first, when the engine can tell.
    char_alternatives: list[tuple[tuple[str, float], ...]] | None = None


@runtime_checkable
class OcrEngine(Protocol):
    name: str

    def detect(self, image: Image) -> list[DetectedLine]:
        """Find text lines on a page image (grey or BGR, uint8)."""
        ...

    def recognize(self, crops: Sequence[Image], *, precise: bool = False) -> list[Recognition]:
        """Read horizontal line crops; one result per crop, same order. Batches internally.

        `precise`: use the engine's most accurate recognizer even where its preset trades
        accuracy for speed (historical print, where the fast one loses most).
        """
        ...

    def models(self) -> list[ModelInfo]:
        """The models this engine runs (for provenance in ALTO and the manifest)."""
        ...

    def settings(self) -> dict[str, str]:
        """Settings that change the output (for provenance and re-run detection)."""
        ...
