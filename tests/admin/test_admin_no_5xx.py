"""Generated requests of every method on every resource path: never a 5xx, always a JSON
body with error_msg (or APISIX's "message") on a 4xx."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reference_impl.store import MemoryStore

from .conftest import make_client

PATHS = [
    "/routes",
    "/routes/1",
    "/routes/1/upstream/nodes",
    "/services/1",
    "/upstreams/1",
    "/upstreams/1/nodes",
    "/consumers",
    "/consumers/jack",
    "/consumers/jack/credentials/c1",
    "/consumer_groups/1",
    "/ssls/1",
    "/global_rules/1",
    "/plugin_configs/1",
    "/plugin_metadata/cors",
    "/stream_routes/1",
    "/secrets/vault/1",
    "/protos/1",
    "/plugins/list",
    "/plugins/key-auth",
    "/schema/validate/routes",
    "/x/y",
]
QUERIES = ["", "?ttl=5", "?force=true", "?page=2&page_size=10", "?page=-1", "?name=a&label=b:c"]

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
known_keys = st.sampled_from(
    [
        "uri",
        "upstream",
        "nodes",
        "type",
        "plugins",
        "id",
        "username",
        "cert",
        "key",
        "snis",
        "upstream_id",
        "service_id",
        "labels",
        "name",
        "content",
        "hosts",
        "methods",
        "group_id",
    ]
)
objects = st.dictionaries(known_keys, json_values, max_size=5)


@pytest.fixture(scope="module")
def fuzz_client():
    store = MemoryStore()
    with make_client(store) as client:
        yield client
    store.close()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    method=st.sampled_from(["GET", "PUT", "POST", "PATCH", "DELETE"]),
    path=st.sampled_from(PATHS),
    query=st.sampled_from(QUERIES),
    body=st.one_of(objects, json_values),
)
def test_generated_requests_never_5xx(fuzz_client, method, path, query, body):
    resp = fuzz_client.request(method, path + query, content=json.dumps(body))
    assert resp.status_code < 500, (method, path, body, resp.text)
    if resp.status_code >= 400:
        payload = resp.json()
        assert isinstance(payload, dict)
        assert payload.get("error_msg") or payload.get("message")
