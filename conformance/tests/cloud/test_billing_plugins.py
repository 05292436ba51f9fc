"""Billing (subscription, upcoming invoice, customer portal) and loaded plugins."""

from __future__ import annotations

from conformance.registry import conformance_test

from .envelope import payload, refused


@conformance_test(
    name="cloud-billing",
    description="subscriptions need a plan; the upcoming invoice and the portal answer in the envelope",
    profile="api7cloud",
    features=["cloud-billing"],
)
def test_billing(cloud, org) -> None:
    refused(cloud.post(f"/orgs/{org['id']}/subscriptions", json={"plan": ""}), 400)
    refused(cloud.post(f"/orgs/{org['id']}/subscriptions", json={}), 400)
    payload(cloud.post(f"/orgs/{org['id']}/subscriptions", json={"plan": "pro"}))
    assert isinstance(payload(cloud.get(f"/orgs/{org['id']}/upcoming_invoice")), dict)
    payload(cloud.get(f"/orgs/{org['id']}/billing_portal"))
    refused(cloud.get("/orgs/999999999999999999/upcoming_invoice"), 404)


@conformance_test(
    name="cloud-plugins",
    description="available plugins are listed; a loaded plugin is listed, updated, referenced, deleted",
    profile="api7cloud",
    features=["cloud-plugins"],
)
def test_plugins(cloud, org, cluster) -> None:
    available = payload(cloud.get(f"/orgs/{org['id']}/plugins"))
    names = [p["name"] for p in available["list"]]
    assert names and available["count"] == len(names)
    base = f"/clusters/{cluster['id']}/plugin_management"
    name = "cors" if "cors" in names else names[0]
    payload(cloud.post(base, json={"name": name}))
    refused(cloud.post(base, json={"name": ""}), 400)
    loaded = payload(cloud.get(base))["list"]
    assert [p["name"] for p in loaded] == [name]
    item = f"{base}/{loaded[0]['id']}"
    payload(cloud.put(item, json={"metadata": {}}))
    assert payload(cloud.get(f"{item}/reference"))["list"] == []
    payload(cloud.delete(item))
    assert payload(cloud.get(base))["count"] == 0
    refused(cloud.delete(item), 404)
