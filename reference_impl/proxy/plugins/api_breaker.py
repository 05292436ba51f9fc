"""api-breaker: a circuit breaker on the upstream's answers, per request host and uri.

As apisix/plugins/api-breaker.lua: each upstream answer with a status in
`unhealthy.http_statuses` counts a failure (and forgets the successes); every
`unhealthy.failures`-th failure opens the breaker, which answers `break_response_code` (with
`break_response_body` and, only with a body, `break_response_headers`) for 2^n seconds (n =
failures / unhealthy.failures, rounded up), at most `max_breaker_sec`. While failures are
counted, `healthy.successes` answers in `healthy.http_statuses` close it and forget them.
The counters live in the worker's shared table (shared by the node's workers, like APISIX's
shared dict), keyed by host and uri as APISIX's are, not by route.
"""

from __future__ import annotations

import math
from typing import Any

from ..plugin_api import Ctx, Plugin, Response, ResponseHead
from .request_edit import resolve_vars

_FOREVER = math.inf
_STATUS = "api-breaker.upstream_status"


class ApiBreaker(Plugin):
    name = "api-breaker"
    priority = 1005

    def __init__(self, conf: dict[str, Any], env: Any) -> None:
        super().__init__(conf, env)
        unhealthy = conf.get("unhealthy") or {}
        healthy = conf.get("healthy") or {}
        self._unhealthy_statuses = frozenset(unhealthy.get("http_statuses") or (500,))
        self._failures = int(unhealthy.get("failures", 3))
        self._healthy_statuses = frozenset(healthy.get("http_statuses") or (200,))
        self._successes = int(healthy.get("successes", 3))
        self._max_breaker_sec = int(conf.get("max_breaker_sec", 300))
        self._code = int(conf["break_response_code"])
        body = conf.get("break_response_body")
        self._body = None if body is None else body.encode()
        self._headers = [(h["key"], h["value"]) for h in conf.get("break_response_headers") or ()]

    @staticmethod
    def _keys(ctx: Ctx) -> tuple[str, str, str]:
        where = f"{ctx.var('host') or ''}{ctx.var('uri') or ''}"
        return (
            "api-breaker:unhealthy-" + where,
            "api-breaker:healthy-" + where,
            "api-breaker:unhealthy-lasttime" + where,
        )

    async def access(self, ctx: Ctx) -> Response | None:
        unhealthy_key, _, lasttime_key = self._keys(ctx)
        records = self.env.shared.records
        unhealthy = records.update(unhealthy_key, _read)
        if unhealthy is None:
            return None
        lasttime = records.update(lasttime_key, _read)
        if lasttime is None:
            return None
        failure_times = max(1, math.ceil(unhealthy / self._failures))
        breaker_time = min(2**failure_times, self._max_breaker_sec)
        if lasttime + breaker_time < int(self.env.shared.clock()):
            return None
        if self._body is None:
            return Response(self._code)
        headers = {key: resolve_vars(value, ctx) for key, value in self._headers}
        return Response(self._code, self._body, headers)

    def header_filter(self, ctx: Ctx, head: ResponseHead) -> None:
        if ctx.state.get("upstream_addr") is not None:  # an upstream answered, not a plugin
            ctx.state[_STATUS] = head.status

    def log(self, ctx: Ctx, status: int) -> None:
        if ctx.state.get("upstream_addr") is None:
            return  # no upstream was asked: no upstream status
        upstream_status = ctx.state.get(_STATUS, status)  # no head: the gateway's 502/504
        unhealthy_key, healthy_key, lasttime_key = self._keys(ctx)
        shared = self.env.shared
        now = shared.clock()
        if upstream_status in self._unhealthy_statuses:
            count = shared.records.update(unhealthy_key, _count_up)
            _delete(shared, healthy_key)
            if count % self._failures == 0:
                opened = float(int(now))
                shared.records.update(lasttime_key, _store(opened, now + self._max_breaker_sec))
            return
        if upstream_status not in self._healthy_statuses:
            return
        if shared.records.update(unhealthy_key, _read) is None:
            return
        if shared.records.update(healthy_key, _count_up) >= self._successes:
            for key in (lasttime_key, unhealthy_key, healthy_key):
                _delete(shared, key)


Record = tuple[float, float]


def _read(current: Record | None) -> tuple[None, int | None]:
    return None, None if current is None else int(current[0])


def _increment(expires_at: float) -> Any:
    def update(current: Record | None) -> tuple[tuple[Record, float], int]:
        count = (0 if current is None else int(current[0])) + 1
        return ((float(count), 0.0), expires_at), count

    return update


_count_up = _increment(_FOREVER)  # the counters never expire, as in APISIX's shared dict


def _store(value: float, expires_at: float) -> Any:
    def update(current: Record | None) -> tuple[tuple[Record, float], None]:
        return ((value, 0.0), expires_at), None

    return update


def _delete(shared: Any, key: str) -> None:
    """Expire the record now (the shared table has no delete)."""
    shared.records.update(key, _store(0.0, shared.clock()))
