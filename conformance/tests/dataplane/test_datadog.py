"""datadog: per-request metrics as DogStatsD datagrams over UDP.

Sources: APISIX 3.5 datadog docs and apisix/plugins/datadog.lua: the DogStatsD server and
namespace come from the plugin metadata (host, port, namespace, constant_tags); for each
request the datagrams `<ns>.request.counter:1|c`, `<ns>.request.latency:<ms>|h`,
`<ns>.upstream.latency:<ms>|h`, `<ns>.apisix.latency:<ms>|h`, `<ns>.ingress.size:<n>|ms`
and `<ns>.egress.size:<n>|ms` are sent, each tagged (`|#a:b,c:d`) with the constant tags,
route_name (the route's name with prefer_name, its id without), balancer_ip,
response_status and scheme, by a batch processor.
"""

from __future__ import annotations

import re

from conformance.registry import conformance_test
from conformance.support.dataplane_setup import put
from conformance.support.log_receivers import UdpReceiver, arrived, serve_logged

FEATURE = "dp-plugin-datadog"
DATAGRAM = re.compile(r"^([\w.-]+):([0-9.e+-]+)\|(c|h|ms)\|#(.*)$")


@conformance_test(
    name="datadog-metrics",
    description="datadog sends the request's DogStatsD metrics with APISIX's tags",
    profile="dataplane",
    features=[FEATURE],
)
def test_datadog_metrics(admin, dataplane, gw_target, echo, tag):
    with UdpReceiver() as statsd:
        metadata = {
            "host": statsd.host,
            "port": statsd.port,
            "namespace": tag,
            "constant_tags": ["source:gwconform"],
        }
        put(admin, "/plugin_metadata/datadog", metadata)
        try:
            route_name = f"{tag}-name"
            plugins = {"datadog": {"batch_max_size": 1}}
            serve_logged(admin, dataplane, gw_target.timeouts, tag, echo, plugins)
            put(
                admin,
                f"/routes/{tag}",
                {
                    "uri": f"/{tag}/*",
                    "name": route_name,
                    "plugins": plugins,
                    "upstream": {"type": "roundrobin", "nodes": {echo.node: 1}},
                },
            )

            def named() -> list[tuple[str, ...]]:
                assert dataplane.get(f"/{tag}/look").status_code == 200
                lines = [m.decode() for m in statsd.messages()]
                found = [DATAGRAM.match(line) for line in lines]
                assert all(found), lines
                return [
                    m.groups()
                    for m in found
                    if m is not None and f"route_name:{route_name}" in m.group(4)
                ]

            datagrams = arrived(named, 6, timeout=gw_target.timeout + 8.0)
        finally:
            admin.delete("/plugin_metadata/datadog")
    names = [name for name, _, _, _ in datagrams]
    assert names[:6] == [
        f"{tag}.request.counter",
        f"{tag}.request.latency",
        f"{tag}.upstream.latency",
        f"{tag}.apisix.latency",
        f"{tag}.ingress.size",
        f"{tag}.egress.size",
    ], names
    kinds = {name: kind for name, _, kind, _ in datagrams}
    assert kinds[f"{tag}.request.counter"] == "c"
    assert kinds[f"{tag}.request.latency"] == "h"
    assert kinds[f"{tag}.egress.size"] == "ms"
    counter = next(d for d in datagrams if d[0] == f"{tag}.request.counter")
    assert counter[1] == "1"
    tags = counter[3].split(",")
    assert tags[0] == "source:gwconform"
    assert f"route_name:{route_name}" in tags
    assert "response_status:200" in tags
    assert "balancer_ip:127.0.0.1" in tags
    assert "scheme:http" in tags
    for _, value, _, _ in datagrams:
        assert float(value) >= 0
