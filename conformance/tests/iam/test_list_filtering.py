"""List endpoints show a user the items they may get: each item checked against the oracle.

API7 documents that a list answers the items the caller may `Get` and that `total` counts
only those. For each scenario the expected items are the oracle's decision on each item
of the administrator's full listing (its ARN, its labels as the condition context).
"""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from conformance.oracles import iam_policy as oracle
from conformance.registry import conformance_test

from .conftest import IamUsers, expect

GROUP = "arn:api7:gateway:gatewaygroup"
GET_GROUP = "gateway:GetGatewayGroup"
GET_CONSUMER = "gateway:GetConsumer"


def _new_group(dashboard: httpx.Client, labels: dict[str, str], created: list[str]) -> str:
    body = {"name": f"gwc-{uuid.uuid4().hex[:6]}", "labels": labels}
    group = expect(dashboard.post("/api/gateway_groups", json=body))["value"]["id"]
    created.append(group)
    return group


def _label_is(name: str, key: str, value: str) -> dict[str, Any]:
    return {name: {"type": "MatchLabel", "options": {"key": key, "value": value}}}


def _statement(
    action: str, resources: list[str], effect: str = "allow", conditions: Any = None
) -> dict[str, Any]:
    statement: dict[str, Any] = {"effect": effect, "actions": [action], "resources": resources}
    if conditions:
        statement["conditions"] = conditions
    return statement


def _all_pages(client: httpx.Client, path: str, **params: Any) -> tuple[list[Any], set[int]]:
    """Every item of a list read one small page at a time, and the totals the pages stated."""
    items: list[Any] = []
    totals: set[int] = set()
    for page in range(1, 200):
        answer = expect(client.get(path, params={**params, "page": page, "page_size": 10}))
        totals.add(answer["total"])
        items += answer["list"]
        if not answer["list"]:
            return items, totals
    raise AssertionError(f"{path}: more than 200 pages")


def _shown(
    user: httpx.Client,
    everything: list[dict[str, Any]],
    documents: list[dict[str, Any]],
    boundaries: list[dict[str, Any]],
    arn_of: Any,
    context_of: Any,
) -> None:
    expected = {
        item["id"]
        for item in everything
        if oracle.is_allowed(documents, boundaries, GET_GROUP, arn_of(item), context_of(item))
    }
    answer = expect(user.get("/api/gateway_groups"))
    assert {item["id"] for item in answer["list"]} == expected
    assert answer["total"] == len(expected)
    paged, totals = _all_pages(user, "/api/gateway_groups")
    assert sorted(item["id"] for item in paged) == sorted(expected)
    assert totals == {len(expected)}, "every page states the filtered total"


@conformance_test(
    name="iam-list-gateway-groups-per-item",
    description="GET /api/gateway_groups lists the groups the oracle allows; total counts them",
    profile="api7ee",
    features=["ee-iam-policies"],
)
def test_gateway_group_list_per_item(dashboard, iam_users: IamUsers):
    created: list[str] = []
    try:
        prod = [_new_group(dashboard, {"env": "prod"}, created) for _ in range(2)]
        dev = _new_group(dashboard, {"env": "dev"}, created)
        everything = expect(dashboard.get("/api/gateway_groups"))["list"]
        assert {*prod, dev} <= {item["id"] for item in everything}
        scenarios = [
            [_statement(GET_GROUP, [f"{GROUP}/{dev}"])],
            [
                _statement(GET_GROUP, [f"{GROUP}/*"]),
                _statement(GET_GROUP, [f"{GROUP}/{prod[0]}"], effect="deny"),
            ],
            [
                _statement(
                    GET_GROUP,
                    [f"{GROUP}/<.*>"],
                    conditions=_label_is("gateway_group_label", "env", "prod"),
                )
            ],
        ]
        for statements in scenarios:
            documents = [{"statement": statements}]
            _, user = iam_users.user([iam_users.policy(*statements)])
            _shown(
                user,
                everything,
                documents,
                [],
                lambda item: f"{GROUP}/{item['id']}",
                lambda item: {"gateway_group_label": item.get("labels") or {}},
            )
        _, nobody = iam_users.user([])
        denied = nobody.get("/api/gateway_groups")
        assert denied.status_code == 403 and "error_msg" in denied.json()
    finally:
        for group in created:
            dashboard.delete(f"/api/gateway_groups/{group}")


@conformance_test(
    name="iam-list-consumers-apisix-compatible-per-item",
    description="GET /apisix/admin/consumers?gateway_group_id= lists the consumers the oracle "
    "allows, with deny statements and consumer label conditions per item",
    profile="api7ee",
    features=["ee-iam-policies"],
)
def test_apisix_consumer_list_per_item(dashboard, iam_users: IamUsers):
    created: list[str] = []
    try:
        group = _new_group(dashboard, {"team": "gwc"}, created)
        for name, tier in (("gold1", "gold"), ("gold2", "gold"), ("plain1", "plain")):
            body = {"username": f"gwc{name}", "labels": {"tier": tier}}
            expect(dashboard.post(f"/api/gateway_groups/{group}/consumers", json=body), 200, 201)
        statements = [
            _statement(
                GET_CONSUMER,
                [f"{GROUP}/{group}/consumer/*"],
                conditions=_label_is("consumer_label", "tier", "gold"),
            ),
            _statement(GET_CONSUMER, [f"{GROUP}/{group}/consumer/gwcgold2"], effect="deny"),
        ]
        _, user = iam_users.user([iam_users.policy(*statements)])
        scoped = {"gateway_group_id": group}
        everything = expect(dashboard.get(f"/api/gateway_groups/{group}/consumers"))["list"]
        assert len(everything) == 3
        expected = {
            consumer["username"]
            for consumer in everything
            if oracle.is_allowed(
                [{"statement": statements}],
                [],
                GET_CONSUMER,
                f"{GROUP}/{group}/consumer/{consumer['username']}",
                {
                    "consumer_label": consumer.get("labels") or {},
                    "gateway_group_label": {"team": "gwc"},
                },
            )
        }
        assert expected == {"gwcgold1"}
        answer = expect(user.get("/apisix/admin/consumers", params=scoped))
        assert {entry["value"]["username"] for entry in answer["list"]} == expected
        assert all(
            entry["key"].endswith(f"/consumers/{entry['value']['username']}")
            for entry in answer["list"]
        )
        assert answer["total"] == len(expected)
        listed = expect(user.get(f"/api/gateway_groups/{group}/consumers"))
        assert {consumer["username"] for consumer in listed["list"]} == expected
        assert listed["total"] == len(expected)
        elsewhere = user.get("/apisix/admin/consumers", params={"gateway_group_id": "default"})
        assert elsewhere.status_code == 403
    finally:
        for group_id in created:
            dashboard.delete(f"/api/gateway_groups/{group_id}")
