"""The shipped APISIX Admin API specs: valid OpenAPI, built by the builder, complete, linked."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from openapi_spec_validator import validate

from conformance.specs.loader import FEATURE, load_spec
from tools.apisix_specs import __main__ as generator
from tools.apisix_specs import openapi as apisix_openapi

# shared/ sits beside the checkout, on developer machines and in CI
SEED = Path(__file__).resolve().parents[3] / "shared" / "seeds" / "apisix-admin-api-3.5.txt"
SEED_OPERATION = re.compile(r"^(GET|PUT|POST|DELETE|PATCH)(/apisix/admin/\S*?)(?=NULL|\{\.)")
# The seed's table says `PUT /apisix/admin/secrets/{manager}`, its example PUTs
# `/apisix/admin/secrets/vault/test2`: the example is what APISIX serves.
SEED_ALIASES = {("PUT", "/apisix/admin/secrets/{manager}"): "/apisix/admin/secrets/{manager}/{id}"}
METHODS = {"get", "put", "post", "delete", "patch"}


def shipped(version: str) -> dict:
    return yaml.safe_load(apisix_openapi.spec_path(version).read_text(encoding="utf-8"))


@pytest.mark.parametrize("version", apisix_openapi.VERSIONS)
def test_shipped_spec_is_valid_openapi(version):
    validate(shipped(version))


@pytest.mark.parametrize("version", apisix_openapi.VERSIONS)
def test_shipped_spec_is_what_the_builder_makes(version):
    assert apisix_openapi.spec_path(version).read_text(encoding="utf-8") == apisix_openapi.render(
        version
    ), "run `python -m tools.apisix_specs` to rewrite conformance/data/specs"


def test_the_generator_check_command_agrees(capsys):
    assert generator.main(["--check"]) == 0, capsys.readouterr().out


def _matches(template: str, path: str) -> bool:
    """A seed path template matches a spec path segment by segment; `{x}` matches any one."""
    want, have = template.strip("/").split("/"), path.strip("/").split("/")
    return len(want) == len(have) and all(
        w == h or (w.startswith("{") and w.endswith("}")) for w, h in zip(want, have, strict=True)
    )


def seed_operations() -> set[tuple[str, str]]:
    found = set()
    for line in SEED.read_text(encoding="utf-8").splitlines():
        match = SEED_OPERATION.match(line.strip())
        if match:
            method, path = match.group(1), match.group(2).rstrip("?")
            found.add((method, SEED_ALIASES.get((method, path), path)))
    return found


@pytest.mark.skipif(not SEED.is_file(), reason=f"the seed {SEED} is not on this machine")
def test_every_documented_operation_is_in_the_v3_spec():
    operations = {(m.upper(), p) for p, item in shipped("v3")["paths"].items() for m in item}
    documented = seed_operations()
    assert len(documented) >= 60, "the seed's operation tables were not read"
    missing = [
        f"{method} {path}"
        for method, path in sorted(documented)
        if not any(m == method and _matches(path, p) for m, p in operations)
    ]
    assert not missing, f"documented operations missing from the spec: {missing}"


@pytest.mark.parametrize("version", apisix_openapi.VERSIONS)
def test_links_name_existing_operations_and_parameters(version):
    spec = shipped(version)
    by_id = {
        op["operationId"]: op
        for item in spec["paths"].values()
        for method, op in item.items()
        if method in METHODS
    }
    links = 0
    for item in spec["paths"].values():
        for op in item.values():
            source_params = {p["name"] for p in op.get("parameters", [])}
            for response in op["responses"].values():
                for name, link in (response.get("links") or {}).items():
                    links += 1
                    assert link["operationId"] in by_id, f"{name}: no such operation"
                    target = by_id[link["operationId"]]
                    target_params = {p["name"] for p in target.get("parameters", [])}
                    for param, expression in link.get("parameters", {}).items():
                        assert param in target_params, f"{name}: {param} is not a parameter"
                        if expression.startswith("$request.path."):
                            assert expression.removeprefix("$request.path.") in source_params
                        else:
                            assert re.match(r"^\$(request|response)\.body#/[\w/]+$", expression)
    assert links > 50


def test_links_drive_a_state_machine():
    machine = load_spec(apisix_openapi.spec_path("v3")).schema.as_state_machine()
    # schemathesis names a transition `<source>_<status>_<link name>_<target>`
    transitions = [name for name in dir(machine) if re.search(r"_\d{3}_[a-z]+[A-Z]", name)]
    for link in ("getRoute", "patchRoute", "deleteRoute", "listRoutes", "putCredential"):
        assert any(f"_{link}_" in name for name in transitions), link


def test_extended_operations_carry_their_feature():
    spec = shipped("v3")
    features = {op.get(FEATURE) for path, item in spec["paths"].items() for op in item.values()}
    assert {
        "admin-consumer-credentials",
        "admin-secrets",
        "admin-protos",
        "admin-stream-routes",
        "admin-schema-validate",
    } <= features
