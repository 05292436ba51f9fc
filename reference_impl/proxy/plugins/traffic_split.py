"""traffic-split: the first rule whose `match` holds picks an upstream by weighted round robin
among its `weighted_upstreams` (apisix/plugins/traffic-split.lua).

An entry with only a `weight` stands for the route's own upstream, `upstream_id` for an
`upstreams/<id>` object (the same runtime, health checks and balancer the routes using that
id share), `upstream` for an inline upstream. The upstreams are resolved when the config
generation is built (`bind_upstreams`), so a request only evaluates the rules and picks.
"""

from __future__ import annotations

from typing import Any

from ..balancer import RoundRobin
from ..nodes import Node
from ..plugin_api import Ctx, Plugin, Response, UpstreamResolver
from ..router import Expr
from ..upstream import UpstreamTarget

# an inline upstream keeps only these fields (traffic-split.lua `set_upstream`)
_INLINE_FIELDS = (
    "name",
    "type",
    "hash_on",
    "pass_host",
    "upstream_host",
    "key",
    "nodes",
    "timeout",
    "scheme",
)


class _Rule:
    """One rule: its match expressions (None: no `match`, always taken), the upstream ids it
    refers to that do not exist, and its weighted choice of upstreams."""

    __slots__ = ("choices", "matches", "missing_id", "picker")

    def __init__(self, conf: dict[str, Any]) -> None:
        match = conf.get("match")
        self.matches: list[Expr] | None = (
            None if match is None else [Expr(m.get("vars") or []) for m in match]
        )
        self.missing_id: Any = None
        # by id() of the picker's node: a target, or None for the route's own
        self.choices: dict[int, UpstreamTarget | None] = {}
        self.picker: RoundRobin | None = None

    def bind(self, entries: list[dict[str, Any]], resolve: UpstreamResolver, owner: str) -> None:
        nodes = []
        for index, entry in enumerate(entries):
            node = Node(f"#{index}", 0, int(entry.get("weight", 1)))
            upstream_id = entry.get("upstream_id")
            inline = entry.get("upstream")
            if upstream_id is not None:
                picked = resolve(upstream_id, None, "")
                if picked is None and self.missing_id is None:
                    self.missing_id = upstream_id
            elif inline:
                conf = {k: inline[k] for k in _INLINE_FIELDS if inline.get(k) is not None}
                picked = resolve(None, conf, f"{owner}{index}:")
            else:
                picked = None
            self.choices[id(node)] = picked
            nodes.append(node)
        self.picker = RoundRobin(nodes)

    def holds(self, ctx: Ctx, passed: bool) -> bool:
        """lua's loop over `match`: the last evaluated result, `passed` when there is none."""
        get = ctx.var
        for expr in self.matches:  # type: ignore[union-attr]
            passed = expr.evaluate(get)
            if passed:
                break
        return passed


class TrafficSplit(Plugin):
    name = "traffic-split"
    priority = 966

    def __init__(self, conf: dict[str, Any], env: Any) -> None:
        super().__init__(conf, env)
        self.rules = [_Rule(rule) for rule in conf.get("rules") or []]
        self._bound = False

    def bind_upstreams(self, resolve: UpstreamResolver, owner: str) -> None:
        """Resolve the rules' upstreams in this config generation (called by the engine)."""
        for index, (rule, conf) in enumerate(
            zip(self.rules, self.conf.get("rules") or [], strict=True)
        ):
            entries = conf.get("weighted_upstreams") or [{"weight": 1}]
            rule.bind(entries, resolve, f"{owner}{index}:")
        self._bound = True

    async def access(self, ctx: Ctx) -> Response | None:
        if not self._bound:
            return None
        passed = True
        chosen = None
        for rule in self.rules:
            if rule.missing_id is not None:
                return Response(
                    500, f"failed to fetch upstream info by upstream id: {rule.missing_id}"
                )
            if rule.matches is None:
                chosen = rule
                break
            passed = rule.holds(ctx, passed)
            if passed:
                chosen = rule
                break
        if chosen is None:
            return None
        node = chosen.picker.pick(ctx)  # type: ignore[union-attr]
        if node is not None:
            picked = chosen.choices[id(node)]
            if picked is not None:
                ctx.chosen_upstream = picked
        return None
