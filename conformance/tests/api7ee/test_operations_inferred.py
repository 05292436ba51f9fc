"""Operations endpoints whose paths the documents do not give (Extended, inferred): install
scripts in the documented shapes, system infos and version, resource schemas, plugin catalogs
and usage, and a license in the reference's own encoding."""

from __future__ import annotations

import base64
import json
import re
import time

import yaml
from cryptography import x509

from conformance.registry import conformance_test
from conformance.support.ids import unique_id

from .ee_client import body_of

PEM = re.compile(r"-----BEGIN ([A-Z ]+)-----\n.*?-----END \1-----", re.S)


def _pems(text: str) -> list[str]:
    return [m.group(0) for m in PEM.finditer(text.replace("\n  ", "\n"))]


@conformance_test(
    name="ee-install-scripts",
    description="the Docker, Compose and Helm install scripts of a gateway group name the "
    "control plane address asked for and carry a client certificate signed by the CA they "
    "carry; the Helm values are YAML with the same certificates",
    profile="api7ee",
    features=["ee-operations-inferred"],
)
def test_install_scripts(ee):
    group_id = ee.group()["id"]
    base = f"/gateway_groups/{group_id}"
    params = {"dp_manager_address": "10.15.101.5:7943"}
    for installer in ("docker", "docker_compose", "helm"):
        answer = ee.client.get(f"{base}/install_script/{installer}", params=params)
        assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/plain")
        script = answer.text
        assert "https://10.15.101.5:7943" in script and group_id in script, installer
        certs = [
            x509.load_pem_x509_certificate(p.encode()) for p in _pems(script) if "CERTIFICATE" in p
        ]
        assert len(certs) == 2, f"{installer}: {len(certs)} certificates"
        client, ca = certs
        client.verify_directly_issued_by(ca)
    values = list(yaml.safe_load_all(ee.client.get(f"{base}/helm_values", params=params).text))
    secret, chart = values
    client_pem = base64.b64decode(secret["data"]["tls.crt"])
    ca_pem = base64.b64decode(secret["data"]["ca.crt"])
    x509.load_pem_x509_certificate(client_pem).verify_directly_issued_by(
        x509.load_pem_x509_certificate(ca_pem)
    )
    assert chart["etcd"]["host"] == ["https://10.15.101.5:7943"]
    key = body_of(ee.client.get(f"{base}/admin_key"))["value"]["key"]
    gateway_api = ee.client.get(f"{base}/gateway_api_script", params={"name": "gw"}).text
    assert key in gateway_api and "kind: Gateway" in gateway_api
    bad = ee.client.get(f"{base}/install_script/docker", params={"http_port": "0"})
    assert bad.status_code == 400 and bad.json().get("error_msg")
    assert ee.client.get(f"{base}/install_script/no-such-installer").status_code == 404


@conformance_test(
    name="ee-system-infos-and-schemas",
    description="the system infos give the version and the license state; a resource's schema "
    "by name is the one of its endpoint's request body and part of the core schemas",
    profile="api7ee",
    features=["ee-operations-inferred"],
)
def test_system_infos_and_schemas(ee):
    infos = body_of(ee.client.get("/system_infos"))["value"]
    assert infos["version"] == body_of(ee.client.get("/version"))["value"]
    assert infos["license_state"] in ("missing", "valid", "not_yet_effective", "expired")
    consumer = body_of(ee.client.get("/schema/consumer"))["value"]
    assert consumer["type"] == "object" and "username" in consumer["properties"]
    by_path = ee.client.get(
        "/schema/openapi", params={"method": "POST", "path": "/apisix/admin/consumers"}
    )
    assert body_of(by_path)["value"] == consumer
    core = body_of(ee.client.get("/schema/core"))["value"]
    assert core["consumer"] == consumer and "route" in core
    assert ee.client.get("/schema/no_such_resource").status_code == 400


@conformance_test(
    name="ee-plugin-catalogs-and-usage",
    description="every plugin sits in exactly one catalog, and a plugin on a gateway group's "
    "route shows in its usage",
    profile="api7ee",
    features=["ee-operations-inferred"],
)
def test_plugin_catalogs_and_usage(ee):
    catalogs = body_of(ee.client.get("/plugin_catalogs"))["value"]
    placed = [name for c in catalogs for name in c["plugins"]]
    listed = body_of(ee.apisix("GET", "/plugins/list", "default"))
    assert sorted(placed) == sorted(set(placed)) and set(listed) <= set(placed)
    group_id = ee.group()["id"]
    route_id = unique_id("r")
    route = {
        "uri": "/usage",
        "plugins": {"cors": {}},
        "upstream": {"type": "roundrobin", "nodes": {"127.0.0.1:1980": 1}},
    }
    created = ee.apisix("PUT", f"/routes/{route_id}", group_id, json=route)
    assert created.status_code in (200, 201), created.text
    usage = body_of(ee.client.get("/plugins/cors/usage"))["value"]
    assert {"gateway_group_id": group_id, "resource_type": "route", "id": route_id} in [
        {k: u[k] for k in ("gateway_group_id", "resource_type", "id")} for u in usage["list"]
    ]


@conformance_test(
    name="ee-license-upload",
    description="a license in the reference's encoding is checked by dry-run without being "
    "stored, then imported and read back; an expired one is refused",
    profile="api7ee",
    features=["ee-operations-inferred"],
)
def test_license_upload(ee):
    now = int(time.time())

    def encoded(**fields: object) -> dict[str, str]:
        return {"data": base64.b64encode(json.dumps(fields).encode()).decode()}

    valid = encoded(
        customer="gwconform", effective_at=now - 60, expired_at=now + 86400, max_dp_cores=64
    )
    before = body_of(ee.client.get("/license"))["value"]
    checked = body_of(ee.client.put("/license", params={"dry-run": "all"}, json=valid))["value"]
    assert checked["customer"] == "gwconform" and checked["status"] == "valid"
    assert body_of(ee.client.get("/license"))["value"] == before
    body_of(ee.client.put("/license", json=valid))
    shown = body_of(ee.client.get("/license"))["value"]
    assert shown["max_dp_cores"] == 64 and shown["status"] == "valid"
    assert body_of(ee.client.get("/system_infos"))["value"]["license_state"] == "valid"
    expired = encoded(
        customer="old", effective_at=now - 7200, expired_at=now - 3600, max_dp_cores=1
    )
    refused = ee.client.put("/license", json=expired)
    assert refused.status_code == 400 and "expired" in refused.json()["error_msg"]
