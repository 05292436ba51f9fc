"""The fast path: a request on a route without rewrite/access plugins (nor global rules),
without a body, to a node with an idle pooled connection, is proxied right from the parser
callbacks, its outcome delivered by callback: no task, no future, no coroutine frames.
Anything else, and any failure before the response head, goes to the general path
(`DataPlane.handle`) with what was already done handed over, so nothing runs twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .forward import BODY_METHODS, upstream_head
from .phases import run_log
from .plugin_api import Ctx
from .relay import Exchange, UpstreamFailure

if TYPE_CHECKING:
    from .handler import DataPlane
    from .http_server import ClientConnection, PendingRequest
    from .snapshot import Snapshot


@dataclass
class Handoff:
    """What the fast path did before giving a request to the general path."""

    snap: Snapshot
    ctx: Ctx
    route: dict[str, Any] | None
    proxying: bool = False  # the phases ran; go straight to the upstream
    first: Any = None  # a node already picked (not tried yet)
    tried: list | None = None
    failure: UpstreamFailure | None = None


def start_fast(
    plane: DataPlane, conn: ClientConnection, pending: PendingRequest, snap: Snapshot
) -> bool:
    """True when the request is on its way; False: `pending.handoff` says where it stands."""
    ctx = plane.context(conn, pending, snap)
    if snap.global_plans:
        pending.handoff = Handoff(snap, ctx, snap.router.match(ctx))
        return False
    route = snap.router.match(ctx)
    if route is None:
        pending.handoff = Handoff(snap, ctx, None)
        return False
    rt = snap.routes[id(route)]
    plan = rt.plan
    up = rt.upstream
    if rt.error or plan.rewrite or plan.access or up is None:
        pending.handoff = Handoff(snap, ctx, route)
        return False
    ctx.route = route
    ctx.route_id = rt.route_id
    ctx.service_id = rt.service_id
    node = up.balancer.pick(ctx, ())
    upstream_conn = plane.pool.take(up.pool_keys[id(node)]) if node is not None else None
    if upstream_conn is None:
        pending.handoff = Handoff(snap, ctx, route, proxying=True, first=node)
        return False
    loop = conn.loop
    if plan.log:
        ctx.state["upstream_addr"] = node.key
        ctx.state["upstream_started"] = loop.time()
    keep = pending.keep_alive and not conn.closing
    method = pending.method  # no plugin ran: the client's; no request body on this path
    framing = b"Content-Length: 0\r\n" if method in BODY_METHODS else b""
    head = upstream_head(conn, pending, ctx, up, id(node), framing, method)
    exchange = Exchange(
        loop, conn, ctx, plan, pending.method == b"HEAD", keep, rt.timeouts.read, _finished
    )
    exchange.conn = upstream_conn
    exchange.node = node
    exchange.route = (snap, rt)
    exchange.pending = pending
    node.active += 1
    conn.exchange = exchange
    plane.deadlines.add(exchange)
    upstream_conn.start(exchange, head)
    return True


def _finished(exchange: Exchange, failure: UpstreamFailure | None) -> None:
    conn = exchange.client
    plane = conn.plane
    plane.deadlines.discard(exchange)
    node = exchange.node
    node.active -= 1
    conn.exchange = None
    snap, rt = exchange.route
    up = rt.upstream
    if failure is None:
        if up.checker is not None:
            up.checker.observe_status(node, exchange.status)
        if exchange.plan.log:
            exchange.ctx.state["request_length"] = exchange.pending.length()
            run_log(exchange.plan, exchange.ctx, exchange.status)
        conn.fast_done(exchange.keep_client)
        return
    pending = exchange.pending
    upstream_conn = exchange.conn
    if failure.kind == "tcp_failures" and not upstream_conn.received:
        # the pooled connection had been closed by the upstream: the same node, a new one
        handoff = Handoff(snap, exchange.ctx, exchange.ctx.route, proxying=True, first=node)
    else:
        if up.checker is not None:
            up.checker.observe_failure(node, failure.kind)
        handoff = Handoff(snap, exchange.ctx, exchange.ctx.route, True, None, [node], failure)
    pending.handoff = handoff
    conn.retry_slow(pending)
