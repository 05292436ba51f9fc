"""The admin port as `gwconform serve` composes it: every API on it comes up even when the
store is not reachable at start-up (an etcd that starts late), and bootstraps on first use."""

from __future__ import annotations

import base64
import re
import warnings
from pathlib import Path

with warnings.catch_warnings():  # starlette suggests httpx2; httpx is what the project uses
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

import reference_impl
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


ADMIN_KEY = "edd1c9f034335f136f87ad84b625c8f1"
ONE_CALLER_CHECK_CONFIG = {
    "deployment": {"admin": {"admin_key": [{"name": "admin", "key": ADMIN_KEY, "role": "admin"}]}},
    "gwconform": {"iam": {"bcrypt_rounds": 4, "admin_password": "admin-secret"}},
}


class Counted:
    """Wraps `owner.name`, counting its calls."""

    def __init__(self, monkeypatch, owner, name: str) -> None:
        self.calls = 0
        original = getattr(owner, name)

        def counted(*args, **kwargs):
            self.calls += 1
            return original(*args, **kwargs)

        monkeypatch.setattr(owner, name, counted)


def test_the_caller_is_identified_once_and_its_key_reaches_the_api_unchanged(monkeypatch):
    from reference_impl import admin_port, caller
    from reference_impl.admin import app as admin_app
    from reference_impl.admin import auth as admin_auth
    from reference_impl.iam.service import IamService

    app, _ = create_admin_port(
        build_config(ONE_CALLER_CHECK_CONFIG), MemoryStore(), launch_data_planes=False
    )
    client = TestClient(app, client=("127.0.0.1", 50000))
    admin = {"X-API-KEY": ADMIN_KEY}
    group = client.post("/api/gateway_groups", json={"name": "g1"}, headers=admin).json()["value"]
    basic = {"Authorization": "Basic " + base64.b64encode(b"admin:admin-secret").decode()}
    created = client.post("/api/tokens", json={"name": "t", "expires_at": 0}, headers=basic)
    token = created.json()["value"]["token"]
    group_key = client.get(f"/api/gateway_groups/{group['id']}/admin_key", headers=admin)
    group_key = group_key.json()["value"]["key"]

    identify = Counted(monkeypatch, admin_port.Identify, "identify")
    authenticate = Counted(monkeypatch, IamService, "authenticate")
    # the Admin API's own key rule, which its Guard would run if nobody had identified the caller
    admin_key_rule = Counted(monkeypatch, caller, "admin_key_caller")
    for module in (admin_port, admin_auth):
        monkeypatch.setattr(module, "admin_key_caller", caller.admin_key_caller)
    seen_keys: list[str | None] = []
    dispatch = admin_app._dispatch

    async def recording(ctx, request):
        seen_keys.append(request.headers.get("x-api-key"))
        return await dispatch(ctx, request)

    monkeypatch.setattr(admin_app, "_dispatch", recording)
    route = {"uri": "/once", "upstream": {"nodes": {"127.0.0.1:1980": 1}}}

    # an IAM token, through IAM and the gateway-group compat layer into the Admin API
    put = client.put(
        f"/apisix/admin/routes/r1?gateway_group_id={group['id']}",
        json=route,
        headers={"X-API-KEY": token},
    )
    assert put.status_code == 201, put.text
    assert (identify.calls, authenticate.calls, admin_key_rule.calls) == (1, 1, 1)
    assert seen_keys == [token]

    # a gateway group's admin key, scoped by the compat layer
    assert (
        client.get("/apisix/admin/routes/r1", headers={"X-API-KEY": group_key}).status_code == 200
    )
    assert (identify.calls, authenticate.calls, admin_key_rule.calls) == (2, 1, 2)
    assert seen_keys == [token, group_key]

    # a plain APISIX Admin API request
    assert client.put("/apisix/admin/routes/1", json=route, headers=admin).status_code == 201
    assert (identify.calls, authenticate.calls, admin_key_rule.calls) == (3, 1, 3)
    assert seen_keys == [token, group_key, ADMIN_KEY]


def test_no_module_writes_an_x_api_key_header():
    """With the behavioural test above: nothing on the admin port rewrites credentials."""
    sources = Path(reference_impl.__file__).parent.rglob("*.py")
    writers = [p.name for p in sources if re.search(r"b[\"']x-api-key[\"']", p.read_text(), re.I)]
    assert writers == []
