"""Fixtures: the Admin API in-process over a memory store (or a real etcd), as an httpx
client rooted at /apisix/admin with the admin key."""

from __future__ import annotations

import itertools
import warnings
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from .configs import merged

with warnings.catch_warnings():  # starlette suggests httpx2; httpx is what the project uses
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

from reference_impl.admin.app import create_app
from reference_impl.config import build_config
from reference_impl.store import MemoryStore, Store

ADMIN_KEY = "edd1c9f034335f136f87ad84b625c8f1"
VIEWER_KEY = "4054f7cf07e344346cd3f287985e76a2"
ADMIN = {"X-API-KEY": ADMIN_KEY}

BASE_CONFIG: dict[str, Any] = {
    "apisix": {"stream_proxy": {"tcp": [{"addr": "127.0.0.1:9100"}]}},
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

_prefixes = itertools.count(1)


def make_client(
    store: Store, overrides: dict[str, Any] | None = None, *, client_ip: str = "127.0.0.1"
) -> TestClient:
    config = build_config(merged(BASE_CONFIG, overrides or {}))
    return TestClient(
        create_app(config, store),
        base_url="http://testserver/apisix/admin",
        headers=ADMIN,
        client=(client_ip, 50000),
    )


@pytest.fixture
def store() -> Iterator[MemoryStore]:
    s = MemoryStore()
    yield s
    s.close()


@pytest.fixture
def api(store: MemoryStore) -> Iterator[TestClient]:
    """The Admin API (v3 bodies) over a fresh memory store, with the admin key."""
    with make_client(store) as client:
        yield client


@pytest.fixture
def client_factory(store: MemoryStore) -> Iterator[Callable[..., TestClient]]:
    """Build clients with config overrides over the same memory store."""
    clients: list[TestClient] = []

    def build(overrides: dict[str, Any] | None = None, **kwargs: Any) -> TestClient:
        client = make_client(store, overrides, **kwargs)
        clients.append(client)
        return client

    yield build
    for client in clients:
        client.close()


@pytest.fixture(scope="session")
def etcd_url(shared_etcd) -> str:
    return shared_etcd.client_url


@pytest.fixture(params=["memory", "etcd"])
def any_api(request: pytest.FixtureRequest) -> Iterator[TestClient]:
    """The Admin API over each store backend (etcd: a real server, one key prefix per test)."""
    if request.param == "memory":
        store: Store = MemoryStore()
        overrides: dict[str, Any] = {}
    else:
        from reference_impl.store.etcd import EtcdStore

        url = request.getfixturevalue("etcd_url")
        store = EtcdStore([url], timeout=10)
        overrides = {"deployment": {"etcd": {"prefix": f"/gwtest{next(_prefixes)}"}}}
    with make_client(store, overrides) as client:
        yield client
    store.close()


UPSTREAM = {"type": "roundrobin", "nodes": {"127.0.0.1:1980": 1}}


def put_ok(api: TestClient, path: str, body: Any) -> dict[str, Any]:
    resp = api.put(path, json=body)
    assert resp.status_code in (200, 201), resp.text
    return resp.json()
