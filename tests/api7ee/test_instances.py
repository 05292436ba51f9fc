"""Gateway instances: per group and across groups, filters, ordering, counts by status,
and deleting an instance (only an Offline one)."""

from __future__ import annotations

from .conftest import new_group, ok


def _stop(client, group_id: str) -> None:
    """The group's data plane process is gone: its instance turns Offline."""
    client.app.state.data_planes.running.pop(group_id)


def test_group_instances_have_documented_fields(client, ticking_clock):
    group = new_group(client)
    listing = ok(client.get(f"/api/gateway_groups/{group['id']}/instances"))
    assert listing["total"] == 1
    instance = listing["list"][0]
    assert instance["gateway_group_id"] == group["id"] and instance["status"] == "Healthy"
    assert instance["compatibility"] == "Compatible" and instance["version"]
    assert instance["ports"] and instance["ip"] == "127.0.0.1"
    assert instance["created_at"] == group["created_at"]
    assert instance["last_heartbeat_time"] > instance["created_at"]
    shown = ok(client.get(f"/api/gateway_groups/{group['id']}"))["value"]["instances"]
    assert [i["id"] for i in shown] == [instance["id"]]
    assert client.get("/api/gateway_groups/nope/instances").status_code == 404


def test_all_instances_filters_and_order(client, ticking_clock):
    first, second = new_group(client, "g1"), new_group(client, "g2")
    everything = ok(client.get("/api/instances"))
    groups = {i["gateway_group_id"] for i in everything["list"]}
    assert groups == {"default", first["id"], second["id"]} and everything["total"] == 3
    one = ok(client.get("/api/instances", params={"gateway_group_id": first["id"]}))
    assert [i["gateway_group_id"] for i in one["list"]] == [first["id"]]
    assert client.get("/api/instances", params={"gateway_group_id": "nope"}).status_code == 404

    _stop(client, second["id"])
    offline = ok(client.get("/api/instances", params={"status": "Offline"}))
    assert [i["gateway_group_id"] for i in offline["list"]] == [second["id"]]
    healthy = ok(client.get("/api/instances", params={"status": "Healthy"}))
    assert {i["gateway_group_id"] for i in healthy["list"]} == {"default", first["id"]}
    oldest = ok(client.get("/api/instances", params={"order_by": "created_at", "direction": "asc"}))
    times = [i["created_at"] for i in oldest["list"]]
    assert times == sorted(times)
    order = [i["gateway_group_id"] for i in oldest["list"]]
    assert order.index(first["id"]) < order.index(second["id"])
    page = ok(client.get("/api/instances", params={"page": 2, "page_size": 2}))
    assert page["total"] == 3 and len(page["list"]) == 1
    found = ok(client.get("/api/instances", params={"search": f"id={second['id']}"}))
    assert [i["gateway_group_id"] for i in found["list"]] == [second["id"]]
    assert ok(client.get("/api/instances", params={"search": "version=0.0.0-none"}))["total"] == 0
    for bad in ({"status": "Sick"}, {"compatibility": "Maybe"}, {"order_by": "name"}):
        response = client.get("/api/instances", params=bad)
        assert response.status_code == 400 and response.json()["error_msg"]


def test_count_by_status_agrees_with_list(client):
    group = new_group(client)
    scope = {"gateway_group_id": group["id"]}
    counts = ok(client.get("/api/instances/count/status", params=scope))["value"]
    assert {c["key"]: c["count"] for c in counts} == {
        "Healthy": 1,
        "OutOfSync": 0,
        "LostConnection": 0,
        "Offline": 0,
    }
    _stop(client, group["id"])
    counts = ok(client.get("/api/instances/count/status", params=scope))["value"]
    assert {c["key"]: c["count"] for c in counts}["Offline"] == 1
    missed = ok(client.get("/api/instances/count/status", params={**scope, "search": "nothing"}))
    assert all(c["count"] == 0 for c in missed["value"])
    assert client.get("/api/instances/count/status").status_code == 400
    assert client.get("/api/instances/count/version", params=scope).status_code == 400
    missing = client.get("/api/instances/count/status", params={"gateway_group_id": "nope"})
    assert missing.status_code == 404


def test_only_an_offline_instance_can_be_deleted(client):
    group = new_group(client)
    base = f"/api/gateway_groups/{group['id']}/instances"
    instance_id = ok(client.get(base))["list"][0]["id"]
    refused = client.delete(f"{base}/{instance_id}")
    assert refused.status_code == 400 and "Offline" in refused.json()["error_msg"]
    assert client.delete(f"{base}/no-such-instance").status_code == 404

    _stop(client, group["id"])
    ok(client.delete(f"{base}/{instance_id}"))
    assert ok(client.get(base))["total"] == 0
    assert client.delete(f"{base}/{instance_id}").status_code == 404
    # back online: the instance shows again
    client.app.state.data_planes.running[group["id"]] = None
    assert [i["id"] for i in ok(client.get(base))["list"]] == [instance_id]

    ok(client.delete(f"/api/gateway_groups/{group['id']}"))
    assert client.app.state.api7ee.cp.all("deleted_instances", group["id"]) == []
