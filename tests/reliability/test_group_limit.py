"""The number of API7 gateway groups is bounded (each is a data plane process of its own):
`gwconform.max_gateway_groups`, the default group included; past it, a clear 400 naming
the limit, and nothing is created."""

from __future__ import annotations

import copy
import warnings

import pytest

with warnings.catch_warnings():  # starlette suggests httpx2; httpx is what the project uses
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

from reference_impl.admin_port import create_admin_port
from reference_impl.api7ee.dataplanes import MAX_GATEWAY_GROUPS
from reference_impl.config import ConfigError, build_config
from reference_impl.store import MemoryStore

ADMIN_KEY = "edd1c9f034335f136f87ad84b625c8f1"
CONFIG = {
    "apisix": {"node_listen": [{"ip": "127.0.0.1", "port": 9080}]},
    "deployment": {
        "admin": {
            "admin_key": [{"name": "admin", "key": ADMIN_KEY, "role": "admin"}],
            "allow_admin": ["127.0.0.0/8"],
        }
    },
}


def _client(store: MemoryStore, limit: object = None) -> TestClient:
    raw = copy.deepcopy(CONFIG)
    if limit is not None:
        raw["gwconform"] = {"max_gateway_groups": limit}
    # no data plane processes: the bound is the control plane's
    app, _ = create_admin_port(build_config(raw), store, launch_data_planes=False)
    return TestClient(app, headers={"X-API-KEY": ADMIN_KEY}, client=("127.0.0.1", 50000))


def _total(client: TestClient) -> int:
    return client.get("/api/gateway_groups").json()["total"]


def test_groups_past_the_configured_bound_are_refused_with_400() -> None:
    with _client(MemoryStore(), limit=3) as client:
        made = [client.post("/api/gateway_groups", json={"name": f"g{i}"}) for i in range(2)]
        assert [r.status_code for r in made] == [200, 200]
        refused = client.post("/api/gateway_groups", json={"name": "one-too-many"})
        assert refused.status_code == 400, refused.text
        message = refused.json()["error_msg"]
        assert "at most 3" in message and "gwconform.max_gateway_groups" in message, message
        assert _total(client) == 3  # the default group and the two: nothing was created
        # deleting one makes room again
        first = made[0].json()["value"]["id"]
        assert client.delete(f"/api/gateway_groups/{first}").status_code == 200
        assert client.post("/api/gateway_groups", json={"name": "again"}).status_code == 200
        assert _total(client) == 3
    print(f"max_gateway_groups 3: the 4th group refused with 400 ({message!r})")


def test_the_default_bound() -> None:
    with _client(MemoryStore()) as client:
        codes = [
            client.post("/api/gateway_groups", json={"name": f"g{i}"}).status_code
            for i in range(MAX_GATEWAY_GROUPS + 2)
        ]
        assert codes == [200] * (MAX_GATEWAY_GROUPS - 1) + [400] * 3
        assert _total(client) == MAX_GATEWAY_GROUPS
    print(f"default bound: {MAX_GATEWAY_GROUPS} gateway groups, the default one included")


@pytest.mark.parametrize("limit", [0, -1, "many", 2.5, True])
def test_an_invalid_bound_is_a_config_error(limit) -> None:
    with pytest.raises(ConfigError, match=r"gwconform\.max_gateway_groups"):
        _client(MemoryStore(), limit=limit)
