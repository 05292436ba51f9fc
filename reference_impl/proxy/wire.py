"""HTTP/1.1 bytes the proxy writes: status lines, the Date header, engine-made responses."""

from __future__ import annotations

import json
import time
from email.utils import formatdate
from http import HTTPStatus
from typing import Any

SERVER_TOKEN = b"APISIX/3.5.0"

STATUS_LINES: dict[int, bytes] = {
    s.value: f"HTTP/1.1 {s.value} {s.phrase}\r\n".encode() for s in HTTPStatus
}

# Hop-by-hop headers (RFC 9110 7.6.1) and those the proxy sets itself.
HOP_BY_HOP = frozenset(
    [
        b"connection",
        b"keep-alive",
        b"proxy-connection",
        b"transfer-encoding",
        b"te",
        b"trailer",
        b"upgrade",
    ]
)
RESPONSE_OWN = HOP_BY_HOP | {b"server", b"date"}

_date_second = 0
_date_header = b""


def status_line(status: int) -> bytes:
    line = STATUS_LINES.get(status)
    if line is None:
        line = f"HTTP/1.1 {status} Unknown\r\n".encode()
    return line


def date_and_server() -> bytes:
    """`Date` and `Server` header lines, the date formatted once per second."""
    global _date_second, _date_header
    now = int(time.time())
    if now != _date_second:
        _date_second = now
        _date_header = (
            b"Date: "
            + formatdate(now, usegmt=True).encode()
            + b"\r\nServer: "
            + SERVER_TOKEN
            + b"\r\n"
        )
    return _date_header


# Where nginx's error pages (ngx_http_special_response.c) word a status differently.
NGINX_PAGE_TITLES = {
    401: "Authorization Required",
    405: "Not Allowed",
    408: "Request Time-out",
    413: "Request Entity Too Large",
    414: "Request-URI Too Large",
    416: "Requested Range Not Satisfiable",
    503: "Service Temporarily Unavailable",
    504: "Gateway Time-out",
}


def error_page(status: int) -> bytes:
    """nginx's error page as APISIX (openresty) serves it."""
    phrase = NGINX_PAGE_TITLES.get(status)
    if phrase is None:
        phrase = HTTPStatus(status).phrase if status in STATUS_LINES else "Error"
    title = f"{status} {phrase}"
    return (
        f"<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n"
        f"<center><h1>{title}</h1></center>\r\n<hr><center>openresty</center>\r\n"
        '<p><em>Powered by <a href="https://apisix.apache.org/">APISIX</a>.</em></p></body>\r\n'
        "</html>\r\n"
    ).encode()


def response_bytes(
    status: int,
    body: bytes,
    headers: dict[str, str | None] | None,
    extra_headers: dict[str, str | None] | None,
    keep_alive: bool,
    head_only: bool = False,
    content_type: str = "text/plain; charset=utf-8",
) -> bytes:
    """A complete response with a Content-Length; `extra_headers` win over `headers`
    and a None value removes the header."""
    merged: dict[str, tuple[str, str]] = {"content-type": ("Content-Type", content_type)}
    for source in (headers, extra_headers):
        if source:
            for name, value in source.items():
                lowered = name.lower()
                if value is None:
                    merged.pop(lowered, None)
                else:
                    merged[lowered] = (name, str(value))
    merged.pop("content-length", None)
    merged.pop("connection", None)
    merged.pop("transfer-encoding", None)
    lines = [status_line(status), date_and_server()]
    for name, value in merged.values():
        lines.append(f"{name}: {value}\r\n".encode("latin-1", "replace"))
    lines.append(b"Content-Length: %d\r\n" % len(body))
    lines.append(b"Connection: keep-alive\r\n\r\n" if keep_alive else b"Connection: close\r\n\r\n")
    if not head_only:
        lines.append(body)
    return b"".join(lines)


def plugin_body(body: bytes | str | dict[str, Any] | list[Any] | None) -> bytes:
    """A plugin's response body as bytes; APISIX's core.response.exit encodes tables as JSON
    and ends them with a newline."""
    if body is None:
        return b""
    if isinstance(body, bytes):
        return body
    if isinstance(body, str):
        return body.encode()
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode() + b"\n"
