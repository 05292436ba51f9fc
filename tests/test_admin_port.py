"""The admin port as `gwconform serve` composes it: every API on it comes up even when the
store is not reachable at start-up (an etcd that starts late), and bootstraps on first use."""

from __future__ import annotations

import warnings

with warnings.catch_warnings():  # starlette suggests httpx2; httpx is what the project uses
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

from reference_impl.admin_port import create_admin_port
from reference_impl.config import DEFAULT_ADMIN_KEY, build_config
from reference_impl.store import MemoryStore, StoreUnavailable


class LateStore(MemoryStore):
    up = False

    def put(self, key, value, **options):
        if not self.up:
            raise StoreUnavailable("not started yet")
        return super().put(key, value, **options)


def test_every_api_bootstraps_once_the_store_is_up():
    store = LateStore()
    token = "cloud-token-of-this-test"
    config = build_config({"gwconform": {"cloud": {"tokens": [token]}}})
    app, _ = create_admin_port(config, store, launch_data_planes=False)
    client = TestClient(app, client=("127.0.0.1", 50000))
    store.up = True
    admin = {"X-API-KEY": DEFAULT_ADMIN_KEY}
    assert client.get("/apisix/admin/routes", headers=admin).json() == {"total": 0, "list": []}
    groups = client.get("/api/gateway_groups", headers=admin).json()
    assert [g["name"] for g in groups["list"]] == ["default"]
    me = client.get("/api/v1/user/me", headers={"Authorization": f"Bearer {token}"})
    assert me.json()["status"]["code"] == 0
    cloud_records, _ = store.range("/gwconform/cloud/")
    assert any("/orgs/" in kv.key and kv.value["name"] == "default" for kv in cloud_records)
