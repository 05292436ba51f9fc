"""Clusters: `/orgs/{id}/clusters` and `/clusters/{cluster_id}[/config|/plugins|/instances|
/gateway_certificate|/startup_config_tpl/{config_type}]` (paths from api7/cloud-go-sdk;
creating a cluster, which the SDK lacks, is `POST /orgs/{id}/clusters`)."""

from __future__ import annotations

import copy
import socket
from typing import Any

import yaml

from ..api.collection import Answer
from ..api.context import MISSING, CollectionRequest, Context
from . import lookup
from .applications import remove_app
from .certificates import remove_certificate
from .collection import OwnedCollection, Record
from .consumers import remove_consumer
from .context import CloudContext, CloudRequest
from .envelope import NO_PAYLOAD, invalid
from .pki import gateway_certificate
from .records import iso_now, stamp
from .schemas import CLUSTER, CLUSTER_PLUGINS, CLUSTER_SETTINGS

CLUSTER_NORMAL = 3  # ClusterStage "normal" in the SDK
DEFAULT_SETTINGS: dict[str, Any] = {
    "client_settings": {
        "client_real_ip": {"enabled": False, "recursive_search": False, "replace_from": {}},
        "maximum_request_body_size": 0,
    },
    "observability_settings": {
        "metrics": {"enabled": True},
        "show_upstream_status_in_response_header": False,
        "access_log_rotate": {"enabled": False, "enable_compression": False},
    },
    "api_proxy_settings": {"enable_request_buffering": True, "url_handling_options": []},
}


def _deep_merge(base: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _deep_merge(out[key], value)
        else:
            out[key] = value
    return out


def cluster_fields(
    cluster_id: str, org_id: str, name: str | None, region_id: str = "1"
) -> dict[str, Any]:
    """A new cluster of an organization."""
    return {
        "id": cluster_id,
        "name": name or f"cluster-{cluster_id}",
        "org_id": org_id,
        "region_id": region_id,
        "status": CLUSTER_NORMAL,
        "domain": f"{cluster_id}.cluster.gwconform.invalid",
        "settings": copy.deepcopy(DEFAULT_SETTINGS),
        "policies": {},
        "config_version": 1,
    }


def new_cluster(
    ctx: CloudContext, org_id: str, name: str | None, region_id: str = "1"
) -> dict[str, Any]:
    cluster = cluster_fields(ctx.records.new_id(), org_id, name, region_id)
    return ctx.records.put("clusters", stamp(cluster))


class Clusters(OwnedCollection):
    """Clusters of an organization: listed and created at `/orgs/{id}/clusters`, read at
    `/clusters/{cluster_id}` (their settings and policies change through their own
    endpoints; they go with their organization)."""

    name, kind = "clusters", "cluster"
    owner_kind, owner_label, owner_field = "orgs", "organization", "org_id"
    items_unscoped = True
    unsupported = frozenset({"put", "patch", "delete"})
    order_fields = ("created_at", "updated_at")
    schema = CLUSTER

    def handle(self, method: str, ctx: Context, req: CollectionRequest) -> Answer:
        if method == "post" and req.body is MISSING:  # the body is optional
            req.body = {}
        return super().handle(method, ctx, req)

    def fields(self, ctx: Context, id: str | None, conf: Record, req: CollectionRequest) -> Record:
        return {**conf, "org_id": req.parent}

    def created(self, ctx: Context, id: str, conf: dict) -> dict:
        return cluster_fields(id, conf["org_id"], conf.get("name"), conf.get("region_id", "1"))


CLUSTERS = Clusters()


def remove_cluster(ctx: CloudContext, cluster: dict[str, Any]) -> None:
    """Delete a cluster with everything in it, data-plane objects included."""
    for app in ctx.records.where("apps", "cluster_id", cluster["id"]):
        remove_app(ctx, app)
    for consumer in ctx.records.where("consumers", "cluster_id", cluster["id"]):
        remove_consumer(ctx, consumer)
    for certificate in ctx.records.where("certificates", "cluster_id", cluster["id"]):
        remove_certificate(ctx, certificate)
    for plugin in ctx.records.all("plugins", cluster["id"]):
        ctx.records.delete("plugins", cluster["id"], plugin["id"])
    ctx.records.delete("cluster_cas", cluster["id"])
    ctx.records.delete("clusters", cluster["id"])
    if cluster["id"] == ctx.default_cluster_id:
        ctx.records.delete("defaults", "cluster")


def update_settings(ctx: CloudContext, req: CloudRequest) -> Any:
    cluster = lookup.cluster(ctx, req)
    changes = lookup.body(req, CLUSTER_SETTINGS)
    updated = {
        **cluster,
        "settings": _deep_merge(cluster["settings"], changes),
        "config_version": cluster["config_version"] + 1,
    }
    ctx.records.put("clusters", stamp(updated, cluster))
    return NO_PAYLOAD


def update_plugins(ctx: CloudContext, req: CloudRequest) -> Any:
    """Merge cluster-level policies (acl, logging, authentication, ...); `null` removes one."""
    cluster = lookup.cluster(ctx, req)
    changes = lookup.body(req, CLUSTER_PLUGINS)
    policies = {**cluster["policies"], **changes}
    updated = {
        **cluster,
        "policies": {k: v for k, v in policies.items() if v is not None},
        "config_version": cluster["config_version"] + 1,
    }
    ctx.records.put("clusters", stamp(updated, cluster))
    return NO_PAYLOAD


def client_certificate(ctx: CloudContext, req: CloudRequest) -> Any:
    return gateway_certificate(ctx.records, ctx.keyring, lookup.cluster(ctx, req))


def list_instances(ctx: CloudContext, req: CloudRequest) -> Any:
    """The reference gateway itself is the one instance of the default cluster."""
    cluster = lookup.cluster(ctx, req)
    if cluster["id"] != ctx.default_cluster_id:
        return {"list": [], "count": 0}
    listen = ctx.config.node_listen[0] if ctx.config.node_listen else None
    instance = {
        "id": f"gwconform-{socket.gethostname()}",
        "hostname": socket.gethostname(),
        "ip": listen.ip if listen else "127.0.0.1",
        "domain": cluster["domain"],
        "api_calls": 0,
        "version": "gwconform-reference",
        "etcd_reachable": True,
        "config_version": cluster["config_version"],
        "last_seen_time": iso_now(),
        "register_time": cluster["created_at"],
        "status": "Healthy",
    }
    return {"list": [instance], "count": 1}


def startup_template(ctx: CloudContext, req: CloudRequest) -> Any:
    """The config a gateway instance starts with to join the cluster (APISIX or Helm values)."""
    cluster = lookup.cluster(ctx, req)
    config_type = req.param("config_type")
    if config_type not in ("apisix", "helm"):
        raise invalid(f"invalid config_type {config_type!r}: must be apisix or helm")
    etcd = {
        "host": [f"https://{cluster['domain']}:443"],
        "prefix": ctx.dataplane_prefix(cluster["id"]),
        "tls": {"cert": "/cloud/tls/tls.crt", "key": "/cloud/tls/tls.key", "verify": True},
    }
    if config_type == "apisix":
        document: dict[str, Any] = {
            "deployment": {
                "role": "data_plane",
                "role_data_plane": {"config_provider": "etcd"},
                "etcd": etcd,
            },
            "apisix": {"node_listen": [9080]},
        }
    else:
        document = {
            "apisix": {"deployment": {"role": "data_plane"}},
            "etcd": {"enabled": False, **etcd},
        }
    return {"configuration": yaml.safe_dump(document, sort_keys=False)}
