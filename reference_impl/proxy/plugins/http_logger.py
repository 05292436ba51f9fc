"""http-logger: batches of log entries POSTed to `uri` (a JSON array, or one JSON object per
line with `concat_method: new_line`; a lone object when `batch_max_size` is 1)."""

from __future__ import annotations

import asyncio
import json
import ssl
from typing import Any
from urllib.parse import urlsplit

from ..plugin_api import Ctx
from .batch_processor import DeliveryError
from .log_entry import BatchLogPlugin, BodyCollector, encode_batch


class HttpLogger(BatchLogPlugin):
    name = "http-logger"
    priority = 410
    buffer_name = "http logger"

    def prepare(self, ctx: Ctx, entry: dict[str, Any]) -> Any:
        entry.setdefault("route_id", "no-matched")
        return entry

    def encode(self, entries: list[Any], batch_max_size: int) -> bytes:
        if self.conf.get("concat_method", "json") == "new_line" and batch_max_size != 1:
            lines = [json.dumps(e, separators=(",", ":"), ensure_ascii=False) for e in entries]
            return "\n".join(lines).encode()
        return encode_batch(entries, batch_max_size)

    async def send(self, entries: list[Any], batch_max_size: int) -> None:
        data = self.encode(entries, batch_max_size)
        url = urlsplit(self.conf["uri"])
        host = url.hostname or ""
        https = url.scheme == "https"
        port = url.port or (443 if https else 80)
        context = None
        if https:
            context = ssl.create_default_context()
            if not self.conf.get("ssl_verify"):
                context.check_hostname = False
                context.verify_mode = ssl.CERT_NONE
        timeout = float(self.conf.get("timeout", 3))
        try:
            reader, writer = await asyncio.wait_for(
                asyncio.open_connection(host, port, ssl=context), timeout
            )
        except (OSError, TimeoutError) as exc:
            raise DeliveryError(f"failed to connect to host[{host}] port[{port}] {exc}") from exc
        content_type = (
            "application/json" if self.conf.get("concat_method") != "new_line" else "text/plain"
        )
        target = (url.path or "/") + (f"?{url.query}" if url.query else "")
        head = [
            f"POST {target} HTTP/1.1",
            f"Host: {host}",
            f"Content-Type: {content_type}",
            f"Content-Length: {len(data)}",
            "Connection: close",
        ]
        if self.conf.get("auth_header"):
            head.append(f"Authorization: {self.conf['auth_header']}")
        try:
            writer.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + data)
            response = await asyncio.wait_for(reader.read(), timeout)
        except (OSError, TimeoutError) as exc:
            raise DeliveryError(f"error while sending data to [{host}] port[{port}] {exc}") from exc
        finally:
            writer.close()
        status_line, _, rest = response.partition(b"\r\n")
        parts = status_line.split(b" ", 2)
        status = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0
        if status >= 400 or status == 0:
            body = rest.partition(b"\r\n\r\n")[2].decode("utf-8", "replace")
            raise DeliveryError(
                f"server returned status code[{status}] host[{host}] port[{port}] body[{body}]"
            )


class HttpLoggerWithBody(HttpLogger, BodyCollector):
    pass


HttpLogger.with_body = HttpLoggerWithBody
