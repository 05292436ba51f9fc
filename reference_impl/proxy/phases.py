"""Plugin instances of a route, sorted into per-phase lists once, at config build time."""

from __future__ import annotations

import logging
from typing import Any

from .plugin_api import Ctx, Plugin

log = logging.getLogger(__name__)

PHASES = ("rewrite", "access", "header_filter", "body_filter", "log")


def _overrides(plugin: Plugin, phase: str) -> bool:
    return getattr(type(plugin), phase) is not getattr(Plugin, phase)


def _filters(first: list[Plugin], plugins: list[Plugin], phase: str) -> list[Plugin]:
    """`first` then the plugins overriding `phase`, the output filters at the end."""
    chain = first + [p for p in plugins if _overrides(p, phase)]
    if any(p.output_filter for p in chain):
        chain.sort(key=lambda p: p.output_filter)  # stable: the order stays otherwise
    return chain


class PluginConfError(ValueError):
    """A plugin whose constructor rejects its conf (one written past the Admin API)."""


def instantiate(plugins: dict[str, Any] | None, classes: dict[str, type], env: Any) -> list[Plugin]:
    """Plugin objects for a `plugins` conf, by descending priority; unknown or disabled
    (`_meta.disable`) plugins are left out. A plugin whose constructor rejects its conf raises
    PluginConfError: its owner must not be served without it (an auth plugin, say)."""
    out: list[Plugin] = []
    for name, conf in (plugins or {}).items():
        cls = classes.get(name)
        if cls is None or not isinstance(conf, dict):
            continue
        meta = conf.get("_meta")
        if isinstance(meta, dict) and meta.get("disable"):
            continue
        try:
            out.append(cls(conf, env))
        except (ValueError, TypeError, KeyError) as exc:
            raise PluginConfError(f"plugin {name}: {exc}") from exc
    out.sort(key=lambda p: -p.priority)
    return out


class PhasePlan:
    """The plugins of each phase; `globals_` (global rules) come first in the filters and log."""

    __slots__ = (
        "access",
        "body_filter",
        "header_filter",
        "log",
        "plugins",
        "reads_body",
        "rewrite",
    )

    def __init__(self, plugins: list[Plugin], globals_: PhasePlan | None = None) -> None:
        self.plugins = plugins
        self.rewrite = [p for p in plugins if _overrides(p, "rewrite")]
        self.access = [p for p in plugins if _overrides(p, "access")]
        first: PhasePlan = globals_ or EMPTY_PLAN
        self.header_filter: list[Plugin] = _filters(first.header_filter, plugins, "header_filter")
        self.body_filter: list[Plugin] = _filters(first.body_filter, plugins, "body_filter")
        self.log: list[Plugin] = first.log + [p for p in plugins if _overrides(p, "log")]
        # the request body is buffered for the phases (`Plugin.reads_body`)
        self.reads_body: bool = first.reads_body or any(p.reads_body for p in plugins)


class _Empty:
    rewrite: list = []
    access: list = []
    header_filter: list = []
    body_filter: list = []
    log: list = []
    plugins: list = []
    reads_body = False


EMPTY_PLAN: Any = _Empty()


def run_log(plan: PhasePlan, ctx: Ctx, status: int) -> None:
    for plugin in plan.log:
        try:
            plugin.log(ctx, status)
        except Exception:
            log.exception("plugin %s failed in the log phase", plugin.name)
