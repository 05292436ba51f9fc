"""The permitted users of a gateway group and of a service (3.2.14): a user whose only policy
allows reading one gateway group (or one service template) is listed for it and not for
another; the built-in administrator is listed for both."""

from __future__ import annotations

from conformance.registry import conformance_test
from conformance.support.ids import unique_id

from .conftest import IamUsers, expect


def _usernames(dashboard, path: str) -> set[str]:
    return {u["username"] for u in expect(dashboard.get(path, params={"page_size": 500}))["list"]}


@conformance_test(
    name="iam-permitted-users",
    description="the permitted users of a gateway group or a service are those whose policies "
    "allow reading it",
    profile="api7ee",
    features=["ee-iam-policies"],
)
def test_permitted_users(dashboard, iam_users: IamUsers):
    created: list[str] = []
    try:
        groups = []
        for _ in range(2):
            group = expect(dashboard.post("/api/gateway_groups", json={"name": unique_id("pu")}))
            groups.append(group["value"]["id"])
            created.append(f"/api/gateway_groups/{groups[-1]}")
        template = expect(dashboard.post("/api/services/template", json={"name": unique_id("pu")}))
        service_id = template["value"]["id"]
        created.append(f"/api/services/template/{service_id}")
        statement = {
            "effect": "allow",
            "actions": ["gateway:GetGatewayGroup", "gateway:GetServiceTemplate"],
            "resources": [
                f"arn:api7:gateway:gatewaygroup/{groups[0]}",
                f"arn:api7:gateway:servicetemplate/{service_id}",
            ],
        }
        user_id, _ = iam_users.user([iam_users.policy(statement)])
        username = expect(dashboard.get(f"/api/users/{user_id}"))["value"]["username"]
        first = _usernames(dashboard, f"/api/gateway_groups/{groups[0]}/permitted_users")
        second = _usernames(dashboard, f"/api/gateway_groups/{groups[1]}/permitted_users")
        assert username in first and username not in second
        assert "admin" in first and "admin" in second
        assert username in _usernames(dashboard, f"/api/services/{service_id}/permitted_users")
        missing = dashboard.get("/api/gateway_groups/no-such-group/permitted_users")
        assert missing.status_code == 404
    finally:
        for path in reversed(created):
            dashboard.delete(path)
