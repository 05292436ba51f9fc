"""Plugins that read the request body: only their routes have it buffered; proxy-mirror's
URI, sampling and headers; client-control's limits."""

from __future__ import annotations

import asyncio

from reference_impl.proxy.phases import PhasePlan, instantiate
from reference_impl.proxy.plugin_api import BODY_READER, REQUEST_BODY, request_body
from reference_impl.proxy.plugins import PLUGIN_CLASSES, PluginEnv, proxy_mirror
from reference_impl.schema import check_plugins


def _plugins(confs):
    return instantiate(check_plugins(confs), PLUGIN_CLASSES, PluginEnv([], {}, {}))


def test_only_routes_with_a_body_reader_buffer_the_body():
    assert not PhasePlan(_plugins({"cors": {}})).reads_body
    assert not PhasePlan(_plugins({"client-control": {"max_body_size": 0}})).reads_body
    assert PhasePlan(_plugins({"client-control": {"max_body_size": 1}})).reads_body
    mirror = PhasePlan(_plugins({"proxy-mirror": {"host": "http://127.0.0.1:1"}}))
    assert mirror.reads_body
    assert PhasePlan(_plugins({"cors": {}}), mirror).reads_body  # a global rule's


def _mirror(make_ctx, monkeypatch, conf, target="/a?q=1", draw=0.0, body=b""):
    """The (method, url, headers, body) proxy-mirror sends for a request, or None."""
    sent = []

    async def record(self, method, url, headers, content):
        sent.append((method, url, dict(headers), content))

    monkeypatch.setattr(proxy_mirror.ProxyMirror, "_send", record)
    monkeypatch.setattr(proxy_mirror.random, "random", lambda: draw)
    (plugin,) = _plugins({"proxy-mirror": {"host": "http://m:1", **conf}})
    ctx = make_ctx("POST", target, headers={"X-A": "1"})
    ctx.request.raw_headers = [(b"Host", b"gw"), (b"X-A", b"1"), (b"Connection", b"close")]
    ctx.state[REQUEST_BODY] = body

    async def run():
        await plugin.rewrite(ctx)
        await asyncio.sleep(0)

    asyncio.run(run())
    return sent[0] if sent else None


def test_mirror_uri_headers_and_body(make_ctx, monkeypatch):
    method, url, headers, body = _mirror(make_ctx, monkeypatch, {}, body=b"hi")
    assert (method, url, body) == ("POST", "http://m:1/a?q=1", b"hi")
    assert headers == {b"X-A": b"1", b"Host": b"localhost"}
    assert _mirror(make_ctx, monkeypatch, {"path": "/m"})[1] == "http://m:1/m?q=1"
    prefix = {"path": "/p", "path_concat_mode": "prefix"}
    assert _mirror(make_ctx, monkeypatch, prefix)[1] == "http://m:1/p/a?q=1"
    assert _mirror(make_ctx, monkeypatch, {"path": "/m"}, target="/a")[1] == "http://m:1/m"


def test_mirror_sample_ratio(make_ctx, monkeypatch):
    assert _mirror(make_ctx, monkeypatch, {"sample_ratio": 0.5}, draw=0.49) is not None
    assert _mirror(make_ctx, monkeypatch, {"sample_ratio": 0.5}, draw=0.5) is None


def test_client_control_limits(make_ctx):
    (plugin,) = _plugins({"client-control": {"max_body_size": 3}})
    by_length = make_ctx("POST", "/", headers={"Content-Length": "4"})
    assert asyncio.run(plugin.rewrite(by_length)).status == 413
    chunked = make_ctx("POST", "/", headers={"Transfer-Encoding": "chunked"})
    chunked.state[REQUEST_BODY] = b"1234"
    assert asyncio.run(plugin.rewrite(chunked)).status == 413
    fits = make_ctx("POST", "/", headers={"Content-Length": "3"})
    fits.state[REQUEST_BODY] = b"123"
    assert asyncio.run(plugin.rewrite(fits)) is None


def test_the_body_is_read_on_first_use_and_a_partial_read_is_not_kept(make_ctx):
    reads = []

    async def reader(limit):
        reads.append(limit)
        return b"123456"[: limit + 1] if limit else b"123456"

    ctx = make_ctx("POST", "/")
    ctx.state[BODY_READER] = reader
    assert asyncio.run(request_body(ctx, 2)) == b"123"  # more than the limit: stopped there
    assert REQUEST_BODY not in ctx.state
    assert asyncio.run(request_body(ctx)) == b"123456"
    assert asyncio.run(request_body(ctx)) == b"123456"
    assert reads == [2, 0]
    assert asyncio.run(request_body(make_ctx())) == b""  # a route without a reader
