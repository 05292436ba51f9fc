"""Fixtures of the IAM conformance tests: the dashboard API client (`/api`), and dashboard
users created for one test (a policy, a role attaching it, the user, a logged-in client),
deleted again afterwards."""

from __future__ import annotations

import itertools
import json
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from conformance.resources import shipped_path
from conformance.target import Target

CATALOG_FILE = shipped_path("conformance", "data", "iam", "catalog.json")
PASSWORD = "gwconform-Pw-1"
_names = itertools.count()


def load_catalog() -> list[dict[str, str]]:
    return json.loads(CATALOG_FILE.read_text(encoding="utf-8"))


def expect(response: httpx.Response, *statuses: int) -> Any:
    assert response.status_code in (statuses or (200,)), (
        f"{response.request.method} {response.request.url.path}: "
        f"{response.status_code} {response.text[:300]}"
    )
    return response.json() if response.content else None


def dashboard_client(target: Target, **options: Any) -> httpx.Client:
    base = target.dashboard_url or target.admin_url
    if not base:
        pytest.skip("the target has no dashboard URL (--gw-dashboard-url)")
    return httpx.Client(base_url=base, timeout=target.timeout, **options)


@pytest.fixture
def dashboard(gw_target: Target) -> Iterator[httpx.Client]:
    """The dashboard API as its administrator (the admin key or the target's API token)."""
    secret = gw_target.token or gw_target.admin_key
    if not secret:
        pytest.skip("the target has no admin key or API token for the dashboard")
    with dashboard_client(gw_target, headers={"X-API-KEY": secret}) as client:
        yield client


class IamUsers:
    """Creates policies, roles and users through the dashboard API and removes them."""

    def __init__(self, admin: httpx.Client, target: Target) -> None:
        self.admin = admin
        self.target = target
        self.created: list[str] = []  # paths to DELETE, newest last
        self.clients: list[httpx.Client] = []

    def policy(self, *statements: dict[str, Any], boundary_of: str = "") -> str:
        body = {
            "name": f"gwconform-{uuid.uuid4().hex[:8]}",
            "policy_document": {"statement": list(statements)},
        }
        policy_id = expect(self.admin.post("/api/permission_policies", json=body))["value"]["id"]
        self.created.append(f"/api/permission_policies/{policy_id}")
        return policy_id

    def set_policy(self, policy_id: str, *statements: dict[str, Any]) -> None:
        body = {
            "name": f"gwconform-{policy_id[:8]}",
            "policy_document": {"statement": list(statements)},
        }
        expect(self.admin.put(f"/api/permission_policies/{policy_id}", json=body))

    def user(
        self,
        policy_ids: list[str],
        *,
        boundaries: list[str] | None = None,
        roles: list[str] | None = None,
    ) -> tuple[str, httpx.Client]:
        """A new user with a role attaching `policy_ids` (plus `roles`), logged in."""
        role_ids = list(roles or [])
        if policy_ids:
            body = {"name": f"gwconform-{uuid.uuid4().hex[:8]}", "policies": policy_ids}
            role = expect(self.admin.post("/api/roles", json=body))["value"]["id"]
            self.created.append(f"/api/roles/{role}")
            role_ids.append(role)
        username = f"gwconform-{uuid.uuid4().hex[:8]}-{next(_names)}"
        invite = {"username": username, "password": PASSWORD, "boundaries": boundaries or []}
        user_id = expect(self.admin.post("/api/invites", json=invite))["value"]["id"]
        self.created.append(f"/api/users/{user_id}")
        if role_ids:
            expect(self.admin.put(f"/api/users/{user_id}/assigned_roles", json={"roles": role_ids}))
        return user_id, self.login(username)

    def login(self, username: str, password: str = PASSWORD) -> httpx.Client:
        client = dashboard_client(self.target)
        self.clients.append(client)
        expect(client.post("/api/login", json={"username": username, "password": password}))
        return client

    def close(self) -> None:
        for client in self.clients:
            client.close()
        for path in reversed(self.created):  # users before roles before policies
            self.admin.delete(path)


@pytest.fixture
def iam_users(dashboard: httpx.Client, gw_target: Target) -> Iterator[IamUsers]:
    users = IamUsers(dashboard, gw_target)
    try:
        yield users
    finally:
        users.close()


def check(
    client: httpx.Client, requests: dict[str, tuple[str, str]], **params: str
) -> dict[str, bool]:
    """The permission check endpoint's answers for named (action, resource) pairs."""
    body = {name: {"action": a, "resource": r} for name, (a, r) in requests.items()}
    return expect(client.post("/api/permissions/check", json=body, params=params))["value"]
