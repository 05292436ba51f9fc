"""The fast path: a request on a route without rewrite/access plugins (nor global rules),
without a body, to a node with an idle pooled connection, is proxied right from the parser
callbacks, its outcome delivered by callback: no task, no future, no coroutine frames.
Anything else, and any failure before the response head, goes on on the general path
(`handler.DataPlane`, which extends this class) from where the request's `Attempt` stands,
so nothing runs twice.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

from .attempt import Attempt
from .deadlines import ReadDeadlines
from .downstream import Client, PendingRequest, Serving
from .forward import BODY_METHODS, upstream_head
from .phases import run_log
from .relay import Exchange
from .snapshot import Snapshot
from .upstream_conn import ConnectionPool, UpstreamFailure


class FastPath(ABC):
    """The data plane's first step for each request; the general path is `handle` (a
    request not yet looked at) and `resume` (an attempt the fast path gave up)."""

    def __init__(self) -> None:
        self.snapshot: Snapshot | None = None
        self.pool = ConnectionPool()
        self.deadlines = ReadDeadlines()
        self._on_finished = self._finished  # one bound method for every exchange

    @abstractmethod
    def handle(self, conn: Client, request: PendingRequest) -> Serving:
        """The general path for a request the fast path has not looked at."""

    @abstractmethod
    def resume(self, attempt: Attempt) -> Serving:
        """The general path for a request the fast path gave up, from where it stands."""

    def begin(self, conn: Client, request: PendingRequest) -> Serving | None:
        """None when the request is on its way on the fast path, else what serves it."""
        snap = self.snapshot
        if snap is None or request.body is not None or request.upgrade or conn.client_checks:
            return self.handle(conn, request)
        attempt = Attempt(conn, request, snap)
        route = snap.router.match(attempt.ctx)
        if route is None:
            return self.resume(attempt)
        attempt.matched(route)
        plan = route.plan
        target = route.target
        if snap.global_plans or route.error or plan.rewrite or plan.access or target is None:
            return self.resume(attempt)
        attempt.target = target  # the phases are empty: proxying already
        attempt.proxying = True
        node = attempt.next_node()
        if node is None:
            return self.resume(attempt)
        up = target.runtime
        upstream_conn = self.pool.take(up.pool_keys[id(node)])
        if upstream_conn is None:
            attempt.untried(node)
            return self.resume(attempt)
        keep = request.keep_alive and not conn.closing
        method = request.method  # no plugin ran: the client's; no request body on this path
        framing = b"Content-Length: 0\r\n" if method in BODY_METHODS else b""
        head = upstream_head(conn, request, attempt.ctx, up, id(node), framing, method)
        exchange = Exchange(
            conn.loop,
            conn,
            attempt.ctx,
            plan,
            method == b"HEAD",
            keep,
            target.timeouts.read,
            self._on_finished,
        )
        exchange.conn = upstream_conn
        exchange.attempt = attempt
        node.active += 1
        conn.exchange = exchange
        self.deadlines.add(exchange)
        upstream_conn.start(exchange, head)
        return None

    def _finished(self, exchange: Exchange, failure: UpstreamFailure | None) -> None:
        attempt = exchange.attempt
        assert attempt is not None  # every exchange of the fast path has one
        client = attempt.client
        self.deadlines.discard(exchange)
        node = attempt.tried[-1]
        node.active -= 1
        client.exchange = None
        if failure is None:
            attempt.answered(node, exchange.status)
            if exchange.plan.log:
                exchange.ctx.state["request_length"] = attempt.request.length()
                run_log(exchange.plan, exchange.ctx, exchange.status)
            client.fast_done(exchange.keep_client)
            return
        upstream_conn = exchange.conn
        if (
            failure.kind == "tcp_failures"
            and upstream_conn is not None
            and not upstream_conn.received
        ):
            attempt.untried(node)  # the pooled connection had been closed: the node, anew
        else:
            attempt.failed(node, failure)
        client.continue_slow(attempt.request, self.resume(attempt))
