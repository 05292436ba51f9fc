"""Configuration the data plane can't honour is refused with a 400 naming the field, on
every resource that carries it, and nothing is stored; what it honours is accepted."""

from __future__ import annotations

from typing import Any

import pytest

from .certs import cert_and_key
from .conftest import UPSTREAM

URI = {"uri": "/x"}


def _upstream(fields: dict) -> dict:
    merged = {**UPSTREAM, **fields}
    return {k: v for k, v in merged.items() if v is not None}


def _refused(api, path: str, body: dict, field: str) -> None:
    response = api.put(path, json=body)
    assert response.status_code == 400, response.text
    assert field in response.json()["error_msg"], response.json()
    assert api.get(path).status_code == 404


@pytest.fixture
def client_ssl(api) -> None:
    cert, key = cert_and_key("client.test")
    assert api.put("/ssls/c1", json={"cert": cert, "key": key, "type": "client"}).status_code == 201


@pytest.mark.parametrize(
    ("field", "fields"),  # the field named in the error, the upstream fields refused
    [
        ("scheme kafka", {"scheme": "kafka"}),
        ("type random", {"type": "random"}),
        ("discovery_type nacos", {"nodes": None, "discovery_type": "nacos", "service_name": "s"}),
        ("discovery_type dns", {"nodes": None, "discovery_type": "dns", "service_name": "s"}),
        ("discovery_args", {"discovery_args": {"namespace_id": "n", "group_name": "g"}}),
        ("tls.verify", {"tls": {"verify": True}}),
        ("tls.client_cert_id", {"tls": {"client_cert_id": "c1"}}),
    ],
)
def test_upstream_fields_that_cant_be_honoured(api, client_ssl, field, fields):
    _refused(api, "/upstreams/1", _upstream(fields), field)
    _refused(api, "/routes/1", {**URI, "upstream": _upstream(fields)}, f"upstream.{field}")
    _refused(api, "/services/1", {"upstream": _upstream(fields)}, f"upstream.{field}")


@pytest.mark.parametrize("scheme", ["tcp", "tls", "udp"])
def test_stream_schemes_are_refused_on_http_routes_only(api, scheme):
    upstream = {**UPSTREAM, "scheme": scheme}
    _refused(api, "/routes/1", {**URI, "upstream": upstream}, f"upstream.scheme {scheme}")
    _refused(api, "/services/1", {"upstream": upstream}, f"upstream.scheme {scheme}")
    assert api.put("/upstreams/1", json=upstream).status_code == 201  # stream routes use it
    stream_route = {"server_port": 9100, "upstream": upstream}
    assert api.put("/stream_routes/1", json=stream_route).status_code == 201


@pytest.mark.parametrize("field", ["script", "script_id"])
def test_script_orchestration_is_refused(api, field):
    value = "local _M = {} return _M" if field == "script" else "s1"
    _refused(api, "/routes/1", {**URI, "upstream": UPSTREAM, field: value}, field)


def test_what_is_honoured_is_accepted(api, client_ssl, client_factory):
    cert, key = cert_and_key("client.test")
    honoured: list[dict[str, Any]] = [
        {"type": "ewma"},
        {"scheme": "https", "tls": {"verify": True, "client_cert_id": "c1"}},
        {"scheme": "grpcs", "tls": {"client_cert": cert, "client_key": key}},
        {"pass_host": "rewrite", "upstream_host": "h.test", "retry_timeout": 2},
        {"keepalive_pool": {"size": 4, "idle_timeout": 5, "requests": 10}},
    ]
    for index, fields in enumerate(honoured):
        response = api.put(f"/upstreams/{index}", json=_upstream(fields))
        assert response.status_code == 201, (fields, response.text)
    dns = {"nodes": None, "discovery_type": "dns", "service_name": "svc.test:80"}
    with_dns = client_factory({"discovery": {"dns": {"servers": ["127.0.0.1:53"]}}})
    assert with_dns.put("/upstreams/dns", json=_upstream(dns)).status_code == 201
