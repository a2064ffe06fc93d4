"""Scan degradation of a rendered page: paper tone, lighting, skew, blur, specks, noise,
yellowing and JPEG, in the order a print-then-scan chain applies them.

Skew is applied here (the truth's boxes are rotated the same way in `gtjson`), so the
drawing code stays upright.
"""

from __future__ import annotations

import math
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

from digitize.synth.spec import PageSpec


def _f32(a: Any) -> npt.NDArray[np.float32]:
    return np.asarray(a, dtype=np.float32)


def degrade(img: npt.NDArray[np.uint8], spec: PageSpec, seed: int) -> npt.NDArray[np.uint8]:
    d = spec.degradation
    rng = np.random.default_rng(seed)
    h, w = img.shape
    ink = 1.0 - img.astype(np.float32) / 255.0
    if d.bleed > 0:
        back = _f32(cv2.GaussianBlur(np.ascontiguousarray(ink[:, ::-1]), (0, 0), 2.0))
        ink = np.maximum(ink, back * d.bleed)
    out = _f32(d.paper - (d.paper - d.ink_level) * ink)
    if d.illum_amplitude > 0:
        yy, xx = np.mgrid[0:h:16, 0:w:16].astype(np.float32)
        a, b = rng.uniform(0, 2 * math.pi, 2)
        light = _f32(np.cos(xx / w * math.pi + a) * np.cos(yy / h * math.pi * 0.7 + b))
        out += d.illum_amplitude * _f32(cv2.resize(light, (w, h),
                                                   interpolation=cv2.INTER_LINEAR))
    if spec.skew_deg:
        m = cv2.getRotationMatrix2D((w / 2, h / 2), spec.skew_deg, 1.0)
        out = _f32(cv2.warpAffine(out, m, (w, h), flags=cv2.INTER_LINEAR,
                                  borderMode=cv2.BORDER_CONSTANT,
                                  borderValue=(float(d.paper),)))
    if d.blur_sigma > 0:
        out = _f32(cv2.GaussianBlur(out, (0, 0), d.blur_sigma))
    for _ in range(d.specks):
        cx, cy = int(rng.integers(0, w)), int(rng.integers(0, h))
        cv2.circle(out, (cx, cy), int(rng.integers(1, 3)), (float(d.ink_level + 40),), -1)
    if d.noise_sigma > 0:
        out += rng.normal(0, d.noise_sigma, out.shape).astype(np.float32)
    res: npt.NDArray[np.uint8] = np.clip(out, 0, 255).astype(np.uint8)
    if d.yellow > 0:
        res = yellowed(out, d.yellow)
    if d.jpeg_quality:
        ok, buf = cv2.imencode(".jpg", res, [cv2.IMWRITE_JPEG_QUALITY, int(d.jpeg_quality)])
        if ok:
            flag = cv2.IMREAD_COLOR if res.ndim == 3 else cv2.IMREAD_GRAYSCALE
            res = np.asarray(cv2.imdecode(buf, flag), dtype=np.uint8)
    return res


def yellowed(grey: npt.NDArray[np.float32], amount: float) -> npt.NDArray[np.uint8]:
    """A BGR page whose paper is tinted toward old newsprint yellow while ink stays dark:
    the tint scales with lightness, as it does on aged paper."""
    light = np.clip(grey, 0, 255) / 255.0
    b = grey * (1.0 - 0.32 * amount * light)
    g = grey * (1.0 - 0.08 * amount * light)
    bgr = np.stack([b, g, grey], axis=-1)
    out: npt.NDArray[np.uint8] = np.clip(bgr, 0, 255).astype(np.uint8)
    return out

