"""Loading specs robustly: the real API7 3.2.14 spec, broken $refs, Swagger 2, non-specs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from schemathesis import GenerationMode

from conformance.specs.extensions import FAITHFUL
from conformance.specs.loader import SpecLoadError, faithful_variant, load_spec
from conformance.specs.suite import credential_headers, spec_cases

# shared/ sits beside the checkout, on developer machines and in CI
API7_SPEC = (
    Path(__file__).resolve().parents[3]
    / "shared"
    / "reference"
    / "api7ee-admin-api-3.2.14.openapi.json"
)


def write(tmp_path: Path, name: str, document: object) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


@pytest.mark.skipif(not API7_SPEC.is_file(), reason=f"{API7_SPEC} is not on this machine")
def test_the_api7_enterprise_spec_loads_every_operation():
    spec = load_spec(API7_SPEC)
    operations = spec.operations()
    assert len(operations) == 141
    # its top-level security names `basicAuth`, which it never defines
    assert any("undefined scheme" in repair for repair in spec.repairs)
    assert credential_headers(spec.raw, "key", "tok") == {"Authorization": "Bearer tok"}
    cases = spec_cases(spec, (GenerationMode.POSITIVE,))
    assert len(cases) == 141 and all(case.mode.is_positive for case in cases)


def test_unresolvable_refs_are_replaced_and_reported(tmp_path):
    document = {
        "openapi": "3.0.0",
        "info": {"title": "t", "version": "1"},
        "paths": {
            "/things/{id}": {
                "get": {
                    "parameters": [
                        {
                            "name": "id",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string"},
                        },
                        {"$ref": "#/components/parameters/Missing"},
                    ],
                    "responses": {
                        "200": {"$ref": "#/components/responses/Nowhere"},
                        "404": {
                            "description": "x",
                            "content": {"application/json": {"schema": {"$ref": "other.yaml#/X"}}},
                        },
                    },
                }
            }
        },
    }
    spec = load_spec(write(tmp_path, "broken.json", document))
    assert len(spec.operations()) == 1
    assert len(spec.repairs) == 3
    responses = spec.raw["paths"]["/things/{id}"]["get"]["responses"]
    assert responses["200"] == {"description": "unresolvable reference"}


def test_swagger_2_loads_with_its_base_path(tmp_path):
    document = {
        "swagger": "2.0",
        "info": {"title": "t", "version": "1"},
        "basePath": "/v1",
        "paths": {"/ping": {"get": {"responses": {"200": {"description": "pong"}}}}},
    }
    spec = load_spec(write(tmp_path, "swagger.json", document))
    assert [op.path for op in spec.operations()] == ["/ping"]
    assert spec.base_url("http://127.0.0.1:1/") == "http://127.0.0.1:1/v1"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("[1, 2]", "not a mapping"),
        ('{"info": {}}', "neither OpenAPI 3 nor Swagger 2.0"),
        ('{"openapi": "3.0.0"}', "no `paths`"),
        ("{not json", "not valid JSON/YAML"),
    ],
)
def test_what_is_no_spec_is_one_clear_error(tmp_path, content, message):
    path = tmp_path / "bad.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(SpecLoadError, match=message):
        load_spec(path)


def test_missing_file_is_one_clear_error(tmp_path):
    with pytest.raises(SpecLoadError, match="cannot read spec"):
        load_spec(tmp_path / "absent.yaml")


def test_faithful_variant_swaps_narrowed_schemas_back():
    narrowed = {"type": "integer", "maximum": 10, FAITHFUL: {"type": "integer"}}
    document = {"a": {"properties": {"n": narrowed}}, "b": [narrowed]}
    assert faithful_variant(document) == {
        "a": {"properties": {"n": {"type": "integer"}}},
        "b": [{"type": "integer"}],
    }


def test_credentials_follow_the_security_schemes():
    api_key = {
        "components": {
            "securitySchemes": {"k": {"type": "apiKey", "in": "header", "name": "X-Key"}}
        }
    }
    assert credential_headers(api_key, "admin", None) == {"X-Key": "admin"}
    assert credential_headers({}, "admin", None) == {"X-API-KEY": "admin"}
    assert credential_headers({}, None, None) == {}
