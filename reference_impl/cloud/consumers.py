"""Consumers: `/clusters/{cluster_id}/consumers[/{consumer_id}]` (paths from api7/cloud-go-sdk),
and their JSON Web Tokens. Each consumer is also an APISIX consumer (`cloud_<id>`) with
`key-auth`, `basic-auth` and `jwt-auth` from its credentials."""

from __future__ import annotations

import time
from typing import Any

import jwt

from ..api.context import CollectionRequest, Context
from . import lookup
from .collection import OwnedCollection, Record, cloud_of
from .context import CloudContext, CloudRequest
from .envelope import conflict, precondition
from .schemas import CONSUMER, JWT_TOKEN, without_required
from .translate import apisix_consumer, consumer_username

MANAGED = ("id", "cluster_id", "created_at", "updated_at")
DEFAULT_JWT_TTL = 86400


def _key_in_use(ctx: CloudContext, prefix: str, key: str, username: str) -> bool:
    """Whether another consumer of the data plane already authenticates with this key."""
    kvs, _ = ctx.records.store.range(f"{prefix}/consumers/")
    for kv in kvs:
        value = kv.value if isinstance(kv.value, dict) else {}
        if value.get("username") == username or "/credentials/" in kv.key:
            continue
        if ((value.get("plugins") or {}).get("key-auth") or {}).get("key") == key:
            return True
    return False


def _unpublish(ctx: CloudContext, consumer: dict[str, Any]) -> None:
    prefix = ctx.dataplane_prefix(consumer["cluster_id"])
    ctx.dataplane.delete(prefix, f"consumers/{consumer_username(consumer['id'])}")


class Consumers(OwnedCollection):
    """Each consumer is also the APISIX consumer `cloud_<id>` of its cluster's data plane;
    its name is unique in the cluster, its key_auth key on the data plane."""

    name, kind = "consumers", "consumer"
    schema, patch_schema = CONSUMER, without_required(CONSUMER)

    def fields(self, ctx: Context, id: str | None, conf: Record, req: CollectionRequest) -> Record:
        spec: Record = {"description": "", "labels": [], "plugins": {}, "credentials": None}
        spec.update({k: v for k, v in conf.items() if k not in MANAGED})
        for other in ctx.records.where("consumers", "cluster_id", str(req.parent)):
            if other["name"] == spec["name"] and other["id"] != id:
                raise conflict(f"consumer name {spec['name']!r} is already used in this cluster")
        return {**spec, "cluster_id": req.parent}

    def commit(
        self, ctx: Context, req: CollectionRequest, key: str, value: dict, rev: int | None
    ) -> None:
        cloud = cloud_of(ctx)
        apisix = apisix_consumer(value)
        prefix = cloud.dataplane_prefix(value["cluster_id"])
        auth_key = ((apisix.get("plugins") or {}).get("key-auth") or {}).get("key")
        if auth_key is not None and _key_in_use(cloud, prefix, auth_key, apisix["username"]):
            raise conflict("the key_auth key is already used by another consumer")
        super().commit(ctx, req, key, value, rev)
        cloud.dataplane.put(prefix, f"consumers/{apisix['username']}", apisix)

    def after_delete(self, ctx: Context, id: str, req: CollectionRequest) -> None:
        _unpublish(cloud_of(ctx), {"id": id, "cluster_id": req.parent})


CONSUMERS = Consumers()


def remove_consumer(ctx: CloudContext, consumer: dict[str, Any]) -> None:
    _unpublish(ctx, consumer)
    ctx.records.delete("consumers", consumer["id"])


def create_jwt(ctx: CloudContext, req: CloudRequest) -> Any:
    """An HS256 token the gateway's `jwt-auth` accepts: `key` names the consumer's
    `jwt_auth` credential, `exp` is now + ttl, custom fields are kept."""
    consumer = lookup.in_cluster(ctx, req, "consumers", "consumer_id", "consumer")
    conf = lookup.body(req, JWT_TOKEN, optional=True)
    credential = (consumer.get("credentials") or {}).get("jwt_auth")
    if credential is None:
        raise precondition("the consumer has no jwt_auth credential")
    now = int(time.time())
    claims = {
        **conf.get("custom_payload", {}),
        "key": credential["key"],
        "iat": now,
        "exp": now + conf.get("ttl", DEFAULT_JWT_TTL),
    }
    return {"token": jwt.encode(claims, credential["secret"], algorithm="HS256")}
