"""Runtime configuration: what a gateway group changes of a published service (upstream
nodes, plugin settings, hosts, path prefix, status) without touching its template.

The published record keeps only the overrides, so they survive re-publishing a new
version: the effective configuration is the version's values with the overrides on top.
A PATCH edits the effective view; what differs from the version becomes the overrides.
"""

from __future__ import annotations

import copy
from typing import Any

SERVICE_FIELDS = ("hosts", "path_prefix", "upstream", "plugins", "status")
ROUTE_FIELDS = ("plugins", "status")
MERGED_BY_KEY = ("upstream", "plugins")  # objects overridden key by key


def base_of(snapshot: dict[str, Any], fields: tuple[str, ...]) -> dict[str, Any]:
    base = {name: copy.deepcopy(snapshot[name]) for name in fields if name in snapshot}
    if "status" in fields:
        base.setdefault("status", 1)
    if "plugins" in fields:
        base.setdefault("plugins", {})
    return base


def effective(base: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for name, value in (overrides or {}).items():
        if name in MERGED_BY_KEY and isinstance(out.get(name), dict) and isinstance(value, dict):
            out[name] = {**out[name], **copy.deepcopy(value)}
        else:
            out[name] = copy.deepcopy(value)
    return out


def overrides_from(base: dict[str, Any], patched: dict[str, Any]) -> dict[str, Any]:
    """The smallest overrides that turn `base` into `patched` (fields only added/replaced)."""
    overrides: dict[str, Any] = {}
    for name, value in patched.items():
        old = base.get(name)
        if value == old:
            continue
        if name in MERGED_BY_KEY and isinstance(old, dict) and isinstance(value, dict):
            changed = {k: v for k, v in value.items() if old.get(k) != v}
            if changed:
                overrides[name] = changed
        else:
            overrides[name] = copy.deepcopy(value)
    return overrides
