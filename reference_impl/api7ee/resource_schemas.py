"""The JSON Schemas clients validate requests with (paths inferred): `GET
/api/schema/{resource_name}`, `GET /api/schema/core` (all of them) and `GET
/api/schema/openapi?method=POST|PUT&path=` (the request body schema of an endpoint)."""

from __future__ import annotations

import copy
import re
from typing import Any

from ..api.errors import ApiError
from ..schema import resources
from .context import API, Api, Call
from .schemas import ROUTE_TEMPLATE, SERVICE_TEMPLATE, STREAM_ROUTE_TEMPLATE
from .secret_provider_schemas import SCHEMAS as SECRET_PROVIDERS

PLUGIN_METADATA = {
    "type": "object",
    "description": "a plugin's metadata: its metadata_schema, GET /apisix/admin/plugins/"
    "{plugin_name}?schema_type=metadata",
}
RESOURCES: dict[str, Any] = {
    "service": SERVICE_TEMPLATE,
    "stream_service": SERVICE_TEMPLATE,
    "upstream": resources.UPSTREAM,
    "stream_upstream": resources.UPSTREAM,
    "route": ROUTE_TEMPLATE,
    "stream_route": STREAM_ROUTE_TEMPLATE,
    "consumer": resources.CONSUMER,
    "consumer_credential": resources.CREDENTIAL,
    "global_rule": resources.GLOBAL_RULE,
    "ssl": resources.SSL,
    "vault_secret": SECRET_PROVIDERS["vault"],
    "aws_secret": SECRET_PROVIDERS["aws"],
    "kubernetes_secret": SECRET_PROVIDERS["kubernetes"],
    "plugin_metadata": PLUGIN_METADATA,
}
# request paths (an id segment as `[^/]+`) whose POST/PUT body is one of the resources
PATHS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(pattern + r"(/[^/]+)?"), name)
    for pattern, name in (
        ("/api/services/template", "service"),
        ("/api/routes/template", "route"),
        ("/api/stream_routes/template", "stream_route"),
        ("/apisix/admin/consumers/[^/]+/credentials", "consumer_credential"),
        ("/apisix/admin/consumers", "consumer"),
        ("/apisix/admin/global_rules", "global_rule"),
        ("/apisix/admin/ssls", "ssl"),
        ("/apisix/admin/upstreams", "upstream"),
        ("/apisix/admin/plugin_metadata", "plugin_metadata"),
        ("/apisix/admin/secret_providers/vault", "vault_secret"),
        ("/apisix/admin/secret_providers/aws", "aws_secret"),
        ("/apisix/admin/secret_providers/kubernetes", "kubernetes_secret"),
    )
]


def by_name(api: Api, call: Call) -> tuple[int, Any]:
    name = call.params["resource_name"]
    if name not in RESOURCES:
        raise ApiError(400, f"invalid resource_name {name!r}: must be one of {sorted(RESOURCES)}")
    return 200, {"value": copy.deepcopy(RESOURCES[name])}


def core(api: Api, call: Call) -> tuple[int, Any]:
    return 200, {"value": copy.deepcopy(RESOURCES)}


def openapi(api: Api, call: Call) -> tuple[int, Any]:
    method, path = call.args.get("method"), call.args.get("path")
    if method not in ("POST", "PUT"):
        raise ApiError(400, "invalid query parameter method: must be POST or PUT")
    if not path:
        raise ApiError(400, "missing query parameter path")
    name = next((n for pattern, n in PATHS if pattern.fullmatch(path.rstrip("/"))), None)
    if name is None:
        raise ApiError(404, f"no request body schema for {method} {path}")
    return 200, {"value": copy.deepcopy(RESOURCES[name])}


ROUTES = [
    API("GET", "/schema/core", core, None),
    API("GET", "/schema/openapi", openapi, None),
    API("GET", "/schema/{resource_name}", by_name, None),
]
