"""fault-injection: delay requests and answer some of them with a given status, by
percentage and `vars` rules."""

from __future__ import annotations

import random
from typing import Any

from ..plugin_api import Ctx, Plugin, Response
from ..router import Expr
from .request_edit import resolve_vars


class _Fault:
    """One of `abort` / `delay`: its sampling percentage and its `vars` rules (any may match;
    an empty list never does, as in APISIX)."""

    def __init__(self, conf: dict[str, Any]) -> None:
        self.percentage: int | None = conf.get("percentage")
        rules = conf.get("vars")
        self.rules = None if rules is None else [Expr(rule) for rule in rules]

    def vars_match(self, ctx: Ctx) -> bool:
        return self.rules is None or any(rule.evaluate(ctx.var) for rule in self.rules)

    def sampled(self) -> bool:
        return self.percentage is None or random.randint(1, 100) <= self.percentage


class FaultInjection(Plugin):
    name = "fault-injection"
    priority = 11000

    def __init__(self, conf: dict[str, Any], env: Any) -> None:
        super().__init__(conf, env)
        abort, delay = conf.get("abort"), conf.get("delay")
        self._abort = _Fault(abort) if abort else None
        self._delay = _Fault(delay) if delay else None
        self._duration = float(delay["duration"]) if delay else 0.0
        self._status: int = abort["http_status"] if abort else 0
        self._body: str | None = abort.get("body") if abort else None
        self._headers = list(((abort or {}).get("headers") or {}).items())

    async def rewrite(self, ctx: Ctx) -> Response | None:
        abort, delay = self._abort, self._delay
        abort_vars = abort is not None and abort.vars_match(ctx)
        if delay is not None and delay.sampled() and delay.vars_match(ctx):
            await self.env.shared.sleep(self._duration)
        if abort is None or not abort.sampled() or not abort_vars:
            return None
        headers = {
            name: resolve_vars(value, ctx) if isinstance(value, str) else str(value)
            for name, value in self._headers
        }
        body = None if self._body is None else resolve_vars(self._body, ctx).encode()
        return Response(self._status, body, headers)
