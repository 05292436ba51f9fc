"""tcp-logger: batches of log entries (a JSON array, a lone object when `batch_max_size` is 1)
written to a TCP connection per batch; `timeout` in milliseconds."""

from __future__ import annotations

from typing import Any

from .log_entry import BatchLogPlugin, encode_batch
from .stream_sinks import send_tcp


class TcpLogger(BatchLogPlugin):
    name = "tcp-logger"
    priority = 405
    buffer_name = "tcp logger"

    async def send(self, entries: list[Any], batch_max_size: int) -> None:
        conf = self.conf
        await send_tcp(
            conf["host"],
            conf["port"],
            encode_batch(entries, batch_max_size),
            conf.get("timeout", 1000) / 1000.0,
            bool(conf.get("tls")),
            conf.get("tls_options"),
        )
