"""The admin port as the gateway serves it (API7 `/api`, the gateway-group `/apisix/admin`,
the IAM endpoints, all behind `IamMiddleware`), in-process over a memory store."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from typing import Any

import pytest

with warnings.catch_warnings():  # starlette suggests httpx2; httpx is what the project uses
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

from reference_impl.admin_port import create_admin_port
from reference_impl.config import build_config
from reference_impl.store import MemoryStore, Store

ADMIN_KEY = "edd1c9f034335f136f87ad84b625c8f1"
VIEWER_KEY = "4054f7cf07e344346cd3f287985e76a2"
CONFIG: dict[str, Any] = {
    "apisix": {"node_listen": [{"ip": "127.0.0.1", "port": 9080}]},
    "deployment": {
        "admin": {
            "admin_key": [
                {"name": "admin", "key": ADMIN_KEY, "role": "admin"},
                {"name": "viewer", "key": VIEWER_KEY, "role": "viewer"},
            ],
            "allow_admin": ["127.0.0.0/8"],
        }
    },
    "gwconform": {"iam": {"bcrypt_rounds": 4, "admin_password": "admin-secret"}},
}


def admin_port(store: Store, config_data: dict[str, Any] = CONFIG) -> Any:
    """The admin port exactly as the gateway serves it, without group data plane processes."""
    app, _ = create_admin_port(build_config(config_data), store, launch_data_planes=False)
    return app


def client_for(app: Any, key: str | None = None) -> TestClient:
    headers = {"X-API-KEY": key} if key else {}
    return TestClient(app, headers=headers, client=("127.0.0.1", 50000))


@pytest.fixture
def store() -> MemoryStore:
    return MemoryStore()


@pytest.fixture
def app(store: MemoryStore) -> Any:
    return admin_port(store)


@pytest.fixture
def client(app: Any) -> Iterator[TestClient]:
    with client_for(app, ADMIN_KEY) as c:
        yield c


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json() if response.content else None


def make_policy(client: TestClient, *statements: dict[str, Any], name: str = "p") -> str:
    body = {"name": name, "policy_document": {"statement": list(statements)}}
    return ok(client.post("/api/permission_policies", json=body))["value"]["id"]


def make_user(
    client: TestClient,
    username: str,
    policy_ids: list[str],
    *,
    boundaries: list[str] | None = None,
    password: str = "pw-123",
) -> str:
    """A user whose one custom role attaches `policy_ids`; returns the user id."""
    role = ok(client.post("/api/roles", json={"name": f"role-{username}", "policies": policy_ids}))
    body = {"username": username, "password": password, "roles": [role["value"]["id"]]}
    if boundaries is not None:
        body["boundaries"] = boundaries
    return ok(client.post("/api/invites", json=body))["value"]["id"]


def login(app: Any, username: str, password: str = "pw-123") -> TestClient:
    c = client_for(app)
    ok(c.post("/api/login", json={"username": username, "password": password}))
    return c


def allow(actions: list[str], resources: list[str], effect: str = "allow") -> dict[str, Any]:
    return {"effect": effect, "actions": actions, "resources": resources}
