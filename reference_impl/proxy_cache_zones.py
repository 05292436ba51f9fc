"""config.yaml's `apisix.proxy_cache` as APISIX's conf/config-default.yaml has it: the zones
proxy-cache may name (one on disk, one in memory) and `cache_ttl`, how long the disk strategy
keeps an answer whose headers give it no lifetime."""

from __future__ import annotations

from typing import Any

DEFAULT_PROXY_CACHE: dict[str, Any] = {
    "cache_ttl": "10s",
    "zones": [
        {
            "name": "disk_cache_one",
            "memory_size": "50m",
            "disk_size": "1G",
            "disk_path": "/tmp/disk_cache_one",
            "cache_levels": "1:2",
        },
        {"name": "memory_cache", "memory_size": "50m"},
    ],
}
