"""RapidOCR engine: rapidocr's PP-OCR det and rec components on onnxruntime, no cls model.

The full ``RapidOCR()`` call runs det+cls+rec per image; here the page is detected once
(the caller picks the scale) and every line crop of the page goes through the recognizer
in width-sorted batches, so padding waste is small. The CTC decode is done here rather
than in rapidocr so that each character's time step gives its position along the crop.
The ``fast`` preset swaps the recognizer for an int8 one derived from the same weights
(modelstore.int8_model, calibrated on `calibration_lines`): half the time at the same
dev-set accuracy (models/README.md).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator, Sequence
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt
import onnxruntime as ort
from omegaconf import OmegaConf
from rapidocr.ch_ppocr_det import TextDetector
from rapidocr.ch_ppocr_rec import TextRecognizer
from rapidocr.utils.typings import EngineType

from digitize.engines import PRESETS
from digitize.engines._common import (
    DET_BOX_THRESH,
    DET_THRESH,
    DET_UNCLIP,
    REC_BATCH,
    REC_HEIGHT,
    PairEngine,
    readable,
    to_bgr,
    to_grey,
    version,
)
from digitize.engines.base import DetectedLine, ModelInfo, Recognition
from digitize.engines.modelstore import ModelStore, ResolvedModel, int8_model
from digitize.errors import EngineError, ModelError
from digitize.model import Image

# Detection post-processing (DB, `_common`) is rapidocr's default except for a larger
# candidate cap, since a newspaper page holds far more than 1000 line pieces at times.
DET_MAX_CANDIDATES = 3000
# Recognizer input pixels per batch (16 crops of 48x1536, ~32 characters each).
REC_BATCH_PIXELS = REC_BATCH * REC_HEIGHT * 1536
# Detector input per network run: larger images run in overlapping horizontal bands
# (`band_spans`). Without its memory arena the network takes ~145 MB per megapixel of
# input on PP-OCRv6 small det (measured; ~180 MB with the arena), and a worker holds
# ~0.6 GB besides on a large page (models, page, recognizer): 4 MP bands kept the
# worker at 1.2-1.3 GB on every test page (6 MP: 1.44 GB on the real fold, too close to
# the 1.5 GB budget of issue 14), while pages whose detection image fits (most pages at
# 300 dpi) still run in one pass (models/README.md).
DET_BAND_PIXELS = 4_000_000
# Context rows computed above and below each band's core and dropped (a multiple of the
# 32 px stride); 96 kept box agreement of 128 at less compute (models/README.md).
DET_BAND_MARGIN = 96
# The detector's squeeze-and-excitation blocks pool over their whole input, so the rest
# of the page decides how it reads text set on a square grid (line pitch close to the
# character pitch): a horizontal module among vertical ones, or beside a large one, comes
# out as per-character dots or columns across its lines. The page is therefore also run
# in tiles of DET_TILE px (the detect stage sets the body em to ~22 px, so ~46 em: a module
# or two) with DET_BAND_MARGIN of context where the page pass is unsure of some text, and
# each neighbourhood of DET_CHOICE_WINDOW px (~16 em) takes the surer pass: a confused pass
# breaks lines into beads and dots of middling probability. Neither pass alone is right on
# every page (models/README.md).
DET_TILE = 1024
DET_CHOICE_WINDOW = 352
# Confidence (`choose_confident`): the page pass stands wherever it is at least this sure of
# its text; then the tile pass is not run. Measured over 16 em neighbourhoods, confused
# modules sit at 0.69-0.76 and clean pages at 0.86-0.95 (models/README.md).
DET_SURE = 0.85
# Where the tile pass runs, it replaces the page pass only where it is surer by this much:
# where both read right they differ by a few pixels of box edge, which moved article
# grouping on pages both passes read right (models/README.md).
DET_SURER = 0.05
# Confidence is measured on maps shrunk by this factor (the window is far larger), over
# neighbourhoods with at least this share of text pixels (else a stray speck decides).
_CHOICE_SHRINK = 8
_CHOICE_MIN_TEXT = 0.02
# Presets (config.Settings.preset): "accurate" runs the manifest's float weights,
# "fast" an int8 recognizer derived from them (modelstore.int8_model).
# Calibration lines for the int8 recognizer: rendered newspaper-like text (not taken from
# any evaluation data), several faces and sizes, since activation ranges follow contrast
# and stroke width.
CALIBRATION_LINES = 48
CALIBRATION_FONTS = (
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
)


def _session(path: Path, threads: int | None, *, arena: bool = True) -> ort.InferenceSession:
    """An onnxruntime CPU session. `arena`: keep freed buffers for reuse (the recognizer,
    run on many batches); the detector runs once per page on large inputs, where the
    arena's growth by doubling held ~30 MB per detection megapixel more at the same speed
    (1468 against 1756 MB on an 8.6 MP detection, identical boxes)."""
    opts = ort.SessionOptions()
    opts.log_severity_level = 3
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    opts.enable_cpu_mem_arena = arena
    # Memory patterns are planned per input shape; line batches differ in width on every
    # call, so the plans only pile up (worker peak 1.6 GB with them, 1.2 GB without, at the
    # same speed on 150 dpi pages).
    opts.enable_mem_pattern = False
    if threads:
        opts.intra_op_num_threads = threads
        opts.inter_op_num_threads = 1
        # Idle pool threads sleep instead of spinning: where several processes share the
        # cores (batch workers, a server's other jobs) spinning burns the time they need
        # (a 1200x1700 page: 4.8 s against 5.9 s with two 2-thread processes on 2 cores;
        # 2.6 s either way alone).
        opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
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


class RapidOcrEngine(PairEngine):
    """`OcrEngine` on rapidocr's TextDetector / TextRecognizer."""

    name = "rapidocr"

    def __init__(
        self,
        *,
        threads: int | None = None,
        store: ModelStore | None = None,
        preset: str,
    ) -> None:
        if preset not in PRESETS:
            raise ValueError(f"unknown preset {preset!r}; choose one of {PRESETS}")
        super().__init__(threads=threads, store=store)
        self.preset = preset
        self.band_pixels = DET_BAND_PIXELS
        self.tile = DET_TILE
        det_session = _session(self._det_model.onnx, threads, arena=False)
        self._det_session = det_session
        self._det_mean = np.array([0.485, 0.456, 0.406], dtype=np.float64)[:, None, None]
        self._det_std = np.array([0.229, 0.224, 0.225], dtype=np.float64)[:, None, None]
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
        # `recognize(precise=True)` runs the float weights whatever the preset.
        self._float_model = self._rec_model
        self._float_session = rec_session
        self._fast_session = rec_session
        if preset == "fast":
            self._rec_model = int8_model(self._rec_model, self._rec_calibration)
            self._fast_session = _session(self._rec_model.onnx, threads)

    def _rec_calibration(self) -> Iterator[npt.NDArray[np.float32]]:
        """Recognizer inputs of rendered lines, preprocessed exactly as `recognize` does."""
        for crop in calibration_lines(CALIBRATION_LINES):
            ratio = max(320 / REC_HEIGHT, crop.shape[1] / crop.shape[0])
            norm = self._rec.resize_norm_img(to_bgr(crop), ratio)
            yield np.asarray(norm, dtype=np.float32)[None]

    def detect(self, image: Image) -> list[DetectedLine]:
        """DB detection as rapidocr's TextDetector runs it, on the grey image.

        The same resize to multiples of 32, normalisation and DBPostProcess, without the
        BGR copy; each box keeps its own score (rapidocr re-sorts boxes but not scores).
        The probability map is the page pass and the tile pass combined (`_prob_map`);
        boxes are extracted once from it, so no line is cut where bands or tiles meet.
        """
        h, w = image.shape[:2]
        rh, rw = max(32, round(h / 32) * 32), max(32, round(w / 32) * 32)
        grey = to_grey(image)
        try:
            resized = grey if (rh, rw) == (h, w) else cv2.resize(grey, (rw, rh))
            prob = self._prob_map(np.asarray(resized, dtype=np.uint8))
            del resized
            boxes, scores = self._det.postprocess_op(prob[None, None], (h, w))
        except EngineError:
            raise
        except Exception as exc:
            raise EngineError(f"rapidocr detection failed: {exc}") from exc
        del prob
        if len(boxes) < 1:
            return []
        return [
            DetectedLine(polygon=[(float(x), float(y)) for x, y in box], score=float(score))
            for box, score in zip(boxes, scores, strict=True)
        ]

    def _normalize(self, grey: Image) -> npt.NDArray[np.float32]:
        """rapidocr's normalisation of the BGR image (float64, as it computes it), NCHW."""
        tile = grey.astype(np.float32) * (1 / 255.0)
        return ((tile[None] - self._det_mean) / self._det_std).astype(np.float32)[None]

    def _prob_map(self, grey: Image) -> npt.NDArray[np.float32]:
        """The DB probability map (HxW float32) of a grey image with sides multiples of 32.

        The page pass (whole, or in horizontal bands where the image is over
        `band_pixels`, since the network's memory grows with its input: ~180 MB per
        megapixel); where it is unsure of some text, the tile pass (DET_TILE squares,
        local context) too, and `choose_confident` takes the surer map per neighbourhood.
        """
        h, w = grey.shape[:2]
        bands = [
            (*band, 0, w, 0, w) for band in band_spans(h, w, self.band_pixels, DET_BAND_MARGIN)
        ]
        page = self._run_spans(grey, bands)
        tiles = tile_spans(h, w, self.tile, DET_BAND_MARGIN)
        if len(tiles) == 1:
            return page
        sure = text_confidence(page, DET_CHOICE_WINDOW)
        if bool((sure >= DET_SURE).all()):
            return page
        local = self._run_spans(grey, tiles)
        return choose_confident(local, page, sure, DET_CHOICE_WINDOW)

    def _run_spans(self, grey: Image, spans: Sequence[Span]) -> npt.NDArray[np.float32]:
        """The network on each span's window; each window's core goes into one map."""
        feed = self._det_session.get_inputs()[0].name
        out = np.empty(grey.shape[:2], dtype=np.float32)
        for y0, y1, cy0, cy1, x0, x1, cx0, cx1 in spans:
            window = self._normalize(grey[y0:y1, x0:x1])
            pred = self._det_session.run(None, {feed: window})[0]
            out[cy0:cy1, cx0:cx1] = pred[0, 0, cy0 - y0 : cy1 - y0, cx0 - x0 : cx1 - x0]
            del pred, window
        return out

    def models(self) -> list[ModelInfo]:
        """Both recognizers with the fast preset: vertical pages are read with the float one."""
        extra = [self._float_model.info] if self._float_model is not self._rec_model else []
        return [*super().models(), *extra]

    def recognize(self, crops: Sequence[Image], *, precise: bool = False) -> list[Recognition]:
        # Chosen per call, not set on the shared recognizer: threads may share an engine.
        session = self._float_session if precise else self._fast_session
        feed = session.get_inputs()[0].name
        results: list[Recognition] = [Recognition("", 0.0)] * len(crops)
        valid = readable(crops)
        ratios = {i: crops[i].shape[1] / crops[i].shape[0] for i in valid}
        for idx in rec_batches(sorted(valid, key=lambda i: ratios[i]), ratios):
            max_ratio = max(320 / REC_HEIGHT, *(ratios[i] for i in idx))
            batch = np.stack(
                [self._rec.resize_norm_img(to_bgr(crops[i]), max_ratio) for i in idx]
            ).astype(np.float32)
            try:
                probs = session.run(None, {feed: batch})[0]
            except Exception as exc:
                raise EngineError(f"rapidocr recognition failed: {exc}") from exc
            width = batch.shape[3]
            for row, i in enumerate(idx):
                used = min(width, math.ceil(REC_HEIGHT * ratios[i])) / width
                results[i] = ctc_decode(probs[row], self._labels, used)
        return results

    def settings(self) -> dict[str, str]:
        return self._settings(f"rapidocr {version('rapidocr')}", preset=self.preset)


def rec_batches(order: Sequence[int], ratios: dict[int, float]) -> Iterator[list[int]]:
    """Width-sorted crops in batches of at most REC_BATCH crops and REC_BATCH_PIXELS
    padded input pixels (the widest crop's width times the batch size): a page of very
    long lines (web pages, 100 characters a line) would otherwise feed 16 lines of
    5000 px at once."""
    batch: list[int] = []
    for i in order:
        width = REC_HEIGHT * max(320 / REC_HEIGHT, ratios[i])
        if batch and (
            len(batch) >= REC_BATCH or (len(batch) + 1) * width * REC_HEIGHT > REC_BATCH_PIXELS
        ):
            yield batch
            batch = []
        batch.append(i)
    if batch:
        yield batch


# Rows then columns of a network window and of its core: (y0, y1, core y0, core y1,
# x0, x1, core x0, core x1).
Span = tuple[int, int, int, int, int, int, int, int]


def axis_spans(length: int, core: int, margin: int) -> list[tuple[int, int, int, int]]:
    """(start, end, core start, core end) along one side of a length multiple of 32.

    The cores partition the side in near-equal parts of at most about `core`, cut on the
    network's 32 px stride grid as in a whole-image pass; each window adds `margin` of
    context on each inner side."""
    n = max(1, math.ceil(length / max(32, core)))
    cuts = [min(length, round(k * length / n / 32) * 32) for k in range(n + 1)]
    cuts[-1] = length
    return [
        (max(0, a - margin), min(length, b + margin), a, b)
        for a, b in itertools.pairwise(cuts)
        if b > a
    ]


def band_spans(
    height: int, width: int, pixels: int, margin: int
) -> list[tuple[int, int, int, int]]:
    """Horizontal bands over an image of sides multiples of 32: (start, end, core start,
    core end) rows per band, each of at most about `pixels` pixels with its context rows.
    One band when the image fits."""
    if height * width <= pixels:
        return [(0, height, 0, height)]
    rows = max(64, (pixels // max(1, width)) // 32 * 32)
    return axis_spans(height, max(32, rows - 2 * margin), margin)


def tile_spans(height: int, width: int, side: int, margin: int) -> list[Span]:
    """Square-ish tiles of at most about `side` px (plus context) over the image."""
    return [
        (*rows, *cols)
        for rows in axis_spans(height, side, margin)
        for cols in axis_spans(width, side, margin)
    ]


def text_confidence(prob: npt.NDArray[np.float32], window: int) -> npt.NDArray[np.float32]:
    """Mean probability over the pixels the map calls text (DB's threshold), per `window`
    neighbourhood, on a grid shrunk by _CHOICE_SHRINK; 1 where there is (almost) no text.

    A pass that reads a module the wrong way leaves beads and dots whose gaps and edges sit
    between the threshold and certainty, where clean lines sit near 1; the measure does not
    depend on how much text the place holds."""
    h, w = prob.shape
    small = (max(1, w // _CHOICE_SHRINK), max(1, h // _CHOICE_SHRINK))
    k = max(1, window // _CHOICE_SHRINK)
    text = prob > DET_THRESH
    mass = cv2.blur(
        cv2.resize(np.where(text, prob, np.float32(0)), small, interpolation=cv2.INTER_AREA),
        (k, k),
    )
    area = cv2.blur(
        cv2.resize(text.astype(np.float32), small, interpolation=cv2.INTER_AREA), (k, k)
    )
    sure = np.ones_like(mass)
    some = area > _CHOICE_MIN_TEXT
    sure[some] = mass[some] / area[some]
    return np.asarray(sure, dtype=np.float32)


def choose_confident(
    local: npt.NDArray[np.float32],
    page: npt.NDArray[np.float32],
    page_sure: npt.NDArray[np.float32],
    window: int,
) -> npt.NDArray[np.float32]:
    """`page` except where `local` is surer of its text by DET_SURER (in place in `page`);
    `page_sure` is `text_confidence(page, window)`.

    Each place takes one map, never a blend or maximum of both: rows from one and
    columns from the other would join into a grid.
    """
    h, w = page.shape
    better = (text_confidence(local, window) > page_sure + DET_SURER).astype(np.uint8)
    pick = cv2.resize(better, (w, h), interpolation=cv2.INTER_NEAREST).astype(bool)
    page[pick] = local[pick]
    return page


def calibration_lines(count: int, seed: int = 7) -> list[Image]:
    """Grey line crops of rendered Chinese newspaper text, cut as the recognize stage cuts
    lines (a small margin round the ink), with paper tone, blur and noise of a scan."""
    import random

    from PIL import Image as PILImage
    from PIL import ImageDraw, ImageFont

    from digitize.synth.corpus import paragraph

    fonts = [f for f in CALIBRATION_FONTS if Path(f).is_file()]
    if not fonts:
        raise ModelError(
            "no CJK font found to calibrate the int8 recognizer",
            hint="install fonts-noto-cjk (setup.sh does), or run with --preset accurate",
        )
    rng = random.Random(seed)
    noise = np.random.default_rng(seed)
    text = "".join(paragraph(rng) for _ in range(count // 4 + 2))
    out: list[Image] = []
    at = 0
    for k in range(count):
        size = rng.choice((14, 20, 28, 40))
        n = rng.randint(4, 16)
        line = text[at : at + n]
        at = (at + n) % max(1, len(text) - 16)
        face = ImageFont.truetype(fonts[k % len(fonts)], size)
        width = int(face.getlength(line)) + size // 2
        paper = rng.randint(200, 250)
        img = PILImage.new("L", (width, round(size * 1.35)), paper)
        ImageDraw.Draw(img).text((size // 4, size // 6), line, font=face, fill=rng.randint(0, 60))
        blurred = cv2.GaussianBlur(np.asarray(img, np.float32), (0, 0), 0.3 + 0.5 * rng.random())
        noisy = blurred + noise.normal(0.0, 4.0, blurred.shape)
        out.append(np.clip(noisy, 0, 255).astype(np.uint8))
    return out


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
    spans: list[list[int]] = []
    prev = -1
    span: list[int] = []
    for t in range(steps):
        k = int(best[t])
        if k != prev:
            if span:
                spans.append(span)
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
        spans.append(span)
    pos = [(sum(s) / len(s) + 0.5) / (steps * used) for s in spans]
    alts = [_runners_up(probs, s, int(best[s[0]]), labels) for s in spans]
    # Trim outer spaces (keeping positions aligned).
    while chars and chars[-1] == " ":
        chars.pop(), confs.pop(), pos.pop(), alts.pop()
    while chars and chars[0] == " ":
        chars.pop(0), confs.pop(0), pos.pop(0), alts.pop(0)
    text = "".join(chars)
    mean = float(np.mean(confs)) if confs else 0.0
    return Recognition(
        text=text,
        confidence=mean,
        char_confidences=confs,
        char_positions=[min(1.0, max(0.0, p)) for p in pos],
        char_alternatives=alts,
    )


# Runners-up kept per character: at most this many, each at least this probable.
ALTERNATIVES = 3
ALTERNATIVE_MIN = 0.01


def _runners_up(
    probs: npt.NDArray[np.float32], span: Sequence[int], chosen: int, labels: Sequence[str]
) -> tuple[tuple[str, float], ...]:
    """Other labels at a character's time steps, by their best probability there."""
    rows = probs[list(span)]
    if float(rows[:, chosen].min()) >= 1.0 - ALTERNATIVE_MIN:
        return ()  # the rest of each step's probability is too small for any runner-up
    window = rows.max(axis=0)
    n = min(ALTERNATIVES + 2, window.shape[0])
    top = np.argpartition(window, -n)[-n:]
    out = [
        (labels[k], float(window[k]))
        for k in top
        if k not in (0, chosen) and k < len(labels) and window[k] >= ALTERNATIVE_MIN
    ]
    out.sort(key=lambda a: -a[1])
    return tuple(out[:ALTERNATIVES])
