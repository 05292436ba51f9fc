"""The admin port's HTTP protocol: uvicorn's httptools protocol with the client limits the
data plane has (`client_limits.ClientLimits`), which uvicorn lacks.

- the request line fits in one header buffer and the headers in all of them (400 otherwise,
  uvicorn's answer to a request it cannot parse);
- the request line and headers arrive within `client_header_timeout` (from the connection's
  start for its first request, from a request's first byte after that), each part of a body
  within `client_body_timeout` of the previous one, and a client that reads nothing of an
  answer for `send_timeout` is dropped; idle keep-alive connections close after
  `keepalive_timeout` (uvicorn's own keep-alive timer);
- a request refused as unreadable (400) is answered, then, as nginx's lingering close, what
  the client still sends is read and dropped for up to `LINGER` seconds: closing a socket
  with unread data resets the connection, and the client would lose the answer.
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from .client_limits import ClientLimits

LINGER = 5.0  # nginx's lingering_timeout


class _TooLarge(Exception):
    pass


class AdminHttpProtocol(HttpToolsProtocol):
    limits = ClientLimits()  # a subclass per server (`admin_protocol`) sets its own

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._timer: asyncio.TimerHandle | None = None
        self._header_bytes = 0
        self._lingering = False
        self._in_head = True  # between requests: what arrives is a request head
        self._head_seen = 0  # bytes of a request head not complete yet
        self._heads = 0  # request heads parsed on this connection

    def _arm(self, seconds: float) -> None:
        self._disarm()
        self._timer = self.loop.call_later(seconds, self._expired)

    def _disarm(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _expired(self) -> None:
        self._timer = None
        if not self.transport.is_closing():
            self.transport.abort()

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm(self.limits.client_header_timeout)

    def data_received(self, data: bytes) -> None:
        if self._lingering:
            return
        in_head, heads = self._in_head, self._heads
        super().data_received(data)
        # httptools hands a header over only once it is complete: its size is counted here,
        # as it arrives, for a read that holds nothing but a request head (a read that
        # completed a head, and maybe its body, is no part of one)
        if in_head and heads == self._heads and not self._lingering:
            self._head_seen += len(data)
            if self._head_seen > self.limits.max_header_bytes:
                self.send_400_response("Request header too large.")

    def send_400_response(self, msg: str) -> None:
        body = msg.encode("ascii")
        self.transport.write(
            b"HTTP/1.1 400 Bad Request\r\ncontent-type: text/plain; charset=utf-8\r\n"
            b"content-length: %d\r\nconnection: close\r\n\r\n%b" % (len(body), body)
        )
        self._lingering = True
        if self.transport.can_write_eof():
            self.transport.write_eof()
        self._arm(LINGER)

    def eof_received(self) -> None:
        if self._lingering:
            self.transport.close()  # the client has sent all it had: done lingering

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._header_bytes = 0
        self._head_seen = 0
        if self._timer is None:
            self._arm(self.limits.client_header_timeout)

    def on_url(self, url: bytes) -> None:
        super().on_url(url)
        if len(self.url) > self.limits.header_buffer_size:
            raise _TooLarge

    def on_header(self, name: bytes, value: bytes) -> None:
        line = len(name) + len(value) + 4
        self._header_bytes += line
        if (
            line > self.limits.header_buffer_size
            or self._header_bytes > self.limits.max_header_bytes
        ):
            raise _TooLarge
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._in_head = False
        self._heads += 1
        super().on_headers_complete()
        # until the body ends (at once without one: `on_message_complete` disarms)
        self._arm(self.limits.client_body_timeout)

    def on_body(self, body: bytes) -> None:
        self._arm(self.limits.client_body_timeout)
        super().on_body(body)

    def on_message_complete(self) -> None:
        self._disarm()
        self._in_head = True
        super().on_message_complete()

    def pause_writing(self) -> None:
        super().pause_writing()
        self._arm(self.limits.send_timeout)

    def resume_writing(self) -> None:
        self._disarm()
        super().resume_writing()


def admin_protocol(limits: ClientLimits) -> type[AdminHttpProtocol]:
    """The protocol class for an admin port with these limits (uvicorn's `http=`)."""
    return type("AdminHttpProtocol", (AdminHttpProtocol,), {"limits": limits})
