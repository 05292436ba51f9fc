"""One request on its way through the data plane, as one object both paths advance.

The fast path (`fast_path`) starts an `Attempt`; whatever it cannot finish (plugins to run,
no idle upstream connection, a failed try) the general path (`handler`, `forward`) takes up
from where the attempt stands: the route it matched, whether its phases ran, and once it is
proxying, its target, the nodes tried, the node to try next and the last failure.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

from .downstream import Client, PendingRequest, RequestBody, continue_if_expected
from .nodes import Node
from .phases import run_log
from .plugin_api import NEW_REQUEST_BODY, Ctx, Plugin, Request, Response
from .snapshot import RouteRuntime, Snapshot
from .upstream import UpstreamTarget
from .upstream_conn import UpstreamFailure


class Attempt:
    # the fields the fast path mostly leaves as they are, as class-level defaults (hence no
    # __slots__): every request pays for what it sets, not for what it might
    route: RouteRuntime | None = None
    proxying = False  # the phases ran: what is left is the upstream
    target: UpstreamTarget  # set once proxying
    tried: list[Node] = []
    next: Node | None = None  # a node to try (again) before any other
    failure: UpstreamFailure | None = None
    started = 0.0  # when the first node was tried, if `retry_timeout` counts from it
    logged = False  # the log phase ran
    sent_at = 0.0  # when the current node was tried, if the balancer measures latency

    def __init__(self, client: Client, request: PendingRequest, snap: Snapshot) -> None:
        self.client = client
        self.request = request
        self.snap = snap
        self.plan = snap.global_plan  # the plugins whose filters and log apply
        # the plugin-facing view of the request
        path, _, query = request.url.decode("latin-1").partition("?")
        ctx = self.ctx = Ctx(
            Request(
                request.method.decode("latin-1"),
                path,
                query,
                None,
                client.remote_addr,
                client.remote_port,
                client.server_addr,
                client.server_port,
                client.scheme,
                request.version,
                request.headers,
            ),
            snap.variables,
        )
        ctx.state["request_start"] = time.monotonic()

    async def read_body(self, limit: int = 0) -> bytes:
        """The request body, buffered for the plugins that read it (`request_body`)."""
        body = self.request.body
        if body is None:
            return b""
        continue_if_expected(self.client, self.request)
        return await body.read_all(limit)

    def replace_body(self) -> None:
        """Send upstream the body a plugin set (`replace_request_body`), if one did."""
        data = self.ctx.state.get(NEW_REQUEST_BODY)
        if data is None:
            return
        request = self.request
        body = request.body
        if body is None:
            body = request.body = RequestBody(self.client)
        else:
            body.take_buffered()  # read whole before the phases: nothing more will come
        body.history = [data]
        body.size = len(data)
        body.chunks.append(data)
        self.client.buffered += len(data)
        body.done = True
        request.chunked = False
        request.content_length = len(data)

    def matched(self, route: RouteRuntime) -> None:
        self.route = route
        ctx = self.ctx
        ctx.route = route.conf
        ctx.route_id = route.route_id
        ctx.service_id = route.service_id
        self.plan = route.plan

    async def phases(self, in_place: bool = False) -> Response | None:
        """Global rules, then the matched route's rewrite, the consumer's plugins, and
        access; a plugin's response ends them. `in_place`: run where they are called (see
        `eager`) until a plugin that may wait, which goes on in a task."""
        ctx = self.ctx
        for plugin, rewrite in self._steps():
            if in_place and plugin.may_wait:
                in_place = False
                await asyncio.sleep(0)  # the rest in the task that awaits these phases
            response = await (plugin.rewrite(ctx) if rewrite else plugin.access(ctx))
            if response is not None:
                return response
        return None

    def _steps(self) -> Iterator[tuple[Plugin, bool]]:
        """The plugins of the rewrite (True) and access (False) phases, in order; the
        consumer's, once an auth plugin has identified it."""
        for rule in self.snap.global_plans:
            for plugin in rule.rewrite:
                yield plugin, True
            for plugin in rule.access:
                yield plugin, False
        route = self.route
        if route is None:
            return
        plan = route.plan
        for plugin in plan.rewrite:
            yield plugin, True
        consumer = self.ctx.consumer
        if consumer is not None:
            plan, added = self.snap.consumer_plan(route, consumer)
            for plugin in added:
                yield plugin, True
        for plugin in plan.access:
            yield plugin, False

    def phases_ran(self) -> None:
        """Once the phases ran: the plugins of the consumer they identified apply."""
        consumer, route = self.ctx.consumer, self.route
        if consumer is not None and route is not None:
            self.plan = self.snap.consumer_plan(route, consumer)[0]

    def proxy(self, target: UpstreamTarget) -> None:
        """The phases ran: on to `target`."""
        self.target = target
        self.proxying = True

    def next_node(self) -> Node | None:
        """The node to try now, recorded as tried; None when there is none or the retries
        are spent."""
        node = self.next
        if node is None:
            if self.failure is not None and self._retries_spent():
                return None
            node = self.target.runtime.balancer.pick(self.ctx, self.tried)
            if node is None:
                return None
        else:
            self.next = None
        tried = self.tried
        if tried:
            tried.append(node)
        else:
            self.tried = [node]
            if self.target.runtime.retry_timeout:
                self.started = self.client.loop.time()
        if self.target.runtime.latency is not None:
            self.sent_at = self.client.loop.time()
        if self.plan.log:  # what log plugins (prometheus) report
            state = self.ctx.state
            state["upstream_addr"] = node.key
            state["upstream_started"] = self.client.loop.time()
        return node

    def _retries_spent(self) -> bool:
        """`retries` and `retry_timeout` used up, or a request body too large to resend."""
        up = self.target.runtime
        body = self.request.body
        return (
            len(self.tried) > up.retries
            or bool(up.retry_timeout and self.client.loop.time() - self.started >= up.retry_timeout)
            or (body is not None and body.replay() is None)
        )

    def untried(self, node: Node) -> None:
        """`node` was not tried after all (no connection to it was used): it is tried next."""
        self.tried.pop()
        self.next = node

    def failed(self, node: Node, failure: UpstreamFailure) -> None:
        self.failure = failure
        checker = self.target.runtime.checker
        if checker is not None:
            checker.observe_failure(node, failure.kind)

    def log(self, status: int) -> None:
        """The log phase, once, on whichever path the request ends (as nginx runs it for
        every request): what plugins hold for a request (limit-conn's count) is given back
        there."""
        if self.logged:
            return
        self.logged = True
        plan = self.plan
        if plan.log:
            self.ctx.state["request_length"] = self.request.length()
            run_log(plan, self.ctx, status)

    def answered(self, node: Node, status: int) -> None:
        up = self.target.runtime
        if up.checker is not None:
            up.checker.observe_status(node, status)
        if up.latency is not None:
            up.latency.observe(node, self.client.loop.time() - self.sent_at)
