"""Fixtures: the admin port as the gateway serves it (API7 `/api` behind IAM, the
gateway-group-scoped `/apisix/admin`) in-process over a memory store, without data plane
processes; helpers that build the objects most tests need."""

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
}
UPSTREAM_A = {"type": "roundrobin", "nodes": [{"host": "127.0.0.1", "port": 1980, "weight": 1}]}


def make_client(store: Store, key: str | None = ADMIN_KEY) -> TestClient:
    app, _ = create_admin_port(build_config(CONFIG), store, launch_data_planes=False)
    headers = {"X-API-KEY": key} if key else {}
    return TestClient(app, headers=headers, client=("127.0.0.1", 50000))


@pytest.fixture
def store() -> MemoryStore:
    return MemoryStore()


@pytest.fixture
def client(store: MemoryStore) -> Iterator[TestClient]:
    with make_client(store) as c:
        yield c


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json() if response.content else None


def new_group(client: TestClient, name: str = "g1", **extra: Any) -> dict[str, Any]:
    return ok(client.post("/api/gateway_groups", json={"name": name, **extra}))["value"]


def new_template(client: TestClient, name: str = "svc", **extra: Any) -> dict[str, Any]:
    body = {"name": name, "upstream": UPSTREAM_A, **extra}
    return ok(client.post("/api/services/template", json=body))["value"]


def new_route(
    client: TestClient, service_id: str, paths: list[str], **extra: Any
) -> dict[str, Any]:
    body = {"name": f"route{paths[0]}", "paths": paths, "service_id": service_id, **extra}
    return ok(client.post("/api/routes/template", json=body))["value"]


def publish(
    client: TestClient, group_id: str, service_id: str, version: str | None = None, **extra: Any
):
    item: dict[str, Any] = {"service_id": service_id, **extra}
    if version is not None:
        item["version"] = version
    body = {"gateway_group_id": group_id, "services": [item]}
    if "service_version_id" not in extra:
        body["create_new_version"] = True
    else:
        body["create_new_version"] = False
    return client.post("/api/services/publish", json=body)


def group_key(store: Store, group: dict[str, Any], relative: str) -> Any:
    kv = store.get(group["prefix"] + relative)
    return None if kv is None else kv.value


@pytest.fixture
def ticking_clock(client: TestClient) -> None:
    """Each timestamp the control plane takes is one second after the previous one."""
    state = {"now": 1_700_000_000}

    def tick() -> int:
        state["now"] += 1
        return state["now"]

    client.app.state.api7ee.cp.clock = tick
