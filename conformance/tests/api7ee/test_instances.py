"""Gateway instances: a new gateway group's instances are listed for the group and across
groups with the documented fields, the count by status agrees with the list, and only an
Offline instance may be deleted."""

from __future__ import annotations

from collections import Counter

from conformance.registry import conformance_test
from conformance.support.eventually import converge

from .ee_client import body_of, items

STATUSES = ("Healthy", "OutOfSync", "LostConnection", "Offline")
FIELDS = ("id", "gateway_group_id", "hostname", "ip", "version", "ports", "status")


def _instances(ee, group_id: str) -> list[dict]:
    def listed() -> list[dict]:
        rows = items(body_of(ee.client.get(f"/gateway_groups/{group_id}/instances")))
        assert rows, f"gateway group {group_id} has no gateway instance yet"
        return rows

    return converge(listed, ee.timeouts, within=ee.timeouts.data_plane_start, interval=0.2)


@conformance_test(
    name="ee-instances-listed",
    description="a new gateway group's instances carry the documented fields and show in the "
    "list of all instances, alone when filtered by the group",
    profile="api7ee",
    features=["ee-instances"],
)
def test_new_group_instances_listed(ee):
    group_id = ee.group()["id"]
    rows = _instances(ee, group_id)
    for row in rows:
        missing = [f for f in FIELDS if f not in row]
        assert not missing, f"instance {row.get('id')} lacks {missing}"
        assert row["gateway_group_id"] == group_id and row["status"] in STATUSES
    ids = {r["id"] for r in rows}
    mine = items(body_of(ee.client.get("/instances", params={"gateway_group_id": group_id})))
    assert {r["id"] for r in mine} == ids and all(r["gateway_group_id"] == group_id for r in mine)
    everything = items(body_of(ee.client.get("/instances", params={"page_size": 500})))
    assert ids <= {r["id"] for r in everything}
    status = rows[0]["status"]
    same = items(
        body_of(ee.client.get(f"/gateway_groups/{group_id}/instances", params={"status": status}))
    )
    assert rows[0]["id"] in {r["id"] for r in same} and all(r["status"] == status for r in same)
    bad = ee.client.get("/instances", params={"status": "NoSuchStatus"})
    assert bad.status_code == 400 and bad.json().get("error_msg")


@conformance_test(
    name="ee-instances-count-by-status",
    description="the count of a gateway group's instances by status agrees with its instance list",
    profile="api7ee",
    features=["ee-instances"],
)
def test_count_agrees_with_list(ee):
    group_id = ee.group()["id"]
    _instances(ee, group_id)

    def agree() -> None:
        rows = items(body_of(ee.client.get(f"/gateway_groups/{group_id}/instances")))
        answer = body_of(
            ee.client.get("/instances/count/status", params={"gateway_group_id": group_id})
        )
        counted = {c["key"]: c["count"] for c in answer["value"]}
        listed = Counter(r["status"] for r in rows)
        for status in STATUSES:
            assert counted.get(status, 0) == listed.get(status, 0), (status, counted, listed)

    converge(agree, ee.timeouts, within=ee.timeouts.data_plane_start, interval=0.2)


@conformance_test(
    name="ee-instances-delete-running",
    description="deleting a running (not Offline) gateway instance is refused with 400, an "
    "unknown one answers 404",
    profile="api7ee",
    features=["ee-instances"],
)
def test_delete_running_refused(ee):
    group_id = ee.group()["id"]
    base = f"/gateway_groups/{group_id}/instances"

    def running() -> dict:
        rows = [r for r in _instances(ee, group_id) if r["status"] != "Offline"]
        assert rows, f"gateway group {group_id} has no running instance yet"
        return rows[0]

    instance = converge(running, ee.timeouts, within=ee.timeouts.data_plane_start, interval=0.2)
    refused = ee.client.delete(f"{base}/{instance['id']}")
    assert refused.status_code == 400 and refused.json().get("error_msg"), refused.text
    assert instance["id"] in {r["id"] for r in _instances(ee, group_id)}
    unknown = ee.client.delete(f"{base}/gwconform-no-such-instance")
    assert unknown.status_code == 404 and unknown.json().get("error_msg")
