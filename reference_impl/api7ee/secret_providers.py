"""API7 secret providers of a gateway group, under `/apisix/admin`:
`/secret_providers` and `/secret_providers/{secret_provider}/{secret_provider_id}`
(`?gateway_group_id=`; vault, aws or kubernetes).

A secret provider is the APISIX secret object of the group: it is stored at the group's
`secrets/{provider}/{id}` key, so `/apisix/admin/secrets/{provider}/{id}` shows the same
object and `$secret://{provider}/{id}/...` references resolve to it. Its `id` is the APISIX
one, `{provider}/{id}`. PUT creates or replaces (a replace keeps `create_time`); DELETE is
refused while a resource of the group still references the provider.
"""

from __future__ import annotations

from typing import Any

from ..api.errors import ApiError, not_found
from .context import COMPAT, Api, Call
from .secret_provider_schemas import SCHEMAS, check_provider_body, provider_path
from .secret_usage import references_to
from .web import value

PROVIDERS = tuple(SCHEMAS)
SEARCH_FIELDS = ("id", "desc", "uri", "prefix", "region", "apiserver_addr")


def view(stored: dict[str, Any]) -> dict[str, Any]:
    """A stored APISIX secret object as API7 shows it: the same fields, plus the provider,
    its own id and API7's timestamps."""
    provider, _, own_id = str(stored.get("id", "")).partition("/")
    return {
        **stored,
        "secret_provider": provider,
        "secret_provider_id": own_id,
        "created_at": stored.get("create_time"),
        "updated_at": stored.get("update_time"),
    }


def stored_provider(api: Api, group_id: str, provider: str, own_id: str) -> dict[str, Any]:
    stored = api.cp.apisix_get(group_id, f"/secrets/{provider}/{own_id}")
    if stored is None:
        raise not_found(f"secret provider {provider}/{own_id}")
    return stored


def list_providers(api: Api, call: Call) -> tuple[int, Any]:
    group_id = call.params["gateway_group_id"]
    rows = [
        view(item)
        for provider in PROVIDERS
        for item in api.cp.apisix_list(group_id, f"secrets/{provider}")
    ]
    return 200, call.listing(rows, search_fields=SEARCH_FIELDS)


def get_provider(api: Api, call: Call) -> tuple[int, Any]:
    provider, own_id = provider_path(call.params)
    return 200, value(view(stored_provider(api, call.params["gateway_group_id"], provider, own_id)))


def put_provider(api: Api, call: Call) -> tuple[int, Any]:
    provider, own_id = provider_path(call.params)
    group_id = call.params["gateway_group_id"]
    body = check_provider_body(provider, call.obj())
    relative = f"/secrets/{provider}/{own_id}"
    now = api.cp.clock()
    previous = api.cp.apisix_get(group_id, relative)
    created = previous.get("create_time", now) if previous else now
    stored = {**body, "id": f"{provider}/{own_id}", "create_time": created, "update_time": now}
    api.cp.apisix_put(group_id, relative, stored)
    return 200, value(view(stored))


def delete_provider(api: Api, call: Call) -> tuple[int, Any]:
    provider, own_id = provider_path(call.params)
    group_id = call.params["gateway_group_id"]
    stored_provider(api, group_id, provider, own_id)
    users = references_to(api, group_id, provider, own_id)
    if users:
        first = users[0]
        more = f" and {len(users) - 1} more" if len(users) > 1 else ""
        raise ApiError(
            400,
            f"secret provider {provider}/{own_id} is still referenced by "
            f"{first['resource_type']} {first['id']}{more}; remove the $secret:// references "
            "before deleting it",
        )
    api.cp.apisix_delete(group_id, f"/secrets/{provider}/{own_id}")
    return 200, None


ITEM = "/secret_providers/{secret_provider}/{secret_provider_id}"
G = "gateway_group_id"
COMPAT_ROUTES = [
    COMPAT(
        "GET",
        "/secret_providers",
        list_providers,
        "gateway:GetSecretProvider",
        G,
        "*",
        lists="secret_provider_id",
    ),
    COMPAT("GET", ITEM, get_provider, "gateway:GetSecretProvider", G, "secret_provider_id"),
    COMPAT("PUT", ITEM, put_provider, "gateway:PutSecretProvider", G, "secret_provider_id"),
    COMPAT(
        "DELETE", ITEM, delete_provider, "gateway:DeleteSecretProvider", G, "secret_provider_id"
    ),
]
