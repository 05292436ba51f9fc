"""The fast path: a request without a body, whose plugin phases finish without waiting
(run eagerly: most do), to a node with an idle pooled connection, is proxied right from the
parser callbacks, its outcome delivered by callback: no task, no future, no coroutine frames.
Anything else (a phase that waits, a plugin's own response), and any failure before the
response head, goes on on the general path (`handler.DataPlane`, which extends this class)
from where the request's `Attempt` stands, so nothing runs twice.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

from .attempt import Attempt
from .deadlines import ReadDeadlines
from .downstream import Client, PendingRequest, Serving
from .eager import Eager
from .forward import BODY_METHODS, method_bytes, upstream_head
from .plugin_api import Response
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
    def resume(
        self, attempt: Attempt, match: bool = False, phases: Eager[Response | None] | None = None
    ) -> Serving:
        """The general path for a request the fast path gave up, from where it stands
        (`phases`: its phases, started but not finished, or finished with a response)."""

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
        if route.error or route.plan.reads_body:  # a plugin reads the body: the general path's
            return self.resume(attempt)
        ctx = attempt.ctx
        phases: Eager[Response | None] | None = None
        if snap.global_plans or route.plan.rewrite or route.plan.access:
            phases = Eager(attempt.phases(in_place=True))
            if not phases.passed:
                return self.resume(attempt, phases=phases)
            attempt.phases_ran()
        target = ctx.chosen_upstream or route.target
        if target is None:
            return self.resume(attempt, phases=phases)
        attempt.target = target  # the phases ran (or there are none): proxying already
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
        method = request.method if phases is None else method_bytes(request, ctx)
        framing = b"Content-Length: 0\r\n" if method in BODY_METHODS else b""  # no body here
        head = upstream_head(conn, request, ctx, up, id(node), framing, method)
        exchange = Exchange(
            conn.loop,
            conn,
            ctx,
            attempt.plan,
            request.method == b"HEAD",
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
            if attempt.plan.log:
                attempt.log(exchange.status)
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
