"""Model manifest and weight resolution.

Weights never come from the network at run time: they ship inside a registry package
(rapidocr bundles PP-OCRv6 small det/rec ONNX files) or a user drops a PaddleOCR model
directory (``inference.onnx`` + ``inference.yml``) into the models folder. The manifest
(``digitize/data/models/manifest.json``, package data, so a wheel install finds it too;
``$DIGITIZE_MODELS_DIR/manifest.json`` replaces it when present) names every model that
may be used, where it comes from and its sha256, so that the models a run used are known
exactly and a corrupt or swapped file is refused at load.

Which det/rec model is active: the ``DIGITIZE_DET_MODEL`` / ``DIGITIZE_REC_MODEL``
environment variables, else the manifest's ``use`` entry. A model whose ``source`` is
``user`` lives in ``models/<dir>/``; any other source is a ``package==version`` whose
installed distribution holds ``file``.

Derived weights (the ``fast`` preset's int8 models) are built locally from a verified
manifest model by `int8_model` and cached under ``<models folder>/cache/int8/`` (outside
the package, so it stays writable) with a record of
their own sha256, so they too are checked at every load and never downloaded.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import tempfile
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from importlib import metadata, resources
from pathlib import Path

import numpy as np
import numpy.typing as npt

from digitize.engines.base import ModelInfo
from digitize.errors import ModelError

MODELS_DIR_ENV = "DIGITIZE_MODELS_DIR"
ROLE_ENV = {"det": "DIGITIZE_DET_MODEL", "rec": "DIGITIZE_REC_MODEL"}
USER_SOURCE = "user"


def packaged_manifest() -> Path:
    """The manifest shipped inside the package (found in a wheel install as in a checkout)."""
    return Path(str(resources.files("digitize") / "data" / "models" / "manifest.json"))


def models_dir() -> Path:
    """The models folder (user models, derived-weight cache): $DIGITIZE_MODELS_DIR, else
    ``models/`` of the source checkout, else ``~/.cache/digitize/models`` (a wheel install,
    whose package folder may not be writable)."""
    env = os.environ.get(MODELS_DIR_ENV)
    if env:
        return Path(env)
    checkout = Path(__file__).resolve().parents[3] / "models"
    if checkout.is_dir():
        return checkout
    cache_home = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache_home) / "digitize" / "models"


def cache_dir() -> Path:
    """Where engines may build derived files (git-ignored ``models/cache``)."""
    return models_dir() / "cache"


@dataclass(frozen=True, slots=True)
class ResolvedModel:
    """A manifest entry whose weights were found and verified."""

    info: ModelInfo
    onnx: Path
    # inference.yml of a user model directory (pre/post-processing, character dict).
    config: Path | None
    user: bool


@dataclass(frozen=True, slots=True)
class _Entry:
    name: str
    role: str
    version: str
    source: str
    file: str
    sha256: str


def _hint_manifest(path: Path) -> str:
    return f"see {path.parent / 'README.md'} for how to list a model in {path.name}"


class ModelStore:
    """Reads the manifest once; resolves and verifies model files on demand."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = root if root is not None else models_dir()
        own = self.root / "manifest.json"
        self.manifest_path = own if own.is_file() else packaged_manifest()
        self._entries, self._use = self._read_manifest()

    def _read_manifest(self) -> tuple[dict[str, _Entry], dict[str, str]]:
        path = self.manifest_path
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ModelError(
                "model manifest not found",
                path=path,
                hint=f"set {MODELS_DIR_ENV} to the folder holding manifest.json",
            ) from None
        except (OSError, ValueError) as exc:
            raise ModelError(
                f"model manifest unreadable: {exc}", path=path, hint=_hint_manifest(path)
            ) from None
        entries: dict[str, _Entry] = {}
        try:
            for item in raw["models"]:
                e = _Entry(
                    name=str(item["name"]),
                    role=str(item["role"]),
                    version=str(item.get("version", "")),
                    source=str(item["source"]),
                    file=str(item["file"]),
                    sha256=str(item["sha256"]).lower(),
                )
                entries[e.name] = e
            use = {str(k): str(v) for k, v in raw.get("use", {}).items()}
        except (KeyError, TypeError) as exc:
            raise ModelError(
                f"model manifest malformed: missing {exc}", path=path, hint=_hint_manifest(path)
            ) from None
        return entries, use

    def names(self) -> list[str]:
        return list(self._entries)

    def active(self, role: str) -> str:
        """Name of the model to use for `role` ("det" | "rec")."""
        name = os.environ.get(ROLE_ENV.get(role, ""), "") or self._use.get(role, "")
        if not name:
            raise ModelError(
                f"no {role} model selected",
                path=self.manifest_path,
                hint=f'add "use": {{"{role}": "<model name>"}} to the manifest',
            )
        return name

    def resolve(self, name: str | None = None, *, role: str | None = None) -> ResolvedModel:
        """Find a model's weights and verify their sha256 against the manifest."""
        if name is None:
            if role is None:
                raise ValueError("resolve() needs a name or a role")
            name = self.active(role)
        entry = self._entries.get(name)
        if entry is None:
            raise ModelError(
                f"model {name!r} is not listed in the manifest",
                path=self.manifest_path,
                hint=f"known models: {', '.join(self._entries) or 'none'}; "
                + _hint_manifest(self.manifest_path),
            )
        if role is not None and entry.role != role:
            raise ModelError(
                f"model {name!r} is a {entry.role} model, not {role}",
                path=self.manifest_path,
                hint=f"select a {role} model in the manifest's 'use' or ${ROLE_ENV.get(role)}",
            )
        user = entry.source == USER_SOURCE
        onnx = self._locate(entry)
        config = onnx.parent / "inference.yml" if user else None
        if config is not None and not config.is_file():
            raise ModelError(
                f"model {name!r} has no inference.yml next to its weights",
                path=config,
                hint="copy the inference.yml exported with the model into its folder",
            )
        digest = file_sha256(onnx)
        if digest != entry.sha256:
            raise ModelError(
                f"sha256 mismatch for model {name!r}: file has {digest}, "
                f"manifest says {entry.sha256}",
                path=onnx,
                hint="reinstall the package that ships it, or update the manifest's sha256 "
                "if you replaced the weights on purpose",
            )
        info = ModelInfo(
            name=entry.name,
            role=entry.role,
            version=entry.version,
            source=entry.source,
            path=str(onnx),
            sha256=digest,
        )
        return ResolvedModel(info=info, onnx=onnx, config=config, user=user)

    def _locate(self, entry: _Entry) -> Path:
        if entry.source == USER_SOURCE:
            path = self.root / entry.file
            if not path.is_file():
                raise ModelError(
                    f"weights of model {entry.name!r} not found",
                    path=path,
                    hint=f"drop the model folder into {self.root} (see README.md there)",
                )
            return path
        package, _, version = entry.source.partition("==")
        try:
            dist = metadata.distribution(package)
        except metadata.PackageNotFoundError:
            raise ModelError(
                f"package {package!r} that ships model {entry.name!r} is not installed",
                hint=f"pip install '{entry.source}'",
            ) from None
        if version and dist.version != version:
            raise ModelError(
                f"model {entry.name!r} expects {entry.source}, found {package} {dist.version}",
                hint=f"pip install '{entry.source}' or update {self.manifest_path}",
            )
        path = Path(str(dist.locate_file(entry.file)))
        if not path.is_file():
            raise ModelError(
                f"package {package} does not contain {entry.file}",
                path=path,
                hint=f"reinstall with pip install --force-reinstall '{entry.source}'",
            )
        return path


_sha_lock = threading.Lock()
_sha_cache: dict[tuple[str, int, int], str] = {}


def file_sha256(path: Path) -> str:
    """sha256 of a file, memoised per (path, size, mtime) since every engine load checks it."""
    st = path.stat()
    key = (str(path.resolve()), st.st_size, st.st_mtime_ns)
    with _sha_lock:
        hit = _sha_cache.get(key)
    if hit is not None:
        return hit
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    digest = h.hexdigest()
    with _sha_lock:
        _sha_cache[key] = digest
    return digest


# --- derived int8 weights ----------------------------------------------------------------

CalibrationInputs = Callable[[], Iterator[npt.NDArray[np.float32]]]
"""Yields preprocessed model inputs (one batch each) that look like real use."""

INT8_METHOD = "static QDQ, per-channel int8 weights, uint8 activations, MinMax, Conv+MatMul"
# QDQ with per-channel scales needs DequantizeLinear's `axis`, i.e. opset 13 or later.
_MIN_OPSET = 13


def int8_model(model: ResolvedModel, calibration: CalibrationInputs) -> ResolvedModel:
    """The int8 version of `model`, built on first use and cached with its sha256.

    Static quantization (activation ranges calibrated on `calibration`) rather than
    dynamic: Conv is ~3/4 of the PP-OCR run time and onnxruntime's dynamic ConvInteger is
    no faster than float, while QLinearConv on VNNI/AVX2 is. Building takes a few seconds
    and is done once per source model, under a lock so parallel workers wait for one build.
    """
    folder = cache_dir() / "int8" / f"{model.info.name}-{model.info.sha256[:12]}"
    try:
        return _int8_cached(model, calibration, folder)
    except OSError as exc:
        raise ModelError(
            f"cannot build or read the int8 model cache: {exc}",
            path=folder,
            hint=f"set {MODELS_DIR_ENV} to a writable models folder, or use --preset accurate",
        ) from None


def _int8_cached(
    model: ResolvedModel, calibration: CalibrationInputs, folder: Path
) -> ResolvedModel:
    onnx_path = folder / "model.onnx"
    record_path = folder / "derived.json"
    folder.mkdir(parents=True, exist_ok=True)
    with _locked(folder / ".lock"):
        record = _read_record(record_path)
        ok = (
            record is not None
            and onnx_path.is_file()
            and record.get("source_sha256") == model.info.sha256
            and record.get("method") == INT8_METHOD
            and file_sha256(onnx_path) == record.get("sha256")
        )
        if not ok:
            _quantize(model.onnx, onnx_path, calibration)
            record = {
                "source": model.info.name,
                "source_sha256": model.info.sha256,
                "method": INT8_METHOD,
                "onnxruntime": _dist_version("onnxruntime"),
                "sha256": file_sha256(onnx_path),
            }
            record_path.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    assert record is not None
    info = ModelInfo(
        name=f"{model.info.name}_int8",
        role=model.info.role,
        version=f"{model.info.version}, int8",
        source=f"derived from {model.info.name} ({model.info.source}): {INT8_METHOD}",
        path=str(onnx_path),
        sha256=str(record["sha256"]),
    )
    return ResolvedModel(info=info, onnx=onnx_path, config=model.config, user=model.user)


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _read_record(path: Path) -> dict[str, object] | None:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return raw if isinstance(raw, dict) else None


def _dist_version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "unknown"


def _quantize(source: Path, target: Path, calibration: CalibrationInputs) -> None:
    try:
        import onnx
        from onnx import version_converter
        from onnxruntime.quantization import (
            CalibrationDataReader,
            CalibrationMethod,
            QuantFormat,
            QuantType,
            quantize_static,
        )
        from onnxruntime.quantization.shape_inference import quant_pre_process
    except ImportError as exc:
        raise ModelError(
            f"cannot build int8 weights: {exc}",
            path=source,
            hint="pip install onnx (or run with --preset accurate)",
        ) from None

    class _Reader(CalibrationDataReader):  # type: ignore[misc]
        def __init__(self, name: str) -> None:
            self._name = name
            self._batches = calibration()

        def get_next(self) -> dict[str, npt.NDArray[np.float32]] | None:
            batch = next(self._batches, None)
            return None if batch is None else {self._name: batch}

    with tempfile.TemporaryDirectory(dir=target.parent) as tmp:
        proto = onnx.load(str(source))
        opset = max(
            (o.version for o in proto.opset_import if o.domain in ("", "ai.onnx")), default=0
        )
        if opset < _MIN_OPSET:
            proto = version_converter.convert_version(proto, _MIN_OPSET)
        upgraded = Path(tmp) / "upgraded.onnx"
        prepared = Path(tmp) / "prepared.onnx"
        onnx.save(proto, str(upgraded))
        quant_pre_process(str(upgraded), str(prepared), skip_symbolic_shape=True)
        name = proto.graph.input[0].name
        out = Path(tmp) / "model.onnx"
        try:
            quantize_static(
                str(prepared),
                str(out),
                _Reader(name),
                quant_format=QuantFormat.QDQ,
                per_channel=True,
                activation_type=QuantType.QUInt8,
                weight_type=QuantType.QInt8,
                op_types_to_quantize=["Conv", "MatMul"],
                calibrate_method=CalibrationMethod.MinMax,
            )
        except Exception as exc:  # onnxruntime's quantizer raises untyped errors
            raise ModelError(
                f"int8 quantization of {source.name} failed: {exc}",
                path=source,
                hint="run with --preset accurate",
            ) from exc
        os.replace(out, target)
