"""Spec-driven testing: the APISIX Admin API OpenAPI documents and the schemathesis machinery.

- the shipped `conformance/data/specs/apisix-admin-{v3,v2}.yaml` are built by the developer
  tool `tools/apisix_specs` of the checkout (`python -m tools.apisix_specs`), not shipped;
- `extensions` names the vendor extensions those documents carry;
- `loader` opens any OpenAPI 3 / Swagger 2 spec robustly;
- `checks`, `hooks` and `runner` run schemathesis cases against a target;
- `suite` is what the pytest modules in `conformance/tests/spec/` are made of.
"""
