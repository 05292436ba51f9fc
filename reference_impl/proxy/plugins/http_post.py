"""One HTTP/1.1 POST from a plugin's background task (log and trace exporters)."""

from __future__ import annotations

import asyncio
import ssl
from urllib.parse import urlsplit

from .batch_processor import DeliveryError


async def post(
    uri: str,
    body: bytes,
    headers: dict[str, str],
    timeout: float,
    ssl_verify: bool = False,
) -> tuple[int, bytes]:
    """(status, response body) of POSTing `body` to `uri`; DeliveryError when no answer
    came, worded as APISIX's loggers word it. Host is the URI's host and port unless
    `headers` name one."""
    url = urlsplit(uri)
    host = url.hostname or ""
    https = url.scheme == "https"
    port = url.port or (443 if https else 80)
    context = None
    if https:
        context = ssl.create_default_context()
        if not ssl_verify:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
    try:
        reader, writer = await asyncio.wait_for(
            asyncio.open_connection(host, port, ssl=context), timeout
        )
    except (OSError, TimeoutError) as exc:
        raise DeliveryError(f"failed to connect to host[{host}] port[{port}] {exc}") from exc
    target = (url.path or "/") + (f"?{url.query}" if url.query else "")
    lines = [f"POST {target} HTTP/1.1", f"Host: {headers.get('Host', url.netloc)}"]
    lines += [f"{name}: {value}" for name, value in headers.items() if name != "Host"]
    lines += [f"Content-Length: {len(body)}", "Connection: close"]
    try:
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
        response = await asyncio.wait_for(reader.read(), timeout)
    except (OSError, TimeoutError) as exc:
        raise DeliveryError(f"error while sending data to [{host}] port[{port}] {exc}") from exc
    finally:
        writer.close()
    status_line, _, rest = response.partition(b"\r\n")
    parts = status_line.split(b" ", 2)
    status = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0
    return status, rest.partition(b"\r\n\r\n")[2]
