"""The catalog parse and the enforcement table built from it."""

from __future__ import annotations

import json

import pytest

from conformance.resources import shipped_path
from reference_impl.iam.catalog import CATALOG_FILE, dump_catalog, parse_catalog
from reference_impl.iam.endpoints import endpoints
from reference_impl.iam.enforcement import EndpointTable

FIXTURES = shipped_path("conformance", "data", "iam")
SEED = FIXTURES / "api7-permission-policy-actions-and-resources.txt"


@pytest.fixture(scope="module")
def seed_catalog():
    return parse_catalog(SEED.read_text(encoding="utf-8"))


def test_seed_parse_is_complete(seed_catalog):
    lines = SEED.read_text(encoding="utf-8").splitlines()
    rows = [x for x in lines if x.startswith(("gateway:", "iam:", "portal:")) and "arn:" in x]
    assert len(seed_catalog) == len(rows) == 136
    assert {e.action.partition(":")[0] for e in seed_catalog} == {"gateway", "iam", "portal"}
    consumer = next(e for e in seed_catalog if e.action == "gateway:GetConsumer")
    assert consumer.resource == "arn:api7:gateway:gatewaygroup/%s/consumer/%s"
    assert consumer.section == "Consumer"


def test_shipped_catalogs_are_the_seed_parse(seed_catalog):
    expected = dump_catalog(seed_catalog)
    assert CATALOG_FILE.read_text(encoding="utf-8") == expected
    assert (FIXTURES / "catalog.json").read_text(encoding="utf-8") == expected


def test_every_catalog_action_has_an_endpoint(seed_catalog):
    mapped = {e.action for e in endpoints()}
    missing = sorted({e.action for e in seed_catalog} - mapped)
    assert not missing, f"actions without an endpoint: {missing}"


def test_every_row_fills_its_resource_template(seed_catalog):
    resources = {e.action: e.resource for e in seed_catalog}
    for row in endpoints():
        if row.action is None:
            continue
        template = row.resource or resources[row.action]
        assert template.count("%s") == len(row.args), row


def test_rows_are_unique():
    keys = [(e.method, e.path, e.query) for e in endpoints()]
    assert len(keys) == len(set(keys))


def test_a_query_argument_selects_its_row():
    table = EndpointTable()
    template = table.match("POST", "/api/import/services")
    assert template.endpoint.action == "gateway:CreateServiceTemplate"
    published = table.match("POST", "/api/import/services", frozenset({"gateway_group_id"}))
    assert published.endpoint.action == "gateway:CreatePublishedService"
    arn = table.resource(published.endpoint, {"gateway_group_id": "g1"})
    assert arn == "arn:api7:gateway:gatewaygroup/g1/publishedservice/*"


def test_match_fills_ids_and_prefers_literal_paths():
    table = EndpointTable()
    found = table.match("GET", "/api/gateway_groups/g1/consumers/c1")
    assert found.endpoint.action == "gateway:GetConsumer"
    arn = table.resource(found.endpoint, found.params)
    assert arn == "arn:api7:gateway:gatewaygroup/g1/consumer/c1"
    histories = table.match("GET", "/api/alert/policies/histories")
    assert histories.endpoint.path == "/api/alert/policies/histories"
    create = table.match("POST", "/api/gateway_groups")
    assert table.resource(create.endpoint, {}) == "arn:api7:gateway:gatewaygroup/*"
    assert table.match("GET", "/api/unknown") is None
    apisix = table.match("PUT", "/apisix/admin/consumers/jack")
    arn = table.resource(apisix.endpoint, {**apisix.params, "gateway_group_id": "g2"})
    assert arn == "arn:api7:gateway:gatewaygroup/g2/consumer/jack"


def test_catalog_json_is_valid_json():
    rows = json.loads(CATALOG_FILE.read_text(encoding="utf-8"))
    assert all(set(r) == {"action", "resource", "section"} for r in rows)
