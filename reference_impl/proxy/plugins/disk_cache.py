"""proxy-cache's disk zones: nginx's proxy_cache as APISIX configures it.

A zone is an entry of config.yaml's `apisix.proxy_cache.zones` with a `disk_path`; an answer is
kept in the file nginx would use (`util.generate_cache_filename`: the md5 of the key, under
one directory per `cache_levels` part, each taken from the end of the md5), so every worker
and process of the node shares it and PURGE removes that file. An entry lives as long as its
upstream answer says (`X-Accel-Expires`, `Cache-Control` `s-maxage`/`max-age`, `Expires`),
else `apisix.proxy_cache.cache_ttl` (nginx's `proxy_cache_valid any`); answers with
`Cache-Control` no-store/no-cache/private, `Set-Cookie` or `Vary: *` are not kept. An expired
entry stays on disk until it is replaced (EXPIRED, where nginx's `inactive=1d` removes it later).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any

_TIME = re.compile(r"^\s*(\d+)\s*(ms|s|m|h|d|w|M|y)?\s*$")
_UNITS = {
    "ms": 0.001,
    "s": 1,
    "m": 60,
    "h": 3600,
    "d": 86400,
    "w": 604800,
    "M": 2592000,
    "y": 31536000,
    None: 1,
}


def nginx_seconds(value: Any, name: str) -> float:
    """An nginx time ("10s", "1h", 30) in seconds."""
    match = _TIME.match(str(value))
    if match is None:
        raise ValueError(f"invalid {name}: {value!r} (expected a time such as 10s)")
    return int(match.group(1)) * _UNITS[match.group(2)]


@dataclass(frozen=True)
class StoredAnswer:
    status: int
    headers: list[tuple[str, str]]
    body: bytes
    expires: float  # wall-clock time


class DiskZone:
    """One zone's directory of cached answers."""

    def __init__(self, path: str, levels: str, default_ttl: float) -> None:
        self.path = path
        self.levels = [int(part) for part in levels.split(":")] if levels else []
        if any(level not in (1, 2) for level in self.levels) or len(self.levels) > 3:
            raise ValueError(f"invalid cache_levels: {levels!r} (1 to 3 parts of 1 or 2)")
        self.default_ttl = default_ttl

    def filename(self, key: str) -> str:
        digest = hashlib.md5(key.encode(), usedforsecurity=False).hexdigest()  # nginx's naming
        parts, end = [], len(digest)
        for length in self.levels:
            parts.append(digest[end - length : end])
            end -= length
        return os.path.join(self.path, *parts, digest)

    def get(self, key: str) -> StoredAnswer | None:
        try:
            with open(self.filename(key), "rb") as f:
                meta = json.loads(f.readline())
                body = f.read()
        except (OSError, ValueError):
            return None
        if meta.get("key") != key:
            return None
        headers = [(str(n), str(v)) for n, v in meta["headers"]]
        return StoredAnswer(int(meta["status"]), headers, body, float(meta["expires"]))

    def put(self, key: str, answer: StoredAnswer) -> None:
        filename = self.filename(key)
        directory = os.path.dirname(filename)
        meta = {
            "key": key,
            "status": answer.status,
            "headers": answer.headers,
            "expires": answer.expires,
        }
        try:
            os.makedirs(directory, exist_ok=True)
            fd, temp = tempfile.mkstemp(dir=directory, prefix=".tmp-")
            with os.fdopen(fd, "wb") as f:
                f.write(json.dumps(meta).encode() + b"\n" + answer.body)
            os.replace(temp, filename)  # readers in other workers see all of it or none
        except OSError:
            return  # as nginx, an answer it cannot write is served and not kept

    def purge(self, key: str) -> bool:
        """Remove the entry; False when there was none."""
        try:
            os.remove(self.filename(key))
        except FileNotFoundError:
            return False
        return True


def answer_lifetime(headers: list[tuple[str, str]], default_ttl: float, now: float) -> float | None:
    """How long nginx keeps an upstream answer with these headers; None: not at all."""
    found: dict[str, str] = {}
    for name, value in headers:
        found.setdefault(name.lower(), value)
    if "set-cookie" in found or found.get("vary", "").strip() == "*":
        return None
    accel = found.get("x-accel-expires")
    if accel is not None and accel.strip().isdigit():
        return float(accel) or None
    directives: dict[str, str | None] = {}
    for part in found.get("cache-control", "").split(","):
        name, _, value = part.strip().partition("=")
        if name:
            directives[name.lower()] = value.strip() or None
    if {"no-store", "no-cache", "private"} & directives.keys():
        return None
    for directive in ("s-maxage", "max-age"):
        seconds = directives.get(directive)
        if seconds is not None and seconds.isdigit():
            return float(seconds) or None
    if "expires" in found:
        try:
            left = parsedate_to_datetime(found["expires"]).timestamp() - now
        except (TypeError, ValueError):
            return None
        return left if left > 0 else None
    return default_ttl


def disk_zones(proxy_cache: dict[str, Any]) -> dict[str, DiskZone]:
    """config.yaml's `apisix.proxy_cache`: its zones with a disk_path."""
    default_ttl = nginx_seconds(proxy_cache.get("cache_ttl", "10s"), "apisix.proxy_cache.cache_ttl")
    zones: dict[str, DiskZone] = {}
    for zone in proxy_cache.get("zones") or ():
        if isinstance(zone, dict) and zone.get("disk_path"):
            levels = str(zone.get("cache_levels", "1:2"))
            zones[str(zone["name"])] = DiskZone(str(zone["disk_path"]), levels, default_ttl)
    return zones
