"""Sending a log batch over TCP (optionally TLS, no certificate check, as APISIX's loggers)
and UDP, with the error messages APISIX's loggers log."""

from __future__ import annotations

import asyncio
import socket
import ssl

from .batch_processor import DeliveryError


def _tls_context() -> ssl.SSLContext:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


async def send_tcp(
    host: str, port: int, data: bytes, timeout: float, tls: bool, server_name: str | None = None
) -> None:
    where = f"host[{host}] port[{port}]"
    try:
        _, writer = await asyncio.wait_for(
            asyncio.open_connection(
                host,
                port,
                ssl=_tls_context() if tls else None,
                server_hostname=(server_name or host) if tls else None,
            ),
            timeout,
        )
    except (OSError, TimeoutError) as exc:
        raise DeliveryError(f"failed to connect to TCP server: {where} err: {exc}") from exc
    try:
        writer.write(data)
        await asyncio.wait_for(writer.drain(), timeout)
    except (OSError, TimeoutError) as exc:
        raise DeliveryError(f"failed to send data to TCP server: {where} err: {exc}") from exc
    finally:
        writer.close()


def send_udp(host: str, port: int, data: bytes) -> None:
    """One datagram; sending a datagram does not block."""
    where = f"host[{host}] port[{port}]"
    try:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        with socket.socket(family, socket.SOCK_DGRAM) as sock:
            sock.setblocking(False)
            sock.connect((host, port))
            sock.send(data)
    except OSError as exc:
        raise DeliveryError(f"failed to send data to UDP server: {where} err:{exc}") from exc
