"""One immutable generation of the data plane's configuration, built from the store's objects.

Merging follows APISIX (`apisix/plugin.lua`, `apisix/plugin_config.lua`): a route's
plugin config is merged first (the route's own plugins win), then its service (the route's
plugins, upstream and hosts win over the service's); global rules run before the route's
plugins; consumer (and consumer group) plugins are merged in after authentication.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from .fingerprint import conf_fingerprint
from .left_out import LeftOut
from .nodes import timeouts
from .phases import PhasePlan, PluginConfError, instantiate
from .plugin_api import Plugin, UpstreamChooser
from .plugins import PLUGIN_CLASSES, STREAM_PLUGIN_CLASSES, PluginEnv, SharedState
from .router import Router, StreamRouter
from .secret_refs import SecretValues
from .upstream import UpstreamRuntime, UpstreamTarget
from .variables import Variables

KINDS = (
    "routes",
    "services",
    "upstreams",
    "consumers",
    "consumer_groups",
    "plugin_configs",
    "global_rules",
    "plugin_metadata",
    "ssls",
    "stream_routes",
    "secrets",
    "protos",
)

log = logging.getLogger(__name__)


class RouteRuntime:
    """A merged route with its plugins and upstream, ready to serve: what the router
    returns for a request."""

    __slots__ = ("conf", "consumer_plans", "error", "plan", "route_id", "service_id", "target")

    def __init__(
        self, conf: dict[str, Any], plan: PhasePlan, target: UpstreamTarget | None, error: int
    ) -> None:
        self.conf = conf
        self.route_id = str(conf.get("id")) if conf.get("id") is not None else None
        self.service_id = str(conf["service_id"]) if conf.get("service_id") is not None else None
        self.plan = plan
        self.target = target  # None: the route has no upstream
        self.error = error  # answer with this status (a referenced object is missing)
        self.consumer_plans: dict[str, tuple[PhasePlan, list[Plugin]]] = {}


class StreamRouteRuntime:
    """A stream route merged with its service, with its upstream runtime (None when it has
    none) and its stream plugins; `refuses`: a referenced object is missing or a plugin's
    conf can't be used, and connections are closed rather than served without it."""

    __slots__ = ("conf", "plan", "refuses", "route_id", "service_id", "upstream")

    def __init__(
        self,
        conf: dict[str, Any],
        upstream: UpstreamRuntime | None,
        plan: PhasePlan,
        refuses: bool = False,
    ) -> None:
        self.conf = conf
        self.route_id = str(conf.get("id")) if conf.get("id") is not None else None
        self.service_id = str(conf["service_id"]) if conf.get("service_id") is not None else None
        self.upstream = upstream
        self.plan = plan
        self.refuses = refuses


def _conf_of(route: RouteRuntime | StreamRouteRuntime) -> dict[str, Any]:
    return route.conf


@dataclass
class Snapshot:
    router: Router[RouteRuntime]
    stream_router: StreamRouter[StreamRouteRuntime]
    routes: list[RouteRuntime]
    stream_routes: list[StreamRouteRuntime]
    global_plans: list[PhasePlan]
    global_plan: PhasePlan  # all global rule plugins, for the filters and log
    env: PluginEnv
    variables: Variables
    plugin_classes: dict[str, type[Plugin]]
    upstreams: list[UpstreamRuntime] = field(default_factory=list)
    left_out: LeftOut = field(default_factory=LeftOut)  # the objects it could not compile

    def consumer_plan(
        self, rt: RouteRuntime, consumer: dict[str, Any]
    ) -> tuple[PhasePlan, list[Plugin]]:
        """The route's plugins with the consumer's merged in, and the plugins added by the
        consumer (whose rewrite still has to run); cached per route and consumer."""
        name = str(consumer.get("username"))
        cached = rt.consumer_plans.get(name)
        if cached is not None:
            return cached
        consumer_plugins = {
            k: v
            for k, v in self.env.consumer_plugins(consumer).items()
            if getattr(self.plugin_classes.get(k), "kind", None) != "auth"
        }
        if not consumer_plugins:
            cached = (rt.plan, [])
        else:
            route_plugins = {p.name: p for p in rt.plan.plugins}
            try:
                added = instantiate(consumer_plugins, self.plugin_classes, self.env)
            except PluginConfError as exc:
                # the consumer's own plugins only add limits to an authenticated request
                log.warning("consumer %s: plugins left out: %s", name, exc)
                added = []
            added_names = {p.name for p in added}
            merged = [p for n, p in route_plugins.items() if n not in added_names] + added
            merged.sort(key=lambda p: -p.priority)
            cached = (PhasePlan(merged, self.global_plan), added)
        rt.consumer_plans[name] = cached
        return cached


def merge_route(
    route: dict[str, Any], services: dict[str, Any], plugin_configs: dict[str, Any]
) -> tuple[dict[str, Any], int]:
    """The merged conf of a route, and an error status when a reference is missing."""
    merged = dict(route)
    plugins = dict(route.get("plugins") or {})
    error = 0
    pc_id = route.get("plugin_config_id")
    if pc_id is not None:
        plugin_config = plugin_configs.get(str(pc_id))
        if plugin_config is None:
            error = 503
        else:
            for name, conf in (plugin_config.get("plugins") or {}).items():
                plugins.setdefault(name, conf)
    service_id = route.get("service_id")
    if service_id is not None:
        service = services.get(str(service_id))
        if service is None:
            error = error or 404
        else:
            merged_plugins = dict(service.get("plugins") or {})
            merged_plugins.update(plugins)
            plugins = merged_plugins
            if not route.get("upstream") and route.get("upstream_id") is None:
                if service.get("upstream"):
                    merged["upstream"] = service["upstream"]
                elif service.get("upstream_id") is not None:
                    merged["upstream_id"] = service["upstream_id"]
            if not route.get("hosts") and not route.get("host") and service.get("hosts"):
                merged["hosts"] = service["hosts"]
            if service.get("enable_websocket") and "enable_websocket" not in route:
                merged["enable_websocket"] = service["enable_websocket"]
    merged["plugins"] = plugins
    return merged, error


def merge_stream_route(
    route: dict[str, Any], services: dict[str, Any]
) -> tuple[dict[str, Any], bool]:
    """A stream route with its service merged in as APISIX's `merge_service_stream_route`
    does (the service adds plugins the route lacks, and its upstream when the route has
    none), and whether the service is missing."""
    service_id = route.get("service_id")
    if service_id is None:
        return route, False
    service = services.get(str(service_id))
    if service is None:
        return route, True
    merged = dict(route)
    merged["plugins"] = {**(service.get("plugins") or {}), **(route.get("plugins") or {})}
    if not route.get("upstream") and service.get("upstream"):
        merged["upstream"] = service["upstream"]
    if route.get("upstream_id") is None and service.get("upstream_id") is not None:
        merged["upstream_id"] = service["upstream_id"]
    return merged, False


class UpstreamCache:
    """Upstream runtimes by conf, reused across generations while their conf is unchanged."""

    def __init__(self) -> None:
        self._by_print: dict[str, UpstreamRuntime] = {}
        self._used: dict[str, UpstreamRuntime] = {}
        # within one build, by id() of a conf shared by many routes (an upstream object)
        self._by_object: dict[tuple[str, int], UpstreamRuntime] = {}

    def get(self, conf: dict[str, Any], owner: str) -> UpstreamRuntime:
        runtime = self._by_object.get((owner, id(conf)))
        if runtime is not None:
            return runtime
        key = owner + conf_fingerprint(conf)
        runtime = self._used.get(key) or self._by_print.get(key)
        if runtime is None:
            runtime = UpstreamRuntime(conf)
        self._used[key] = runtime
        self._by_object[(owner, id(conf))] = runtime
        return runtime

    def commit(self) -> list[UpstreamRuntime]:
        """End a generation: start checkers of new runtimes, stop those no longer used."""
        for key, runtime in self._by_print.items():
            if self._used.get(key) is not runtime:
                runtime.stop()
        for runtime in self._used.values():
            runtime.start()
        self._by_print, self._used = self._used, {}
        self._by_object = {}
        return list(self._by_print.values())

    def stop_all(self) -> None:
        for runtime in self._by_print.values():
            runtime.stop()
        self._by_print = {}


def build_snapshot(
    objects: dict[str, dict[str, Any]],
    credentials: dict[str, dict[str, Any]],
    cache: UpstreamCache,
    shared: SharedState,
    variables: Variables,
    left_out: LeftOut | None = None,
    secrets: SecretValues | None = None,
) -> Snapshot:
    """A new generation from the store's objects (`objects[kind][id] = value`). Each
    consumer, global rule, route and stream route is compiled on its own: one that fails is
    left out (recorded in `left_out`, and in the snapshot's), the others are served.
    Secret references in plugin configurations and consumers are resolved by `secrets`."""
    left_out = left_out if left_out is not None else LeftOut()
    secrets = secrets if secrets is not None else SecretValues()
    consumers = []
    for username, consumer in objects["consumers"].items():
        merged_consumer = left_out.compile(
            "consumers", username, _consumer, username, consumer, credentials, secrets
        )
        if merged_consumer is not None:
            consumers.append(merged_consumer)
    env = PluginEnv(
        consumers,
        objects["consumer_groups"],
        objects["plugin_metadata"],
        shared,
        protos=objects["protos"],
    )

    global_plans = []
    global_plugins = []
    for rule_id, rule in sorted(objects["global_rules"].items()):
        plugins = left_out.compile(
            "global_rules", rule_id, _global_rule_plugins, rule_id, secrets.resolve(rule), env
        )
        if plugins is not None:
            global_plans.append(PhasePlan(plugins))
            global_plugins += plugins
    global_plans = [p for p in global_plans if p.rewrite or p.access]
    global_plan = PhasePlan(global_plugins)

    build = _RouteBuilder(objects, env, global_plan, cache, secrets)
    routes: list[RouteRuntime] = []
    for route_id, route in objects["routes"].items():
        rt = left_out.compile("routes", route_id, build.route, route)
        if rt is not None:
            routes.append(rt)

    stream_routes: list[StreamRouteRuntime] = []
    for route_id, conf in objects["stream_routes"].items():
        entry = left_out.compile("stream_routes", route_id, build.stream_route, conf)
        if entry is not None:
            stream_routes.append(entry)

    return Snapshot(
        router=Router(routes, left_out, conf=_conf_of),
        stream_router=StreamRouter(stream_routes, left_out, conf=_conf_of),
        routes=routes,
        stream_routes=stream_routes,
        global_plans=global_plans,
        global_plan=global_plan,
        env=env,
        variables=variables,
        plugin_classes=PLUGIN_CLASSES,
        upstreams=cache.commit(),
        left_out=left_out,
    )


def _consumer(
    username: str,
    consumer: dict[str, Any],
    credentials: dict[str, dict[str, Any]],
    secrets: SecretValues,
) -> dict[str, Any]:
    """The consumer with its username and credentials (their secret references resolved, as
    APISIX does when it loads consumers), checked to index as `PluginEnv` will."""
    merged = dict(secrets.resolve(consumer, owner=consumer))
    merged.setdefault("username", username)
    merged["credentials"] = [
        secrets.resolve(credential, owner=credential)
        for credential in credentials.get(username, {}).values()
    ]
    PluginEnv.credential_entries(merged)
    return merged


def _global_rule_plugins(rule_id: str, rule: dict[str, Any], env: PluginEnv) -> list[Plugin]:
    plugins = instantiate(rule.get("plugins"), PLUGIN_CLASSES, env)
    for plugin in plugins:
        if hasattr(plugin, "scope_id"):  # rate limits: one counter for every route
            plugin.scope_id = f"global_rule/{rule_id}"
    return plugins


class _RouteBuilder:
    """Compiles one route or stream route of a generation at a time."""

    def __init__(
        self,
        objects: dict[str, dict[str, Any]],
        env: PluginEnv,
        global_plan: PhasePlan,
        cache: UpstreamCache,
        secrets: SecretValues,
    ) -> None:
        self.plugin_classes = PLUGIN_CLASSES
        self.secrets = secrets
        self.services = objects["services"]
        self.plugin_configs = objects["plugin_configs"]
        self.upstreams = objects["upstreams"]
        self.env = env
        self.global_plan = global_plan
        self.no_plugins = PhasePlan([], global_plan)
        self.cache = cache

    def route(self, route: dict[str, Any]) -> RouteRuntime:
        merged, error = merge_route(route, self.services, self.plugin_configs)
        try:
            plugins = instantiate(
                self.secrets.resolve(merged["plugins"]), self.plugin_classes, self.env
            )
        except PluginConfError as exc:
            # fail closed: the route answers 503 rather than run without the plugin
            log.warning("route %s served as 503: %s", route.get("id"), exc)
            plugins, error = [], 503
        plan = self.no_plugins
        if plugins:
            plan = PhasePlan(plugins, self.global_plan)
            _bind_upstreams(plugins, merged, self.upstreams, self.cache)
        upstream_conf, owner = self._upstream_of(merged)
        if upstream_conf is None and not error and (merged.get("upstream_id") is not None):
            error = 502
        target = None
        if upstream_conf is not None:
            target = _target(self.cache.get(upstream_conf, owner), upstream_conf, merged)
        return RouteRuntime(merged, plan, target, error)

    def stream_route(self, conf: dict[str, Any]) -> StreamRouteRuntime:
        conf = self.secrets.resolve(conf)  # its plugins' references, as APISIX's stream_filter
        merged, refuses = merge_stream_route(conf, self.services)
        try:
            plugins = instantiate(merged.get("plugins"), STREAM_PLUGIN_CLASSES, self.env)
        except PluginConfError as exc:
            log.warning("stream route %s closes its connections: %s", conf.get("id"), exc)
            plugins, refuses = [], True
        for plugin in plugins:
            if hasattr(plugin, "scope_id"):  # its counters are the stream route's own
                plugin.scope_id = f"stream_route/{conf.get('id')}"
        upstream_conf, owner = self._upstream_of(merged)
        runtime = self.cache.get(upstream_conf, owner) if upstream_conf is not None else None
        return StreamRouteRuntime(merged, runtime, PhasePlan(plugins), refuses)

    def _upstream_of(self, conf: dict[str, Any]) -> tuple[dict[str, Any] | None, str]:
        """The route's upstream, its references (tls.client_cert, client_key) resolved as
        APISIX resolves the upstream's TLS settings before it connects."""
        upstream_conf, owner = _upstream_of(conf, self.upstreams)
        return (self.secrets.resolve(upstream_conf), owner) if upstream_conf else (None, owner)


def _target(
    runtime: UpstreamRuntime, upstream_conf: dict[str, Any], route: dict[str, Any]
) -> UpstreamTarget:
    """The upstream with the route's own `timeout` if it has one, else the upstream's."""
    if route.get("timeout"):
        return UpstreamTarget(runtime, timeouts(upstream_conf, route))
    return UpstreamTarget(runtime, runtime.timeouts)


def _bind_upstreams(
    plugins: list[Plugin], merged: dict[str, Any], upstreams: dict[str, Any], cache: UpstreamCache
) -> None:
    """Give plugins that choose upstreams per request (traffic-split) their runtimes."""
    binders = [p for p in plugins if isinstance(p, UpstreamChooser)]
    if not binders:
        return

    def resolve(
        upstream_id: Any, inline: dict[str, Any] | None, owner: str
    ) -> UpstreamTarget | None:
        if upstream_id is not None:
            conf = upstreams.get(str(upstream_id))
            if conf is None:
                return None
            runtime = cache.get(conf, f"id:{upstream_id}:")  # shared with routes using the id
        else:
            conf = inline or {}
            runtime = cache.get(conf, owner)
        return _target(runtime, conf, merged)

    for plugin in binders:
        plugin.bind_upstreams(resolve, f"split:{merged.get('id')}:")


def _upstream_of(
    conf: dict[str, Any], upstreams: dict[str, Any]
) -> tuple[dict[str, Any] | None, str]:
    if conf.get("upstream"):
        return conf["upstream"], "inline:"
    upstream_id = conf.get("upstream_id")
    if upstream_id is not None and str(upstream_id) in upstreams:
        return upstreams[str(upstream_id)], f"id:{upstream_id}:"
    return None, ""
