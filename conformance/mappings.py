"""Nested mappings, as YAML configurations are: laying one over another, and their leaves."""

from __future__ import annotations

import copy
from typing import Any


def merged(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """A copy of `base` with `override` laid over it, mappings merged key by key."""
    out = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merged(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def leaf_paths(tree: dict[str, Any], prefix: str = "") -> set[str]:
    """The dotted paths of the values that are not non-empty mappings (`apisix.ssl.enable`)."""
    paths = set()
    for key, value in tree.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            paths |= leaf_paths(value, path + ".")
        else:
            paths.add(path)
    return paths
