"""Subscriptions of developers' applications to API products, the approvals they wait for
when a product does not approve them itself, and the product's notification history.

Provider side (`/api`): a product's subscriptions and their cancellation, its notification
history, the approvals list and accept/reject. Developer side: `request` (developer_api.py).
An approved subscription holds the credential `grants.grant` made; cancelling, rejecting or
deleting the developer ends it (`grants.revoke`)."""

from __future__ import annotations

from typing import Any

from ...api.errors import ApiError
from ...api.listing import list_answer
from ...api.records import Records
from ..context import API, Api, Call
from ..web import value
from . import grants
from .kinds import API_PRODUCTS, APPROVALS, DEVELOPERS, NOTIFICATIONS, SUBSCRIPTIONS
from .scope import portal_id, portal_or_404

SECRET_FIELDS = ("credential",)


def approved_of(cp: Records, product: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        s
        for s in cp.all(SUBSCRIPTIONS)
        if s["api_product_id"] == product["id"] and s["status"] == "approved"
    ]


def provider_view(subscription: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in subscription.items() if k not in SECRET_FIELDS}


# --- the flow -------------------------------------------------------------------------------
def request(
    api: Api,
    product: dict[str, Any],
    developer: dict[str, Any],
    application: dict[str, Any],
    file_ids: list[str],
) -> dict[str, Any]:
    """A developer's application asks for the product: approved at once when the product
    says so, else pending with an approval request."""
    cp, portal = api.cp, product["portal_id"]
    for other in cp.all(SUBSCRIPTIONS, portal):
        live = other["status"] in ("pending", "approved")
        if live and (other["application_id"], other["api_product_id"]) == (
            application["id"],
            product["id"],
        ):
            raise ApiError(409, f"application {application['id']} already subscribes to it")
    now = cp.clock()
    subscription: dict[str, Any] = {
        "id": cp.new_id(),
        "portal_id": portal,
        "api_product_id": product["id"],
        "api_product_name": product["name"],
        "application_id": application["id"],
        "developer_id": developer["developer_id"],
        "developer_name": developer.get("name") or developer["developer_id"],
        "status": "pending",
        "subscribed_at": now,
        "created_at": now,
        "updated_at": now,
    }
    if product["subscription_auto_approval"]:
        _approve(api, product, subscription)
    else:
        approval = {
            "id": cp.new_id(),
            "portal_id": portal,
            "event": "api_product_subscription",
            "resource_type": "api_product",
            "resource_id": product["id"],
            "resource_name": product["name"],
            "applicant_name": subscription["developer_name"],
            "subscription_id": subscription["id"],
            "file_ids": file_ids,
            "status": "pending",
            "applied_at": now,
        }
        cp.put(APPROVALS, approval)
        subscription["approval_id"] = approval["id"]
        notify(api, product, "subscription_approval_created", subscription)
    cp.put(SUBSCRIPTIONS, subscription, portal, subscription["id"])
    return subscription


def _approve(api: Api, product: dict[str, Any], subscription: dict[str, Any]) -> None:
    subscription["credential"] = grants.grant(api, product, subscription)
    subscription["status"] = "approved"
    subscription["updated_at"] = api.cp.clock()


def end(api: Api, subscription: dict[str, Any], product: dict[str, Any] | None) -> None:
    """Cancel a pending or approved subscription (its credential stops working)."""
    if subscription["status"] == "approved":
        grants.revoke(api, subscription)
    approval = api.cp.get(APPROVALS, subscription.get("approval_id") or "")
    if approval is not None and approval["status"] == "pending":
        _finish(api, approval, "cancelled")
    subscription.update(status="cancelled", updated_at=api.cp.clock())
    subscription.pop("credential", None)
    api.cp.put(SUBSCRIPTIONS, subscription, subscription["portal_id"], subscription["id"])
    if product is not None:
        notify(api, product, "subscription_cancelled", subscription)


def close_all(api: Api, product: dict[str, Any]) -> None:
    """A deleted product's live subscriptions end."""
    for subscription in api.cp.all(SUBSCRIPTIONS, product["portal_id"]):
        live = subscription["status"] in ("pending", "approved")
        if live and subscription["api_product_id"] == product["id"]:
            end(api, subscription, None)


def close_of_developer(api: Api, portal: str, developer_id: str) -> None:
    for subscription in api.cp.all(SUBSCRIPTIONS, portal):
        live = subscription["status"] in ("pending", "approved")
        if live and subscription["developer_id"] == developer_id:
            end(api, subscription, _product(api, subscription))


def notify(api: Api, product: dict[str, Any], event: str, subscription: dict[str, Any]) -> None:
    """One entry of the product's notification history (no contact point is configured on
    a product, so nothing is sent and the entry names none)."""
    now = api.cp.clock()
    entry = {
        "id": api.cp.new_id(),
        "event": event,
        "notification_type": None,
        "contact_point_id": None,
        "api_product_id": product["id"],
        "subscription_id": subscription["id"],
        "developer_id": subscription["developer_id"],
        "notified_at": now,
    }
    api.cp.put(NOTIFICATIONS, entry, product["portal_id"], product["id"], entry["id"])


def _product(api: Api, subscription: dict[str, Any]) -> dict[str, Any] | None:
    return api.cp.get(API_PRODUCTS, subscription["portal_id"], subscription["api_product_id"])


def _finish(api: Api, approval: dict[str, Any], result: str) -> None:
    approval.update(status="finished", result=result, operated_at=api.cp.clock())
    api.cp.put(APPROVALS, approval)


# --- provider endpoints ---------------------------------------------------------------------
def _product_of_call(api: Api, call: Call) -> dict[str, Any]:
    portal = portal_id(call.args)
    portal_or_404(api.cp, portal)
    product_id = call.params["api_product_id"]
    product = api.cp.get(API_PRODUCTS, portal, product_id)
    if product is None:
        raise ApiError(404, f"API product {product_id} not found on portal {portal}")
    return product


def list_subscriptions(api: Api, call: Call) -> tuple[int, Any]:
    product = _product_of_call(api, call)
    rows = [
        provider_view(s)
        for s in api.cp.all(SUBSCRIPTIONS, product["portal_id"])
        if s["api_product_id"] == product["id"]
    ]
    return 200, list_answer(
        rows,
        call.args,
        order_fields=("developer_name", "subscribed_at"),
        default_order="subscribed_at",
        search_fields=("developer_name", "developer_id"),
    )


def cancel_subscription(api: Api, call: Call) -> tuple[int, Any]:
    product = _product_of_call(api, call)
    sub_id = call.params["subscription_id"]
    subscription = api.cp.get(SUBSCRIPTIONS, product["portal_id"], sub_id)
    if subscription is None or subscription["api_product_id"] != product["id"]:
        raise ApiError(404, f"subscription {sub_id} not found on API product {product['id']}")
    if subscription["status"] not in ("pending", "approved"):
        raise ApiError(400, f"subscription {sub_id} is already {subscription['status']}")
    end(api, subscription, product)
    return 200, None


def notification_histories(api: Api, call: Call) -> tuple[int, Any]:
    product = _product_of_call(api, call)
    rows = api.cp.all(NOTIFICATIONS, product["portal_id"], product["id"])
    for field in ("notification_type", "event", "contact_point_id"):
        wanted = call.args.get(field)
        if wanted:
            rows = [r for r in rows if r.get(field) == wanted]
    return 200, list_answer(
        rows, call.args, order_fields=("notified_at",), default_order="notified_at"
    )


APPROVAL_FILTERS = (
    "status",
    "result",
    "event",
    "resource_type",
    "resource_name",
    "operator_name",
    "applicant_name",
)


def list_approvals(api: Api, call: Call) -> tuple[int, Any]:
    rows = api.cp.all(APPROVALS)
    portal = call.args.get("portal_id")
    if portal:
        rows = [r for r in rows if r["portal_id"] == portal]
    for field in APPROVAL_FILTERS:
        wanted = call.args.get(field)
        if wanted:
            rows = [r for r in rows if r.get(field) == wanted]
    return 200, list_answer(
        rows,
        call.args,
        order_fields=("applied_at", "resource_name", "operated_at"),
        default_order="applied_at",
        search_fields=("resource_name", "applicant_name"),
    )


def _pending_approval(api: Api, call: Call) -> dict[str, Any]:
    approval_id = call.params["approval_id"]
    approval = api.cp.get(APPROVALS, approval_id)
    if approval is None:
        raise ApiError(404, f"approval {approval_id} not found")
    # the ARN of the check names the request's portal and product: they must be this one's
    for arg, field in (("portal_id", "portal_id"), ("api_product_id", "resource_id")):
        given = call.args.get(arg)
        if given and given != approval[field]:
            raise ApiError(400, f"approval {approval_id} is not for {arg} {given}")
    if approval["status"] != "pending":
        raise ApiError(400, f"approval {approval_id} is already {approval.get('result')}")
    return approval


def accept(api: Api, call: Call) -> tuple[int, Any]:
    approval = _pending_approval(api, call)
    if approval["event"] == "developer_registration":
        _set_developer_state(api, approval, "Active")
    else:
        subscription = api.cp.get(SUBSCRIPTIONS, approval["portal_id"], approval["subscription_id"])
        product = _product(api, subscription) if subscription else None
        if subscription is None or product is None:
            raise ApiError(400, f"approval {approval['id']}: its subscription no longer exists")
        _approve(api, product, subscription)
        api.cp.put(SUBSCRIPTIONS, subscription, subscription["portal_id"], subscription["id"])
        notify(api, product, "subscription_approval_accepted", subscription)
    _finish(api, approval, "accepted")
    return 200, value({})


def reject(api: Api, call: Call) -> tuple[int, Any]:
    approval = _pending_approval(api, call)
    if approval["event"] == "developer_registration":
        _set_developer_state(api, approval, "Rejected")
    else:
        subscription = api.cp.get(SUBSCRIPTIONS, approval["portal_id"], approval["subscription_id"])
        if subscription is not None:
            subscription.update(status="rejected", updated_at=api.cp.clock())
            api.cp.put(SUBSCRIPTIONS, subscription, subscription["portal_id"], subscription["id"])
            product = _product(api, subscription)
            if product is not None:
                notify(api, product, "subscription_approval_rejected", subscription)
    _finish(api, approval, "rejected")
    return 200, value({})


def registration_approval(api: Api, portal: str, developer: dict[str, Any]) -> dict[str, Any]:
    approval = {
        "id": api.cp.new_id(),
        "portal_id": portal,
        "event": "developer_registration",
        "resource_type": "developer",
        "resource_id": developer["developer_id"],
        "resource_name": developer.get("name") or developer["developer_id"],
        "applicant_name": developer.get("name") or developer["developer_id"],
        "file_ids": [],
        "status": "pending",
        "applied_at": api.cp.clock(),
    }
    api.cp.put(APPROVALS, approval)
    return approval


def _set_developer_state(api: Api, approval: dict[str, Any], state: str) -> None:
    developer = api.cp.get(DEVELOPERS, approval["portal_id"], approval["resource_id"])
    if developer is None:
        raise ApiError(400, f"approval {approval['id']}: its developer no longer exists")
    developer.update(state=state, updated_at=api.cp.clock())
    api.cp.put(DEVELOPERS, developer, approval["portal_id"], developer["developer_id"])


ROUTES = [
    API(
        "GET",
        "/api_products/{api_product_id}/subscriptions",
        list_subscriptions,
        "portal:GetAPIProduct",
        "portal_id",
        "api_product_id",
    ),
    API(
        "DELETE",
        "/api_products/{api_product_id}/subscriptions/{subscription_id}",
        cancel_subscription,
        "portal:UpdateAPIProduct",
        "portal_id",
        "api_product_id",
    ),
    API(
        "GET",
        "/api_products/{api_product_id}/notification_histories",
        notification_histories,
        "portal:GetAPIProduct",
        "portal_id",
        "api_product_id",
    ),
    API(
        "GET",
        "/approvals",
        list_approvals,
        "portal:ApproveAPIProductSubscription",
        "portal_id",
        "*",
        lists="resource_id",
    ),
    API(
        "POST",
        "/approvals/{approval_id}/accept",
        accept,
        "portal:ApproveAPIProductSubscription",
        "portal_id",
        "api_product_id",
    ),
    API(
        "POST",
        "/approvals/{approval_id}/reject",
        reject,
        "portal:ApproveAPIProductSubscription",
        "portal_id",
        "api_product_id",
    ),
]
