"""Who uses a secret provider: `GET /api/gateway_groups/{gateway_group_id}/secret_providers/
{secret_provider}/{secret_provider_id}/usage[?resource_type=]`.

A resource uses a provider when a string anywhere in its configuration is a
`$secret://{provider}/{id}/...` reference. The scan covers the group's APISIX objects
(consumers and their credentials, services, routes, SSL objects, global rules) and the
group's API7 certificates kept with the control plane's objects.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..admin.references import strings_in
from ..api.errors import ApiError
from .context import API, Api, Call
from .cpstore import CERTIFICATES
from .secret_provider_schemas import provider_path

SECRET_REF = "$secret://"
# APISIX directory of the group's namespace -> the usage resource type
DIRECTORIES = {
    "consumers": "consumer",
    "services": "service",
    "routes": "route",
    "ssls": "ssl",
    "global_rules": "global_rule",
}
RESOURCE_TYPES = (*DIRECTORIES.values(), "consumer_credential", "certificate")


def references_to(api: Api, group_id: str, provider: str, own_id: str) -> list[dict[str, Any]]:
    """The group's resources whose configuration references the provider, as usage rows."""
    marker = f"{SECRET_REF}{provider}/{own_id}/"
    return [
        _row(group_id, kind, obj, parent)
        for kind, obj, parent in _resources(api, group_id)
        if any(text.startswith(marker) for text in strings_in(obj))
    ]


def list_usage(api: Api, call: Call) -> tuple[int, Any]:
    group_id = call.params["gateway_group_id"]
    api.group_or_404(group_id)
    provider, own_id = provider_path(call.params)
    wanted = call.args.get("resource_type")
    if wanted is not None and wanted not in RESOURCE_TYPES:
        raise ApiError(
            400,
            f"invalid query parameter resource_type: must be one of {', '.join(RESOURCE_TYPES)}",
        )
    if api.cp.apisix_get(group_id, f"/secrets/{provider}/{own_id}") is None:
        raise ApiError(404, f"secret provider {provider}/{own_id} not found")
    rows = references_to(api, group_id, provider, own_id)
    if wanted is not None:
        rows = [r for r in rows if r["resource_type"] == wanted]
    return 200, call.listing(rows, search_fields=("id", "name"))


def _resources(api: Api, group_id: str) -> Iterator[tuple[str, dict[str, Any], str | None]]:
    """(resource type, object, parent consumer) of every resource the scan covers."""
    base = api.cp.group_prefix(group_id) + "/"
    kvs, _ = api.cp.store.range(base)
    for kv in kvs:
        if not isinstance(kv.value, dict):
            continue
        parts = kv.key[len(base) :].split("/")
        if len(parts) == 2 and parts[0] in DIRECTORIES:
            yield DIRECTORIES[parts[0]], kv.value, None
        elif len(parts) == 4 and parts[0] == "consumers" and parts[2] == "credentials":
            yield "consumer_credential", kv.value, parts[1]
    for certificate in api.cp.all(CERTIFICATES, group_id):
        yield "certificate", certificate, None


def _row(group_id: str, kind: str, obj: dict[str, Any], parent: str | None) -> dict[str, Any]:
    if kind == "consumer":
        ident = obj.get("username") or obj.get("id")
        name = ident
    elif kind == "ssl":
        ident = obj.get("id")
        name = obj.get("name") or next(iter(obj.get("snis") or [obj.get("sni")]), None) or ident
    else:
        ident = obj.get("id")
        name = obj.get("name") or ident
    row = {
        "resource_type": kind,
        "id": str(ident),
        "name": str(name),
        "gateway_group_id": group_id,
        "created_at": obj.get("created_at", obj.get("create_time")),
        "updated_at": obj.get("updated_at", obj.get("update_time")),
    }
    if parent is not None:
        row["username"] = parent
    return row


ROUTES = [
    API(
        "GET",
        "/gateway_groups/{gateway_group_id}/secret_providers/{secret_provider}/"
        "{secret_provider_id}/usage",
        list_usage,
        "gateway:GetSecretProvider",
        "gateway_group_id",
        "secret_provider_id",
    ),
]
