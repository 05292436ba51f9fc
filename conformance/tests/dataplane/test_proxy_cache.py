"""proxy-cache with the memory strategy on real traffic.

Sources: APISIX 3.5 proxy-cache docs and apisix/plugins/proxy-cache/memory_handler.lua: an
answer from the upstream with a status in `cache_http_status` to a request whose method is
in `cache_method` is kept under `cache_key` for `cache_ttl` seconds; the next such request
is answered from the cache (`Apisix-Cache-Status: HIT`, without asking the upstream), the
first one and those after expiry are MISS; a non-empty, non-"0" `cache_bypass` value makes
the request BYPASS the cache, a non-empty `no_cache` value keeps the answer out of it; the
PURGE method removes an entry (200), or answers 404 when there is none.
"""

from __future__ import annotations

import time

from conformance.registry import conformance_test
from conformance.support.dataplane_setup import plugin_route, wait_served
from conformance.support.eventually import eventually


@conformance_test(
    name="proxy-cache-memory",
    description="proxy-cache (memory) answers MISS then HIT without the upstream, BYPASS, "
    "no_cache, expiry after cache_ttl, and PURGE",
    profile="dataplane",
    features=["dp-plugin-proxy-cache"],
)
def test_proxy_cache_memory(admin, dataplane, gw_target, echo, tag):
    conf = {
        "cache_strategy": "memory",
        "cache_zone": "memory_cache",
        "cache_ttl": 2,
        "cache_bypass": ["$arg_bypass"],
        "no_cache": ["$arg_nocache"],
    }
    path = plugin_route(admin, echo, tag, "pc", {"proxy-cache": conf})
    wait_served(dataplane, f"{path}/warm", "echo", gw_target.timeouts)

    def status_of(target: str, **kwargs) -> tuple[int, str | None]:
        response = dataplane.request(kwargs.pop("method", "GET"), target, **kwargs)
        return response.status_code, response.headers.get("apisix-cache-status")

    before = echo.request_count
    first = dataplane.get(f"{path}/a")
    assert (first.status_code, first.headers.get("apisix-cache-status")) == (200, "MISS")
    hit = dataplane.get(f"{path}/a")
    assert (hit.status_code, hit.headers.get("apisix-cache-status")) == (200, "HIT")
    assert hit.content == first.content, "a HIT answers the stored body"
    assert echo.request_count == before + 1, "a HIT must not ask the upstream"
    assert status_of(f"{path}/a?bypass=1") == (200, "BYPASS")
    assert status_of(f"{path}/a?bypass=0") == (200, "MISS")  # "0" does not bypass
    # an answer no_cache keeps out of the cache is asked for again
    assert status_of(f"{path}/b?nocache=1") == (200, "MISS")
    assert status_of(f"{path}/b?nocache=1") == (200, "MISS")
    # POST is not in the default cache_method
    assert status_of(f"{path}/a", method="POST")[1] == "MISS"
    # PURGE removes the entry, then there is nothing to purge
    assert status_of(f"{path}/a", method="PURGE")[0] == 200
    assert status_of(f"{path}/a", method="PURGE")[0] == 404
    assert status_of(f"{path}/a") == (200, "MISS")
    stored = time.monotonic()

    def expired() -> None:
        assert status_of(f"{path}/a") == (200, "MISS")

    assert status_of(f"{path}/a") == (200, "HIT")
    eventually(expired, timeout=6, interval=0.25, successes=1)
    assert time.monotonic() - stored >= 1.5, "the entry must live cache_ttl (2) seconds"


@conformance_test(
    name="proxy-cache-key",
    description="proxy-cache keeps answers under cache_key: requests whose key is equal "
    "share an entry",
    profile="dataplane",
    features=["dp-plugin-proxy-cache"],
)
def test_proxy_cache_key(admin, dataplane, gw_target, echo, tag):
    conf = {"cache_strategy": "memory", "cache_zone": "memory_cache", "cache_key": ["$uri"]}
    path = plugin_route(admin, echo, tag, "key", {"proxy-cache": conf})
    wait_served(dataplane, f"{path}/warm", "echo", gw_target.timeouts)
    first = dataplane.get(f"{path}/k?v=1")
    assert first.headers.get("apisix-cache-status") == "MISS"
    other_query = dataplane.get(f"{path}/k?v=2")  # the query is not part of this key
    assert other_query.headers.get("apisix-cache-status") == "HIT"
    assert other_query.content == first.content
    assert dataplane.get(f"{path}/k2?v=1").headers.get("apisix-cache-status") == "MISS"
