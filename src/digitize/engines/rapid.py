"""RapidOCR engine: rapidocr's PP-OCR det and rec components on onnxruntime, no cls model.

The full ``RapidOCR()`` call runs det+cls+rec per image; here the page is detected once
(the caller picks the scale) and every line crop of the page goes through the recognizer
in width-sorted batches, so padding waste is small. The CTC decode is done here rather
than in rapidocr so that each character's time step gives its position along the crop.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt
import onnxruntime as ort
from omegaconf import OmegaConf
from rapidocr.ch_ppocr_det import TextDetector
from rapidocr.ch_ppocr_rec import TextRecognizer
from rapidocr.utils.typings import EngineType

from digitize.engines.base import DetectedLine, ModelInfo, Recognition
from digitize.errors import EngineError, ModelError
from digitize.model import Image
from digitize.modelstore import ModelStore, ResolvedModel

REC_HEIGHT = 48
# Detection post-processing (DB): rapidocr's defaults except a larger candidate cap,
# since a newspaper page holds far more than 1000 line pieces at times.
DET_THRESH = 0.3
DET_BOX_THRESH = 0.5
DET_UNCLIP = 1.6
DET_MAX_CANDIDATES = 3000
# Crops per recognizer run. Widths are sorted first, so larger batches pad little.
REC_BATCH = 16


def _session(path: Path, threads: int | None) -> ort.InferenceSession:
    opts = ort.SessionOptions()
    opts.log_severity_level = 3
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    opts.enable_cpu_mem_arena = True
    if threads:
        opts.intra_op_num_threads = threads
        opts.inter_op_num_threads = 1
    try:
        return ort.InferenceSession(
            str(path), sess_options=opts, providers=["CPUExecutionProvider"]
        )
    except Exception as exc:  # onnxruntime raises its own untyped errors
        raise ModelError(
            f"onnxruntime cannot load {path.name}: {exc}",
            path=path,
            hint="the file is not a valid ONNX model; reinstall or replace it",
        ) from exc


def _characters(model: ResolvedModel, session: ort.InferenceSession) -> list[str]:
    """The rec dictionary: ONNX metadata (rapidocr exports) or the user model's inference.yml."""
    meta = session.get_modelmeta().custom_metadata_map
    if "character" in meta:
        return list(meta["character"].splitlines())
    if model.config is not None:
        import yaml

        cfg = yaml.safe_load(model.config.read_text(encoding="utf-8"))
        chars = (cfg.get("PostProcess") or {}).get("character_dict")
        if chars:
            return [str(c) for c in chars]
    raise ModelError(
        f"no character dictionary for {model.info.name}",
        path=model.onnx,
        hint="put PostProcess.character_dict into the model's inference.yml",
    )


def _to_bgr(image: Image) -> Image:
    if image.ndim == 2:
        return np.asarray(cv2.cvtColor(image, cv2.COLOR_GRAY2BGR), dtype=np.uint8)
    return image


class RapidOcrEngine:
    """`OcrEngine` on rapidocr's TextDetector / TextRecognizer."""

    name = "rapidocr"
    rec_height = REC_HEIGHT

    def __init__(self, *, threads: int | None = None, store: ModelStore | None = None) -> None:
        store = store if store is not None else ModelStore()
        self.threads = threads
        self._det_model = store.resolve(role="det")
        self._rec_model = store.resolve(role="rec")
        det_session = _session(self._det_model.onnx, threads)
        rec_session = _session(self._rec_model.onnx, threads)
        self._det = TextDetector(
            OmegaConf.create(  # type: ignore[arg-type]  # rapidocr reads a DictConfig
                {
                    "engine_type": EngineType.ONNXRUNTIME,
                    "session": det_session,
                    # limit "max" with a huge side: keep the caller's scale (only
                    # rounded to a multiple of 32 by rapidocr's preprocessing).
                    "limit_type": "max",
                    "limit_side_len": 1 << 16,
                    # PP-OCRv6 det was trained on ImageNet-normalised input (paddlex's
                    # inference settings for the model), not rapidocr's default 0.5/0.5.
                    "mean": [0.485, 0.456, 0.406],
                    "std": [0.229, 0.224, 0.225],
                    "thresh": DET_THRESH,
                    "box_thresh": DET_BOX_THRESH,
                    "max_candidates": DET_MAX_CANDIDATES,
                    "unclip_ratio": DET_UNCLIP,
                    "use_dilation": True,
                    "score_mode": "fast",
                },
                flags={"allow_objects": True},
            )
        )
        self._chars = _characters(self._rec_model, rec_session)
        self._rec = TextRecognizer(
            OmegaConf.create(  # type: ignore[arg-type]
                {
                    "engine_type": EngineType.ONNXRUNTIME,
                    "session": rec_session,
                    "lang_type": "ch",
                    "rec_batch_num": REC_BATCH,
                    "rec_img_shape": [3, REC_HEIGHT, 320],
                    "rec_keys_path": None,
                },
                flags={"allow_objects": True},
            )
        )
        # CTC classes: blank, the dictionary, then space (rapidocr's convention).
        self._labels = ["", *self._chars, " "]

    def detect(self, image: Image) -> list[DetectedLine]:
        try:
            out = self._det(_to_bgr(image))
        except Exception as exc:
            raise EngineError(f"rapidocr detection failed: {exc}") from exc
        if out.boxes is None or out.scores is None:
            return []
        return [
            DetectedLine(polygon=[(float(x), float(y)) for x, y in box], score=float(score))
            for box, score in zip(out.boxes, out.scores, strict=True)
        ]

    def recognize(self, crops: Sequence[Image]) -> list[Recognition]:
        results: list[Recognition] = [Recognition("", 0.0)] * len(crops)
        valid = [i for i, c in enumerate(crops) if c.size and c.shape[0] > 1 and c.shape[1] > 1]
        ratios = {i: crops[i].shape[1] / crops[i].shape[0] for i in valid}
        order = sorted(valid, key=lambda i: ratios[i])
        for start in range(0, len(order), REC_BATCH):
            idx = order[start : start + REC_BATCH]
            max_ratio = max(320 / REC_HEIGHT, *(ratios[i] for i in idx))
            batch = np.stack(
                [self._rec.resize_norm_img(_to_bgr(crops[i]), max_ratio) for i in idx]
            ).astype(np.float32)
            try:
                probs = self._rec.session(batch)
            except Exception as exc:
                raise EngineError(f"rapidocr recognition failed: {exc}") from exc
            width = batch.shape[3]
            for row, i in enumerate(idx):
                used = min(width, math.ceil(REC_HEIGHT * ratios[i])) / width
                results[i] = ctc_decode(probs[row], self._labels, used)
        return results

    def models(self) -> list[ModelInfo]:
        return [self._det_model.info, self._rec_model.info]

    def settings(self) -> dict[str, str]:
        return {
            "engine": f"rapidocr {_version('rapidocr')}",
            "onnxruntime": ort.__version__,
            "det_thresh": str(DET_THRESH),
            "det_box_thresh": str(DET_BOX_THRESH),
            "det_unclip_ratio": str(DET_UNCLIP),
            "rec_height": str(REC_HEIGHT),
            "rec_batch": str(REC_BATCH),
            "textline_orientation": "off",
            "threads": str(self.threads or os.cpu_count() or 1),
        }


def ctc_decode(
    probs: npt.NDArray[np.float32], labels: Sequence[str], used: float = 1.0
) -> Recognition:
    """Greedy CTC decode with per-character confidence and centre position.

    `used` is the share of the time steps covered by the crop itself (the rest is batch
    padding); positions are fractions of the crop width. A character's position is the
    mean of the time steps that emitted it.
    """
    steps = probs.shape[0]
    best = probs.argmax(axis=1)
    conf = probs.max(axis=1)
    chars: list[str] = []
    confs: list[float] = []
    pos: list[float] = []
    prev = -1
    span: list[int] = []
    for t in range(steps):
        k = int(best[t])
        if k != prev:
            if span:
                pos.append((sum(span) / len(span) + 0.5) / (steps * used))
                span = []
            if k != 0 and k < len(labels):
                chars.append(labels[k])
                confs.append(float(conf[t]))
                span = [t]
        elif k != 0 and span:
            span.append(t)
            confs[-1] = max(confs[-1], float(conf[t]))
        prev = k
    if span:
        pos.append((sum(span) / len(span) + 0.5) / (steps * used))
    # Trim outer spaces (keeping positions aligned).
    while chars and chars[-1] == " ":
        chars.pop(), confs.pop(), pos.pop()
    while chars and chars[0] == " ":
        chars.pop(0), confs.pop(0), pos.pop(0)
    text = "".join(chars)
    mean = float(np.mean(confs)) if confs else 0.0
    return Recognition(
        text=text,
        confidence=mean,
        char_confidences=confs,
        char_positions=[min(1.0, max(0.0, p)) for p in pos],
    )


def _version(dist: str) -> str:
    from importlib import metadata

    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "unknown"
