"""Relaying one upstream response to the client as it arrives, through the header and body
filters; the client output of one upstream read goes out in a single write."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING

from .downstream import Client
from .plugin_api import Ctx, ResponseHead
from .upstream_conn import UpstreamConnection, UpstreamFailure
from .wire import RESPONSE_OWN, STATUS_LINES, date_and_server, status_line

if TYPE_CHECKING:
    from .attempt import Attempt
    from .phases import PhasePlan

NO_BODY_STATUSES = frozenset([204, 304])


class Exchange:
    """Receives one upstream response and relays it to the client as it arrives."""

    __slots__ = (
        "attempt",
        "body_filters",
        "callback",
        "chunked",
        "client",
        "conn",
        "ctx",
        "finished",
        "future",
        "head_only",
        "head_sent",
        "header_filters",
        "keep_client",
        "last_read",
        "loop",
        "no_body",
        "out",
        "plan",
        "read_timeout",
        "sent",
        "status",
        "timed",
    )

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        client: Client,
        ctx: Ctx,
        plan: PhasePlan,
        head_only: bool,
        keep_client: bool,
        read_timeout: float,
        callback: Callable[[Exchange, UpstreamFailure | None], None] | None = None,
    ) -> None:
        self.loop = loop
        self.read_timeout = read_timeout
        self.client = client
        self.ctx = ctx
        self.header_filters = plan.header_filter
        self.body_filters = plan.body_filter
        self.timed = bool(plan.log)  # log plugins want the upstream latency
        self.head_only = head_only
        self.keep_client = keep_client
        # the outcome goes to `callback` (the fast path) or else to `future` (awaited)
        self.callback = callback
        self.future: asyncio.Future[int] | None = None if callback else loop.create_future()
        self.finished = False
        self.plan = plan
        self.attempt: Attempt | None = None  # the fast path's, for its callback
        self.status = 0
        self.sent = 0  # bytes written to the client, counted when `timed`
        self.head_sent = False
        self.chunked = False
        self.no_body = False
        self.out: list[bytes] = []  # written to the client once per upstream read
        self.conn: UpstreamConnection | None = None
        self.last_read = self.loop.time()

    @property
    def responded(self) -> bool:
        return self.head_sent

    def outcome(self) -> asyncio.Future[int]:
        """The status, or the UpstreamFailure, for the general path to await."""
        future = self.future
        if future is None:
            raise RuntimeError("this exchange reports to a callback")
        return future

    # --- ResponseSink -------------------------------------------------------------------------
    def on_head(self, status: int, headers: list[tuple[bytes, bytes]], keep_alive: bool) -> None:
        self.last_read = self.loop.time()
        if self.timed:
            started = self.ctx.state["upstream_started"]
            self.ctx.state["upstream_latency_ms"] = (self.last_read - started) * 1000
        self.status = status
        ctx = self.ctx
        self.no_body = self.head_only or status in NO_BODY_STATUSES
        if self.head_only and self.conn is not None:
            self.conn.reusable = False  # the parser would wait for a body that never comes
        if self.header_filters or self.body_filters:
            head_bytes = self._filtered_head(status, headers)
        else:
            added = ctx.response_headers  # set by plugins (limit-count's X-RateLimit-*)
            skip = RESPONSE_OWN
            if added:
                skip = RESPONSE_OWN | {name.lower().encode("latin-1") for name in added}
            lines = [STATUS_LINES.get(status) or status_line(status), date_and_server()]
            has_length = False
            for name, value in headers:
                lowered = name.lower()
                if lowered in skip:
                    continue
                if lowered == b"content-length":
                    has_length = True
                lines += (name, b": ", value, b"\r\n")
            if added:
                for text, value_text in added.items():
                    if value_text is not None:
                        has_length = has_length or text.lower() == "content-length"
                        lines.append(f"{text}: {value_text}\r\n".encode("latin-1", "replace"))
            head_bytes = self._finish_head(lines, has_length)
        self.head_sent = True
        self.out.append(head_bytes)
        if self.head_only:
            self._eof_filters()
            self._end()
            if self.conn is not None:
                self.conn.abort()

    def _filtered_head(self, status: int, headers: list[tuple[bytes, bytes]]) -> bytes:
        head = ResponseHead(
            status,
            [
                (n.decode("latin-1"), v.decode("latin-1"))
                for n, v in headers
                if n.lower() not in RESPONSE_OWN
            ],
        )
        ctx = self.ctx
        ctx.state["response_head"] = head
        for plugin in self.header_filters:
            plugin.header_filter(ctx, head)
        for name, value in ctx.response_headers.items():
            head.set(name, value)
        self.status = head.status
        if self.body_filters:
            head.set("Content-Length", None)
        lines = [status_line(head.status), date_and_server()]
        has_length = False
        for name, value in head.headers:
            if name.lower() == "content-length":
                has_length = True
            lines.append(f"{name}: {value}\r\n".encode("latin-1", "replace"))
        return self._finish_head(lines, has_length)

    def _finish_head(self, lines: list[bytes], has_length: bool) -> bytes:
        if not self.no_body and not has_length:
            if self.ctx.request.http_version == "1.1":
                self.chunked = True
                lines.append(b"Transfer-Encoding: chunked\r\n")
            else:
                self.keep_client = False  # the end of the body is the end of the connection
        lines.append(
            b"Connection: keep-alive\r\n\r\n" if self.keep_client else b"Connection: close\r\n\r\n"
        )
        return b"".join(lines)

    def on_body(self, chunk: bytes) -> None:
        self.last_read = self.loop.time()
        if self.no_body:
            return
        if self.body_filters:
            for plugin in self.body_filters:
                chunk = plugin.body_filter(self.ctx, chunk, False)
            if not chunk:
                return
        if self.chunked:
            self.out.append(b"%x\r\n%b\r\n" % (len(chunk), chunk))
        else:
            self.out.append(chunk)

    def on_complete(self) -> None:
        if self.body_filters:
            self._eof_filters()
        if self.chunked:
            self.out.append(b"0\r\n\r\n")
        self.flush()
        self._finish(None)

    def _eof_filters(self) -> None:
        """The body filters' last call (`eof=True`), made even when the body is empty."""
        if not self.body_filters:
            return
        tail = b""
        for plugin in self.body_filters:
            tail = plugin.body_filter(self.ctx, tail, True)
        if tail and not self.no_body:
            self.out.append(b"%x\r\n%b\r\n" % (len(tail), tail) if self.chunked else tail)

    def on_lost(self, exc: Exception | None) -> None:
        if not self.head_sent:
            self._finish(UpstreamFailure("tcp_failures", 502))
            return
        self.keep_client = False  # the response is cut short: the client must see it end
        self._end()

    def on_upstream_paused(self, paused: bool) -> None:
        if paused:
            self.client.pause_reading()
        else:
            self.client.resume_reading()

    def flush(self) -> None:
        out = self.out
        if out:
            data = out[0] if len(out) == 1 else b"".join(out)
            if self.timed:
                self.sent += len(data)
            self.client.write(data)
            out.clear()

    def pause_upstream(self, paused: bool) -> None:
        """The client reads slower than the upstream sends: stop reading the upstream."""
        conn = self.conn
        if conn is not None and conn.transport is not None and not conn.closed:
            if paused:
                conn.transport.pause_reading()
            else:
                conn.transport.resume_reading()

    def client_lost(self) -> None:
        conn = self.conn
        if conn is not None:
            conn.abort()
        self.keep_client = False
        self.status = self.status or 499
        self._finish(None)

    def _end(self) -> None:
        self.flush()
        self._finish(None)

    def _finish(self, failure: UpstreamFailure | None) -> None:
        if self.finished:
            return
        self.finished = True
        if self.timed:
            self.ctx.state["bytes_sent"] = self.sent
        if self.callback is not None:
            self.callback(self, failure)
        elif failure is None:
            self.future.set_result(self.status)  # type: ignore[union-attr]
        else:
            self.future.set_exception(failure)  # type: ignore[union-attr]

    def timed_out(self) -> None:
        conn = self.conn
        if conn is not None:
            conn.abort()
        if not self.head_sent:
            self._finish(UpstreamFailure("timeouts", 504))
        else:
            self.keep_client = False
            self._end()
