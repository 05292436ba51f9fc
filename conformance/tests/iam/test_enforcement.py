"""Enforcement on real endpoint calls, roles, tokens, boundaries and the audit log."""

from __future__ import annotations

import uuid

from conformance.registry import conformance_test

from .conftest import dashboard_client, expect

GROUP = "arn:api7:gateway:gatewaygroup"


def _new_group(dashboard, created: list[str]) -> str:
    group = expect(
        dashboard.post("/api/gateway_groups", json={"name": f"gwc-{uuid.uuid4().hex[:6]}"})
    )
    created.append(group["value"]["id"])
    return group["value"]["id"]


@conformance_test(
    name="iam-gateway-group-exact-access",
    description="A policy on one gateway group allows exactly its action there, 403 elsewhere",
    profile="api7ee",
    features=["ee-iam"],
)
def test_gateway_group_exact_access(dashboard, iam_users):
    groups: list[str] = []
    try:
        mine, other = _new_group(dashboard, groups), _new_group(dashboard, groups)
        policy = iam_users.policy(
            {
                "effect": "allow",
                "actions": ["gateway:GetGatewayGroup"],
                "resources": [f"{GROUP}/{mine}"],
            }
        )
        _, user = iam_users.user([policy])
        expect(user.get(f"/api/gateway_groups/{mine}"))
        denied = user.get(f"/api/gateway_groups/{other}")
        assert denied.status_code == 403 and "error_msg" in denied.json()
        assert user.put(f"/api/gateway_groups/{mine}", json={"name": "renamed"}).status_code == 403
        assert user.delete(f"/api/gateway_groups/{mine}").status_code == 403
    finally:
        for group in groups:
            dashboard.delete(f"/api/gateway_groups/{group}")


@conformance_test(
    name="iam-consumers-scoped-by-gateway-group",
    description="Consumer actions on /apisix/admin?gateway_group_id= follow the group's ARN",
    profile="api7ee",
    features=["ee-iam"],
)
def test_consumers_scoped_by_gateway_group(dashboard, iam_users):
    groups: list[str] = []
    try:
        mine, other = _new_group(dashboard, groups), _new_group(dashboard, groups)
        actions = ["gateway:GetConsumer", "gateway:CreateConsumer", "gateway:UpdateConsumer"]
        resources = [f"{GROUP}/{mine}/consumer/<.*>"]
        _, user = iam_users.user(
            [iam_users.policy({"effect": "allow", "actions": actions, "resources": resources})]
        )
        scoped = {"gateway_group_id": mine}
        expect(
            user.put("/apisix/admin/consumers", params=scoped, json={"username": "gwcjack"}),
            200,
            201,
        )
        expect(user.get("/apisix/admin/consumers/gwcjack", params=scoped))
        assert user.delete("/apisix/admin/consumers/gwcjack", params=scoped).status_code == 403
        elsewhere = {"gateway_group_id": other}
        assert user.get("/apisix/admin/consumers/gwcjack", params=elsewhere).status_code == 403
    finally:
        for group in groups:
            dashboard.delete(f"/api/gateway_groups/{group}")


@conformance_test(
    name="iam-viewer-reads-not-writes",
    description="A user with the built-in Viewer role can read but not write",
    profile="api7ee",
    features=["ee-iam"],
)
def test_viewer_reads_not_writes(iam_users):
    _, user = iam_users.user([], roles=["viewer"])
    expect(user.get("/api/gateway_groups"))
    expect(user.get("/api/roles"))
    assert user.post("/api/gateway_groups", json={"name": "gwc-denied"}).status_code == 403
    assert user.post("/api/roles", json={"name": "gwc-denied"}).status_code == 403


@conformance_test(
    name="iam-unauthenticated-401",
    description="The dashboard API answers 401 without credentials or with an unknown token",
    profile="api7ee",
    features=["ee-iam"],
)
def test_unauthenticated(gw_target):
    with dashboard_client(gw_target) as anonymous:
        assert anonymous.get("/api/gateway_groups").status_code == 401
        unknown = anonymous.get("/api/users", headers={"X-API-KEY": "a7ee-" + "0" * 48})
        assert unknown.status_code == 401


@conformance_test(
    name="iam-token-revocation-immediate",
    description="A token acts as its owner; deleted or regenerated it stops working at once",
    profile="api7ee",
    features=["ee-iam-tokens"],
)
def test_token_revocation(iam_users, gw_target):
    _, user = iam_users.user([], roles=["viewer"])
    created = expect(user.post("/api/tokens", json={"name": "gwc", "expires_at": 0}))["value"]
    assert "token" not in expect(user.get(f"/api/tokens/{created['id']}"))["value"]
    with dashboard_client(gw_target, headers={"X-API-KEY": created["token"]}) as by_token:
        expect(by_token.get("/api/gateway_groups"))
        assert by_token.post("/api/gateway_groups", json={"name": "x"}).status_code == 403
        fresh = expect(user.put(f"/api/tokens/{created['id']}/regenerate", json={"expires_at": 0}))
        assert by_token.get("/api/gateway_groups").status_code == 401
        by_token.headers["X-API-KEY"] = fresh["value"]["token"]
        expect(by_token.get("/api/gateway_groups"))
        expect(user.delete(f"/api/tokens/{created['id']}"))
        assert by_token.get("/api/gateway_groups").status_code == 401


@conformance_test(
    name="iam-boundaries-cap-role",
    description="A permission boundary caps a generous role on real endpoint calls",
    profile="api7ee",
    features=["ee-iam-boundaries"],
)
def test_boundaries_cap_role(dashboard, iam_users):
    everything = iam_users.policy({"effect": "allow", "actions": ["<.*>"], "resources": ["<.*>"]})
    reads = iam_users.policy({"effect": "allow", "actions": ["<.*>Get<.*>"], "resources": ["<.*>"]})
    user_id, user = iam_users.user([everything], boundaries=[reads])
    expect(user.get("/api/gateway_groups"))
    assert user.post("/api/roles", json={"name": "gwc-denied"}).status_code == 403
    expect(dashboard.put(f"/api/users/{user_id}/boundaries", json=[]))
    role = expect(user.post("/api/roles", json={"name": f"gwc-{uuid.uuid4().hex[:6]}"}))
    iam_users.created.append(f"/api/roles/{role['value']['id']}")


@conformance_test(
    name="iam-audit-log-records-writes",
    description="Writes are in the audit log with operator, event type and result",
    profile="api7ee",
    features=["ee-iam-audit"],
)
def test_audit_log_records_writes(dashboard, iam_users):
    user_id, user = iam_users.user([], roles=["viewer"])
    assert user.post("/api/roles", json={"name": "gwc-denied"}).status_code == 403
    logs = expect(
        dashboard.get(
            "/api/audit_logs", params={"operator_id": user_id, "event_type": "CreateRole"}
        )
    )
    assert logs["total"] >= 1
    entry = logs["list"][0]
    assert entry["operator_id"] == user_id and entry["event_time"] > 0
    exported = dashboard.get(
        "/api/audit_logs/export", params={"format": "json", "operator_id": user_id}
    )
    assert exported.status_code == 200 and any(
        e["event_type"] == "CreateRole" for e in exported.json()
    )
