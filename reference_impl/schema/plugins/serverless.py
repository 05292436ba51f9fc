"""serverless-pre-function and serverless-post-function (apisix/plugins/serverless/init.lua):
the schema, and check_schema's compile check of every function."""

from __future__ import annotations

from typing import Any

from reference_impl.lua.checks import serverless_functions_error
from reference_impl.schema.plugins.spec import PluginSpec

PHASES = ["rewrite", "access", "header_filter", "body_filter", "log", "before_proxy"]
# APISIX runs before_proxy after the balancer, for each try: the reference has no such
# point, so it refuses the phase rather than run the functions elsewhere
UNSUPPORTED_PHASES = ("before_proxy",)


def _check(conf: dict[str, Any], scope: str) -> str | None:
    if conf.get("phase") in UNSUPPORTED_PHASES:
        return f"phase {conf['phase']} is not supported by this gateway"
    return serverless_functions_error(conf["functions"])


def _spec(name: str, priority: int) -> PluginSpec:
    return PluginSpec(
        name=name,
        priority=priority,
        version=0.1,
        schema={
            "type": "object",
            "properties": {
                "phase": {"type": "string", "default": "access", "enum": PHASES},
                "functions": {"type": "array", "items": {"type": "string"}, "minItems": 1},
            },
            "required": ["functions"],
        },
        extra_check=_check,
    )


SPECS = (_spec("serverless-pre-function", 10000), _spec("serverless-post-function", -2000))
