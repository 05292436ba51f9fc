"""The generator of the APISIX Admin API OpenAPI documents the suite ships
(`conformance/data/specs/apisix-admin-{v3,v2}.yaml`).

A developer tool, not part of the installed package: `python -m tools.apisix_specs` rewrites
the shipped documents from these modules, `python -m tools.apisix_specs --check` exits 1 when
they differ from what the modules build (tests/spec/test_shipped_specs.py checks the same).
"""

from __future__ import annotations

from pathlib import Path

CHECKOUT = Path(__file__).resolve().parents[2]
SPEC_DIR = CHECKOUT / "conformance" / "data" / "specs"
TLS_DIR = SPEC_DIR / "tls"
