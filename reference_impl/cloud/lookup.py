"""Path ids to stored objects: 400 for a malformed id, 404 for one that names nothing."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .context import MISSING, CloudContext, CloudRequest
from .envelope import invalid, not_found
from .validation import check_body, check_path_id, require


def org(ctx: CloudContext, req: CloudRequest) -> dict[str, Any]:
    org_id = check_path_id(req.param("id"), "organization")
    return require(ctx.records.get("orgs", org_id), "organization")


def cluster(ctx: CloudContext, req: CloudRequest) -> dict[str, Any]:
    cluster_id = check_path_id(req.param("cluster_id"), "cluster")
    return require(ctx.records.get("clusters", cluster_id), "cluster")


def app(ctx: CloudContext, req: CloudRequest) -> dict[str, Any]:
    found = require(
        ctx.records.get("apps", check_path_id(req.param("app_id"), "application")), "application"
    )
    if "cluster_id" in req.params and found["cluster_id"] != cluster(ctx, req)["id"]:
        raise not_found("application")
    return found


def in_cluster(
    ctx: CloudContext, req: CloudRequest, kind: str, param: str, what: str
) -> dict[str, Any]:
    """A consumer or certificate of the path's cluster."""
    owner = cluster(ctx, req)
    found = ctx.records.get(kind, check_path_id(req.param(param), what))
    if found is None or found["cluster_id"] != owner["id"]:
        raise not_found(what)
    return found


def body(req: CloudRequest, schema: dict[str, Any], optional: bool = False) -> dict[str, Any]:
    """The request body checked against `schema`; `optional`: no body means `{}`."""
    if req.body is MISSING:
        if optional:
            return {}
        raise invalid("missing request body")
    return dict(check_body(schema, req.body))


def flag(query: Mapping[str, str], name: str) -> bool:
    raw = query.get(name, "false").lower()
    if raw not in ("true", "false", "1", "0"):
        raise invalid(f"invalid query parameter {name}: {raw!r} is not a boolean")
    return raw in ("true", "1")
