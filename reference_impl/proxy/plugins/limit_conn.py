"""limit-conn: at most `conn` requests in flight per key, `burst` more delayed, the rest
rejected, like resty.limit.conn. The count is kept in the node's shared record table
(shared by its workers) and given back in the log phase."""

from __future__ import annotations

import time
from typing import Any

from ..fingerprint import conf_fingerprint
from ..plugin_api import Ctx, Plugin, Response
from .rate_limit_key import conf_owner, limit_key

_HELD = "limit_conn_held"  # {plugin: (key, delay)} of the counts this request holds
# A count nobody touched for this long is dropped (a worker that died holding it).
_IDLE_SECONDS = 3600.0


class LimitConn(Plugin):
    name = "limit-conn"
    priority = 1003
    scope_id: str | None = None  # see LimitCount.scope_id

    def __init__(self, conf: dict[str, Any], env: Any) -> None:
        super().__init__(conf, env)
        self._max: int = conf["conn"]
        self._burst: int = conf["burst"]
        # resty.limit.conn's unit delay, per worker and conf, adapted to the latencies seen
        self._unit_delay = float(conf["default_conn_delay"])
        self._adapt = not conf.get("only_use_default_delay")
        self._fingerprint = conf_fingerprint(conf)
        message = conf.get("rejected_msg")
        body = {"error_msg": message} if message else None
        self._refusal = Response(int(conf.get("rejected_code", 503)), body)

    async def access(self, ctx: Ctx) -> Response | None:
        shared = self.env.shared
        scope = f"{conf_owner(self, ctx)}:{self._fingerprint}"
        key = "limit-conn:" + limit_key(self.conf, ctx, scope)
        most = self._max + self._burst

        def arrive(current: tuple[float, float] | None) -> tuple[Any, int | None]:
            conn = int(current[0] if current is not None else 0) + 1
            if conn > most:
                return None, None
            return ((float(conn), 0.0), shared.clock() + _IDLE_SECONDS), conn

        conn = shared.records.update(key, arrive)
        if conn is None:
            return self._refusal
        delay = self._unit_delay * ((conn - 1) // self._max) if conn > self._max else 0.0
        ctx.state.setdefault(_HELD, {})[self] = (key, delay)
        if delay >= 0.001:
            await shared.sleep(delay)
        return None

    def log(self, ctx: Ctx, status: int) -> None:
        held = ctx.state.get(_HELD)
        entry = held.pop(self, None) if held else None
        if entry is None:
            return
        key, delay = entry
        shared = self.env.shared

        def leave(current: tuple[float, float] | None) -> tuple[Any, None]:
            conn = max((current[0] if current is not None else 1.0) - 1.0, 0.0)
            return ((conn, 0.0), shared.clock() + _IDLE_SECONDS), None

        shared.records.update(key, leave)
        if self._adapt:
            self._unit_delay = (self._latency(ctx, delay) + self._unit_delay) / 2

    @staticmethod
    def _latency(ctx: Ctx, delay: float) -> float:
        """$upstream_response_time when proxied, else $request_time less the delay."""
        upstream_ms = ctx.state.get("upstream_latency_ms")
        if upstream_ms is not None:
            return float(upstream_ms) / 1000.0
        return time.monotonic() - ctx.state["request_start"] - delay
