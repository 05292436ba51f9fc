"""tcp-logger, udp-logger and syslog: log entries sent in batches to a TCP or UDP server.

Sources: APISIX 3.5 docs and apisix/plugins/{tcp-logger,udp-logger,syslog}.lua with
apisix/utils/batch-processor.lua: tcp-logger writes each batch on its own TCP connection and
udp-logger in one datagram, a lone JSON object when `batch_max_size` is 1, else a JSON
array; `log_format` makes the entry its `$variable`s plus route_id. syslog sends each entry
as an RFC 5424 line `<46>1 TIMESTAMP HOST apisix PID - - JSON` (facility SYSLOG, severity
INFO, apisix/utils/rfc5424.lua) through lua-resty-logger-socket, which writes once its
buffer reaches `flush_limit` bytes, over TCP or UDP (`sock_type`).
"""

from __future__ import annotations

import json
import re
from typing import Any

from conformance.registry import conformance_test
from conformance.support.log_receivers import (
    TcpReceiver,
    UdpReceiver,
    arrived,
    serve_logged,
    settle,
)

RFC5424 = re.compile(
    r"^<46>1 (\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z) (\S+) apisix (\d+) - - (\{.*\})$"
)


def _logged(messages: list[bytes], tag: str) -> list[dict[str, Any]]:
    """The entries of the tag's /look requests among JSON messages (objects or arrays)."""
    found = []
    for message in messages:
        value = json.loads(message)
        for entry in value if isinstance(value, list) else [value]:
            if entry.get("request", {}).get("uri", "").startswith(f"/{tag}/look"):
                found.append(entry)
    return found


@conformance_test(
    name="tcp-logger-entry",
    description="tcp-logger writes the default log entry as JSON to its TCP server",
    profile="dataplane",
    features=["dp-plugin-tcp-logger"],
)
def test_tcp_logger_entry(admin, dataplane, gw_target, echo, tag):
    with TcpReceiver() as logs:
        conf = {"host": logs.host, "port": logs.port, "batch_max_size": 1}
        serve_logged(admin, dataplane, gw_target.timeouts, tag, echo, {"tcp-logger": conf})
        assert dataplane.get(f"/{tag}/look?x=1").status_code == 200
        [entry] = arrived(lambda: _logged(logs.messages(), tag), 1)
    assert entry["route_id"] == tag
    assert entry["request"]["method"] == "GET"
    assert entry["request"]["querystring"] == {"x": "1"}
    assert entry["response"]["status"] == 200
    assert entry["upstream"] == echo.node


@conformance_test(
    name="tcp-logger-batch",
    description="tcp-logger writes a batch of batch_max_size entries as one JSON array",
    profile="dataplane",
    features=["dp-plugin-tcp-logger"],
)
def test_tcp_logger_batch(admin, dataplane, gw_target, echo, tag):
    with TcpReceiver() as logs:
        conf = {"host": logs.host, "port": logs.port, "batch_max_size": 2, "inactive_timeout": 1}
        serve_logged(admin, dataplane, gw_target.timeouts, tag, echo, {"tcp-logger": conf})
        settle(lambda: len(logs.messages()), logs.reset, 2.5)
        for index in range(2):
            assert dataplane.get(f"/{tag}/look{index}").status_code == 200
        [message] = arrived(logs.messages, 1)
    batch = json.loads(message)
    assert [e["request"]["uri"] for e in batch] == [f"/{tag}/look0", f"/{tag}/look1"]


@conformance_test(
    name="udp-logger-entry",
    description="udp-logger sends the log entry as one JSON datagram",
    profile="dataplane",
    features=["dp-plugin-udp-logger"],
)
def test_udp_logger_entry(admin, dataplane, gw_target, echo, tag):
    with UdpReceiver() as logs:
        conf = {"host": logs.host, "port": logs.port, "batch_max_size": 1}
        serve_logged(admin, dataplane, gw_target.timeouts, tag, echo, {"udp-logger": conf})
        assert dataplane.get(f"/{tag}/look").status_code == 200
        [entry] = arrived(lambda: _logged(logs.messages(), tag), 1)
    assert entry["route_id"] == tag
    assert entry["response"]["status"] == 200
    assert entry["client_ip"] == "127.0.0.1"


@conformance_test(
    name="udp-logger-log-format",
    description="udp-logger's log_format: the $variables of the request, plus route_id",
    profile="dataplane",
    features=["dp-plugin-udp-logger"],
)
def test_udp_logger_log_format(admin, dataplane, gw_target, echo, tag):
    with UdpReceiver() as logs:
        log_format = {"uri": "$uri", "agent": "$http_user_agent", "kind": "access"}
        conf = {"host": logs.host, "port": logs.port, "batch_max_size": 1, "log_format": log_format}
        serve_logged(admin, dataplane, gw_target.timeouts, tag, echo, {"udp-logger": conf})
        assert dataplane.get(f"/{tag}/fmt", headers={"User-Agent": tag}).status_code == 200

        def mine() -> list[dict[str, Any]]:
            entries = [json.loads(m) for m in logs.messages()]
            return [e for e in entries if e.get("agent") == tag]

        [entry] = arrived(mine, 1)
    assert entry == {"uri": f"/{tag}/fmt", "agent": tag, "kind": "access", "route_id": tag}


def _syslog_lines(messages: list[bytes]) -> list[str]:
    return [line for m in messages for line in m.decode().split("\n") if line]


def _syslog_delivers(admin, dataplane, gw_target, echo, tag, logs, sock_type: str) -> None:
    conf = {
        "host": logs.host,
        "port": logs.port,
        "sock_type": sock_type,
        "batch_max_size": 1,
        "flush_limit": 1,
    }
    serve_logged(admin, dataplane, gw_target.timeouts, tag, echo, {"syslog": conf})
    assert dataplane.get(f"/{tag}/look").status_code == 200
    arrived(lambda: [ln for ln in _syslog_lines(logs.messages()) if f"/{tag}/look" in ln], 1)
    entries = []
    for line in _syslog_lines(logs.messages()):
        match = RFC5424.match(line)
        assert match, f"not an RFC 5424 line of APISIX's syslog: {line!r}"
        assert match.group(2) == "127.0.0.1"  # the request's host
        entries.append(json.loads(match.group(4)))
    mine = [e for e in entries if e["request"]["uri"] == f"/{tag}/look"]
    assert mine and mine[0]["route_id"] == tag, entries


@conformance_test(
    name="syslog-tcp",
    description="syslog sends RFC 5424 lines carrying the JSON log entry over TCP",
    profile="dataplane",
    features=["dp-plugin-syslog"],
)
def test_syslog_tcp(admin, dataplane, gw_target, echo, tag):
    with TcpReceiver() as logs:
        _syslog_delivers(admin, dataplane, gw_target, echo, tag, logs, "tcp")


@conformance_test(
    name="syslog-udp",
    description="syslog with sock_type udp sends its RFC 5424 lines in datagrams",
    profile="dataplane",
    features=["dp-plugin-syslog"],
)
def test_syslog_udp(admin, dataplane, gw_target, echo, tag):
    with UdpReceiver() as logs:
        _syslog_delivers(admin, dataplane, gw_target, echo, tag, logs, "udp")


@conformance_test(
    name="syslog-flush-limit",
    description="syslog holds lines until its buffer reaches flush_limit bytes",
    profile="dataplane",
    features=["dp-plugin-syslog"],
)
def test_syslog_flush_limit(admin, dataplane, gw_target, echo, tag):
    with TcpReceiver() as logs:
        log_format = {"uri": "$uri"}
        conf = {
            "host": logs.host,
            "port": logs.port,
            "batch_max_size": 1,
            "log_format": log_format,
            "flush_limit": 100_000,
        }
        serve_logged(admin, dataplane, gw_target.timeouts, tag, echo, {"syslog": conf})
        assert dataplane.get(f"/{tag}/look").status_code == 200
        settle(lambda: len(logs.messages()), lambda: None, 2.0)
        assert logs.messages() == [], "a line was written before the buffer reached flush_limit"
