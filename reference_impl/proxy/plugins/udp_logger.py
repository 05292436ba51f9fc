"""udp-logger: batches of log entries (a JSON array, a lone object when `batch_max_size` is 1),
one datagram per batch."""

from __future__ import annotations

from typing import Any

from .log_entry import BatchLogPlugin, encode_batch
from .stream_sinks import send_udp


class UdpLogger(BatchLogPlugin):
    name = "udp-logger"
    priority = 400
    buffer_name = "udp logger"

    async def send(self, entries: list[Any], batch_max_size: int) -> None:
        send_udp(self.conf["host"], self.conf["port"], encode_batch(entries, batch_max_size))
