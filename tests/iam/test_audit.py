"""The audit log: writes recorded with who, what, when and result; filters and export."""

from __future__ import annotations

import csv
import io
import json
import time

from reference_impl.config import build_config
from reference_impl.iam import create_iam_app
from reference_impl.store.persistent import PersistentMemoryStore

from .conftest import CONFIG, VIEWER_KEY, admin_port, client_for, login, make_user, ok


def test_writes_are_recorded_with_their_result(app, client):
    before = int(time.time())
    group = ok(client.post("/api/gateway_groups", json={"name": "g1"}))["value"]["id"]
    client_for(app, VIEWER_KEY).post("/api/gateway_groups", json={"name": "denied"})
    client.get("/api/gateway_groups")  # reads are not audited
    logs = ok(client.get("/api/audit_logs", params={"event_type": "CreateGatewayGroup"}))
    assert logs["total"] == 2
    newest, oldest = logs["list"]
    assert (newest["result"], newest["status_code"], newest["operator_name"]) == (
        "failure",
        403,
        "viewer",
    )
    assert (oldest["result"], oldest["operator_name"], oldest["resource_id"]) == (
        "success",
        "admin",
        group,
    )
    assert oldest["event_time"] >= before
    ascending = ok(
        client.get(
            "/api/audit_logs", params={"event_type": "CreateGatewayGroup", "direction": "asc"}
        )
    )
    assert ascending["list"][0]["id"] == oldest["id"]


def test_filters_pagination_and_export(app, client):
    user_id = make_user(client, "rae", [])
    rae = login(app, "rae")
    rae.put("/api/me", json={"name": "Rae"})
    mine = ok(client.get("/api/audit_logs", params={"operator_id": user_id}))
    assert {e["event_type"] for e in mine["list"]} == {"Login", "UpdateMyProfile"}
    everything = ok(client.get("/api/audit_logs"))
    page = ok(client.get("/api/audit_logs", params={"page": 2, "page_size": 2}))
    assert page["total"] == everything["total"] and page["list"] == everything["list"][2:4]
    by_resource = ok(client.get("/api/audit_logs", params={"resource_id": user_id}))
    assert by_resource["total"] >= 1
    future = ok(client.get("/api/audit_logs", params={"start_at": int(time.time()) + 100}))
    assert future["total"] == 0
    assert client.get("/api/audit_logs", params={"start_at": "soon"}).status_code == 400
    exported = client.get(
        "/api/audit_logs/export", params={"format": "json", "operator_id": user_id}
    )
    assert exported.status_code == 200 and len(json.loads(exported.text)) == 2
    as_csv = client.get("/api/audit_logs/export", params={"format": "csv"})
    rows = list(csv.DictReader(io.StringIO(as_csv.text)))
    assert len(rows) == everything["total"] and "event_type" in rows[0]
    assert client.get("/api/audit_logs/export").status_code == 400
    types = ok(client.get("/api/audit_logs/event_types"))["list"]
    assert "CreateGatewayGroup" in types and "GetConsumer" not in types


def test_records_survive_a_store_reopen(tmp_path):
    store = PersistentMemoryStore(tmp_path)
    client = client_for(admin_port(store), "edd1c9f034335f136f87ad84b625c8f1")
    make_user(client, "sam", [])
    store.close()
    reopened = PersistentMemoryStore(tmp_path)
    app = admin_port(reopened)
    sam = login(app, "sam")
    assert ok(sam.get("/api/me"))["value"]["username"] == "sam"
    admin = client_for(app, "edd1c9f034335f136f87ad84b625c8f1")
    assert ok(admin.get("/api/audit_logs", params={"event_type": "InviteUser"}))["total"] == 1
    create_iam_app(build_config(CONFIG), reopened)  # bootstrap again: keeps existing records
    assert ok(admin.get("/api/users", params={"search": "admin"}))["total"] == 1
    reopened.close()
