"""api-breaker: failures open the breaker for 2^n seconds (capped), successes close it."""

from __future__ import annotations

import asyncio

from reference_impl.proxy.plugin_api import ResponseHead
from reference_impl.proxy.plugins import PLUGIN_CLASSES, PluginEnv, SharedState

CONF = {
    "break_response_code": 502,
    "max_breaker_sec": 5,
    "unhealthy": {"http_statuses": [500, 503], "failures": 2},
    "healthy": {"http_statuses": [200], "successes": 2},
}


def _breaker(clock, shared=None, **conf):
    env = PluginEnv([], {}, {}, shared or SharedState(clock=clock))
    return PLUGIN_CLASSES["api-breaker"]({**CONF, **conf}, env)


def _request(plugin, make_ctx, upstream_status=None, path="/a"):
    """The access phase's answer, then (when it let the request through) the upstream's."""
    ctx = make_ctx("GET", path)
    answer = asyncio.run(plugin.access(ctx))
    if answer is None and upstream_status is not None:
        ctx.state["upstream_addr"] = "127.0.0.1:1980"
        plugin.header_filter(ctx, ResponseHead(upstream_status, []))
        plugin.log(ctx, upstream_status)
    return answer


def test_failures_open_the_breaker_for_two_to_the_n_seconds(make_ctx, clock):
    plugin = _breaker(clock)
    assert _request(plugin, make_ctx, 500) is None
    assert _request(plugin, make_ctx, 503) is None  # the second failure opens it for 2 s
    answer = _request(plugin, make_ctx)
    assert (answer.status, answer.body, answer.headers) == (502, None, {})
    assert _request(plugin, make_ctx, path="/b") is None  # keyed by host and uri
    clock.advance(2)
    assert _request(plugin, make_ctx) is not None  # lasttime + 2 >= now: still open
    clock.advance(1)
    # a third failure: ceil(3 / 2) = 2, so 2^2 s from when it opened, which is not over
    assert _request(plugin, make_ctx, 500) is None
    assert _request(plugin, make_ctx) is not None
    clock.advance(2)
    assert _request(plugin, make_ctx, 500) is None  # the fourth reopens it, for 4 s
    clock.advance(4)
    assert _request(plugin, make_ctx) is not None
    clock.advance(1)
    assert _request(plugin, make_ctx) is None


def test_breaker_time_is_capped_at_max_breaker_sec(make_ctx, clock):
    plugin = _breaker(clock, max_breaker_sec=3, unhealthy={"failures": 1})
    assert _request(plugin, make_ctx, 500) is None  # open for 2^1 s
    clock.advance(3)
    assert _request(plugin, make_ctx, 500) is None  # open for 2^2 s, capped at 3
    clock.advance(2)
    assert _request(plugin, make_ctx) is not None
    clock.advance(2)
    assert _request(plugin, make_ctx) is None


def test_successes_close_it_and_other_statuses_count_for_nothing(make_ctx, clock):
    plugin = _breaker(clock)
    assert _request(plugin, make_ctx, 500) is None
    assert _request(plugin, make_ctx, 404) is None  # neither healthy nor unhealthy
    assert _request(plugin, make_ctx, 200) is None
    assert _request(plugin, make_ctx, 200) is None  # two successes: failures forgotten
    assert _request(plugin, make_ctx, 500) is None  # so this is the first failure again
    assert _request(plugin, make_ctx) is None


def test_break_body_with_headers_resolving_variables(make_ctx, clock):
    headers = [{"key": "X-Breaker", "value": "open for $uri"}]
    shared = SharedState(clock=clock)
    plugin = _breaker(clock, shared, break_response_body="down", break_response_headers=headers)
    for _ in range(2):
        _request(plugin, make_ctx, 500)
    answer = _request(plugin, make_ctx)
    assert (answer.status, answer.body) == (502, b"down")
    assert answer.headers == {"X-Breaker": "open for /a"}
    # without a body APISIX sends no break_response_headers
    bare = _breaker(clock, shared, break_response_headers=headers)
    assert _request(bare, make_ctx, path="/a").headers == {}


def test_answers_no_upstream_gave_are_not_counted(make_ctx, clock):
    plugin = _breaker(clock)
    for _ in range(3):
        ctx = make_ctx("GET", "/a")
        plugin.log(ctx, 500)  # a plugin answered: no upstream status
    assert _request(plugin, make_ctx) is None


def test_workers_sharing_a_directory_share_the_breaker(make_ctx, clock, tmp_path):
    workers = [SharedState(str(tmp_path), worker_id=i, clock=clock) for i in range(2)]
    try:
        first, second = (_breaker(clock, shared) for shared in workers)
        _request(first, make_ctx, 500)
        _request(second, make_ctx, 500)
        assert _request(first, make_ctx).status == 502
    finally:
        for shared in workers:
            shared.close()
