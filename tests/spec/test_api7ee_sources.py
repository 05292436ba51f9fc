"""Every operation of the shipped API7 Enterprise specs says which document gives its method
and path (`x-gwconform-source`), and one whose path is only inferred is never Core: a real
API7 gateway must not fail the suite on a guess."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from conformance.features import PROFILES
from conformance.specs.loader import FEATURE

from .test_shipped_specs import _matches

SPECS_DIR = Path(__file__).resolve().parents[2] / "conformance" / "data" / "specs"
API7_SPECS = {"api7ee-admin.yaml": "/api", "api7ee-apisix-compat.yaml": "/apisix/admin"}
# shared/ sits beside the checkout, on developer machines and in CI
SHARED = Path(__file__).resolve().parents[3] / "shared"
SEED = SHARED / "seeds" / "api7-enterprise-admin-api-3.9.9.txt"
SPEC_3_2_14 = SHARED / "reference" / "api7ee-admin-api-3.2.14.openapi.json"
SOURCE = "x-gwconform-source"
DOCUMENTS = {"api7ee-3.9.9-seed", "api7ee-3.2.14-openapi", "inferred"}
METHODS = {"get", "put", "post", "patch", "delete"}


def operations() -> list[tuple[str, str, dict[str, Any]]]:
    """(label, method, operation) of every operation; the label ends in the full path."""
    found = []
    for name, prefix in API7_SPECS.items():
        spec = yaml.safe_load((SPECS_DIR / name).read_text(encoding="utf-8"))
        for path, item in spec["paths"].items():
            for method, operation in item.items():
                if method in METHODS:
                    found.append((f"{name} {method.upper()} {prefix}{path}", method, operation))
    return found


def test_every_operation_names_its_source():
    missing = [label for label, _, op in operations() if not op.get(SOURCE)]
    assert not missing, f"operations without {SOURCE}: {missing}"
    for label, _, op in operations():
        source = op[SOURCE]
        assert source["document"] in DOCUMENTS, f"{label}: unknown document {source['document']}"
        assert source["location"].strip(), f"{label}: the source has no location"


def test_inferred_operations_are_extended_inferred_features():
    inferred = set(PROFILES["api7ee"].inferred)
    core = set(PROFILES["api7ee"].core)
    wrong = [
        f"{label} ({op.get(FEATURE, 'ee-spec, Core')})"
        for label, _, op in operations()
        if op[SOURCE]["document"] == "inferred" and op.get(FEATURE) not in inferred
    ]
    assert not wrong, f"operations with an inferred path in a Core or uninferred feature: {wrong}"
    assert not inferred & core
    assert any(op[SOURCE]["document"] == "inferred" for _, _, op in operations())


@pytest.mark.skipif(not SEED.is_file(), reason=f"the seed {SEED} is not on this machine")
def test_seed_locations_are_the_seed_lines():
    lines = SEED.read_text(encoding="utf-8").splitlines()
    cited = [(label, op[SOURCE]["location"]) for label, _, op in operations()]
    cited = [(label, where) for label, where in cited if where.startswith("line ")]
    assert len(cited) > 50
    for label, where in cited:
        number, title = where.removeprefix("line ").split(": ", 1)
        assert lines[int(number) - 1].strip() == title, (
            f"{label}: seed line {number} is not {title}"
        )


@pytest.mark.skipif(not SPEC_3_2_14.is_file(), reason=f"{SPEC_3_2_14} is not on this machine")
def test_3_2_14_locations_name_its_operations():
    paths = json.loads(SPEC_3_2_14.read_text(encoding="utf-8"))["paths"]
    for label, method, op in operations():
        if op[SOURCE]["document"] != "api7ee-3.2.14-openapi":
            continue
        path, cited_method = op[SOURCE]["location"].removeprefix("paths.").rsplit(".", 1)
        assert cited_method == method and method in paths.get(path, {}), label
        assert _matches(path, label.rsplit(" ", 1)[1]), f"{label}: {path} has another shape"
