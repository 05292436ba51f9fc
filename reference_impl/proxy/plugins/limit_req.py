"""limit-req: leaky bucket of `rate` requests/second with `burst` extra, like resty.limit.req.

Requests over the rate but within the burst are delayed (unless `nodelay`); requests beyond
the burst are rejected. With `policy` redis or redis-cluster (APISIX 3.12+) the bucket lives
in that Redis; a Redis that fails answers 500 unless `allow_degradation`.
"""

from __future__ import annotations

import logging
from typing import Any

from ..fingerprint import conf_fingerprint
from ..plugin_api import Ctx, Plugin, Response
from .rate_limit_key import conf_owner, limit_key
from .redis_limits import REDIS_FAILURES, ClusterUnavailable, leak_in_redis, redis_target

log = logging.getLogger(__name__)


class LimitReq(Plugin):
    name = "limit-req"
    priority = 1001
    scope_id: str | None = None  # see LimitCount.scope_id

    def __init__(self, conf: dict[str, Any], env: Any) -> None:
        super().__init__(conf, env)
        # a changed conf restarts the counters, like APISIX's conf_version
        self._fingerprint = conf_fingerprint(conf)
        self._redis = redis_target(conf)

    async def access(self, ctx: Ctx) -> Response | None:
        rate = float(self.conf["rate"])
        burst = float(self.conf["burst"])
        shared = self.env.shared
        scope = f"{conf_owner(self, ctx)}:{self._fingerprint}"
        key = limit_key(self.conf, ctx, scope)
        if self._redis is None:
            delay = self._arrive_local(key, rate, burst)
        else:
            try:
                delay = await leak_in_redis(
                    shared.redis, self._redis, "limit_req:" + key, rate, burst, shared.clock()
                )
            except (ClusterUnavailable, *REDIS_FAILURES) as exc:
                log.error("failed to limit req: %s", exc)
                return None if self.conf.get("allow_degradation") else Response(500)
        if delay is None:
            message = self.conf.get("rejected_msg")
            body = {"error_msg": message} if message else None
            return Response(int(self.conf.get("rejected_code", 503)), body)
        if delay >= 0.001 and not self.conf.get("nodelay"):
            await shared.sleep(delay)
        return None

    def _arrive_local(self, key: str, rate: float, burst: float) -> float | None:
        shared = self.env.shared

        # excess is in thousandths of a request, as in resty.limit.req
        def arrive(current: tuple[float, float] | None) -> tuple[Any, float | None]:
            now_ms = shared.clock() * 1000.0
            excess = 0.0
            if current is not None:
                last_excess, last_ms = current
                elapsed = abs(now_ms - last_ms)
                excess = max(last_excess - rate * elapsed + 1000.0, 0.0)
            if excess > burst * 1000.0:
                return None, None
            drained_at = (now_ms + excess / rate) / 1000.0 + 1.0
            return ((excess, now_ms), drained_at), excess / (rate * 1000.0)

        delay: float | None = shared.records.update("limit-req:" + key, arrive)
        return delay
