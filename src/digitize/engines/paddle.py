"""PaddleOCR 3.x engine: paddleocr's TextDetection / TextRecognition modules on paddlex's
onnxruntime engine, fully offline.

paddlex wants a model directory (``inference.onnx`` + ``inference.yml``) named after a model
it knows. For the packaged PP-OCRv6 small weights such directories are built once under
``models/cache/paddle/`` (the yml carries paddlex's own pre/post-processing for that model
name and the character dictionary from the ONNX metadata); a user-dropped model folder is
used as it is. Model-source checks and hub downloads are switched off before paddlex is
imported, and the predictors are only ever given local directories, so nothing is fetched.
Document orientation, unwarping and text-line orientation are not used: only the det and
rec modules run.
"""

from __future__ import annotations

import os

os.environ.setdefault("PADDLE_PDX_DISABLE_MODEL_SOURCE_CHECK", "True")
os.environ.setdefault("PADDLE_PDX_MODEL_SOURCE", "local")
os.environ.setdefault("DISABLE_MODEL_SOURCE_CHECK", "True")

import math
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import onnxruntime as ort
import yaml
from paddleocr import TextDetection, TextRecognition
from paddlex.modules.base.utils.pdparams2safetensors.inference_meta import (
    build_inference_meta,
)

from digitize.engines._common import (
    DET_BOX_THRESH,
    DET_THRESH,
    DET_UNCLIP,
    REC_BATCH,
    PairEngine,
    readable,
    to_bgr,
    version,
)
from digitize.engines.base import DetectedLine, Recognition
from digitize.engines.modelstore import ModelStore, ResolvedModel, cache_dir
from digitize.errors import EngineError, ModelError
from digitize.model import Image


def _model_dir(model: ResolvedModel) -> tuple[Path, str]:
    """A paddlex model directory for `model` and the paddlex model name to load it as."""
    if model.user and model.config is not None:
        cfg = yaml.safe_load(model.config.read_text(encoding="utf-8")) or {}
        name = str((cfg.get("Global") or {}).get("model_name") or model.info.name)
        return model.onnx.parent, name
    name = model.info.name
    target = cache_dir() / "paddle" / f"{name}-{model.info.sha256[:12]}"
    onnx = target / "inference.onnx"
    yml = target / "inference.yml"
    if onnx.is_file() and yml.is_file():
        return target, name
    try:
        meta: dict[str, Any] = build_inference_meta(name)
    except ValueError:
        raise ModelError(
            f"paddlex has no inference settings for {name!r}",
            hint="drop the model as a folder with its own inference.yml (models/README.md)",
        ) from None
    data: dict[str, Any] = {"Global": {"model_name": name}, **meta}
    data.pop("Hpi", None)
    if model.info.role == "rec":
        session = ort.InferenceSession(str(model.onnx), providers=["CPUExecutionProvider"])
        chars = session.get_modelmeta().custom_metadata_map.get("character")
        if not chars:
            raise ModelError(
                f"{model.onnx.name} carries no character dictionary in its metadata",
                path=model.onnx,
                hint="use a model folder with PostProcess.character_dict in inference.yml",
            )
        data.setdefault("PostProcess", {})["character_dict"] = chars.splitlines()
    tmp = target.with_name(target.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    try:
        (tmp / "inference.onnx").symlink_to(model.onnx)
    except OSError:
        shutil.copyfile(model.onnx, tmp / "inference.onnx")
    (tmp / "inference.yml").write_text(
        yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8"
    )
    shutil.rmtree(target, ignore_errors=True)
    tmp.rename(target)
    return target, name


class PaddleOcrEngine(PairEngine):
    """`OcrEngine` on paddleocr's TextDetection / TextRecognition (onnxruntime engine)."""

    name = "paddleocr"

    def __init__(self, *, threads: int | None = None, store: ModelStore | None = None) -> None:
        super().__init__(threads=threads, store=store)
        engine_config: dict[str, Any] = {"device_type": "cpu"}
        if threads:
            engine_config |= {"intra_op_num_threads": threads, "inter_op_num_threads": 1}
        det_dir, det_name = _model_dir(self._det_model)
        rec_dir, rec_name = _model_dir(self._rec_model)
        try:
            self._det = TextDetection(
                model_name=det_name,
                model_dir=str(det_dir),
                engine="onnxruntime",
                engine_config=dict(engine_config),
                device="cpu",
                # Keep the caller's scale: "max" with a huge limit only rounds to /32.
                limit_side_len=1 << 16,
                limit_type="max",
                thresh=DET_THRESH,
                box_thresh=DET_BOX_THRESH,
                unclip_ratio=DET_UNCLIP,
            )
            self._rec = TextRecognition(
                model_name=rec_name,
                model_dir=str(rec_dir),
                engine="onnxruntime",
                engine_config=dict(engine_config),
                device="cpu",
            )
        except ModelError:
            raise
        except Exception as exc:
            raise ModelError(
                f"paddleocr could not load the models: {exc}",
                path=det_dir.parent,
                hint="delete models/cache/paddle to rebuild the model folders",
            ) from exc

    def detect(self, image: Image) -> list[DetectedLine]:
        try:
            (res,) = self._det.predict(to_bgr(image), batch_size=1)
        except Exception as exc:
            raise EngineError(f"paddleocr detection failed: {exc}") from exc
        polys = res["dt_polys"]
        scores = res["dt_scores"]
        out = []
        for poly, score in zip(polys, scores, strict=True):
            pts = [(float(x), float(y)) for x, y in np.asarray(poly).reshape(-1, 2)]
            out.append(DetectedLine(polygon=pts, score=float(score)))
        out.sort(key=lambda d: (d.polygon[0][1], d.polygon[0][0]))
        return out

    def recognize(self, crops: Sequence[Image], *, precise: bool = False) -> list[Recognition]:
        # One recognizer only (the float one), so `precise` changes nothing.
        results: list[Recognition] = [Recognition("", 0.0)] * len(crops)
        valid = readable(crops)
        if not valid:
            return results
        # Sorted by width so that paddlex's batches pad little.
        order = sorted(valid, key=lambda i: crops[i].shape[1] / crops[i].shape[0])
        try:
            outs = self._rec.predict([to_bgr(crops[i]) for i in order], batch_size=REC_BATCH)
        except Exception as exc:
            raise EngineError(f"paddleocr recognition failed: {exc}") from exc
        for i, res in zip(order, outs, strict=True):
            text = str(res["rec_text"])
            score = float(res["rec_score"])
            results[i] = Recognition(
                text=text,
                confidence=score if math.isfinite(score) else 0.0,
                char_confidences=[],
                char_positions=None,
            )
        return results

    def settings(self) -> dict[str, str]:
        return self._settings(
            f"paddleocr {version('paddleocr')} / paddlex {version('paddlex')}",
            doc_orientation="off",
            doc_unwarping="off",
        )
