"""traffic-split (apisix/plugins/traffic-split.lua): weighted upstreams chosen by `vars` rules."""

from __future__ import annotations

from typing import Any

from reference_impl.schema.definitions import ID_SCHEMA, UPSTREAM_DEF, Schema
from reference_impl.schema.plugins.spec import PluginSpec
from reference_impl.schema.vars_expr import check_expr

_WEIGHTED_UPSTREAMS: Schema = {
    "type": "array",
    "items": {
        "type": "object",
        "properties": {
            "upstream_id": ID_SCHEMA,
            "upstream": UPSTREAM_DEF,
            "weight": {
                "description": "used to split traffic between different"
                "upstreams for plugin configuration",
                "type": "integer",
                "default": 1,
                "minimum": 0,
            },
        },
    },
    # an entry with only a weight stands for the route's own upstream
    "default": [{"weight": 1}],
    "minItems": 1,
    "maxItems": 20,
}

_SCHEMA: Schema = {
    "type": "object",
    "properties": {
        "rules": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "match": {
                        "type": "array",
                        "items": {"type": "object", "properties": {"vars": {"type": "array"}}},
                    },
                    "weighted_upstreams": _WEIGHTED_UPSTREAMS,
                },
            },
        }
    },
}


def _check_match_vars(conf: dict[str, Any], scope: str) -> str | None:
    for rule in conf.get("rules") or []:
        for match in rule.get("match") or []:
            if match.get("vars") is None:
                continue  # lua-resty-expr: no rule is an expression that always holds
            err = check_expr(match["vars"])
            if err:
                return f"failed to validate the 'vars' expression: {err}"
    return None


TRAFFIC_SPLIT = PluginSpec(
    name="traffic-split",
    priority=966,
    version=0.1,
    schema=_SCHEMA,
    extra_check=_check_match_vars,
)

SPECS = (TRAFFIC_SPLIT,)
