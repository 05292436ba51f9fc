"""syslog: each log entry as an RFC 5424 line (facility SYSLOG, severity INFO, app `apisix`),
batched, and written to a syslog server over TCP or UDP by a buffering logger: as
lua-resty-logger-socket, lines are held until the buffer reaches `flush_limit` bytes, and a
line that would take it past `drop_limit` is dropped."""

from __future__ import annotations

import json
import logging
import os
import time
from typing import Any

from ..plugin_api import Ctx
from .batch_processor import DeliveryError
from .log_entry import BatchLogPlugin
from .stream_sinks import send_tcp, send_udp

log = logging.getLogger(__name__)

_PRIORITY = 5 * 8 + 6  # facility SYSLOG, severity INFO


def rfc3339_zulu(now: float) -> str:
    second = int(now)
    millis = int((now - second) * 1000)
    return time.strftime("%Y-%m-%dT%H:%M:%S.", time.gmtime(second)) + f"{millis:03d}Z"


def rfc5424_line(hostname: str | None, message: str) -> str:
    stamp = rfc3339_zulu(time.time())
    return f"<{_PRIORITY}>1 {stamp} {hostname or '-'} apisix {os.getpid()} - - {message}\n"


class Syslog(BatchLogPlugin):
    name = "syslog"
    priority = 401
    buffer_name = "sys logger"

    def __init__(self, conf: dict[str, Any], env: Any) -> None:
        super().__init__(conf, env)
        self.buffer = b""

    def prepare(self, ctx: Ctx, entry: dict[str, Any]) -> Any:
        text = json.dumps(entry, separators=(",", ":"), ensure_ascii=False)
        return rfc5424_line(ctx.var("host"), text)

    async def send(self, entries: list[Any], batch_max_size: int) -> None:
        message = "".join(entries).encode()
        pending = len(self.buffer) + len(message)
        if pending < self.conf.get("flush_limit", 4096):
            self.buffer += message
            return
        if pending > self.conf.get("drop_limit", 1048576):
            log.error("logger buffer is full, this log message will be dropped")
            data, self.buffer = self.buffer, b""
        else:
            data, self.buffer = self.buffer + message, b""
        if data:
            await self._write(data)

    async def _write(self, data: bytes) -> None:
        conf = self.conf
        try:
            if conf.get("sock_type", "tcp") == "udp":
                send_udp(conf["host"], conf["port"], data)
            else:
                timeout = conf.get("timeout", 3000) / 1000.0
                await send_tcp(conf["host"], conf["port"], data, timeout, bool(conf.get("tls")))
        except DeliveryError as exc:
            raise DeliveryError(f"failed to log message{exc}") from exc
