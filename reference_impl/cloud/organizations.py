"""Organizations, the current user, billing and available plugins.

From api7/cloud-go-sdk: `GET /orgs/{id}`, `GET /user/me`. Not in the SDK, named after the
documented operations: `POST /orgs`, `DELETE /orgs/{id}`, `POST /orgs/initialize`,
`POST /orgs/{id}/subscriptions`, `GET /orgs/{id}/upcoming_invoice`,
`GET /orgs/{id}/billing_portal`, `GET /orgs/{id}/plugins`. The reference gateway has no
payment provider: billing answers as documented and says so in the envelope's `warning`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from ..api.context import CollectionRequest, Context
from ..api.records import Records
from ..schema import PLUGINS
from . import lookup
from .clusters import new_cluster, remove_cluster
from .collection import CloudCollection, cloud_of
from .context import CloudContext, CloudRequest
from .envelope import NO_PAYLOAD, Reply, conflict, invalid
from .records import iso_now, stamp
from .schemas import ORGANIZATION, SUBSCRIPTION
from .validation import check_body

USER_ID = "gwconform-user"
NO_PROVIDER = "no payment provider is configured on this gateway"
PLANS = ("free", "developer", "pro", "enterprise")


def org_fields(records: Records, name: str) -> dict[str, Any]:
    """A new organization named `name` (a 409 if another has that name)."""
    if any(org["name"] == name for org in records.all("orgs")):
        raise conflict(f"organization name {name!r} is already used")
    return {
        "name": name,
        "plan_id": "0",
        "plan_expire_time": "0001-01-01T00:00:00Z",
        "subscription_started_at": None,
        "owner_id": USER_ID,
    }


def new_org(ctx: CloudContext, name: str) -> dict[str, Any]:
    org = {"id": ctx.records.new_id(), **org_fields(ctx.records, name)}
    return ctx.records.put("orgs", stamp(org))


class Organizations(CloudCollection):
    """Organizations: created at `/orgs`, read and deleted at `/orgs/{id}`; deleting one
    deletes its clusters with everything in them."""

    name, kind = "orgs", "organization"
    unsupported = frozenset({"put", "patch"})

    def check_conf(self, ctx: Context, id: str | None, conf: dict, req: CollectionRequest) -> dict:
        return org_fields(ctx.records, check_body(ORGANIZATION, conf)["name"])

    def after_delete(self, ctx: Context, id: str, req: CollectionRequest) -> None:
        cloud = cloud_of(ctx)
        for cluster in ctx.records.where("clusters", "org_id", id):
            remove_cluster(cloud, cluster)
        ctx.records.delete("subscriptions", id)
        ensure_default(cloud)  # the gateway's own data plane always has a cluster to serve


ORGANIZATIONS = Organizations()


def ensure_default(ctx: CloudContext) -> None:
    """The organization and cluster whose APIs this gateway's own data plane serves."""
    with ctx.lock:
        if ctx.default_cluster_id is not None:
            return
        org = next((o for o in ctx.records.all("orgs") if o["name"] == "default"), None)
        org = org or new_org(ctx, "default")
        cluster = new_cluster(ctx, org["id"], "default")
        ctx.records.store.put(
            ctx.records.key("defaults", "cluster"),
            {"cluster_id": cluster["id"], "org_id": org["id"]},
            expect_mod_revision=0,
        )


def me(ctx: CloudContext, req: CloudRequest) -> Any:
    return {
        "id": USER_ID,
        "first_name": "gwconform",
        "last_name": "user",
        "email": "user@gwconform.invalid",
        "org_ids": [org["id"] for org in ctx.records.all("orgs")],
        "connection": "token",
    }


def initialize_org(ctx: CloudContext, req: CloudRequest) -> Any:
    """An organization with its first cluster, as the Cloud console's sign-up does."""
    org = new_org(ctx, lookup.body(req, ORGANIZATION)["name"])
    new_cluster(ctx, org["id"], "default")
    return NO_PAYLOAD


def create_subscription(ctx: CloudContext, req: CloudRequest) -> Any:
    org = lookup.org(ctx, req)
    plan = lookup.body(req, SUBSCRIPTION)["plan"]
    if plan not in PLANS:
        raise invalid(f"unknown plan {plan!r}: one of {', '.join(PLANS)}")
    now = iso_now()
    subscription = {
        "id": org["id"],
        "org_id": org["id"],
        "plan": plan,
        "status": "active",
        "started_at": now,
    }
    ctx.records.put("subscriptions", subscription)
    ctx.records.put("orgs", stamp({**org, "subscription_started_at": now}, org))
    return Reply(subscription, f"{NO_PROVIDER}: the subscription is recorded, nothing is charged")


def upcoming_invoice(ctx: CloudContext, req: CloudRequest) -> Any:
    org = lookup.org(ctx, req)
    subscription = ctx.records.get("subscriptions", org["id"])
    start = dt.datetime.now(dt.UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    end = (start + dt.timedelta(days=32)).replace(day=1)
    invoice = {
        "org_id": org["id"],
        "plan": subscription["plan"] if subscription else "free",
        "currency": "usd",
        "amount_due": 0,
        "period_start": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "period_end": end.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "lines": [],
    }
    return Reply(invoice, f"{NO_PROVIDER}: nothing is ever due")


def billing_portal(ctx: CloudContext, req: CloudRequest) -> Any:
    lookup.org(ctx, req)
    return Reply(NO_PAYLOAD, f"{NO_PROVIDER}: there is no customer portal to redirect to")


def available_plugins(ctx: CloudContext, req: CloudRequest) -> Any:
    lookup.org(ctx, req)
    plugins = [
        {
            "name": spec.name,
            "type": spec.kind or "other",
            "priority": spec.priority,
            "version": str(spec.version),
        }
        for spec in sorted(PLUGINS.values(), key=lambda spec: spec.name)
        if "http" in spec.subsystems
    ]
    return {"list": plugins, "count": len(plugins)}
