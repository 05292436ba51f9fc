"""HTTP clients plugins call other services with (forward-auth, openid-connect): asynchronous,
so the data plane's event loop never waits on them, and pooled per event loop and settings."""

from __future__ import annotations

import asyncio
import weakref

import httpx

_Settings = tuple[bool, float, int]  # (verify TLS, keepalive expiry in seconds, pool size)
_CLIENTS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[_Settings, httpx.AsyncClient]]
_CLIENTS = weakref.WeakKeyDictionary()


def async_client(
    verify: bool = True, keepalive_expiry: float = 60.0, pool: int = 5
) -> httpx.AsyncClient:
    """The running loop's client for these settings (created on first use, then reused)."""
    loop = asyncio.get_running_loop()
    clients = _CLIENTS.setdefault(loop, {})
    key = (verify, keepalive_expiry, pool)
    client = clients.get(key)
    if client is None:
        limits = httpx.Limits(max_keepalive_connections=pool, keepalive_expiry=keepalive_expiry)
        client = clients[key] = httpx.AsyncClient(verify=verify, limits=limits, trust_env=False)
    return client
