"""Real developer-portal objects for the spec tests' witness requests: API products on the
default portal linking a published service, and pending approvals, a subscription, a
developer and a file made through the developer portal backend (when the target has one)."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

PORTAL_PATHS = ("/api_products/", "/developers/", "/portal_tokens/", "/services/template/")
DEFAULT = {"portal_id": "default"}


def _value(answer: httpx.Response) -> dict[str, Any]:
    assert answer.status_code in (200, 201), f"{answer.request.url}: {answer.text[:300]}"
    return answer.json()["value"]


def portal_objects(api: httpx.Client, portal_api_url: str | None, made: list[str]) -> dict:
    """Path parameters naming real portal objects (`made` gets what to delete, on `api`)."""
    name = f"spec-portal-{uuid.uuid4().hex[:8]}"
    upstream = {"type": "roundrobin", "nodes": [{"host": "127.0.0.1", "port": 1980, "weight": 1}]}
    service = _value(api.post("/services/template", json={"name": name, "upstream": upstream}))
    made.append(f"/services/template/{service['id']}")
    _value(api.post("/routes/template", json={"name": name, "paths": ["/spec-portal"],
                                              "service_id": service["id"]}))  # fmt: skip
    publish = {"gateway_group_id": "default", "create_new_version": True,
               "services": [{"service_id": service["id"], "version": "v1"}]}  # fmt: skip
    _value(api.post("/services/publish", json=publish))

    def product(suffix: str) -> str:
        body = {
            "name": f"{name}-{suffix}",
            "auth": {"key-auth": {}},
            "status": "published",
            "linked_gateway_services": [
                {"gateway_group_id": "default", "service_id": service["id"]}
            ],
        }
        found = _value(api.post("/api_products", params=DEFAULT, json=body))["id"]
        made.append(f"/api_products/{found}?portal_id=default")
        return found

    def invite(developer: str) -> None:
        _value(api.post("/developers", params=DEFAULT, json={"developer_id": developer}))
        made.append(f"/developers/{developer}?portal_id=default")

    known: dict[str, Any] = {
        "api_product_id": product("kept"),
        "deleteApiProduct.api_product_id": product("deleted"),
    }
    deleted, rejected = f"{name}-deleted", f"{name}-rejected"
    invite(deleted)
    invite(rejected)
    known["developer_external_id"] = deleted
    approvals = api.get("/approvals", params={**DEFAULT, "applicant_name": rejected})
    assert approvals.status_code == 200, approvals.text[:300]
    known["rejectApproval.approval_id"] = approvals.json()["list"][0]["id"]
    if portal_api_url:
        known.update(
            _developer_side(api, portal_api_url.rstrip("/"), known["api_product_id"], made)
        )
    return known


def _developer_side(api: httpx.Client, base: str, product: str, made: list[str]) -> dict:
    """A subscription waiting for approval, another to cancel, and an uploaded file."""
    token = _value(api.post("/portal_tokens", params=DEFAULT, json={"name": "spec"}))
    made.append(f"/portal_tokens/{token['id']}?portal_id=default")
    known: dict[str, Any] = {}
    for role in ("accepted", "cancelled"):
        developer = f"spec-{role}-{uuid.uuid4().hex[:8]}"
        made.append(f"/developers/{developer}?portal_id=default")
        headers = {"Authorization": f"Bearer {token['token']}", "X-Portal-Developer-ID": developer}
        with httpx.Client(base_url=base, headers=headers, timeout=10.0) as portal:
            _value(portal.post("/api/developers", json={"developer_id": developer}))
            app = _value(portal.post("/api/applications", json={"name": role}))
            if role == "accepted":
                file = _value(
                    portal.post("/api/files", params={"name": "spec.txt"}, content=b"spec")
                )
                known["file_id"] = file["id"]
            path = f"/api/applications/{app['id']}/subscriptions"
            subscription = _value(portal.post(path, json={"api_product_id": product}))
        if role == "accepted":
            known["acceptApproval.approval_id"] = subscription["approval_id"]
        else:
            known["subscription_id"] = subscription["id"]
    return known
