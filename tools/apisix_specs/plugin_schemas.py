"""Plugin configurations the APISIX Admin API spec generates: a few well-known plugins, each with
its documented schema (apache/apisix `apisix/plugins/*.lua`), narrowed like the resources."""

from __future__ import annotations

from .schema_helpers import Schema, closed, enum_of, ref, text

# the nginx methods proxy-rewrite may set
REWRITE_METHODS = [
    "GET",
    "POST",
    "PUT",
    "HEAD",
    "DELETE",
    "OPTIONS",
    "MKCOL",
    "COPY",
    "MOVE",
    "PROPFIND",
    "LOCK",
    "UNLOCK",
    "PATCH",
    "TRACE",
]


def plugin_schemas() -> dict[str, Schema]:
    """A few well-known plugins, each with the documented schema of its configuration."""
    return {
        "KeyAuthRoute": closed(
            {
                "header": text(minLength=1, maxLength=64),
                "query": text(minLength=1, maxLength=64),
                "hide_credentials": {"type": "boolean"},
            }
        ),
        "KeyAuthConsumer": closed(
            {"key": text(minLength=8, maxLength=64, pattern=r"^[a-zA-Z0-9]+$")},
            ["key"],
            description="keys are unique among consumers and credentials: a hook makes them so",
        ),
        "LimitCount": closed(
            {
                "count": {"type": "integer", "minimum": 0, "exclusiveMinimum": True},
                "time_window": {"type": "integer", "minimum": 0, "exclusiveMinimum": True},
                "key_type": {"type": "string", "enum": ["var", "var_combination", "constant"]},
                "rejected_code": {"type": "integer", "minimum": 200, "maximum": 599},
                "rejected_msg": text(minLength=1, maxLength=64),
                "policy": enum_of(["local"], ["local", "redis", "redis-cluster", "redis-sentinel"]),
                "show_limit_quota_header": {"type": "boolean"},
                "allow_degradation": {"type": "boolean"},
            },
            ["count", "time_window"],
        ),
        "ProxyRewrite": closed(
            {
                "uri": {"type": "string", "minLength": 1, "maxLength": 4096, "pattern": r"^\/.*"},
                "method": {"type": "string", "enum": REWRITE_METHODS},
                "host": {"type": "string", "pattern": r"^[0-9a-zA-Z-.]+(:\d{1,5})?$"},
            }
        ),
        "RequestId": closed(
            {
                "header_name": enum_of(["X-Request-Id", "X-Trace-Id"]),
                "include_in_response": {"type": "boolean"},
                "algorithm": enum_of(["uuid", "nanoid"], ["uuid", "nanoid", "range_id"]),
            }
        ),
        "RoutePlugins": closed(
            {
                "key-auth": ref("KeyAuthRoute"),
                "limit-count": ref("LimitCount"),
                "proxy-rewrite": ref("ProxyRewrite"),
                "request-id": ref("RequestId"),
            },
            description="plugins bound to a route, service, plugin config or global rule",
        ),
        "ConsumerPlugins": closed(
            {"key-auth": ref("KeyAuthConsumer"), "limit-count": ref("LimitCount")},
            description="plugins bound to a consumer",
        ),
        "GroupPlugins": closed(
            {"limit-count": ref("LimitCount")},
            description="plugins bound to a consumer group",
        ),
        "CredentialPlugins": closed(
            {"key-auth": ref("KeyAuthConsumer")},
            maxProperties=1,
            description="a credential carries at most one authentication plugin",
        ),
    }
