"""datadog: per-request metrics to a DogStatsD server over UDP, in batches.

As apisix/plugins/datadog.lua (3.5): for each request, datagrams `<ns>.request.counter:1|c`,
`<ns>.request.latency:<ms>|h`, `<ns>.upstream.latency:<ms>|h` (when proxied),
`<ns>.apisix.latency:<ms>|h`, `<ns>.ingress.size:<bytes>|ms` and
`<ns>.egress.size:<bytes>|ms`, each with `|#` and the tags: the metadata's constant_tags,
route_name (the route's name with `prefer_name`, else its id), service_name, consumer,
balancer_ip, response_status and scheme. Host, port, namespace and constant tags come from
the plugin metadata, read when the request is logged (defaults 127.0.0.1:8125, `apisix`,
`source:apisix`).
"""

from __future__ import annotations

from typing import Any

from ..plugin_api import Ctx
from .batch_processor import DeliveryError
from .log_entry import BatchLogPlugin, full_log
from .stream_sinks import send_udp

DEFAULTS: dict[str, Any] = {
    "host": "127.0.0.1",
    "port": 8125,
    "namespace": "apisix",
    "constant_tags": ["source:apisix"],
}


def lua_number(value: float | int) -> str:
    """Lua's tostring of a number: integers bare, others with 14 significant digits."""
    if isinstance(value, int) or float(value).is_integer():
        return str(int(value))
    return format(value, ".14g")


def _tags(ctx: Ctx, entry: dict[str, Any], constant: list[str], prefer_name: bool) -> str:
    tags = list(constant)
    route = (ctx.route or {}).get("name") if prefer_name else None
    route = route or entry.get("route_id")
    if route:
        tags.append(f"route_name:{route}")
    if entry.get("service_id"):
        tags.append(f"service_name:{entry['service_id']}")
    if ctx.consumer_name:
        tags.append(f"consumer:{ctx.consumer_name}")
    upstream = ctx.state.get("upstream_addr")
    if upstream:
        tags.append(f"balancer_ip:{str(upstream).rpartition(':')[0].strip('[]')}")
    tags.append(f"response_status:{entry['response']['status']}")
    if upstream:
        tags.append("scheme:http")
    return "|#" + ",".join(tags) if tags else ""


class Datadog(BatchLogPlugin):
    name = "datadog"
    priority = 495
    buffer_name = "datadog"

    def entry(self, ctx: Ctx, status: int) -> dict[str, Any]:
        return full_log(ctx, status)

    def prepare(self, ctx: Ctx, entry: dict[str, Any]) -> Any:
        metadata = {**DEFAULTS, **(self.env.metadata(self.name) or {})}
        suffix = _tags(ctx, entry, metadata["constant_tags"], self.conf.get("prefer_name", True))
        prefix = metadata["namespace"] + "." if metadata["namespace"] else ""
        metrics = [("request.counter", "1", "c"), ("request.latency", entry["latency"], "h")]
        if entry.get("upstream_latency") is not None:
            metrics.append(("upstream.latency", entry["upstream_latency"], "h"))
        metrics += [
            ("apisix.latency", entry["apisix_latency"], "h"),
            ("ingress.size", entry["request"].get("size", 0), "ms"),
            ("egress.size", entry["response"].get("size", 0), "ms"),
        ]
        datagrams = [
            f"{prefix}{name}:{value if isinstance(value, str) else lua_number(value)}|{kind}{suffix}"
            for name, value, kind in metrics
        ]
        return metadata["host"], metadata["port"], datagrams

    async def send(self, entries: list[Any], batch_max_size: int) -> None:
        for index, (host, port, datagrams) in enumerate(entries, start=1):
            try:
                for datagram in datagrams:
                    send_udp(host, port, datagram.encode())
            except DeliveryError as exc:
                raise DeliveryError(str(exc), first_fail=index) from exc
