"""proxy-cache (memory): what is stored, for how long, and what a HIT answers."""

from __future__ import annotations

import asyncio

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
