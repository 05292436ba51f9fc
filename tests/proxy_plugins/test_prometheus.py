from __future__ import annotations

import time

import httpx

from reference_impl.proxy.plugins import (
    PLUGIN_CLASSES,
    PluginEnv,
    SharedState,
    parse_export_addr,
    record_connection,
    record_request,
    start_metrics_exporter,
)
from reference_impl.proxy.plugins.metrics_exporter import render_metrics
from reference_impl.proxy.plugins.metrics_store import read_metrics_directory, series_key

STATUS_200 = (
    'apisix_http_status{code="200",route="r1",matched_uri="/hello",matched_host="",'
    'service="s1",consumer="jack",node="127.0.0.1:1980"}'
)


def _log_request(shared, make_ctx, status=200, upstream_ms=3.0):
    plugin = PLUGIN_CLASSES["prometheus"]({"prefer_name": False}, PluginEnv([], {}, {}, shared))
    ctx = make_ctx("GET", "/hello")
    ctx.route_id, ctx.service_id, ctx.consumer_name = "r1", "s1", "jack"
    ctx.route = {"id": "r1"}
    ctx.state.update(
        matched_uri="/hello",
        matched_host="",
        upstream_addr="127.0.0.1:1980",
        upstream_latency_ms=upstream_ms,
        request_length=100,
        bytes_sent=250,
        request_start=time.monotonic() - 0.004,
    )
    plugin.log(ctx, status)


def test_log_records_status_latency_and_bandwidth(make_ctx):
    shared = SharedState()
    _log_request(shared, make_ctx)
    _log_request(shared, make_ctx, status=404)
    series = shared.metrics.snapshot()
    assert series[STATUS_200] == 1
    assert series[STATUS_200.replace('code="200"', 'code="404"')] == 1
    labels = 'route="r1",service="s1",consumer="jack",node="127.0.0.1:1980"'
    assert series[f'apisix_http_latency_count{{type="request",{labels}}}'] == 2
    assert series[f'apisix_http_latency_bucket{{type="upstream",{labels},le="5"}}'] == 2
    assert f'apisix_http_latency_bucket{{type="upstream",{labels},le="2"}}' not in series
    assert series[f'apisix_http_latency_bucket{{type="request",{labels},le="+Inf"}}'] == 2
    assert series[f'apisix_bandwidth{{type="ingress",{labels}}}'] == 200
    assert series[f'apisix_bandwidth{{type="egress",{labels}}}'] == 500


def test_exporter_sums_workers(make_ctx, tmp_path):
    workers = [SharedState(str(tmp_path), worker_id=i) for i in range(2)]
    exporter = start_metrics_exporter(str(tmp_path), "127.0.0.1", 0)
    try:
        for shared in workers:
            _log_request(shared, make_ctx)
            record_connection(shared.metrics, opened=True)
            record_request(shared.metrics)
        record_connection(workers[0].metrics, opened=False)
        assert read_metrics_directory(str(tmp_path))[STATUS_200] == 2
        url = f"http://{exporter.host}:{exporter.port}/apisix/prometheus/metrics"
        response = httpx.get(url, timeout=5)
        assert response.status_code == 200
        text = response.text
        assert "# TYPE apisix_http_status counter" in text
        assert "# TYPE apisix_http_latency histogram" in text
        assert f"{STATUS_200} 2" in text
        assert 'apisix_nginx_http_current_connections{state="active"} 1' in text
        assert 'apisix_nginx_http_current_connections{state="accepted"} 2' in text
        assert "apisix_http_requests_total 2" in text
        assert "apisix_node_info{hostname=" in text
        missing = httpx.get(f"http://{exporter.host}:{exporter.port}/other", timeout=5)
        assert missing.status_code == 404
    finally:
        exporter.stop()
        for shared in workers:
            shared.close()


def test_render_escapes_label_values():
    key = series_key("apisix_http_status", [("route", 'a"b\\c')])
    assert key == 'apisix_http_status{route="a\\"b\\\\c"}'
    assert f"{key} 1.5" in render_metrics({key: 1.5})


def test_export_addr_from_plugin_attr():
    assert parse_export_addr(None) == ("127.0.0.1", 9091)
    attr = {"prometheus": {"export_addr": {"ip": "0.0.0.0", "port": 9200}}}
    assert parse_export_addr(attr) == ("0.0.0.0", 9200)
