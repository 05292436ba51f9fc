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


def _cache_status(dataplane, target: str, method: str = "GET", **kwargs) -> tuple[int, str | None]:
    """The status and Apisix-Cache-Status of a request."""
    response = dataplane.request(method, target, **kwargs)
    return response.status_code, response.headers.get("apisix-cache-status")


def _bypassable_route(admin, dataplane, gw_target, echo, tag, name, conf) -> str:
    """A served route with proxy-cache `conf` whose `bypass` and `nocache` query arguments are
    its cache_bypass and no_cache; its path."""
    conf = {**conf, "cache_bypass": ["$arg_bypass"], "no_cache": ["$arg_nocache"]}
    path = plugin_route(admin, echo, tag, name, {"proxy-cache": conf})
    wait_served(dataplane, f"{path}/warm", "echo", gw_target.timeouts)
    return path


def _miss_then_hit(dataplane, echo, target: str, headers: dict[str, str] | None = None) -> None:
    """The first GET of `target` is a MISS, the second a HIT answered without the upstream."""
    before = echo.request_count
    first = dataplane.get(target, headers=headers)
    assert (first.status_code, first.headers.get("apisix-cache-status")) == (200, "MISS")
    hit = dataplane.get(target)
    assert (hit.status_code, hit.headers.get("apisix-cache-status")) == (200, "HIT")
    assert hit.content == first.content, "a HIT answers the stored body"
    assert echo.request_count == before + 1, "a HIT must not ask the upstream"


@conformance_test(
    name="proxy-cache-memory",
    description="proxy-cache (memory) answers MISS then HIT without the upstream, BYPASS, "
    "no_cache, expiry after cache_ttl, and PURGE",
    profile="dataplane",
    features=["dp-plugin-proxy-cache"],
)
def test_proxy_cache_memory(admin, dataplane, gw_target, echo, tag):
    conf = {"cache_strategy": "memory", "cache_zone": "memory_cache", "cache_ttl": 2}
    path = _bypassable_route(admin, dataplane, gw_target, echo, tag, "pc", conf)

    def status_of(target: str, **kwargs) -> tuple[int, str | None]:
        return _cache_status(dataplane, target, **kwargs)

    _miss_then_hit(dataplane, echo, f"{path}/a")
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


@conformance_test(
    name="proxy-cache-disk",
    description="proxy-cache (disk zone disk_cache_one) answers MISS then HIT without the "
    "upstream, EXPIRED after the answer's max-age, BYPASS for cache_bypass and methods not in "
    "cache_method, keeps no answer no_cache or Cache-Control: no-store excludes, and PURGE",
    profile="dataplane",
    features=["dp-plugin-proxy-cache-disk"],
)
def test_proxy_cache_disk(admin, dataplane, gw_target, echo, tag):
    # Sources: APISIX 3.5 proxy-cache docs (disk_cache_one of the default configuration),
    # apisix/plugins/proxy-cache/disk_handler.lua and the proxy_cache directives of
    # apisix/cli/ngx_tpl.lua (nginx's proxy_cache honours the answer's Cache-Control).
    conf = {"cache_strategy": "disk", "cache_zone": "disk_cache_one"}
    path = _bypassable_route(admin, dataplane, gw_target, echo, tag, "disk", conf)
    for name in ("a", "b", "c"):  # a disk zone outlives gateways: start from no entry
        assert dataplane.request("PURGE", f"{path}/{name}").status_code in (200, 404)
    short = {"X-Echo-Set-Header": "Cache-Control: max-age=2"}

    def status_of(target: str, **kwargs) -> tuple[int, str | None]:
        return _cache_status(dataplane, target, **kwargs)

    _miss_then_hit(dataplane, echo, f"{path}/a", short)
    assert status_of(f"{path}/a?bypass=1") == (200, "BYPASS")
    assert status_of(f"{path}/a", method="POST") == (200, "BYPASS")  # not in cache_method
    # no_cache and the answer's own Cache-Control keep it out of the cache
    assert status_of(f"{path}/b?nocache=1") == (200, "MISS")
    assert status_of(f"{path}/b?nocache=1") == (200, "MISS")
    no_store = {"X-Echo-Set-Header": "Cache-Control: no-store"}
    assert status_of(f"{path}/c", headers=no_store) == (200, "MISS")
    assert status_of(f"{path}/c") == (200, "MISS")
    stored = time.monotonic()

    def expired() -> None:
        assert status_of(f"{path}/a", headers=short) == (200, "EXPIRED")

    eventually(expired, timeout=8, interval=0.25, successes=1)
    assert time.monotonic() - stored >= 0.5, "the entry must live its max-age (2) seconds"
    assert status_of(f"{path}/a") == (200, "HIT")  # the EXPIRED answer replaced the entry
    assert dataplane.request("PURGE", f"{path}/a").status_code == 200
    assert dataplane.request("PURGE", f"{path}/a").status_code == 404
    assert status_of(f"{path}/a") == (200, "MISS")
