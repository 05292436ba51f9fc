"""One small module per Admin API resource; `RESOURCES` maps the path segment to it."""

from __future__ import annotations

from ...api.collection import Collection
from ...api.mounts import mount
from .consumers import Consumers
from .credentials import Credentials
from .plugin_metadata import PluginMetadata
from .plugin_sets import ConsumerGroups, GlobalRules, PluginConfigs
from .protos import Protos
from .routes import Routes
from .secrets import Secrets
from .services import Services
from .ssls import Ssls
from .stream_routes import StreamRoutes
from .upstreams import Upstreams

PREFIX = "/apisix/admin"
RESOURCES: dict[str, Collection] = {
    r.name: mount(PREFIX, r)
    for r in (
        Routes(),
        Services(),
        Upstreams(),
        Consumers(),
        ConsumerGroups(),
        Ssls(),
        GlobalRules(),
        PluginConfigs(),
        PluginMetadata(),
        StreamRoutes(),
        Secrets(),
        Protos(),
    )
}
CREDENTIALS = mount(PREFIX, Credentials())

# `POST /schema/validate/{resource}`: the resources with a schema of their own
VALIDATABLE = {
    name: name
    for name in (
        "routes",
        "services",
        "upstreams",
        "consumers",
        "credentials",
        "consumer_groups",
        "ssls",
        "global_rules",
        "plugin_configs",
        "stream_routes",
        "protos",
    )
}
