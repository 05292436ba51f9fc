"""Consumers: `/clusters/{cluster_id}/consumers[/{consumer_id}]` (paths from api7/cloud-go-sdk),
and their JSON Web Tokens. Each consumer is also an APISIX consumer (`cloud_<id>`) with
`key-auth`, `basic-auth` and `jwt-auth` from its credentials."""

from __future__ import annotations

import time
from typing import Any

import jwt

from . import lookup
from .context import CloudContext, CloudRequest
from .envelope import NO_PAYLOAD, conflict, precondition
from .listing import page
from .records import stamp
from .schemas import CONSUMER, JWT_TOKEN, without_required
from .translate import apisix_consumer, consumer_username
from .validation import check_body

CONSUMER_PATCH = without_required(CONSUMER)
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


def _save(
    ctx: CloudContext, cluster_id: str, conf: dict[str, Any], current: dict[str, Any] | None
) -> dict[str, Any]:
    spec = {"description": "", "labels": [], "plugins": {}, "credentials": None}
    spec.update({k: v for k, v in conf.items() if k not in MANAGED})
    for other in ctx.records.where("consumers", "cluster_id", cluster_id):
        if other["name"] == spec["name"] and (current is None or other["id"] != current["id"]):
            raise conflict(f"consumer name {spec['name']!r} is already used in this cluster")
    consumer = {
        **spec,
        "id": current["id"] if current else ctx.records.new_id(),
        "cluster_id": cluster_id,
    }
    apisix = apisix_consumer(consumer)
    prefix = ctx.dataplane_prefix(cluster_id)
    key = ((apisix.get("plugins") or {}).get("key-auth") or {}).get("key")
    if key is not None and _key_in_use(ctx, prefix, key, apisix["username"]):
        raise conflict("the key_auth key is already used by another consumer")
    stamp(consumer, current)
    ctx.records.put("consumers", consumer)
    ctx.dataplane.put(prefix, f"consumers/{apisix['username']}", apisix)
    return consumer


def list_consumers(ctx: CloudContext, req: CloudRequest) -> Any:
    cluster = lookup.cluster(ctx, req)
    consumers = ctx.records.where("consumers", "cluster_id", cluster["id"])
    return page(consumers, req.query, ("created_at", "updated_at", "name"))


def create_consumer(ctx: CloudContext, req: CloudRequest) -> Any:
    cluster = lookup.cluster(ctx, req)
    return _save(ctx, cluster["id"], lookup.body(req, CONSUMER), None)


def get_consumer(ctx: CloudContext, req: CloudRequest) -> Any:
    return lookup.in_cluster(ctx, req, "consumers", "consumer_id", "consumer")


def update_consumer(ctx: CloudContext, req: CloudRequest) -> Any:
    current = lookup.in_cluster(ctx, req, "consumers", "consumer_id", "consumer")
    return _save(ctx, current["cluster_id"], lookup.body(req, CONSUMER), current)


def patch_consumer(ctx: CloudContext, req: CloudRequest) -> Any:
    current = lookup.in_cluster(ctx, req, "consumers", "consumer_id", "consumer")
    changes = lookup.body(req, CONSUMER_PATCH)
    merged = {**current, **changes}
    check_body(CONSUMER, {k: v for k, v in merged.items() if k in CONSUMER["properties"]})
    return _save(ctx, current["cluster_id"], merged, current)


def remove_consumer(ctx: CloudContext, consumer: dict[str, Any]) -> None:
    prefix = ctx.dataplane_prefix(consumer["cluster_id"])
    ctx.dataplane.delete(prefix, f"consumers/{consumer_username(consumer['id'])}")
    ctx.records.delete("consumers", consumer["id"])


def delete_consumer(ctx: CloudContext, req: CloudRequest) -> Any:
    remove_consumer(ctx, lookup.in_cluster(ctx, req, "consumers", "consumer_id", "consumer"))
    return NO_PAYLOAD


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
