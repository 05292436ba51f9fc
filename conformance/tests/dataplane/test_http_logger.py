"""http-logger: log entries POSTed to a log server in batches, off the request path.

Sources: APISIX 3.5 http-logger docs and apisix/plugins/http-logger.lua, with
apisix/utils/batch-processor.lua and apisix/utils/log-util.lua: with `batch_max_size: 1`
each entry is POSTed alone as a JSON object, else batches go as a JSON array (one JSON
object per line with `concat_method: new_line`), sent when `batch_max_size` entries are
buffered or after `inactive_timeout` seconds without a new entry; a batch the server
refuses (status >= 400) is sent again `max_retry_count` times. The default entry carries
request (url, uri, method, headers, querystring, size), response (status, headers, size),
server, upstream, service_id, route_id, client_ip, start_time and latencies; `log_format`
(on the plugin, else in the plugin metadata) replaces it with its `$variable`s resolved,
plus route_id; `include_resp_body` adds response.body; `auth_header` is sent as
Authorization. The log server here is an echo server that keeps what it was sent.
"""

from __future__ import annotations

import json
import time
from typing import Any

from conformance.registry import conformance_test
from conformance.support.dataplane_setup import put
from conformance.support.echo_upstream import EchoUpstream, ReceivedRequest
from conformance.support.eventually import eventually
from conformance.support.log_receivers import arrived, serve_logged, settle

FEATURE = "dp-plugin-http-logger"


def _entries(post: ReceivedRequest) -> list[dict[str, Any]]:
    value = json.loads(post.body)
    return value if isinstance(value, list) else [value]


def _entry_of(logs: EchoUpstream, tag: str) -> tuple[ReceivedRequest, dict[str, Any]]:
    """The POST and entry of the request sent with `X-Look: <tag>`, once it arrived."""

    def mine() -> tuple[ReceivedRequest, dict[str, Any]]:
        for post in logs.requests():
            for entry in _entries(post):
                if entry.get("request", {}).get("headers", {}).get("x-look") == tag:
                    return post, entry
        raise AssertionError("the request's log entry has not arrived")

    return eventually(mine, timeout=8.0, successes=1)


def _quiet(logs: EchoUpstream, seconds: float) -> None:
    settle(lambda: logs.request_count, logs.reset, seconds)


def _serve(admin, dataplane, gw_target, tag, echo, conf) -> None:
    serve_logged(admin, dataplane, gw_target.timeouts, tag, echo, {"http-logger": conf})


@conformance_test(
    name="http-logger-entry",
    description="http-logger POSTs the default log entry of a request as JSON",
    profile="dataplane",
    features=[FEATURE],
)
def test_http_logger_default_entry(admin, dataplane, gw_target, echoes, tag):
    echo, logs = echoes("echo", "logs")
    conf = {"uri": f"{logs.url}/log/path?k=v", "batch_max_size": 1, "auth_header": "Basic abc"}
    _serve(admin, dataplane, gw_target, tag, echo, conf)
    response = dataplane.get(f"/{tag}/look?a=1&b", headers={"X-Look": tag})
    assert response.status_code == 200

    post, entry = _entry_of(logs, tag)
    assert post.method == "POST"
    assert post.path == "/log/path" and post.query == "k=v"
    assert post.headers.get("content-type") == "application/json"
    assert post.headers.get("authorization") == "Basic abc"
    assert isinstance(json.loads(post.body), dict), "batch_max_size 1: a lone JSON object"
    request = entry["request"]
    assert request["method"] == "GET"
    assert request["uri"] == f"/{tag}/look?a=1&b"
    assert request["url"].endswith(f"/{tag}/look?a=1&b")
    assert request["querystring"] == {"a": "1", "b": True}
    assert isinstance(request["size"], int) and request["size"] > 0
    assert entry["response"]["status"] == 200
    assert isinstance(entry["response"]["headers"], dict)
    assert isinstance(entry["response"]["size"], int) and entry["response"]["size"] > 0
    assert entry["route_id"] == tag
    assert entry["service_id"] == ""
    assert entry["upstream"] == echo.node
    assert entry["client_ip"] == "127.0.0.1"
    assert isinstance(entry["server"]["hostname"], str)
    assert isinstance(entry["server"]["version"], str)
    now_ms = time.time() * 1000
    assert now_ms - 60_000 < entry["start_time"] <= now_ms
    for key in ("latency", "upstream_latency", "apisix_latency"):
        assert isinstance(entry[key], int | float) and entry[key] >= 0, (key, entry[key])
    assert "body" not in entry["response"]


@conformance_test(
    name="http-logger-batch-size",
    description="http-logger sends a JSON array as soon as batch_max_size entries are buffered",
    profile="dataplane",
    features=[FEATURE],
)
def test_http_logger_batch_max_size(admin, dataplane, gw_target, echoes, tag):
    echo, logs = echoes("echo", "logs")
    conf = {"uri": logs.url, "batch_max_size": 3, "inactive_timeout": 2}
    _serve(admin, dataplane, gw_target, tag, echo, conf)
    _quiet(logs, 4.5)  # the flush timer re-arms: a buffer can wait 2 x inactive_timeout
    for index in range(3):
        assert dataplane.get(f"/{tag}/n{index}").status_code == 200
    [post] = arrived(logs.requests, 1, timeout=1.5)  # well before inactive_timeout
    entries = json.loads(post.body)
    assert isinstance(entries, list)
    assert [e["request"]["uri"] for e in entries] == [f"/{tag}/n{i}" for i in range(3)]


@conformance_test(
    name="http-logger-inactive-timeout",
    description="http-logger sends a partial batch once inactive_timeout passes without entries",
    profile="dataplane",
    features=[FEATURE],
)
def test_http_logger_inactive_timeout(admin, dataplane, gw_target, echoes, tag):
    echo, logs = echoes("echo", "logs")
    conf = {"uri": logs.url, "batch_max_size": 100, "inactive_timeout": 1}
    _serve(admin, dataplane, gw_target, tag, echo, conf)
    _quiet(logs, 2.5)
    for index in range(2):
        assert dataplane.get(f"/{tag}/n{index}").status_code == 200
    [post] = arrived(logs.requests, 1)
    assert [e["request"]["uri"] for e in json.loads(post.body)] == [f"/{tag}/n0", f"/{tag}/n1"]


@conformance_test(
    name="http-logger-new-line",
    description="http-logger with concat_method new_line sends one JSON entry per line",
    profile="dataplane",
    features=[FEATURE],
)
def test_http_logger_new_line(admin, dataplane, gw_target, echoes, tag):
    echo, logs = echoes("echo", "logs")
    conf = {
        "uri": logs.url,
        "batch_max_size": 2,
        "inactive_timeout": 1,
        "concat_method": "new_line",
    }
    _serve(admin, dataplane, gw_target, tag, echo, conf)
    _quiet(logs, 2.5)
    for index in range(2):
        assert dataplane.get(f"/{tag}/n{index}").status_code == 200
    [post] = arrived(logs.requests, 1)
    assert post.headers.get("content-type") == "text/plain"
    lines = post.body.decode().split("\n")
    assert [json.loads(line)["request"]["uri"] for line in lines] == [
        f"/{tag}/n0",
        f"/{tag}/n1",
    ]


@conformance_test(
    name="http-logger-log-format",
    description="http-logger's log_format: $variables resolved, constants kept, route_id added",
    profile="dataplane",
    features=[FEATURE],
)
def test_http_logger_log_format(admin, dataplane, gw_target, echoes, tag):
    echo, logs = echoes("echo", "logs")
    log_format = {
        "host": "$host",
        "client_ip": "$remote_addr",
        "method": "$request_method",
        "look": "$http_x_look",
        "missing": "$http_x_not_sent",
        "fixed": "constant",
    }
    conf = {"uri": logs.url, "batch_max_size": 1, "log_format": log_format}
    _serve(admin, dataplane, gw_target, tag, echo, conf)
    assert dataplane.get(f"/{tag}/fmt", headers={"X-Look": tag}).status_code == 200

    def mine() -> dict[str, Any]:
        found = [e for p in logs.requests() for e in _entries(p) if e.get("look") == tag]
        assert found, "the request's log entry has not arrived"
        return found[0]

    entry = eventually(mine, timeout=8.0, successes=1)
    assert entry == {
        "host": "127.0.0.1",
        "client_ip": "127.0.0.1",
        "method": "GET",
        "look": tag,
        "fixed": "constant",
        "route_id": tag,
    }


@conformance_test(
    name="http-logger-metadata-log-format",
    description="http-logger uses the plugin metadata's log_format when the route sets none",
    profile="dataplane",
    features=[FEATURE],
)
def test_http_logger_metadata_log_format(admin, dataplane, gw_target, echoes, tag):
    echo, logs = echoes("echo", "logs")
    put(admin, "/plugin_metadata/http-logger", {"log_format": {"who": "$http_x_look"}})
    try:
        _serve(admin, dataplane, gw_target, tag, echo, {"uri": logs.url, "batch_max_size": 1})

        def mine() -> dict[str, Any]:
            assert dataplane.get(f"/{tag}/meta", headers={"X-Look": tag}).status_code == 200
            found = [e for p in logs.requests() for e in _entries(p) if e.get("who") == tag]
            assert found, "no entry in the metadata's format yet"
            return found[0]

        entry = eventually(mine, timeout=gw_target.timeout + 8.0, successes=1)
        assert entry == {"who": tag, "route_id": tag}
    finally:
        admin.delete("/plugin_metadata/http-logger")


@conformance_test(
    name="http-logger-resp-body",
    description="http-logger with include_resp_body logs the response body",
    profile="dataplane",
    features=[FEATURE],
)
def test_http_logger_include_resp_body(admin, dataplane, gw_target, echoes, tag):
    echo, logs = echoes("echo", "logs")
    conf = {"uri": logs.url, "batch_max_size": 1, "include_resp_body": True}
    _serve(admin, dataplane, gw_target, tag, echo, conf)
    response = dataplane.get(f"/{tag}/body", headers={"X-Look": tag})
    assert response.status_code == 200

    _, entry = _entry_of(logs, tag)
    assert entry["response"]["body"] == response.text


@conformance_test(
    name="http-logger-retries",
    description="http-logger sends a refused batch again max_retry_count times, then drops it",
    profile="dataplane",
    features=[FEATURE],
)
def test_http_logger_retries(admin, dataplane, gw_target, echoes, tag):
    echo, logs = echoes("echo", "logs")
    conf = {"uri": logs.url, "batch_max_size": 1, "max_retry_count": 2, "retry_delay": 0}
    _serve(admin, dataplane, gw_target, tag, echo, conf)
    _quiet(logs, 1.0)
    logs.force_status(500)
    assert dataplane.get(f"/{tag}/retry", headers={"X-Look": tag}).status_code == 200

    def attempts() -> int:
        return sum(
            1 for p in logs.requests() if _entries(p)[0]["request"]["uri"].endswith("/retry")
        )

    def three() -> None:
        assert attempts() == 3, attempts()

    eventually(three, timeout=8.0, successes=1)
    time.sleep(1.5)
    assert attempts() == 3, "no attempt after max_retry_count retries"


@conformance_test(
    name="http-logger-dead-server",
    description="a log server that is down costs the request nothing",
    profile="dataplane",
    features=[FEATURE],
)
def test_http_logger_dead_server(admin, dataplane, gw_target, echoes, tag):
    echo, logs = echoes("echo", "logs")
    dead = logs.url
    logs.stop()
    conf = {"uri": dead, "batch_max_size": 1, "max_retry_count": 3}
    _serve(admin, dataplane, gw_target, tag, echo, conf)
    for index in range(5):
        started = time.monotonic()
        assert dataplane.get(f"/{tag}/n{index}").status_code == 200
        assert time.monotonic() - started < 1.0
