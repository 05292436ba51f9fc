"""Operations endpoints of the 3.2.14 spec (Core): the license, deployment settings, instance
cores and their hourly export, resource counts per gateway group, data plane client
certificates, plugin details, labels and variables."""

from __future__ import annotations

import csv
import datetime
import io
import json

from cryptography import x509

from conformance.registry import conformance_test
from conformance.resources import shipped_path
from conformance.support.ids import unique_id, unique_username

from .ee_client import body_of, items

HOUR = 3600


@conformance_test(
    name="ee-license-read-and-refused",
    description="the license reads as an object; license data that does not decode is refused "
    "with a 400 and an error body, with and without dry-run",
    profile="api7ee",
    features=["ee-operations"],
)
def test_license_read_and_refused(ee):
    assert isinstance(body_of(ee.client.get("/license"))["value"], dict)
    for params in ({}, {"dry-run": "all"}):
        bad = ee.client.put("/license", params=params, json={"data": "not a license"})
        assert bad.status_code == 400 and bad.json().get("error_msg"), bad.text
    missing = ee.client.put("/license", json={})
    assert missing.status_code == 400 and missing.json().get("error_msg")


@conformance_test(
    name="ee-deployment-settings",
    description="the control plane address set through the system settings is what they show",
    profile="api7ee",
    features=["ee-operations"],
)
def test_deployment_settings(ee):
    before = body_of(ee.client.get("/system_settings"))["value"]
    wanted = ["https://127.0.0.1:17943"]
    try:
        body_of(ee.client.put("/system_settings", json={"control_plane_address": wanted}))
        shown = body_of(ee.client.get("/system_settings"))["value"]
        assert shown["control_plane_address"] == wanted
        bad = ee.client.put("/system_settings", json={"control_plane_address": "not-a-list"})
        assert bad.status_code == 400 and bad.json().get("error_msg")
    finally:
        previous = before.get("control_plane_address")
        if previous is not None:
            ee.client.put("/system_settings", json={"control_plane_address": previous})


@conformance_test(
    name="ee-instance-cores",
    description="the data plane cores in use are a count, and their export is a CSV with one "
    "row per hour of the interval, newest first",
    profile="api7ee",
    features=["ee-operations"],
)
def test_instance_cores(ee):
    cores = body_of(ee.client.get("/instances/cores"))["value"]["current_dp_cores"]
    assert isinstance(cores, int) and cores >= 0
    end = int(datetime.datetime.now(datetime.UTC).timestamp())
    begin = end - 5 * HOUR
    answer = ee.client.get(
        "/instances/cores_usages/export", params={"begin_at": begin, "end_at": end}
    )
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(answer.text)))
    assert rows[0] == ["time", "max_dp_cores"]
    times = [int(r[0]) for r in rows[1:]]
    assert times == sorted(times, reverse=True) and len(times) in (5, 6), times
    assert all(b - a == HOUR for a, b in zip(times[1:], times, strict=False))
    assert all(int(r[1]) >= 0 for r in rows[1:])
    bad = ee.client.get("/instances/cores_usages/export", params={"begin_at": "x", "end_at": end})
    assert bad.status_code == 400 and bad.json().get("error_msg")


@conformance_test(
    name="ee-resource-counts",
    description="the count of consumers per gateway group follows a consumer created in a new "
    "group, and every group shows a count of its gateway instances",
    profile="api7ee",
    features=["ee-operations"],
)
def test_resource_counts(ee):
    group_id = ee.group()["id"]
    made = ee.apisix("PUT", "/consumers", group_id, json={"username": unique_username("cnt")})
    assert made.status_code in (200, 201), made.text
    counted = items(body_of(ee.client.get("/gateway_groups/count/consumer")))
    mine = [g for g in counted if g["id"] == group_id]
    assert len(mine) == 1 and mine[0]["count"] == 1, mine
    instances = items(body_of(ee.client.get("/gateway_groups/count/gateway_instance")))
    assert group_id in {g["id"] for g in instances}
    assert all(isinstance(g["count"], int) for g in instances)
    bad = ee.client.get("/gateway_groups/count/no_such_type")
    assert bad.status_code == 400 and bad.json().get("error_msg")


@conformance_test(
    name="ee-dp-client-certificate",
    description="a data plane client certificate issued for a gateway group is a PEM "
    "certificate with its private key, valid until the expiry it states",
    profile="api7ee",
    features=["ee-operations"],
)
def test_dp_client_certificate(ee):
    group_id = ee.group()["id"]
    issued = body_of(ee.client.post(f"/gateway_groups/{group_id}/dp_client_certificates"))["value"]
    cert = x509.load_pem_x509_certificate(issued["certificate"].encode())
    assert "PRIVATE KEY" in issued["private_key"]
    assert abs(int(cert.not_valid_after_utc.timestamp()) - issued["expiry"]) <= 1
    missing = ee.client.post("/gateway_groups/no-such-group/dp_client_certificates")
    assert missing.status_code == 404


@conformance_test(
    name="ee-plugins-labels-variables",
    description="the plugin details name every plugin of the plugin list; the labels of gateway "
    "groups include a new group's; the variables include the request's own",
    profile="api7ee",
    features=["ee-operations"],
)
def test_plugins_labels_variables(ee):
    details = body_of(ee.client.get("/plugins"))["value"]
    names = {d["plugin_name"] for d in details}
    listed = body_of(ee.apisix("GET", "/plugins/list", "default"))
    assert set(listed) <= names and all("type" in d for d in details)
    team = unique_id("team")
    ee.group(labels={"team": team})
    labels = body_of(ee.client.get("/labels/gateway_group"))["value"]
    assert team in labels.get("team", []), labels
    variables = body_of(ee.apisix("GET", "/variables", "default"))["value"]
    assert {"remote_addr", "request_method", "uri"} <= set(variables)


@conformance_test(
    name="ee-permissions-list",
    description="the permissions a policy can grant are the catalog's actions, each with its group",
    profile="api7ee",
    features=["ee-iam-policies"],
)
def test_permissions_list(ee):
    catalog = json.loads(shipped_path("conformance", "data", "iam", "catalog.json").read_text())
    listed = items(body_of(ee.client.get("/permissions", params={"page_size": 500})))
    assert {p["key"] for p in listed} == {e["action"] for e in catalog}
    assert all(p["group"] for p in listed)
