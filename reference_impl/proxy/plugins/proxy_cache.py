"""proxy-cache: `cache_strategy: memory` as apisix/plugins/proxy-cache/memory_handler.lua, and
`disk` as disk_handler.lua with nginx's proxy_cache (`disk_cache.py`).

The access phase answers a cached response (`Apisix-Cache-Status: HIT`, with `Age`) when the
request is cacheable (its method in `cache_method`, `cache_bypass` empty or "0", and with
`cache_control` no `no-store`/`no-cache` in its Cache-Control) and an entry is stored under
`cache_key`; otherwise it marks the answer MISS, STALE or BYPASS and lets it go upstream.
The header and body filters keep the upstream's answer when its status is in
`cache_http_status`, `no_cache` is empty or "0" and (with `cache_control`) its Cache-Control
allows it, for `cache_ttl` seconds (with `cache_control`, the answer's max-age or Expires).
`PURGE` removes the entry: 200, or 404 when there was none.

The zone is this worker's (APISIX's `memory_cache` is a shared dict of the node).

The disk strategy, as nginx's proxy_cache under APISIX's directives: a request whose method is
not in `cache_method`, or with a `cache_bypass` value, is BYPASS (and with a matching method
its answer is still kept); an entry on disk is a HIT (no `Age`), an outdated one EXPIRED, none
MISS; the answer is kept when its method and status match and `no_cache` is empty or "0", for
the lifetime nginx gives it (`cache_ttl` plays no part). The HIT is answered in this plugin's
access phase (nginx answers it after every access phase).
"""

from __future__ import annotations

import math
import re
from collections import OrderedDict
from email.utils import parsedate_to_datetime
from typing import Any

from ..plugin_api import Ctx, Plugin, Response, ResponseHead
from .disk_cache import DiskZone, StoredAnswer, answer_lifetime

_STATE = "proxy-cache"
MAX_ENTRIES = 4096  # per zone; the oldest entry goes first

# not restored from the cache (apisix/plugins/proxy-cache/memory_handler.lua)
_HOP_BY_HOP = frozenset(
    (
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailers",
        "transfer-encoding",
        "upgrade",
        "content-length",
        "apisix-cache-status",
    )
)
_DIRECTIVE = re.compile(r"^\s*([^=]+)(?:=(.+))?")


class _Entry:
    __slots__ = ("body", "headers", "status", "timestamp", "ttl")

    def __init__(
        self, status: int, headers: list[tuple[str, str]], body: bytes, ttl: float, now: float
    ) -> None:
        self.status, self.headers, self.body, self.ttl, self.timestamp = (
            status,
            headers,
            body,
            ttl,
            now,
        )


class MemoryZone:
    """One memory cache zone: entries by key, each expiring after its ttl."""

    def __init__(self) -> None:
        self._entries: OrderedDict[str, tuple[_Entry, float]] = OrderedDict()

    def get(self, key: str, now: float) -> _Entry | None:
        found = self._entries.get(key)
        if found is None:
            return None
        if found[1] <= now:
            del self._entries[key]
            return None
        return found[0]

    def set(self, key: str, entry: _Entry, expires_at: float) -> None:
        self._entries[key] = (entry, expires_at)
        self._entries.move_to_end(key)
        while len(self._entries) > MAX_ENTRIES:
            self._entries.popitem(last=False)

    def purge(self, key: str) -> None:
        self._entries.pop(key, None)


def _complex_value(parts: list[str], ctx: Ctx) -> str:
    """cache_key, cache_bypass, no_cache: `$var` items resolved ("" when unset), others kept."""
    return "".join((ctx.var(p[1:]) or "") if p.startswith("$") else p for p in parts)


def _directives(header: str | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for part in (header or "").split(","):
        match = _DIRECTIVE.match(part)
        if match is None or not match.group(1).strip():
            continue
        value = match.group(2)
        try:
            parsed: Any = float(value) if value is not None else True
        except ValueError:
            parsed = value
        out[match.group(1).strip().lower()] = parsed
    return out


def _set(value: Any) -> bool:
    return value is not None and value not in ("", "0")


class ProxyCache(Plugin):
    name = "proxy-cache"
    priority = 1085

    def __init__(self, conf: dict[str, Any], env: Any) -> None:
        super().__init__(conf, env)
        zone_name = conf.get("cache_zone", "disk_cache_one")
        self._disk: DiskZone | None = None
        if conf.get("cache_strategy", "disk") == "disk":
            self._disk = env.shared.disk_zones.get(zone_name)
            if self._disk is None:
                raise ValueError(f"cache_zone {zone_name} is not a disk zone of this gateway")
        self._zone: MemoryZone = env.shared.cache_zone(zone_name)
        self._key = list(conf.get("cache_key") or ("$host", "$request_uri"))
        self._methods = frozenset(conf.get("cache_method") or ("GET", "HEAD"))
        self._statuses = frozenset(conf.get("cache_http_status") or (200, 301, 404))
        self._bypass: list[str] | None = conf.get("cache_bypass")
        self._no_cache: list[str] | None = conf.get("no_cache")
        self._cache_control = bool(conf.get("cache_control", False))
        self._hide = bool(conf.get("hide_cache_headers", False))
        self._ttl = int(conf.get("cache_ttl", 300))

    async def access(self, ctx: Ctx) -> Response | None:
        if self._disk is not None:
            return self._disk_access(ctx, self._disk)
        cc = _directives(ctx.var("http_cache_control"))
        method = ctx.var("request_method")
        if method != "PURGE":
            status = self._request_status(ctx, method, cc)
            if status:
                ctx.response_headers["Apisix-Cache-Status"] = status
                return None
        key = _complex_value(self._key, ctx)
        now = self.env.shared.clock()
        entry = self._zone.get(key, now)
        if method == "PURGE":
            if entry is None:
                return Response(404)
            self._zone.purge(key)
            return Response(200)
        if entry is None:
            ctx.response_headers["Apisix-Cache-Status"] = "MISS"
            if self._cache_control and cc.get("only-if-cached"):
                return Response(504)
            ctx.state[_STATE] = key
            return None
        if self._stale(entry, cc, now):
            ctx.response_headers["Apisix-Cache-Status"] = "STALE"
            ctx.state[_STATE] = key
            return None
        headers: dict[str, str] = {}
        for name, value in entry.headers:
            lowered = name.lower()
            if self._hide and lowered in ("expires", "cache-control"):
                headers[name] = ""
            elif lowered not in _HOP_BY_HOP and "ratelimit-remaining" not in lowered:
                headers[name] = value
        headers["Age"] = str(math.floor(now - entry.timestamp))
        headers["Apisix-Cache-Status"] = "HIT"
        return Response(entry.status, entry.body, headers)

    def _request_status(self, ctx: Ctx, method: str | None, cc: dict[str, Any]) -> str:
        """Why the request is not served from the cache ("" when it may be)."""
        if method not in self._methods:
            return "MISS"
        if self._bypass is not None and _set(_complex_value(self._bypass, ctx)):
            return "BYPASS"
        if self._cache_control and (cc.get("no-store") or cc.get("no-cache")):
            return "BYPASS"
        return ""

    def _stale(self, entry: _Entry, cc: dict[str, Any], now: float) -> bool:
        age = now - entry.timestamp
        if not self._cache_control:
            return age > entry.ttl
        max_age, max_stale, min_fresh = cc.get("max-age"), cc.get("max-stale"), cc.get("min-fresh")
        return bool(
            (isinstance(max_age, float) and age > max_age)
            or (isinstance(max_stale, float) and age - entry.ttl > max_stale)
            or (isinstance(min_fresh, float) and entry.ttl - age < min_fresh)
        )

    def _disk_access(self, ctx: Ctx, zone: DiskZone) -> Response | None:
        key = _complex_value(self._key, ctx)
        method = ctx.var("request_method")
        if method == "PURGE":
            return Response(200 if zone.purge(key) else 404)
        status = "MISS"
        bypass = self._bypass is not None and _set(_complex_value(self._bypass, ctx))
        if bypass or method not in self._methods:
            status = "BYPASS"
        else:
            entry = zone.get(key)
            if entry is not None and entry.expires > self.env.shared.clock():
                headers: dict[str, str] = {}
                for name, value in entry.headers:
                    if self._hide and name.lower() in ("expires", "cache-control"):
                        value = ""
                    headers[name] = value
                headers["Apisix-Cache-Status"] = "HIT"
                return Response(entry.status, entry.body, headers)
            if entry is not None:
                status = "EXPIRED"
        ctx.response_headers["Apisix-Cache-Status"] = status
        if method in self._methods:
            ctx.state[_STATE] = key
        return None

    def _disk_keeps(self, ctx: Ctx, head: ResponseHead, zone: DiskZone) -> float | None:
        """How long the disk zone keeps the upstream's answer (None: not kept)."""
        if head.status not in self._statuses:
            return None
        if self._no_cache is not None and _set(_complex_value(self._no_cache, ctx)):
            return None
        return answer_lifetime(head.headers, zone.default_ttl, self.env.shared.clock())

    def header_filter(self, ctx: Ctx, head: ResponseHead) -> None:
        key = ctx.state.get(_STATE)
        if key is None:
            return
        if self._disk is not None:
            lifetime = self._disk_keeps(ctx, head, self._disk)
            stored = [(n, v) for n, v in head.headers if n.lower() not in _HOP_BY_HOP]
            self._hide_cache_headers(head)
            if lifetime is None:
                del ctx.state[_STATE]
            else:
                ctx.state[_STATE] = (key, head.status, stored, lifetime, bytearray())
            return
        # the upstream's headers, as stored and as read, before any are hidden
        headers = list(head.headers)
        cc = _directives(head.get("cache-control"))
        ttl = self._cacheable_ttl(ctx, head, cc)
        self._hide_cache_headers(head)
        if ttl is None:
            del ctx.state[_STATE]
            return
        ctx.state[_STATE] = (key, head.status, headers, ttl, bytearray())

    def _hide_cache_headers(self, head: ResponseHead) -> None:
        if self._hide:
            for name in ("Expires", "Cache-Control"):
                if head.get(name) is not None:
                    head.set(name, "")

    def _cacheable_ttl(self, ctx: Ctx, head: ResponseHead, cc: dict[str, Any]) -> float | None:
        """How long to keep the answer, or None when it is not cacheable."""
        if head.status not in self._statuses:
            return None
        if self._no_cache is not None and _set(_complex_value(self._no_cache, ctx)):
            return None
        if not self._cache_control:
            return float(self._ttl)
        if cc.get("private") or cc.get("no-store") or cc.get("no-cache"):
            return None
        ttl = self._resource_ttl(head, cc)
        return ttl if ttl > 0 else None

    def _resource_ttl(self, head: ResponseHead, cc: dict[str, Any]) -> float:
        max_age = cc.get("s-maxage", cc.get("max-age"))
        if not isinstance(max_age, float):
            expires = head.get("expires")
            try:
                max_age = parsedate_to_datetime(expires or "").timestamp() - self.env.shared.clock()
            except (TypeError, ValueError):
                return 0.0
        return max(max_age, 0.0)

    def body_filter(self, ctx: Ctx, chunk: bytes, eof: bool) -> bytes:
        pending = ctx.state.get(_STATE)
        if not isinstance(pending, tuple):
            return chunk
        key, status, headers, ttl, body = pending
        body.extend(chunk)
        if eof:
            now = self.env.shared.clock()
            if self._disk is not None:
                self._disk.put(key, StoredAnswer(status, headers, bytes(body), now + ttl))
            else:
                self._zone.set(key, _Entry(status, headers, bytes(body), ttl, now), now + ttl)
        return chunk
