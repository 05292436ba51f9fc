"""IamMiddleware: authentication, the table's action and resource on real endpoints."""

from __future__ import annotations

from .conftest import (
    ADMIN_KEY,
    CONFIG,
    VIEWER_KEY,
    admin_port,
    allow,
    client_for,
    login,
    make_policy,
    make_user,
    ok,
)

GG = "arn:api7:gateway:gatewaygroup"


def test_unauthenticated_is_401_and_denied_is_403(app, client):
    anonymous = client_for(app)
    answer = anonymous.get("/api/gateway_groups")
    assert answer.status_code == 401 and "error_msg" in answer.json()
    assert client_for(app, "a7ee-not-a-token").get("/api/users").status_code == 401
    make_user(client, "kim", [])
    denied = login(app, "kim").get("/api/gateway_groups")
    assert denied.status_code == 403
    assert "gateway:GetGatewayGroup" in denied.json()["error_msg"]


def test_viewer_key_reads_but_does_not_write(app):
    viewer = client_for(app, VIEWER_KEY)
    assert viewer.get("/api/gateway_groups").status_code == 200
    assert viewer.get("/api/users").status_code == 200
    assert viewer.post("/api/gateway_groups", json={"name": "x"}).status_code == 403
    assert viewer.get("/api/gateway_groups/default/admin_key").status_code == 403


def test_viewer_role_user(app, client):
    user_id = make_user(client, "lee", [])
    ok(client.put(f"/api/users/{user_id}/assigned_roles", json={"roles": ["viewer"]}))
    lee = login(app, "lee")
    assert lee.get("/api/roles").status_code == 200
    assert lee.post("/api/roles", json={"name": "x"}).status_code == 403
    assert lee.post("/api/permission_policies", json={}).status_code == 403


def test_exact_policy_allows_exactly_its_resource(app, client):
    group = ok(client.post("/api/gateway_groups", json={"name": "g1"}))["value"]["id"]
    pid = make_policy(client, allow(["gateway:GetGatewayGroup"], [f"{GG}/{group}"]))
    make_user(client, "max", [pid])
    mx = login(app, "max")
    assert mx.get(f"/api/gateway_groups/{group}").status_code == 200
    assert mx.get("/api/gateway_groups/default").status_code == 403
    assert mx.put(f"/api/gateway_groups/{group}", json={"name": "g2"}).status_code == 403


def test_deny_statement_wins_on_endpoints(app, client):
    pid = make_policy(
        client,
        allow(["<.*>"], ["<.*>"]),
        allow(["gateway:CreateGatewayGroup"], ["<.*>"], effect="deny"),
    )
    make_user(client, "ned", [pid])
    ned = login(app, "ned")
    assert ned.get("/api/gateway_groups").status_code == 200
    assert ned.post("/api/gateway_groups", json={"name": "g"}).status_code == 403


def test_boundaries_cap_a_generous_role(app, client):
    everything = make_policy(client, allow(["<.*>"], ["<.*>"]), name="all")
    reads = make_policy(client, allow(["<.*>Get<.*>"], ["<.*>"]), name="reads")
    user_id = make_user(client, "ola", [everything], boundaries=[reads])
    ola = login(app, "ola")
    assert ola.get("/api/gateway_groups").status_code == 200
    assert ola.post("/api/gateway_groups", json={"name": "g"}).status_code == 403
    ok(client.put(f"/api/users/{user_id}/boundaries", json=[]))
    assert ola.post("/api/gateway_groups", json={"name": "g"}).status_code == 200


def test_gateway_group_scoped_apisix_admin(app, client):
    group = ok(client.post("/api/gateway_groups", json={"name": "g1"}))["value"]["id"]
    pid = make_policy(
        client,
        allow(
            ["gateway:GetConsumer", "gateway:CreateConsumer", "gateway:UpdateConsumer"],
            [f"{GG}/{group}/consumer/<.*>", f"{GG}/{group}/consumer/*"],
        ),
    )
    make_user(client, "pat", [pid])
    pat = login(app, "pat")
    body = {"username": "jack"}
    created = pat.put("/apisix/admin/consumers", params={"gateway_group_id": group}, json=body)
    assert created.status_code in (200, 201), created.text
    got = pat.get("/apisix/admin/consumers/jack", params={"gateway_group_id": group})
    assert got.status_code == 200
    other = pat.get("/apisix/admin/consumers/jack", params={"gateway_group_id": "default"})
    assert other.status_code == 403
    deleted = pat.delete("/apisix/admin/consumers/jack", params={"gateway_group_id": group})
    assert deleted.status_code == 403


def test_plain_apisix_admin_keeps_its_own_key_checks(app):
    assert client_for(app, ADMIN_KEY).get("/apisix/admin/routes").status_code == 200
    missing = client_for(app).get("/apisix/admin/routes")
    assert missing.status_code == 401 and missing.json()["description"] == "missing apikey"


def test_permission_check_for_another_user(app, client):
    pid = make_policy(client, allow(["iam:GetRole"], ["arn:api7:iam:role/r1"]))
    user_id = make_user(client, "quin", [pid])
    body = {
        "yes": {"action": "iam:GetRole", "resource": "arn:api7:iam:role/r1"},
        "no": {"action": "iam:GetRole", "resource": "arn:api7:iam:role/r2"},
    }
    answer = ok(client.post("/api/permissions/check", params={"user_id": user_id}, json=body))
    assert answer["value"] == {"yes": True, "no": False}
    quin = login(app, "quin")
    assert ok(quin.post("/api/permissions/check", json=body))["value"] == {"yes": True, "no": False}
    assert (
        quin.post("/api/permissions/check", params={"user_id": "admin"}, json=body).status_code
        == 403
    )
    assert client.post("/api/permissions/check", json={"x": {"action": 1}}).status_code == 400


def test_unmapped_endpoints_need_full_access(app):
    assert client_for(app, VIEWER_KEY).get("/api/not-documented").status_code == 403
    assert client_for(app, ADMIN_KEY).get("/api/not-documented").status_code == 404


def test_label_conditions_on_endpoints(app, client):
    prod = ok(client.post("/api/gateway_groups", json={"name": "p", "labels": {"env": "prod"}}))
    dev = ok(client.post("/api/gateway_groups", json={"name": "d", "labels": {"env": "dev"}}))
    condition = {
        "gateway_group_label": {
            "type": "MatchLabel",
            "options": {"key": "env", "operator": "exact_match", "value": "prod"},
        }
    }
    statement = {**allow(["gateway:GetGatewayGroup"], [f"{GG}/<.*>"]), "conditions": condition}
    make_user(client, "rex", [make_policy(client, statement)])
    rex = login(app, "rex")
    assert rex.get(f"/api/gateway_groups/{prod['value']['id']}").status_code == 200
    assert rex.get(f"/api/gateway_groups/{dev['value']['id']}").status_code == 403
    body = {
        "prod": {
            "action": "gateway:GetGatewayGroup",
            "resource": f"{GG}/x",
            "context": {"gateway_group_label": {"env": "prod"}},
        },
        "none": {"action": "gateway:GetGatewayGroup", "resource": f"{GG}/x"},
    }
    assert ok(rex.post("/api/permissions/check", json=body))["value"] == {
        "prod": True,
        "none": False,
    }


def test_allow_admin_applies_to_the_dashboard_api(store):
    config = {
        **CONFIG,
        "deployment": {"admin": {**CONFIG["deployment"]["admin"], "allow_admin": ["10.0.0.0/8"]}},
    }
    outsider = client_for(admin_port(store, config), ADMIN_KEY)
    answer = outsider.get("/api/users")
    assert answer.status_code == 403 and "not allowed" in answer.json()["error_msg"]
