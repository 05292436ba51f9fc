"""workflow: the first rule whose `case` (a lua-resty-expr expression over variables)
matches runs its first action: `return` answers `code` with
`{"error_msg": "rejected by workflow"}`, `limit-count` counts the request as the limit-count
plugin would with that conf (its own counters per rule: the conf carries the rule's `_vid`).
No rule matching: the request goes on."""

from __future__ import annotations

from typing import Any

from ..plugin_api import Ctx, Plugin, Response
from ..router import Expr
from .limit_count import LimitCount

_REJECTED = {"error_msg": "rejected by workflow"}


class Workflow(Plugin):
    name = "workflow"
    priority = 1006

    def __init__(self, conf: dict[str, Any], env: Any) -> None:
        super().__init__(conf, env)
        self._scope_id: str | None = None
        self._limiters: list[LimitCount] = []
        self._rules: list[tuple[Expr, int | LimitCount]] = []
        for rule in conf["rules"]:
            kind, action_conf = rule["actions"][0][:2]  # only the first action runs
            action: int | LimitCount
            if kind == "return":
                action = int(action_conf["code"])
            else:
                action = LimitCount(action_conf, env)
                self._limiters.append(action)
            self._rules.append((Expr(rule["case"]), action))

    @property
    def scope_id(self) -> str | None:
        """Set by the engine for a global rule's workflow: its limit-count actions count
        in that scope (see LimitCount.scope_id)."""
        return self._scope_id

    @scope_id.setter
    def scope_id(self, value: str | None) -> None:
        self._scope_id = value
        for limiter in self._limiters:
            limiter.scope_id = value

    async def access(self, ctx: Ctx) -> Response | None:
        for case, action in self._rules:
            if case.evaluate(ctx.var):
                if isinstance(action, int):
                    return Response(action, _REJECTED)
                return await action.access(ctx)
        return None
