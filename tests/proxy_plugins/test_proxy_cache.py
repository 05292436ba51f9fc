"""proxy-cache (memory): what is stored, for how long, and what a HIT answers."""

from __future__ import annotations

import asyncio
import hashlib

import pytest

from reference_impl.proxy.plugin_api import ResponseHead
from reference_impl.proxy.plugins import PLUGIN_CLASSES, PluginEnv, SharedState
from reference_impl.schema import check_plugin


def _cache(clock, **conf):
    checked = check_plugin(
        "proxy-cache", {"cache_strategy": "memory", "cache_zone": "memory_cache", **conf}
    )
    return PLUGIN_CLASSES["proxy-cache"](checked, PluginEnv([], {}, {}, SharedState(clock=clock)))


def _exchange(plugin, make_ctx, upstream=None, method="GET", headers=None):
    """The access phase's answer; when it let the request through, the upstream's `upstream`
    (status, headers, body) goes through the filters. Returns (answer, ctx)."""
    ctx = make_ctx(method, "/a", headers=headers)
    answer = asyncio.run(plugin.access(ctx))
    if answer is None and upstream is not None:
        status, head_headers, body = upstream
        plugin.header_filter(ctx, ResponseHead(status, list(head_headers)))
        plugin.body_filter(ctx, body, True)
    return answer, ctx


def test_cache_control_sets_the_ttl_and_hides_cache_headers(make_ctx, clock):
    plugin = _cache(clock, cache_control=True, hide_cache_headers=True)
    upstream = (200, [("Cache-Control", "max-age=5"), ("X-A", "1"), ("Content-Length", "2")], b"hi")
    answer, ctx = _exchange(plugin, make_ctx, upstream)
    assert answer is None and ctx.response_headers["Apisix-Cache-Status"] == "MISS"
    clock.advance(3)
    hit, _ = _exchange(plugin, make_ctx)
    assert (hit.status, hit.body) == (200, b"hi")
    assert hit.headers == {
        "Cache-Control": "",
        "X-A": "1",
        "Age": "3",
        "Apisix-Cache-Status": "HIT",
    }
    # the request's own max-age makes an older entry STALE
    stale, ctx = _exchange(plugin, make_ctx, headers={"Cache-Control": "max-age=1"})
    assert stale is None and ctx.response_headers["Apisix-Cache-Status"] == "STALE"
    clock.advance(3)
    assert _exchange(plugin, make_ctx)[1].response_headers["Apisix-Cache-Status"] == "MISS"


def test_uncacheable_answers_and_only_if_cached(make_ctx, clock):
    plugin = _cache(clock, cache_control=True)
    for upstream in (
        (500, [], b"x"),  # status not in cache_http_status
        (200, [("Cache-Control", "private, max-age=60")], b"x"),
        (200, [], b"x"),  # no max-age nor Expires: nothing to keep it for
    ):
        _exchange(plugin, make_ctx, upstream)
        answer, ctx = _exchange(plugin, make_ctx)
        assert answer is None and ctx.response_headers["Apisix-Cache-Status"] == "MISS"
    only, _ = _exchange(plugin, make_ctx, headers={"Cache-Control": "only-if-cached"})
    assert only.status == 504
    bypass, ctx = _exchange(plugin, make_ctx, headers={"Cache-Control": "no-cache"})
    assert bypass is None and ctx.response_headers["Apisix-Cache-Status"] == "BYPASS"


def test_purge(make_ctx, clock):
    plugin = _cache(clock)
    assert _exchange(plugin, make_ctx, method="PURGE")[0].status == 404
    _exchange(plugin, make_ctx, (200, [], b"x"))
    assert _exchange(plugin, make_ctx, method="PURGE")[0].status == 200
    assert _exchange(plugin, make_ctx)[0] is None


def _disk_cache(clock, tmp_path, **conf):
    zones = {
        "cache_ttl": "7s",
        "zones": [{"name": "disk_cache_one", "disk_path": str(tmp_path), "cache_levels": "1:2"}],
    }
    checked = check_plugin("proxy-cache", {"cache_zone": "disk_cache_one", **conf})
    shared = SharedState(clock=clock, proxy_cache=zones)
    return PLUGIN_CLASSES["proxy-cache"](checked, PluginEnv([], {}, {}, shared))


def _status(ctx):
    return ctx.response_headers.get("Apisix-Cache-Status")


def test_disk_zone_keeps_answers_in_nginx_files_shared_by_plugins(make_ctx, clock, tmp_path):
    plugin = _disk_cache(clock, tmp_path)
    answer, ctx = _exchange(plugin, make_ctx, (200, [("X-A", "1"), ("Content-Length", "2")], b"hi"))
    assert answer is None and _status(ctx) == "MISS"
    key = "localhost/a"  # $host $request_uri
    digest = hashlib.md5(key.encode()).hexdigest()
    assert (tmp_path / digest[-1] / digest[-3:-1] / digest).is_file()
    # another worker's plugin, on the same directory, answers it: no Age, as nginx
    hit, _ = _exchange(_disk_cache(clock, tmp_path), make_ctx)
    assert (hit.status, hit.body) == (200, b"hi")
    assert hit.headers == {"X-A": "1", "Apisix-Cache-Status": "HIT"}
    clock.advance(7.5)  # apisix.proxy_cache.cache_ttl: the answer gave no lifetime
    answer, ctx = _exchange(plugin, make_ctx, (200, [("Cache-Control", "max-age=60")], b"new"))
    assert answer is None and _status(ctx) == "EXPIRED"
    clock.advance(30)
    assert _exchange(plugin, make_ctx)[0].body == b"new"
    assert _exchange(plugin, make_ctx, method="PURGE")[0].status == 200
    assert _exchange(plugin, make_ctx, method="PURGE")[0].status == 404


def test_disk_zone_bypass_and_answers_it_does_not_keep(make_ctx, clock, tmp_path):
    plugin = _disk_cache(clock, tmp_path, cache_bypass=["$http_x_bypass"])
    for headers in (
        [("Cache-Control", "no-store")],
        [("Cache-Control", "private, max-age=60")],
        [("Set-Cookie", "a=1")],
        [("X-Accel-Expires", "0")],
        [("Expires", "Thu, 01 Jan 1970 00:00:00 GMT")],
    ):
        _exchange(plugin, make_ctx, (200, headers, b"x"))
        assert _status(_exchange(plugin, make_ctx)[1]) == "MISS", headers
    _exchange(plugin, make_ctx, (500, [], b"x"))  # not in cache_http_status
    assert _status(_exchange(plugin, make_ctx)[1]) == "MISS"
    # a bypassed request with a cacheable method still refreshes the entry, as nginx does
    answer, ctx = _exchange(plugin, make_ctx, (200, [], b"b"), headers={"X-Bypass": "1"})
    assert answer is None and _status(ctx) == "BYPASS"
    assert _exchange(plugin, make_ctx)[0].body == b"b"
    answer, ctx = _exchange(plugin, make_ctx, (200, [], b"p"), method="POST")
    assert answer is None and _status(ctx) == "BYPASS"
    assert _exchange(plugin, make_ctx)[0].body == b"b"  # POST's answer was not kept


def test_disk_strategy_needs_a_disk_zone(clock, tmp_path):
    with pytest.raises(ValueError, match="cache_zone memory_cache is not a disk zone"):
        PLUGIN_CLASSES["proxy-cache"](
            {
                **check_plugin("proxy-cache", {"cache_zone": "disk_cache_one"}),
                "cache_zone": "memory_cache",
            },
            PluginEnv([], {}, {}, SharedState(clock=clock)),
        )
