"""PATCH semantics: APISIX's merge of a partial object and its replace at a sub-path, and
API7's JSON Patch."""

from __future__ import annotations

import copy
from typing import Any

import jsonpatch

from .errors import ApiError, bad_request


def merge_patch(origin: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    """A copy of `origin` with `patch` merged in: objects merge key by key, a null removes
    the key, anything else (arrays included) replaces the old value."""
    out = copy.deepcopy(origin)
    _merge_into(out, patch)
    return out


def _merge_into(target: dict[str, Any], patch: dict[str, Any]) -> None:
    for key, value in patch.items():
        if value is None:
            target.pop(key, None)
        elif isinstance(value, dict) and isinstance(target.get(key), dict):
            _merge_into(target[key], value)
        else:
            target[key] = _without_nulls(value)


def _without_nulls(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_nulls(v) for k, v in value.items() if v is not None}
    return copy.deepcopy(value)


def patch_sub_path(origin: dict[str, Any], sub_path: str, value: Any) -> dict[str, Any]:
    """A copy of `origin` where the field at `sub_path` (`upstream/nodes`) is `value`;
    missing intermediate objects are created, a non-object on the way is a 400."""
    out = copy.deepcopy(origin)
    segments = sub_path.split("/")
    node: Any = out
    for i, name in enumerate(segments[:-1]):
        if node.get(name) is None:
            node[name] = {}
        node = node[name]
        if not isinstance(node, dict):
            raise bad_request("invalid sub-path: /" + "/".join(segments[: i + 1]))
    last = segments[-1]
    if not last:
        if not isinstance(value, dict):
            raise bad_request("invalid configuration")
        return copy.deepcopy(value)
    if value is None:
        node.pop(last, None)
    else:
        node[last] = copy.deepcopy(value)
    return out


def apply_patch(document: dict[str, Any], patch: list) -> dict[str, Any]:
    try:
        patched = jsonpatch.apply_patch(copy.deepcopy(document), patch)
    except (jsonpatch.JsonPatchException, jsonpatch.JsonPointerException) as exc:
        raise ApiError(400, f"invalid JSON Patch: {exc}") from None
    if not isinstance(patched, dict):
        raise ApiError(400, "invalid JSON Patch: the result must stay an object")
    return patched
