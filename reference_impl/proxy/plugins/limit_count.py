"""limit-count: at most `count` requests per `time_window` seconds per key (fixed window).

Counters live in the worker's `SharedState` (shared by every worker of the node when the
engine gives them a shared directory), keyed by the plugin's scope, its conf and the key.
"""

from __future__ import annotations

import math
from typing import Any

from ..fingerprint import conf_fingerprint
from ..plugin_api import Ctx, Plugin, Response
from .rate_limit_key import conf_owner, limit_key


class LimitCount(Plugin):
    name = "limit-count"
    priority = 1002
    # Set by the engine when the conf does not come from the matched route, e.g.
    # "global_rule/1" or "consumer/jack"; counters are shared within a scope.
    scope_id: str | None = None

    def __init__(self, conf: dict[str, Any], env: Any) -> None:
        super().__init__(conf, env)
        # a changed conf restarts the counters, like APISIX's conf_version
        self._fingerprint = conf_fingerprint(conf)

    def _scope(self, ctx: Ctx) -> str:
        if self.conf.get("group"):
            return "group:" + str(self.conf["group"])
        return f"{conf_owner(self, ctx)}:{self._fingerprint}"

    async def access(self, ctx: Ctx) -> Response | None:
        count = int(self.conf["count"])
        window = float(self.conf["time_window"])
        shared = self.env.shared
        key = "limit-count:" + limit_key(self.conf, ctx, self._scope(ctx))

        def take(current: tuple[float, float] | None) -> tuple[Any, tuple[bool, int, float]]:
            now = shared.clock()
            used, window_end = current if current is not None else (0.0, now + window)
            if used + 1 > count:
                return None, (False, 0, window_end - now)
            used += 1
            return ((used, window_end), window_end), (True, int(count - used), window_end - now)

        allowed, remaining, reset_in = shared.records.update(key, take)
        headers = {}
        if self.conf.get("show_limit_quota_header", True):
            headers = {
                "X-RateLimit-Limit": str(count),
                "X-RateLimit-Remaining": str(remaining),
                "X-RateLimit-Reset": str(max(0, math.ceil(reset_in - 1e-6))),
            }
        if allowed:
            ctx.response_headers.update(headers)
            return None
        message = self.conf.get("rejected_msg")
        body = {"error_msg": message} if message else None
        return Response(int(self.conf.get("rejected_code", 503)), body, headers)
