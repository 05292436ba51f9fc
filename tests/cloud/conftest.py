"""The Cloud API in process: a Starlette TestClient over a memory store, mounted at /api/v1
beside a stand-in for the Admin API."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from starlette.responses import PlainTextResponse
from starlette.testclient import TestClient

from reference_impl.cloud import create_cloud_app
from reference_impl.config import build_config
from reference_impl.prefix_dispatch import PrefixDispatcher
from reference_impl.store import MemoryStore, Store

TOKEN = "gwconform-test-cloud-token"


class Cloud:
    """A client of one Cloud app, with the token, the store and the default cluster. Without
    `raw_config` the gateway is configured with `token` as its only Cloud API token."""

    def __init__(
        self, store: Store, raw_config: dict[str, Any] | None = None, token: str = TOKEN
    ) -> None:
        self.store = store
        if raw_config is None:
            raw_config = {"gwconform": {"cloud": {"tokens": [token]}}}
        self.config = build_config(raw_config)
        app = PrefixDispatcher(
            create_cloud_app(self.config, store), PlainTextResponse("admin"), "/api/v1"
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            self.http = TestClient(
                app,
                base_url="http://testserver/api/v1",
                headers={"Authorization": f"Bearer {token}"},
            )
        me = self.ok(self.http.get("/user/me"))
        self.org_id = me["org_ids"][0]
        clusters = self.ok(self.http.get(f"/orgs/{self.org_id}/clusters"))["list"]
        self.cluster_id = next(c["id"] for c in clusters if c["name"] == "default")

    @staticmethod
    def ok(response: Any) -> Any:
        """The payload of a successful answer (asserting the envelope)."""
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["status"] == {"code": 0, "message": "OK"}, body
        assert body["error"] == ""
        return body.get("payload")

    @staticmethod
    def fails(response: Any, http_status: int, code: int) -> str:
        """The error text of a refused request (asserting the envelope)."""
        assert response.status_code == http_status, response.text
        body = response.json()
        assert body["status"]["code"] == code, body
        assert isinstance(body["status"]["message"], str) and body["status"]["message"]
        assert isinstance(body["error"], str) and body["error"]
        assert "payload" not in body
        return body["error"]

    def apisix(self, kind: str, prefix: str = "/apisix") -> dict[str, dict[str, Any]]:
        kvs, _ = self.store.range(f"{prefix}/{kind}/")
        return {kv.key.rsplit("/", 1)[1]: kv.value for kv in kvs}


@pytest.fixture
def cloud() -> Iterator[Cloud]:
    yield Cloud(MemoryStore())


def upstream(host: str = "127.0.0.1", port: int = 8080, version: str = "default") -> dict[str, Any]:
    return {
        "upstream": {"scheme": "http", "targets": [{"host": host, "port": port, "weight": 1}]},
        "version": version,
    }


def app_body(name: str = "shop", **fields: Any) -> dict[str, Any]:
    return {
        "name": name,
        "hosts": ["shop.example.com"],
        "path_prefix": "/shop",
        "upstreams": [upstream()],
        **fields,
    }


def api_body(name: str = "orders", **fields: Any) -> dict[str, Any]:
    return {"name": name, "paths": [{"path": "/orders", "path_type": "Prefix"}], **fields}


@pytest.fixture
def make_app(cloud: Cloud) -> Callable[..., dict[str, Any]]:
    def make(name: str = "shop", cluster_id: str | None = None, **fields: Any) -> dict[str, Any]:
        cid = cluster_id or cloud.cluster_id
        return cloud.ok(cloud.http.post(f"/clusters/{cid}/apps", json=app_body(name, **fields)))

    return make
