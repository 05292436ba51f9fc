"""Spec-driven testing: the APISIX Admin API OpenAPI documents and the schemathesis machinery.

- `apisix_openapi` builds `conformance/data/specs/apisix-admin-{v3,v2}.yaml` from
  `apisix_request_schemas`, `apisix_plugin_schemas`, `apisix_response_schemas`,
  `apisix_special_paths` and `apisix_openapi_parts` (`python -m conformance.specs.apisix_openapi`
  rewrites them);
- `loader` opens any OpenAPI 3 / Swagger 2 spec robustly;
- `checks`, `hooks` and `runner` run schemathesis cases against a target;
- `suite` is what the pytest modules in `conformance/tests/spec/` are made of.
"""
