"""List endpoints answer per item: a user sees the items they may get, `total` counts them."""

from __future__ import annotations

from typing import Any

import pytest

from reference_impl.iam.listing import covers, globs_overlap, item_label_name

from .conftest import ADMIN_KEY, VIEWER_KEY, allow, client_for, login, make_policy, make_user, ok

GG = "arn:api7:gateway:gatewaygroup"
GET_GROUP = ["gateway:GetGatewayGroup"]


def _group(client: Any, name: str, labels: dict[str, str] | None = None) -> str:
    body: dict[str, Any] = {"name": name}
    if labels:
        body["labels"] = labels
    return ok(client.post("/api/gateway_groups", json=body))["value"]["id"]


def _ids(answer: dict[str, Any]) -> list[str]:
    return [item["id"] for item in answer["list"]]


def _user_with(app: Any, client: Any, name: str, *statements: dict[str, Any], **kw: Any) -> Any:
    make_user(client, name, [make_policy(client, *statements, name=f"p-{name}")], **kw)
    return login(app, name)


@pytest.mark.parametrize(
    ("left", "right", "overlap"),
    [
        ("a/*", "a/b", True),
        ("a/*/c", "a/x/*", True),
        ("a/b*", "a/c*", False),
        ("arn:g/default/consumer/*", "arn:g/other/consumer/*", False),
        ("*", "", True),
        ("ab", "a*c", False),
    ],
)
def test_glob_overlap(left, right, overlap):
    assert globs_overlap(left, right) is overlap
    assert globs_overlap(right, left) is overlap


def test_covers_only_patterns_that_match_every_item():
    assert covers("<.*>", "arn:g/*")
    assert covers("arn:g/*", "arn:g/*")
    assert covers("arn:*", "arn:g/x/consumer/*")
    assert not covers("arn:g/one", "arn:g/*")
    assert not covers("arn:g/<o.*>", "arn:g/*")
    assert item_label_name(f"{GG}/%s/consumer/%s") == "consumer_label"
    assert item_label_name(f"{GG}/%s") == "gateway_group_label"
    assert item_label_name("arn:api7:gateway:alert/%s") is None


def test_one_group_policy_lists_only_that_group(app, client):
    mine = _group(client, "mine")
    _group(client, "other")
    user = _user_with(app, client, "una", allow(GET_GROUP, [f"{GG}/{mine}"]))
    answer = ok(user.get("/api/gateway_groups"))
    assert _ids(answer) == [mine] and answer["total"] == 1


def test_allowed_on_an_absent_item_gets_an_empty_list(app, client):
    user = _user_with(app, client, "vic", allow(GET_GROUP, [f"{GG}/no-such-group"]))
    assert ok(user.get("/api/gateway_groups")) == {"list": [], "total": 0}


def test_no_grant_is_403(app, client):
    _group(client, "g")
    user = _user_with(app, client, "wes", allow(["gateway:GetServiceTemplate"], ["<.*>"]))
    denied = user.get("/api/gateway_groups")
    assert denied.status_code == 403
    assert "gateway:GetGatewayGroup" in denied.json()["error_msg"]
    make_user(client, "xia", [])
    assert login(app, "xia").get("/api/gateway_groups").status_code == 403


def test_deny_on_one_item_hides_it(app, client):
    hidden = _group(client, "hidden")
    shown = _group(client, "shown")
    user = _user_with(
        app,
        client,
        "yan",
        allow(GET_GROUP, [f"{GG}/*"]),
        allow(GET_GROUP, [f"{GG}/{hidden}"], effect="deny"),
    )
    answer = ok(user.get("/api/gateway_groups"))
    assert hidden not in _ids(answer) and {shown, "default"} <= set(_ids(answer))
    assert answer["total"] == len(answer["list"]) == 2
    assert user.get(f"/api/gateway_groups/{hidden}").status_code == 403


def test_deny_on_every_item_is_403(app, client):
    _group(client, "g")
    user = _user_with(
        app, client, "zed", allow(GET_GROUP, ["<.*>"]), allow(GET_GROUP, ["<.*>"], effect="deny")
    )
    assert user.get("/api/gateway_groups").status_code == 403


def test_label_condition_filters_by_item_labels(app, client):
    prod = _group(client, "prod", {"env": "prod"})
    _group(client, "dev", {"env": "dev"})
    condition = {
        "gateway_group_label": {"type": "MatchLabel", "options": {"key": "env", "value": "prod"}}
    }
    statement = {**allow(GET_GROUP, [f"{GG}/*"]), "conditions": condition}
    user = _user_with(app, client, "abe", statement)
    answer = ok(user.get("/api/gateway_groups"))
    assert _ids(answer) == [prod] and answer["total"] == 1


def test_boundary_applies_per_item(app, client):
    inside = _group(client, "inside")
    _group(client, "outside")
    boundary = make_policy(client, allow(GET_GROUP, [f"{GG}/{inside}"]), name="boundary")
    everything = make_policy(client, allow(["<.*>"], ["<.*>"]), name="everything")
    make_user(client, "bea", [everything], boundaries=[boundary])
    answer = ok(login(app, "bea").get("/api/gateway_groups"))
    assert _ids(answer) == [inside] and answer["total"] == 1


def test_pages_and_total_describe_the_filtered_list(app, client):
    wanted = sorted(_group(client, f"team-{n}") for n in range(3))
    for n in range(4):
        _group(client, f"other-{n}")
    user = _user_with(app, client, "cal", allow(GET_GROUP, [f"{GG}/<{'|'.join(wanted)}>"]))
    params = {"page_size": 2, "order_by": "created_at", "direction": "asc"}
    unpaged = ok(user.get("/api/gateway_groups", params={"direction": "asc"}))
    first = ok(user.get("/api/gateway_groups", params=params))
    second = ok(user.get("/api/gateway_groups", params={**params, "page": 2}))
    third = ok(user.get("/api/gateway_groups", params={**params, "page": 3}))
    assert sorted(_ids(unpaged)) == wanted and unpaged["total"] == 3
    assert first["total"] == second["total"] == third["total"] == 3
    assert len(first["list"]) == 2 and third["list"] == []
    assert _ids(first) + _ids(second) == _ids(unpaged)
    bad = user.get("/api/gateway_groups", params={"page_size": "zero"})
    assert bad.status_code == 400 and "page_size" in bad.json()["error_msg"]


def test_super_admin_and_viewer_see_everything(app, client):
    for n in range(3):
        _group(client, f"g{n}")

    def shown(answer: dict) -> tuple[int, list[str]]:  # instances carry a heartbeat time
        return answer["total"], [group["id"] for group in answer["list"]]

    everything = shown(ok(client.get("/api/gateway_groups")))
    assert everything[0] == len(everything[1]) == 4
    assert shown(ok(client_for(app, VIEWER_KEY).get("/api/gateway_groups"))) == everything
    assert shown(ok(login(app, "admin", "admin-secret").get("/api/gateway_groups"))) == everything
    paged = ok(client.get("/api/gateway_groups", params={"page_size": 1, "page": 2}))
    assert paged["total"] == 4 and len(paged["list"]) == 1


def _consumers(client: Any, *names: str) -> None:
    for name in names:
        ok(client.post("/api/gateway_groups/default/consumers", json={"username": name}))


def test_apisix_compatible_consumer_list_is_filtered(app, client):
    _consumers(client, "alice", "bob", "carol")
    statements = (
        allow(["gateway:GetConsumer"], [f"{GG}/default/consumer/<alice|bob>"]),
        allow(["gateway:GetConsumer"], [f"{GG}/default/consumer/bob"], effect="deny"),
    )
    user = _user_with(app, client, "dan", *statements)
    answer = ok(user.get("/apisix/admin/consumers", params={"gateway_group_id": "default"}))
    assert answer["total"] == 1
    assert [entry["value"]["username"] for entry in answer["list"]] == ["alice"]
    assert answer["list"][0]["key"].endswith("/consumers/alice")
    dashboard = ok(user.get("/api/gateway_groups/default/consumers"))
    assert [c["username"] for c in dashboard["list"]] == ["alice"] and dashboard["total"] == 1
    admin_view = ok(
        client_for(app, ADMIN_KEY).get(
            "/apisix/admin/consumers", params={"gateway_group_id": "default"}
        )
    )
    assert admin_view["total"] == 3


def test_consumer_label_condition(app, client):
    for name, tier in (("gold1", "gold"), ("plain1", "plain")):
        body = {"username": name, "labels": {"tier": tier}}
        ok(client.post("/api/gateway_groups/default/consumers", json=body))
    condition = {
        "consumer_label": {"type": "MatchLabel", "options": {"key": "tier", "value": "gold"}}
    }
    statement = {
        **allow(["gateway:GetConsumer"], [f"{GG}/default/consumer/*"]),
        "conditions": condition,
    }
    user = _user_with(app, client, "eve", statement)
    answer = ok(user.get("/apisix/admin/consumers", params={"gateway_group_id": "default"}))
    assert [entry["value"]["username"] for entry in answer["list"]] == ["gold1"]
    assert answer["total"] == 1


def test_iam_user_list_shows_allowed_users(app, client):
    user_id = make_user(client, "fay", [])
    policy = make_policy(client, allow(["iam:GetUser"], [f"arn:api7:iam:user/{user_id}"]))
    ok(client.put(f"/api/users/{user_id}/assigned_roles", json={"roles": []}))
    role = ok(client.post("/api/roles", json={"name": "self-reader", "policies": [policy]}))
    ok(client.put(f"/api/users/{user_id}/assigned_roles", json={"roles": [role["value"]["id"]]}))
    answer = ok(login(app, "fay").get("/api/users"))
    assert _ids(answer) == [user_id] and answer["total"] == 1
