"""Serving one request: route match, plugin phases, proxying, filters and log.

Phases as APISIX runs them: global rules (rewrite, access) → route rewrite → (an auth plugin
set the consumer) consumer plugins merged in, their rewrite → access → upstream, with
header_filter / body_filter on whatever is answered and log once it is sent. A plugin
returning a `Response` answers the request there and then.
"""

from __future__ import annotations

import logging

from ..client_limits import ClientLimits
from .attempt import Attempt
from .downstream import Client, Connection, PendingRequest, ServerMetrics
from .eager import Eager
from .fast_path import FastPath
from .forward import forward
from .grpc_forward import forward_grpc
from .h2_upstream import H2Pool
from .phases import EMPTY_PLAN
from .plugin_api import BODY_READER, Response, ResponseHead
from .wire import error_page, plugin_body, response_bytes

log = logging.getLogger(__name__)

ROUTE_NOT_FOUND = Response(404, {"error_msg": "404 Route Not Found"})
HTML = "text/html; charset=utf-8"


class DataPlane(FastPath):
    """A worker's HTTP data plane: the current config generation, the upstream pools, the
    fast path (`FastPath.begin`) and the general path (`handle`, `resume`)."""

    def __init__(self, limits: ClientLimits | None = None) -> None:
        super().__init__()
        self.limits = limits or ClientLimits()
        self.connections: set[Connection] = set()
        self.http2 = True
        self.h2_pool = H2Pool()  # connections to grpc/grpcs upstreams
        self.metrics: ServerMetrics | None = None  # connection and request counters

    async def handle(self, conn: Client, pending: PendingRequest) -> bool:
        """Serve one request; returns whether the client connection stays open."""
        keep = pending.keep_alive and not conn.closing
        head_only = pending.method == b"HEAD"
        snap = self.snapshot
        if snap is None:
            conn.write(response_bytes(503, error_page(503), None, None, keep, head_only, HTML))
            return keep
        attempt = Attempt(conn, pending, snap)
        if conn.client_checks and conn.refuses(attempt.ctx):
            conn.write(response_bytes(400, error_page(400), None, None, keep, head_only, HTML))
            return keep
        return await self.resume(attempt, match=True)

    async def resume(
        self, attempt: Attempt, match: bool = False, phases: Eager[Response | None] | None = None
    ) -> bool:
        """Serve the request from where `attempt` stands (`match`: it has not been routed;
        `phases`: its phases, already started)."""
        pending, ctx, snap = attempt.request, attempt.ctx, attempt.snap
        keep = pending.keep_alive and not attempt.client.closing
        try:
            if match:
                route = snap.router.match(ctx)
                if route is not None:
                    attempt.matched(route)
            if not attempt.proxying:
                rt = attempt.route
                if rt is None:
                    response = await attempt.phases()  # the global rules'
                    return self._reply(attempt, response or ROUTE_NOT_FOUND, keep)
                if rt.error:
                    page = Response(rt.error, error_page(rt.error), {"Content-Type": HTML})
                    return self._reply(attempt, page, keep)
                if rt.plan.reads_body:
                    ctx.state[BODY_READER] = attempt.read_body
                response = await (attempt.phases() if phases is None else phases)
                attempt.phases_ran()
                if rt.plan.reads_body:
                    attempt.replace_body()
                if response is not None:
                    return self._reply(attempt, response, keep)
                target = ctx.chosen_upstream or rt.target
                if target is None:
                    page = Response(502, error_page(502), {"Content-Type": HTML})
                    return self._reply(attempt, page, keep)
                attempt.proxy(target)
            if attempt.target.runtime.grpc:
                status, keep = await forward_grpc(attempt, self.h2_pool, self.deadlines)
            else:
                status, keep = await forward(attempt, self.pool, self.deadlines)
            attempt.log(status)
            return keep
        except Exception:
            log.exception("request %s %s failed", ctx.request.method, ctx.request.uri)
            page = Response(500, error_page(500), {"Content-Type": HTML})
            return self._reply(attempt, page, False, filtered=False)
        finally:
            attempt.log(499)  # cancelled (a worker stopping): the log phase all the same

    def _reply(
        self, attempt: Attempt, response: Response, keep: bool, filtered: bool = True
    ) -> bool:
        """Answer with a response made by a plugin or the engine, through the filters
        (`filtered`: unless a failure of the request answers)."""
        plan = attempt.plan if filtered else EMPTY_PLAN
        ctx = attempt.ctx
        status = response.status
        content_type = "text/plain; charset=utf-8"
        if response.body is None and status >= 400:
            body = error_page(status)  # what nginx answers for a bare `ngx.exit(status)`
            content_type = HTML
        else:
            body = plugin_body(response.body)
        headers: dict[str, str | None] = dict(response.headers)
        if plan.header_filter:
            listed = [(k, v) for k, v in headers.items() if v is not None]
            if not any(k.lower() == "content-type" for k, _ in listed):
                listed.insert(0, ("Content-Type", content_type))
            head = ResponseHead(status, listed)
            ctx.state["response_head"] = head
            for plugin in plan.header_filter:
                plugin.header_filter(ctx, head)
            status = head.status
            headers = dict(head.headers)
        if plan.body_filter:
            for plugin in plan.body_filter:
                body = plugin.body_filter(ctx, body, True)
        head_only = attempt.request.method == b"HEAD"
        data = response_bytes(
            status, body, headers, ctx.response_headers, keep, head_only, content_type
        )
        attempt.client.write(data)
        ctx.state["bytes_sent"] = len(data)
        attempt.log(status)
        return keep

    def close(self) -> None:
        self.pool.close()
        self.h2_pool.close()
        self.deadlines.close()
