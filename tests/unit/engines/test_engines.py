"""Model store and both OCR engines, on real model runs over rendered Chinese lines."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from digitize import engines
from digitize.engines.modelstore import ModelStore, file_sha256, packaged_manifest
from digitize.errors import ModelError, UsageError

# -- model store ---------------------------------------------------------------------


def test_manifest_models_resolve_and_verify() -> None:
    store = ModelStore()
    det = store.resolve(role="det")
    rec = store.resolve(role="rec")
    assert det.info.name == "PP-OCRv6_small_det" and rec.info.role == "rec"
    assert det.onnx.is_file() and det.info.sha256 == file_sha256(det.onnx)
    assert det.info.source.startswith("rapidocr==")


def _copy_manifest(tmp_path: Path, edit: dict[str, object] | None = None) -> Path:
    raw = json.loads(packaged_manifest().read_text(encoding="utf-8"))
    if edit:
        raw["models"][0].update(edit)
    (tmp_path / "manifest.json").write_text(json.dumps(raw), encoding="utf-8")
    return tmp_path


def test_sha_mismatch_is_a_model_error(tmp_path: Path) -> None:
    store = ModelStore(_copy_manifest(tmp_path, {"sha256": "0" * 64}))
    with pytest.raises(ModelError) as err:
        store.resolve("PP-OCRv6_small_det")
    assert "sha256 mismatch" in err.value.message and err.value.hint


def test_missing_user_model_and_unknown_name(tmp_path: Path) -> None:
    store = ModelStore(_copy_manifest(tmp_path, {"source": "user", "file": "mine/inference.onnx"}))
    with pytest.raises(ModelError, match="not found") as err:
        store.resolve("PP-OCRv6_small_det")
    assert "README" in err.value.hint
    with pytest.raises(ModelError, match="not listed"):
        store.resolve("PP-OCRv5_server_rec")


def test_user_model_dir_is_used_when_selected(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    packaged = ModelStore().resolve(role="det")
    folder = tmp_path / "my_det"
    folder.mkdir()
    shutil.copyfile(packaged.onnx, folder / "inference.onnx")
    (folder / "inference.yml").write_text("Global:\n  model_name: PP-OCRv6_small_det\n")
    raw = json.loads(packaged_manifest().read_text(encoding="utf-8"))
    raw["models"].append(
        {
            "name": "my_det",
            "role": "det",
            "version": "test",
            "source": "user",
            "file": "my_det/inference.onnx",
            "sha256": packaged.info.sha256,
        }
    )
    (tmp_path / "manifest.json").write_text(json.dumps(raw), encoding="utf-8")
    monkeypatch.setenv("DIGITIZE_DET_MODEL", "my_det")
    got = ModelStore(tmp_path).resolve(role="det")
    assert got.user and got.onnx == folder / "inference.onnx"
    assert got.config == folder / "inference.yml"


def test_unknown_engine_is_a_usage_error() -> None:
    with pytest.raises(UsageError):
        engines.create("tesseract", preset="accurate")


def test_presets_are_checked_per_engine() -> None:
    with pytest.raises(UsageError, match="unknown preset"):
        engines.create("rapidocr", preset="fastest")
    with pytest.raises(UsageError, match="rapidocr engine only"):
        engines.create("paddleocr", preset="fast")


# -- derived int8 weights ------------------------------------------------------------


def test_calibration_lines_look_like_line_crops() -> None:
    from digitize.engines.rapid import calibration_lines

    lines = calibration_lines(6)
    assert len(lines) == 6
    assert lines[0].dtype == np.uint8 and lines[0].ndim == 2
    for img in lines:
        assert img.shape[1] > img.shape[0]  # horizontal lines
        assert img.min() < 100 < np.median(img)  # dark ink on lighter paper
    assert all(np.array_equal(a, b) for a, b in zip(lines, calibration_lines(6), strict=True))


# -- engines on real models ----------------------------------------------------------


def test_ctc_decode_positions_and_repeats() -> None:
    from digitize.engines.rapid import ctc_decode

    labels = ["", "a", "b", " "]
    seq = [1, 1, 0, 1, 2, 2, 0, 0, 3, 0]  # a a _ a b b _ _ space _
    probs = np.full((len(seq), 4), 0.01, dtype=np.float32)
    for t, k in enumerate(seq):
        probs[t, k] = 0.97
    res = ctc_decode(probs, labels, used=1.0)
    assert res.text == "aab"  # the repeat survives across a blank, the space is trimmed
    assert res.char_positions == pytest.approx([0.1, 0.35, 0.5])
    assert res.confidence == pytest.approx(0.97)


def test_ctc_decode_keeps_each_characters_runners_up() -> None:
    """The labels that came close at a character's time steps travel with it (best first,
    improbable ones and the blank left out), so later stages can overrule a narrow win."""
    from digitize.engines.rapid import ctc_decode

    labels = ["", "内", "內", "雲", " "]
    probs = np.full((4, 5), 0.001, dtype=np.float32)
    probs[0, [1, 2]] = [0.6, 0.38]  # 内 wins narrowly over 內
    probs[1, 0] = 0.99
    probs[2, [3, 0]] = [0.9, 0.09]  # 雲, the blank second
    probs[3, 0] = 0.99
    res = ctc_decode(probs, labels, used=1.0)
    assert res.text == "内雲"
    assert res.char_alternatives is not None
    assert [a[0] for a in res.char_alternatives[0]] == ["內"]
    assert res.char_alternatives[0][0][1] == pytest.approx(0.38)
    assert res.char_alternatives[1] == ()
