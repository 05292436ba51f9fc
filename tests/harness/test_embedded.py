"""The embedded provider: the reference gateway as a process on free loopback ports."""

from __future__ import annotations

import json
import socket
import sys

import etcd3gw
import httpx
import pytest
import yaml

from conformance.providers import embedded
from conformance.providers.embedded import ADMIN_KEY, EmbeddedGateway, EmbeddedProvider
from conformance.target import TargetError, TargetSettings


def port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def test_provider_starts_healthy_gateways_and_stops_them():
    provider = EmbeddedProvider(TargetSettings())
    try:
        v3 = provider.target("apisix-v3")
        assert provider.target("dataplane").admin_url == v3.admin_url  # one gateway serves both
        v2 = provider.target("apisix-v2")
        assert v2.admin_url != v3.admin_url and v2.admin_api_version == "v2"
        assert v3.name == "gwconform reference implementation"
        assert v3.version == embedded.suite_version()
        assert {"admin-ttl", "dp-stream", "admin-v2-bodies"} <= v3.features
        if not embedded.unavailable_features(TargetSettings()):
            # a run's data plane tests get the default profile's target: it names the Redis
            # servers, started once
            assert v3.redis_url and len(v3.redis_cluster_nodes) == 3
            assert provider.target("dataplane").redis_url == v3.redis_url
        reply = httpx.get(f"{v3.admin_url}/apisix/admin/routes", headers={"X-API-KEY": ADMIN_KEY})
        assert reply.status_code == 200
        config = yaml.safe_load((provider.workdir / "config-v2.yaml").read_text())
        assert config["deployment"]["admin"]["admin_api_version"] == "v2"
        assert config["deployment"]["admin"]["allow_admin"] == ["127.0.0.0/8"]
        gateways = [provider.gateway("v3"), provider.gateway("v2")]
        assert all(port_open(g.admin_port) and port_open(g.node_port) for g in gateways)
    finally:
        provider.close()
    assert not any(port_open(g.admin_port) for g in gateways)
    assert not provider.workdir.exists()


def test_gateway_that_exits_reports_its_stderr(tmp_path, monkeypatch):
    script = "import sys; sys.stderr.write('cannot bind: address in use\\n'); sys.exit(3)"
    monkeypatch.setattr(embedded, "server_command", lambda *args: [sys.executable, "-c", script])
    gateway = EmbeddedGateway(tmp_path, start_timeout=10)
    with pytest.raises(TargetError) as caught:
        gateway.start()
    message = str(caught.value)
    assert "exited with code 3 while starting" in message
    assert "cannot bind: address in use" in message
    assert "\n" not in message


def test_gateway_that_never_gets_healthy_times_out(tmp_path, monkeypatch):
    script = "import time; time.sleep(60)"
    monkeypatch.setattr(embedded, "server_command", lambda *args: [sys.executable, "-c", script])
    gateway = EmbeddedGateway(tmp_path, start_timeout=1)
    with pytest.raises(
        TargetError, match=r"did not become healthy within 1s \(waiting for its admin API\)"
    ):
        gateway.start()
    assert not gateway.running  # stopped again


def test_gateway_config_uses_loopback_ports_and_etcd():
    config = embedded.gateway_config(
        1, 2, 3, 5, "v3", etcd_url="http://127.0.0.1:4", etcd_prefix="/p"
    )
    assert config["plugin_attr"]["prometheus"]["export_addr"] == {"ip": "127.0.0.1", "port": 5}
    assert config["apisix"]["node_listen"] == [{"ip": "127.0.0.1", "port": 2}]
    assert config["apisix"]["stream_proxy"] == {"tcp": [{"addr": "127.0.0.1:3"}]}
    assert config["deployment"]["admin"]["admin_listen"] == {"ip": "127.0.0.1", "port": 1}
    keys = {k["role"]: k["key"] for k in config["deployment"]["admin"]["admin_key"]}
    assert keys == {"admin": ADMIN_KEY, "viewer": embedded.VIEWER_KEY}
    assert config["deployment"]["etcd"] == {"host": ["http://127.0.0.1:4"], "prefix": "/p"}
    assert config["gwconform"] == {"store": "etcd", "cloud": {"tokens": [ADMIN_KEY]}}


def test_etcd_store_keeps_configuration_in_a_real_etcd():
    provider = EmbeddedProvider(TargetSettings(store="etcd"))
    try:
        target = provider.target("apisix-v3")
        headers = {"X-API-KEY": ADMIN_KEY}
        route = {"uri": "/etcd", "upstream": {"nodes": {"127.0.0.1:1980": 1}}}
        url = f"{target.admin_url}/apisix/admin/routes/etcd-check"
        assert httpx.put(url, json=route, headers=headers).status_code == 201
        config = yaml.safe_load(provider.gateway("v3").config_path.read_text())
        assert config["gwconform"]["store"] == "etcd"
        (etcd_url,) = config["deployment"]["etcd"]["host"]
        port = int(etcd_url.rsplit(":", 1)[1])
        stored = etcd3gw.client(host="127.0.0.1", port=port).get("/apisix/routes/etcd-check")
        assert json.loads(stored[0])["uri"] == "/etcd"
        assert httpx.get(url, headers=headers).json()["value"]["uri"] == "/etcd"
    finally:
        provider.close()


def test_without_redis_server_the_embedded_target_leaves_the_redis_features_out(monkeypatch):
    """A machine without Debian's redis-server still gets a Conformant first run: the
    features that need it are not claimed (so not required), and the run says why."""
    from conformance.features import REDIS_FEATURES, get_profile
    from conformance.session import RunState
    from conformance.target import RunOptions

    monkeypatch.setattr(embedded.shutil, "which", lambda name: None)
    session = RunState(RunOptions(profiles=("dataplane",)))
    claimed = session.claimed_features
    assert not claimed & set(REDIS_FEATURES)
    assert set(get_profile("dataplane").extended) - set(REDIS_FEATURES) <= claimed
    monkeypatch.setattr(embedded.shutil, "which", lambda name: f"/usr/bin/{name}")
    assert set(REDIS_FEATURES) <= RunState(RunOptions(profiles=("dataplane",))).claimed_features
