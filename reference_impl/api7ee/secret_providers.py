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

from ..api.actions import Actions, row
from ..api.collection import RecordCollection
from ..api.context import CollectionRequest, Context
from ..api.errors import ApiError
from ..store import KeyValue
from .group_collections import GROUP, control_plane, control_store, routes
from .secret_provider_schemas import SCHEMAS, check_provider_body, provider_path
from .secret_usage import references_to

PROVIDERS = tuple(SCHEMAS)
SEARCH_FIELDS = ("id", "desc", "uri", "prefix", "region", "apiserver_addr")
NAME = "secret_provider_id"  # the item's own id, as the IAM ARN names it


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


class SecretProviders(RecordCollection):
    """The group's APISIX `secrets/{provider}/{id}` objects; the item id is the two-part
    APISIX one. PUT creates or replaces; there is no POST or PATCH."""

    name, kind = "secret_providers", "secret provider"
    unsupported = frozenset({"post", "patch"})
    put_creates = True
    item_pattern = "{secret_provider}/{secret_provider_id}"
    search_fields = SEARCH_FIELDS
    actions = Actions(
        lambda base, item: [
            row("GET", base, "gateway:GetSecretProvider", GROUP, "*", lists=NAME),
            row("GET", f"{base}/{item}", "gateway:GetSecretProvider", GROUP, NAME),
            row("PUT", f"{base}/{item}", "gateway:PutSecretProvider", GROUP, NAME),
            row("DELETE", f"{base}/{item}", "gateway:DeleteSecretProvider", GROUP, NAME),
        ]
    )

    def locate(self, req: CollectionRequest) -> tuple[str | None, str]:
        if not req.segments:
            return None, ""
        provider, own_id = req.segments
        provider, own_id = provider_path({"secret_provider": provider, NAME: own_id})
        return f"{provider}/{own_id}", ""

    def store_key(self, ctx: Context, id: str, req: CollectionRequest) -> str:
        return f"{control_store(ctx).group_prefix(str(req.parent))}/secrets/{id}"

    def listed(self, ctx: Context, req: CollectionRequest) -> list[KeyValue]:
        prefix = control_store(ctx).group_prefix(str(req.parent))
        kvs = []
        for provider in PROVIDERS:
            base = f"{prefix}/secrets/{provider}/"
            found, _ = ctx.store.range(base)
            kvs += [kv for kv in found if "/" not in kv.key[len(base) :]]
        return kvs

    def missing(self, id: str, req: CollectionRequest) -> str:
        return f"secret provider {id} not found"

    def check_conf(self, ctx: Context, id: str | None, conf: dict, req: CollectionRequest) -> dict:
        return check_provider_body(str(id).partition("/")[0], conf)

    def stamp(self, ctx: Context, id: str, conf: dict, prev: Any) -> dict:
        now = ctx.clock()
        created = prev.get("create_time", now) if isinstance(prev, dict) else now
        return {**conf, "id": id, "create_time": created, "update_time": now}

    def view(self, value: Any) -> Any:
        return view(value)

    def delete_checker(self, ctx: Context, id: str, req: CollectionRequest) -> None:
        provider, _, own_id = id.partition("/")
        users = references_to(control_plane(ctx), str(req.parent), provider, own_id)
        if users:
            first = users[0]
            more = f" and {len(users) - 1} more" if len(users) > 1 else ""
            raise ApiError(
                400,
                f"secret provider {id} is still referenced by "
                f"{first['resource_type']} {first['id']}{more}; remove the $secret:// "
                "references before deleting it",
            )


COMPAT_ROUTES = routes(SecretProviders(), ("secret_provider", NAME))
