"""The page model as plain JSON and back, exactly: the batch runner's page cache.

Output folders are copied between machines and people, so nothing read from them may run
code (the cache used to be pickled). This codec builds objects only from the types the
page model declares: every value is checked against its field's type hint, unknown or
missing fields are refused, and floats round-trip exactly (JSON keeps `repr`'s shortest
form). Being driven by the dataclass fields, it follows the model when fields are added.
The page image is never stored (it is dropped before a page is cached).
"""

from __future__ import annotations

import dataclasses
import enum
import functools
import json
import types
import typing
from pathlib import Path
from typing import Any

from digitize.model import Page

FORMAT = "digitize-page"
VERSION = 1


class PageJsonError(ValueError):
    """The JSON is not a page model of this version (damaged, foreign or from elsewhere)."""


@functools.cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _is_array(tp: Any) -> bool:
    """numpy arrays (the page image): never stored."""
    return getattr(typing.get_origin(tp) or tp, "__name__", "") == "ndarray"


def _encode(value: Any, tp: Any) -> Any:
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        if value is None:
            return None
        options = [a for a in typing.get_args(tp) if a is not type(None)]
        for option in options:
            if _accepts(value, option):
                return _encode(value, option)
        raise PageJsonError(f"{type(value).__name__} fits none of {tp}")
    if _is_array(tp):
        if value is not None:
            raise PageJsonError("page images are not cached")
        return None
    if dataclasses.is_dataclass(tp) and isinstance(tp, type):
        hints = _hints(tp)
        return {f.name: _encode(getattr(value, f.name), hints[f.name]) for f in _fields(tp)}
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return value.value
    if tp is Path:
        return str(value)
    if tp is bool:
        return bool(value)
    if tp is int:
        return int(value)
    if tp is float:
        return float(value)
    if tp is str or tp is object:
        return value if tp is object else str(value)
    if origin in (list, tuple, dict):
        args = typing.get_args(tp)
        if origin is dict:
            return {str(k): _encode(v, args[1]) for k, v in value.items()}
        if origin is tuple and not (len(args) == 2 and args[1] is Ellipsis):
            return [_encode(v, a) for v, a in zip(value, args, strict=True)]
        return [_encode(v, args[0]) for v in value]
    raise PageJsonError(f"no JSON form for {tp}")


def _accepts(value: Any, tp: Any) -> bool:
    origin = typing.get_origin(tp) or tp
    return isinstance(origin, type) and isinstance(value, origin)


def _fields(cls: type) -> tuple[dataclasses.Field[Any], ...]:
    return tuple(f for f in dataclasses.fields(cls) if f.init)


def _decode(data: Any, tp: Any, where: str) -> Any:
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        if data is None and type(None) in typing.get_args(tp):
            return None
        errors = []
        for option in (a for a in typing.get_args(tp) if a is not type(None)):
            try:
                return _decode(data, option, where)
            except PageJsonError as exc:
                errors.append(str(exc))
        raise PageJsonError(f"{where}: {'; '.join(errors) or 'null not allowed'}")
    if _is_array(tp):
        if data is not None:
            raise PageJsonError(f"{where}: page images are not cached")
        return None
    if dataclasses.is_dataclass(tp) and isinstance(tp, type):
        if not isinstance(data, dict):
            raise PageJsonError(f"{where}: expected an object for {tp.__name__}")
        fields = _fields(tp)
        names = {f.name for f in fields}
        if set(data) != names:
            raise PageJsonError(f"{where}: fields {sorted(set(data) ^ names)} differ")
        hints = _hints(tp)
        kwargs = {f.name: _decode(data[f.name], hints[f.name], f"{where}.{f.name}") for f in fields}
        return tp(**kwargs)
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        try:
            return tp(data)
        except ValueError as exc:
            raise PageJsonError(f"{where}: {exc}") from exc
    if tp is Path:
        return Path(_check(data, str, where))
    if tp is bool:
        return _check(data, bool, where)
    if tp is int:
        if isinstance(data, bool):
            raise PageJsonError(f"{where}: expected int")
        return _check(data, int, where)
    if tp is float:
        if isinstance(data, bool) or not isinstance(data, (int, float)):
            raise PageJsonError(f"{where}: expected a number")
        return float(data)
    if tp is str:
        return _check(data, str, where)
    if tp is object:
        return data  # free-form evidence (plain JSON values only)
    if origin is dict:
        key_tp, val_tp = typing.get_args(tp)
        items = _check(data, dict, where).items()
        return {_decode(k, key_tp, where): _decode(v, val_tp, f"{where}[{k}]") for k, v in items}
    if origin in (list, tuple):
        items = _check(data, list, where)
        args = typing.get_args(tp)
        if origin is tuple and not (len(args) == 2 and args[1] is Ellipsis):
            if len(items) != len(args):
                raise PageJsonError(f"{where}: expected {len(args)} items")
            return tuple(
                _decode(v, a, f"{where}[{i}]")
                for i, (v, a) in enumerate(zip(items, args, strict=True))
            )
        out = [_decode(v, args[0], f"{where}[{i}]") for i, v in enumerate(items)]
        return tuple(out) if origin is tuple else out
    raise PageJsonError(f"{where}: no JSON form for {tp}")


def _check(data: Any, tp: type, where: str) -> Any:
    if not isinstance(data, tp):
        raise PageJsonError(f"{where}: expected {tp.__name__}, got {type(data).__name__}")
    return data


def page_to_json(page: Page, header: dict[str, str]) -> bytes:
    """The page (without its image) and a header the reader checks (stem, input hash, ...)."""
    doc = {"format": FORMAT, "version": VERSION, **header, "page": _encode(page, Page)}
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def page_from_json(data: bytes, header: dict[str, str]) -> Page:
    """The page written by `page_to_json` with the same header; PageJsonError otherwise."""
    try:
        doc = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise PageJsonError(f"not JSON: {exc}") from exc
    if not isinstance(doc, dict) or doc.get("format") != FORMAT or doc.get("version") != VERSION:
        raise PageJsonError("not a digitize page cache of this version")
    for key, expected in header.items():
        if doc.get(key) != expected:
            raise PageJsonError(f"{key} is {doc.get(key)!r}, expected {expected!r}")
    try:
        page = _decode(doc.get("page"), Page, "page")
    except (TypeError, ValueError, RecursionError) as exc:
        raise PageJsonError(str(exc)) from exc
    assert isinstance(page, Page)
    return page
