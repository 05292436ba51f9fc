"""http-logger: batches of log entries POSTed to `uri` (a JSON array, or one JSON object per
line with `concat_method: new_line`; a lone object when `batch_max_size` is 1)."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

from ..plugin_api import Ctx
from .batch_processor import DeliveryError
from .http_post import post
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
        conf = self.conf
        new_line = conf.get("concat_method") == "new_line"
        uri = conf["uri"]
        url = urlsplit(uri)
        headers = {
            "Host": url.hostname or "",  # as APISIX's http-logger: the host, without port
            "Content-Type": "text/plain" if new_line else "application/json",
        }
        if conf.get("auth_header"):
            headers["Authorization"] = conf["auth_header"]
        status, body = await post(
            uri,
            self.encode(entries, batch_max_size),
            headers,
            float(conf.get("timeout", 3)),
            bool(conf.get("ssl_verify")),
        )
        if status >= 400 or status == 0:
            where = (
                f"host[{url.hostname}] port[{url.port or (443 if url.scheme == 'https' else 80)}]"
            )
            text = body.decode("utf-8", "replace")
            raise DeliveryError(f"server returned status code[{status}] {where} body[{text}]")


class HttpLoggerWithBody(HttpLogger, BodyCollector):
    pass


HttpLogger.with_body = HttpLoggerWithBody
