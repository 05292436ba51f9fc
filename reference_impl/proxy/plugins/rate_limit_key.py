"""The key a rate-limiting plugin counts a request under."""

from __future__ import annotations

from typing import Any

from ..plugin_api import Ctx, Plugin
from .request_edit import resolve_vars_counted


def _combination(template: str, ctx: Ctx) -> str | None:
    """`$a $b` resolved; None when none of the variables has a value."""
    text, resolved = resolve_vars_counted(template, ctx)
    return text if resolved else None


def conf_owner(plugin: Plugin, ctx: Ctx) -> str:
    """Whose counters: the scope the engine gave the plugin, else the consumer's when the
    conf is the attached consumer's own, else the matched route's (APISIX keys counters by
    conf_type and conf_id the same way)."""
    scope_id = getattr(plugin, "scope_id", None)
    if scope_id:
        return scope_id
    consumer_plugins = (ctx.consumer or {}).get("plugins") or {}
    if consumer_plugins.get(plugin.name) is plugin.conf:
        return f"route/{ctx.route_id}&consumer/{ctx.consumer_name}"
    return f"route/{ctx.route_id}"


def limit_key(conf: dict[str, Any], ctx: Ctx, scope: str) -> str:
    key_type = conf.get("key_type", "var")
    key_conf = str(conf.get("key", "remote_addr"))
    if key_type == "constant":
        key: str | None = key_conf
    elif key_type == "var_combination":
        key = _combination(key_conf, ctx)
    else:
        key = ctx.var(key_conf)
    if key is None:
        key = ctx.var("remote_addr") or ""
    return f"{scope}:{key}"
