"""One request on its way through the data plane, as one object both paths advance.

The fast path (`fast_path`) starts an `Attempt`; whatever it cannot finish (plugins to run,
no idle upstream connection, a failed try) the general path (`handler`, `forward`) takes up
from where the attempt stands: the route it matched, whether its phases ran, and once it is
proxying, its target, the nodes tried, the node to try next and the last failure.
"""

from __future__ import annotations

import time

from .downstream import Client, PendingRequest, RequestBody, continue_if_expected
from .nodes import Node
from .phases import PhasePlan
from .plugin_api import NEW_REQUEST_BODY, Ctx, Request
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

    def proxy(self, plan: PhasePlan, target: UpstreamTarget) -> None:
        """The phases ran (with `plan`, the consumer's plugins merged in): on to `target`."""
        self.plan = plan
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

    def answered(self, node: Node, status: int) -> None:
        checker = self.target.runtime.checker
        if checker is not None:
            checker.observe_status(node, status)
