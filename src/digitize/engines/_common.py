"""What the rapidocr and paddleocr engines share: the manifest's det + rec models, the
detection and recognition settings (the same for both, so that they read alike and their
benchmarks compare), crop checks and provenance."""

from __future__ import annotations

import os
from collections.abc import Sequence
from importlib import metadata

import cv2
import numpy as np
import onnxruntime as ort

from digitize.engines.base import ModelInfo
from digitize.engines.modelstore import ModelStore
from digitize.model import Image

REC_HEIGHT = 48
# Crops per recognizer run. Widths are sorted first, so larger batches pad little.
REC_BATCH = 16
# Detection post-processing (DB).
DET_THRESH = 0.3
DET_BOX_THRESH = 0.5
DET_UNCLIP = 1.6


class PairEngine:
    """Base of both engines: det and rec models resolved from the model store."""

    rec_height = REC_HEIGHT

    def __init__(self, *, threads: int | None, store: ModelStore | None) -> None:
        store = store if store is not None else ModelStore()
        self.threads = threads
        self._det_model = store.resolve(role="det")
        self._rec_model = store.resolve(role="rec")

    def models(self) -> list[ModelInfo]:
        return [self._det_model.info, self._rec_model.info]

    def _settings(self, engine: str, **extra: str) -> dict[str, str]:
        """The settings both engines report, with the engine's own `extra` before threads."""
        return {
            "engine": engine,
            "onnxruntime": ort.__version__,
            "det_thresh": str(DET_THRESH),
            "det_box_thresh": str(DET_BOX_THRESH),
            "det_unclip_ratio": str(DET_UNCLIP),
            "rec_height": str(REC_HEIGHT),
            "rec_batch": str(REC_BATCH),
            "textline_orientation": "off",
            **extra,
            "threads": str(self.threads or os.cpu_count() or 1),
        }


def to_bgr(image: Image) -> Image:
    """Both libraries expect 3-channel input; scans are grey."""
    if image.ndim == 2:
        return np.asarray(cv2.cvtColor(image, cv2.COLOR_GRAY2BGR), dtype=np.uint8)
    return image


def to_grey(image: Image) -> Image:
    """The detector reads grey: a BGR image is reduced with OpenCV's luma weights."""
    if image.ndim == 3:
        return np.asarray(cv2.cvtColor(image, cv2.COLOR_BGR2GRAY), dtype=np.uint8)
    return image


def readable(crops: Sequence[Image]) -> list[int]:
    """Indices of crops a recognizer can take; the others read as empty text."""
    return [i for i, c in enumerate(crops) if c.size and min(c.shape[:2]) > 1]


def version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "unknown"
