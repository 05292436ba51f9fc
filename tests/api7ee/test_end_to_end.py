"""End to end with real processes: the gateway with the API7 control plane on its admin
port, a data plane per gateway group, echo upstreams, and traffic through each group."""

from __future__ import annotations

import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml

from conformance.providers.embedded import ADMIN_KEY, free_port
from conformance.support.echo_upstream import EchoUpstream
from conformance.support.eventually import eventually

START_TIMEOUT = 30.0
TRAFFIC_TIMEOUT = 30.0  # a new group's data plane is a new process; the host may be busy


# How the gateway process is started: the reference server itself, and this package's
# stand-in that mounts the control plane the way the server does once the mount is applied.
SERVE = ("-m", "reference_impl", "serve", "--config")
STAND_IN = ("-m", "tests.api7ee.gateway_process")


def gateway_config(admin_port: int, node_port: int, stream_port: int) -> dict:
    return {
        "apisix": {
            "node_listen": [{"ip": "127.0.0.1", "port": node_port}],
            "stream_proxy": {"tcp": [{"addr": f"127.0.0.1:{stream_port}"}]},
            "ssl": {"listen": [{"ip": "127.0.0.1", "port": free_port()}]},
            "control": {"ip": "127.0.0.1", "port": free_port()},
        },
        "plugin_attr": {"prometheus": {"export_addr": {"ip": "127.0.0.1", "port": free_port()}}},
        "deployment": {
            "admin": {
                "admin_key": [{"name": "admin", "key": ADMIN_KEY, "role": "admin"}],
                "allow_admin": ["127.0.0.0/8"],
                "admin_listen": {"ip": "127.0.0.1", "port": admin_port},
            }
        },
    }


class Gateway:
    def __init__(self, workdir: Path, data_dir: Path | None = None, launcher=STAND_IN) -> None:
        self.admin_port, node_port, stream_port = free_port(), free_port(), free_port()
        config = workdir / "config.yaml"
        raw = gateway_config(self.admin_port, node_port, stream_port)
        if data_dir is not None:
            raw["gwconform"] = {"store": "memory", "data_dir": str(data_dir)}
        config.write_text(yaml.safe_dump(raw))
        self.data_plane_url = f"http://127.0.0.1:{node_port}"
        self.proc = subprocess.Popen(
            [sys.executable, *launcher, str(config)], cwd=Path(__file__).resolve().parents[2]
        )
        self.api = httpx.Client(
            base_url=f"http://127.0.0.1:{self.admin_port}/api",
            headers={"X-API-KEY": ADMIN_KEY},
            timeout=10,
        )
        eventually(
            lambda: self._healthy(),
            timeout=START_TIMEOUT,
            interval=0.1,
            retry_on=(AssertionError, httpx.HTTPError),
        )

    def _healthy(self) -> None:
        assert self.proc.poll() is None, "the gateway exited"
        assert (
            self.api.get(f"http://127.0.0.1:{self.admin_port}/apisix/admin/routes").status_code
            == 200
        )

    @property
    def serves_api7ee(self) -> bool:
        return self.api.get("/gateway_groups").status_code == 200

    def stop(self) -> None:
        self.api.close()
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture(scope="module", params=[STAND_IN, SERVE], ids=["stand-in", "reference-server"])
def gateway(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Gateway]:
    gw = Gateway(tmp_path_factory.mktemp("api7ee-e2e"), launcher=request.param)
    if not gw.serves_api7ee:
        gw.stop()
        pytest.skip("reference_impl.server does not mount the API7 control plane at /api yet")
    yield gw
    gw.stop()


def _served_by(url: str, path: str) -> str | int:
    """The echo server that answered, or the status when no echo answered."""
    response = httpx.get(url + path, timeout=5)
    if response.status_code == 200:
        return response.json()["server"]
    return response.status_code


def _expect(url: str, path: str, want: str | int) -> None:
    def check() -> None:
        assert _served_by(url, path) == want

    eventually(
        check, timeout=TRAFFIC_TIMEOUT, interval=0.1, retry_on=(AssertionError, httpx.HTTPError)
    )


def _port_closed(url: str) -> None:
    port = int(url.rsplit(":", 1)[1])
    with socket.socket() as sock:
        assert sock.connect_ex(("127.0.0.1", port)) != 0, "the data plane still listens"


def test_publishing_flow_through_group_data_planes(gateway: Gateway) -> None:
    api = gateway.api
    with EchoUpstream("echo-a") as echo_a, EchoUpstream("echo-b") as echo_b:
        g1 = api.post("/gateway_groups", json={"name": "e2e-one"}).json()["value"]
        g2 = api.post("/gateway_groups", json={"name": "e2e-two"}).json()["value"]
        url1, url2 = g1["instances"][0]["data_plane_url"], g2["instances"][0]["data_plane_url"]
        host, port = echo_a.node.split(":")
        upstream = {"type": "roundrobin", "nodes": [{"host": host, "port": int(port), "weight": 1}]}
        template = api.post(
            "/services/template", json={"name": "e2e", "upstream": upstream}
        ).json()["value"]
        route = api.post(
            "/routes/template",
            json={"name": "hello", "paths": ["/hello"], "service_id": template["id"]},
        ).json()["value"]
        for group in (g1, g2):
            body = {
                "gateway_group_id": group["id"],
                "create_new_version": True,
                "services": [{"service_id": template["id"], "version": f"v1-{group['name']}"}],
            }
            assert api.post("/services/publish", json=body).status_code == 200
        b_host, b_port = echo_b.node.split(":")
        nodes = [{"host": b_host, "port": int(b_port), "weight": 1}]
        patch = [{"op": "replace", "path": "/upstream/nodes", "value": nodes}]
        assert (
            api.patch(
                f"/gateway_groups/{g2['id']}/services/{template['id']}/runtime_configuration",
                json=patch,
            ).status_code
            == 200
        )

        _expect(url1, "/hello", "echo-a")
        _expect(url2, "/hello", "echo-b")
        _expect(gateway.data_plane_url, "/hello", 404)  # the default group has nothing

        api.patch(
            f"/routes/template/{route['id']}",
            json=[{"op": "replace", "path": "/paths", "value": ["/hello", "/v2"]}],
        )
        body = {
            "gateway_group_id": g1["id"],
            "create_new_version": True,
            "services": [{"service_id": template["id"], "version": "v2"}],
        }
        assert api.post("/services/publish", json=body).status_code == 200
        _expect(url1, "/v2", "echo-a")
        _expect(url2, "/v2", 404)

        history = api.get(f"/gateway_groups/{g1['id']}/services/{template['id']}/versions").json()[
            "list"
        ]
        v1 = next(h["service_version_id"] for h in history if h["version"] == "v1-e2e-one")
        body = {
            "gateway_group_id": g1["id"],
            "create_new_version": False,
            "services": [{"service_id": template["id"], "service_version_id": v1}],
        }
        assert api.post("/services/publish", json=body).status_code == 200
        _expect(url1, "/v2", 404)
        _expect(url1, "/hello", "echo-a")

        assert api.delete(f"/gateway_groups/{g1['id']}").status_code == 400
        assert (
            api.delete(f"/gateway_groups/{g1['id']}/services/{template['id']}").status_code == 200
        )
        _expect(url1, "/hello", 404)
        _expect(url2, "/hello", "echo-b")

        assert api.delete(f"/gateway_groups/{g1['id']}").status_code == 200
        eventually(lambda: _port_closed(url1), timeout=TRAFFIC_TIMEOUT, interval=0.1)
        api.delete(f"/gateway_groups/{g2['id']}/services/{template['id']}")
        api.delete(f"/gateway_groups/{g2['id']}")
        api.delete(f"/services/template/{template['id']}")


def test_group_data_planes_start_again_after_a_restart(tmp_path: Path) -> None:
    """Groups kept in a persisted store get their data planes when the gateway starts."""
    first = Gateway(tmp_path, data_dir=tmp_path / "data")
    try:
        group = first.api.post("/gateway_groups", json={"name": "restartable"}).json()["value"]
        _expect(group["instances"][0]["data_plane_url"], "/nothing", 404)
    finally:
        first.stop()
    second = Gateway(tmp_path, data_dir=tmp_path / "data")
    try:
        again = second.api.get(f"/gateway_groups/{group['id']}").json()["value"]
        assert again["name"] == "restartable"
        _expect(again["instances"][0]["data_plane_url"], "/nothing", 404)
    finally:
        second.stop()
