"""A minimal HTTP/2 client for the suite (the `h2` library): one request on a socket that is
already connected, as h2c with prior knowledge (plain socket) or h2 after ALPN (TLS)."""

from __future__ import annotations

import socket
from dataclasses import dataclass

import h2.connection
import h2.events


@dataclass(frozen=True)
class H2Response:
    status: int
    headers: dict[str, str]  # lower-case names
    body: bytes


def h2_request(
    sock: socket.socket,
    path: str,
    authority: str,
    *,
    method: str = "GET",
    scheme: str = "http",
    headers: list[tuple[str, str]] | None = None,
    body: bytes = b"",
) -> H2Response:
    """Send one request on stream 1 of a new HTTP/2 connection over `sock`; the response."""
    conn = h2.connection.H2Connection()
    conn.initiate_connection()
    head = [(":method", method), (":path", path), (":scheme", scheme), (":authority", authority)]
    conn.send_headers(1, head + list(headers or ()), end_stream=not body)
    if body:
        conn.send_data(1, body, end_stream=True)
    sock.sendall(conn.data_to_send())
    status, received, content = 0, {}, b""
    while True:
        data = sock.recv(65536)
        if not data:
            raise ConnectionError("the connection closed before the response ended")
        for event in conn.receive_data(data):
            if isinstance(event, h2.events.ResponseReceived):
                received = {n.decode(): v.decode() for n, v in event.headers}
                status = int(received.pop(":status"))
            elif isinstance(event, h2.events.DataReceived):
                content += event.data
                conn.acknowledge_received_data(event.flow_controlled_length, 1)
            elif isinstance(event, h2.events.StreamReset):
                raise ConnectionError(f"the stream was reset ({event.error_code!r})")
            elif isinstance(event, h2.events.StreamEnded):
                return H2Response(status, received, content)
        sock.sendall(conn.data_to_send())
