"""Serving one request: route match, plugin phases, proxying, filters and log.

Phases as APISIX runs them: global rules (rewrite, access) → route rewrite → (an auth plugin
set the consumer) consumer plugins merged in, their rewrite → access → upstream, with
header_filter / body_filter on whatever is answered and log once it is sent. A plugin
returning a `Response` answers the request there and then.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any

from .deadlines import ReadDeadlines
from .fast_path import Handoff
from .forward import forward
from .phases import EMPTY_PLAN, PhasePlan, run_log
from .plugin_api import Ctx, Request, Response, ResponseHead
from .plugins.traffic_split import PICKED_UPSTREAM
from .upstream_conn import ConnectionPool
from .wire import error_page, plugin_body, response_bytes

if TYPE_CHECKING:
    from .http_server import ClientConnection, PendingRequest
    from .snapshot import Snapshot

log = logging.getLogger(__name__)

ROUTE_NOT_FOUND = Response(404, {"error_msg": "404 Route Not Found"})
HTML = "text/html; charset=utf-8"


class DataPlane:
    """A worker's HTTP data plane: the current config generation and the upstream pools."""

    def __init__(self) -> None:
        self.snapshot: Snapshot | None = None
        self.pool = ConnectionPool()
        self.deadlines = ReadDeadlines()
        self.connections: set[ClientConnection] = set()
        self.metrics: Any = None  # the worker's MetricsRecorder: connection, request counters

    def context(self, conn: ClientConnection, pending: PendingRequest, snap: Snapshot) -> Ctx:
        """The plugin-facing view of a request."""
        path, _, query = pending.url.decode("latin-1").partition("?")
        request = Request(
            pending.method.decode("latin-1"),
            path,
            query,
            None,
            conn.remote_addr,
            conn.remote_port,
            conn.server_addr,
            conn.server_port,
            conn.scheme,
            pending.version,
            pending.headers,
        )
        ctx = Ctx(request, snap.variables)
        ctx.state["request_start"] = time.monotonic()
        return ctx

    async def handle(self, conn: ClientConnection, pending: PendingRequest) -> bool:
        """Serve one request; returns whether the client connection stays open."""
        keep = pending.keep_alive and not conn.closing
        handoff: Handoff | None = pending.handoff
        if handoff is not None:
            snap, ctx, route = handoff.snap, handoff.ctx, handoff.route
        else:
            snap = self.snapshot
            if snap is None:
                page = error_page(503)
                conn.write(
                    response_bytes(503, page, None, None, keep, pending.method == b"HEAD", HTML)
                )
                return keep
            ctx = self.context(conn, pending, snap)
            route = None
            if conn.client_checks and conn.refuses(ctx):
                page = error_page(400)
                head_only = pending.method == b"HEAD"
                conn.write(response_bytes(400, page, None, None, keep, head_only, HTML))
                return keep
        plan: Any = snap.global_plan
        try:
            if handoff is None:
                route = snap.router.match(ctx)
            if route is None:
                response = await _run_globals(ctx, snap)
                return self._reply(conn, pending, ctx, response or ROUTE_NOT_FOUND, keep, plan)
            rt = snap.routes[id(route)]
            ctx.route = route
            ctx.route_id = rt.route_id
            ctx.service_id = rt.service_id
            plan = rt.plan
            if rt.error:
                page = Response(rt.error, error_page(rt.error), {"Content-Type": HTML})
                return self._reply(conn, pending, ctx, page, keep, plan)
            if handoff is not None and handoff.proxying:
                response = None  # the fast path ran the (empty) phases already
            else:
                response = await _run_phases(ctx, snap, rt, plan)
                if ctx.consumer is not None and rt.plan is not None:
                    plan = snap.consumer_plan(rt, ctx.consumer)[0]
            if response is not None:
                return self._reply(conn, pending, ctx, response, keep, plan)
            upstream, timeouts = rt.upstream, rt.timeouts
            if rt.split:
                picked = ctx.state.get(PICKED_UPSTREAM)
                if picked is not None:
                    upstream, timeouts = picked
            if upstream is None:
                page = Response(502, error_page(502), {"Content-Type": HTML})
                return self._reply(conn, pending, ctx, page, keep, plan)
            first = tried = failure = None
            if handoff is not None:
                first, tried, failure = handoff.first, handoff.tried, handoff.failure
            status, keep = await forward(
                conn,
                pending,
                ctx,
                plan,
                upstream,
                timeouts,
                self.pool,
                self.deadlines,
                first,
                tried,
                failure,
            )
        except Exception:
            log.exception("request %s %s failed", ctx.request.method, ctx.request.uri)
            page = Response(500, error_page(500), {"Content-Type": HTML})
            return self._reply(conn, pending, ctx, page, False, EMPTY_PLAN)
        if plan.log:
            ctx.state["request_length"] = pending.length()
            run_log(plan, ctx, status)
        return keep

    def _reply(
        self,
        conn: ClientConnection,
        pending: PendingRequest,
        ctx: Ctx,
        response: Response,
        keep: bool,
        plan: PhasePlan,
    ) -> bool:
        """Answer with a response made by a plugin or the engine, through the filters."""
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
        head_only = pending.method == b"HEAD"
        data = response_bytes(
            status, body, headers, ctx.response_headers, keep, head_only, content_type
        )
        conn.write(data)
        if plan.log:
            ctx.state["request_length"] = pending.length()
            ctx.state["bytes_sent"] = len(data)
            run_log(plan, ctx, status)
        return keep

    def close(self) -> None:
        self.pool.close()
        self.deadlines.close()


async def _run_phases(ctx: Ctx, snap: Snapshot, rt: Any, plan: PhasePlan) -> Response | None:
    """Global rules, then the route's rewrite, the consumer's plugins, and access."""
    response = await _run_globals(ctx, snap)
    if response is not None:
        return response
    for plugin in plan.rewrite:
        response = await plugin.rewrite(ctx)
        if response is not None:
            return response
    if ctx.consumer is not None:
        plan, added = snap.consumer_plan(rt, ctx.consumer)
        for plugin in added:
            response = await plugin.rewrite(ctx)
            if response is not None:
                return response
    for plugin in plan.access:
        response = await plugin.access(ctx)
        if response is not None:
            return response
    return None


async def _run_globals(ctx: Ctx, snap: Snapshot) -> Response | None:
    for rule in snap.global_plans:
        for plugin in rule.rewrite:
            response = await plugin.rewrite(ctx)
            if response is not None:
                return response
        for plugin in rule.access:
            response = await plugin.access(ctx)
            if response is not None:
                return response
    return None
