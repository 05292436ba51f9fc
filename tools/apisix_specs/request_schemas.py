"""Request body schemas of the APISIX Admin API, in the OpenAPI 3.0 dialect of JSON Schema.

They follow apache/apisix `apisix/schema_def.lua` (constraints, enums, mutual exclusions) but are
deliberately narrower where the server checks more than its JSON Schema says, so that every
document schemathesis generates in positive mode is one a conformant gateway must accept:

- reference fields (`upstream_id`, `service_id`, `plugin_config_id`, `group_id`) are left out,
  because a random id names nothing;
- upstreams use array nodes with plain host names (the server resolves and parses node keys);
- `pass_host` is `pass` only (`node` needs exactly one node, `rewrite` needs `upstream_host`);
- plugins are a handful of well-known plugins with their documented schemas;
- SSL certificates and proto contents are fixed valid values (the server parses them);
- `id`, `create_time` and `update_time` are not sent (a body id must match the path).
All bodies are closed (`additionalProperties: false`) like APISIX's own schemas.

A narrowed schema keeps the documented one under `x-gwconform-faithful`: negative generation
swaps it back in (see `loader.faithful_variant`), so an "invalid" document is invalid by the
documentation, not merely outside the narrowing.
"""

from __future__ import annotations

from . import TLS_DIR
from .plugin_schemas import plugin_schemas
from .schema_helpers import (
    Schema,
    bounded_int,
    closed,
    enum_of,
    narrowed,
    ref,
    text,
)

ID_PATTERN = r"^[a-zA-Z0-9-_.]+$"
# APISIX 3.5 `host_def` (later versions also accept a lone "*")
HOST_PATTERN = r"^\*?[0-9a-zA-Z-._\[\]:]+$"
NODE_HOST_PATTERN = (
    r"^[a-z0-9]([a-z0-9-]{0,15}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,15}[a-z0-9])?){0,3}$"
)
IPV4_CIDR_PATTERN = (
    r"^(([0-9]|[1-9][0-9]|1[0-9]{2}|2[0-4][0-9]|25[0-5])\.){3}"
    r"([0-9]|[1-9][0-9]|1[0-9]{2}|2[0-4][0-9]|25[0-5])/([12]?[0-9]|3[0-2])$"
)
IPV6_CIDR_PATTERN = (
    r"^([a-fA-F0-9]{0,4}:){1,8}(:[a-fA-F0-9]{0,4}){0,8}([a-fA-F0-9]{0,4})?/[0-9]{1,3}$"
)
ORIGINS_PATTERN = r"^(\*|\*\*|null|\w+://[^,]+(,\w+://[^,]+)*)$"
SIMPLE_ORIGIN = r"^(\*|\*\*|null|https?://[a-z0-9.]{1,20}(:[0-9]{2,5})?)$"
UPSTREAM_SCHEMES = ["grpc", "grpcs", "http", "https", "tcp", "tls", "udp", "kafka"]
VAULT_URI_PATTERN = r"^[^\/]+:\/\/([\da-zA-Z.-]+|\[[\da-fA-F:]+\])(:\d+)?"
# 3.5 allows letters, digits and `_` in a username; later versions also `-`
USERNAME_PATTERN = r"^[a-zA-Z0-9_]+$"
LATER_USERNAME_PATTERN = r"^[a-zA-Z0-9_\-]+$"
HTTP_METHODS = [
    "GET",
    "POST",
    "PUT",
    "DELETE",
    "PATCH",
    "HEAD",
    "OPTIONS",
    "CONNECT",
    "TRACE",
    "PURGE",
]

PROTO_CONTENTS = [
    'syntax = "proto3";\npackage helloworld;\n'
    "service Greeter {\n  rpc SayHello (HelloRequest) returns (HelloReply) {}\n}\n"
    "message HelloRequest {\n  string name = 1;\n}\n"
    "message HelloReply {\n  string message = 1;\n}\n",
    'syntax = "proto3";\npackage echo;\n'
    "service Echo {\n  rpc Say (Text) returns (Text) {}\n}\n"
    "message Text {\n  string body = 1;\n  int32 count = 2;\n}\n",
]


def _string_array(item: Schema, min_items: int = 1, max_items: int = 4) -> Schema:
    documented = {"type": "array", "items": item, "minItems": min_items, "uniqueItems": True}
    return narrowed({**documented, "maxItems": max_items}, documented)


def _metadata(*, name: bool = True, desc: bool = True, labels: bool = True) -> Schema:
    fields: Schema = {}
    if name:
        fields["name"] = ref("Name")
    if desc:
        fields["desc"] = ref("Desc")
    if labels:
        fields["labels"] = ref("Labels")
    return fields


SPEC_CERT_NAMES = ["spec.gwconform.test", "api.spec.gwconform.test", "www.spec.gwconform.test"]


def _tls_pem(name: str) -> str:
    return (TLS_DIR / name).read_text(encoding="ascii")


def building_blocks() -> dict[str, Schema]:
    """Shared definitions: ids, names, labels, timeouts, addresses."""
    positive = {"type": "number", "minimum": 0, "exclusiveMinimum": True}
    timeout = narrowed({**positive, "maximum": 3600}, positive)
    label_value = {"type": "string", "minLength": 1, "maxLength": 256, "pattern": r"^\S+$"}
    labels = {"type": "object", "additionalProperties": label_value}
    return {
        "Id": {"type": "string", "minLength": 1, "maxLength": 64, "pattern": ID_PATTERN},
        # 3.5 names are 1-100 long; later versions allow 256
        "Name": narrowed(
            {"type": "string", "minLength": 1, "maxLength": 100},
            {"type": "string", "minLength": 1, "maxLength": 256},
        ),
        "Desc": {"type": "string", "maxLength": 256},
        "Labels": narrowed({**labels, "maxProperties": 4}, labels),
        "Host": narrowed(
            {"type": "string", "pattern": HOST_PATTERN, "maxLength": 253},
            {"type": "string", "pattern": HOST_PATTERN},
        ),
        "Ipv4OrCidr": narrowed(
            {
                "anyOf": [
                    {"type": "string", "format": "ipv4"},
                    {"type": "string", "pattern": IPV4_CIDR_PATTERN},
                ]
            },
            {
                "type": "string",
                "anyOf": [
                    {"format": "ipv4"},
                    {"pattern": IPV4_CIDR_PATTERN},
                    {"format": "ipv6"},
                    {"pattern": IPV6_CIDR_PATTERN},
                ],
            },
        ),
        "Timeout": closed(
            {"connect": timeout, "send": timeout, "read": timeout}, ["connect", "send", "read"]
        ),
    }


def upstream_schemas() -> dict[str, Schema]:
    node = closed(
        {
            "host": narrowed(
                {"type": "string", "pattern": NODE_HOST_PATTERN},
                {"type": "string", "pattern": HOST_PATTERN},
            ),
            "port": {"type": "integer", "minimum": 1, "maximum": 65535},
            "weight": bounded_int(0, 1000),
            "priority": bounded_int(None, 10),
        },
        ["host", "weight"],
    )
    nodes = {"type": "array", "items": ref("UpstreamNode")}
    common: Schema = {
        **_metadata(),
        "type": enum_of(["roundrobin", "ewma", "least_conn"]),
        "nodes": narrowed({**nodes, "maxItems": 4}, nodes),
        "retries": bounded_int(0, 10),
        "retry_timeout": narrowed(
            {"type": "number", "minimum": 0, "maximum": 60}, {"type": "number", "minimum": 0}
        ),
        "timeout": ref("Timeout"),
        "pass_host": enum_of(["pass"], ["pass", "node", "rewrite"]),
        "keepalive_pool": closed(
            {
                "size": bounded_int(1, 1000),
                "idle_timeout": narrowed(
                    {"type": "number", "minimum": 0, "maximum": 600},
                    {"type": "number", "minimum": 0},
                ),
                "requests": bounded_int(1, 10000),
            }
        ),
    }
    return {
        "UpstreamNode": node,
        "Upstream": closed(
            {**common, "scheme": enum_of(["http", "https", "grpc", "grpcs"], UPSTREAM_SCHEMES)},
            ["nodes"],
        ),
        "StreamUpstream": closed(
            {**common, "scheme": enum_of(["tcp", "udp", "tls"], UPSTREAM_SCHEMES)},
            ["nodes"],
        ),
    }


def resource_schemas() -> dict[str, Schema]:
    """Request bodies of the Admin API resources."""
    return {
        "Route": closed(
            {
                **_metadata(),
                "uri": {"type": "string", "minLength": 1, "maxLength": 4096},
                "uris": _string_array(text(minLength=1, maxLength=256)),
                "priority": bounded_int(None, 1000),
                "methods": _string_array({"type": "string", "enum": HTTP_METHODS}, min_items=0),
                "host": ref("Host"),
                "hosts": _string_array(ref("Host")),
                "remote_addr": ref("Ipv4OrCidr"),
                "remote_addrs": _string_array(ref("Ipv4OrCidr")),
                "timeout": ref("Timeout"),
                "enable_websocket": {"type": "boolean"},
                "status": {"type": "integer", "enum": [1, 0]},
                "upstream": ref("Upstream"),
                "plugins": ref("RoutePlugins"),
            },
            ["upstream"],
            description="uri xor uris; host xor hosts; remote_addr xor remote_addrs",
            oneOf=[{"required": ["uri"]}, {"required": ["uris"]}],
            allOf=[
                {"not": {"required": ["host", "hosts"]}},
                {"not": {"required": ["remote_addr", "remote_addrs"]}},
            ],
        ),
        "Service": closed(
            {
                **_metadata(),
                "upstream": ref("Upstream"),
                "plugins": ref("RoutePlugins"),
                "enable_websocket": {"type": "boolean"},
                "hosts": _string_array(ref("Host")),
            },
            open_in_docs=True,
        ),
        "Consumer": closed(
            {
                "username": narrowed(
                    {
                        "type": "string",
                        "minLength": 1,
                        "maxLength": 100,
                        "pattern": USERNAME_PATTERN,
                    },
                    {
                        "type": "string",
                        "minLength": 1,
                        "maxLength": 256,
                        "pattern": LATER_USERNAME_PATTERN,
                    },
                ),
                "desc": ref("Desc"),
                "labels": ref("Labels"),
                "plugins": ref("ConsumerPlugins"),
            },
            ["username"],
            open_in_docs=True,
        ),
        "Credential": closed({**_metadata(), "plugins": ref("CredentialPlugins")}),
        "Ssl": closed(
            {
                "cert": narrowed(
                    {"type": "string", "enum": [_tls_pem("spec-test.crt")]},
                    {"type": "string", "minLength": 128, "maxLength": 65536},
                ),
                "key": narrowed(
                    {"type": "string", "enum": [_tls_pem("spec-test.key")]},
                    {"type": "string", "minLength": 64, "maxLength": 65536},
                ),
                # the docs do not say whether SNIs outside the certificate are accepted,
                # so valid requests use names the fixed certificate covers
                "snis": narrowed(
                    {
                        "type": "array",
                        "items": {"type": "string", "enum": SPEC_CERT_NAMES},
                        "minItems": 1,
                        "uniqueItems": True,
                    },
                    {"type": "array", "items": ref("Host"), "minItems": 1, "uniqueItems": True},
                ),
                "type": {"type": "string", "enum": ["server", "client"]},
                "status": {"type": "integer", "enum": [1, 0]},
                "ssl_protocols": _string_array(
                    {"type": "string", "enum": ["TLSv1.1", "TLSv1.2", "TLSv1.3"]}, max_items=3
                ),
                "labels": ref("Labels"),
            },
            ["cert", "key", "snis"],
            description="cert and key are a fixed valid pair: the server parses and matches them",
        ),
        "GlobalRule": closed({"plugins": ref("RoutePlugins")}, ["plugins"]),
        "PluginConfig": closed(
            {"desc": ref("Desc"), "labels": ref("Labels"), "plugins": ref("RoutePlugins")},
            ["plugins"],
        ),
        "ConsumerGroup": closed(
            {"desc": ref("Desc"), "labels": ref("Labels"), "plugins": ref("GroupPlugins")},
            ["plugins"],
        ),
        "StreamRoute": closed(
            {
                "remote_addr": ref("Ipv4OrCidr"),
                "server_addr": ref("Ipv4OrCidr"),
                "server_port": {"type": "integer", "minimum": 1, "maximum": 65535},
                "sni": ref("Host"),
                "upstream": ref("StreamUpstream"),
            }
        ),
        "VaultSecret": closed(
            {
                "uri": narrowed(
                    {"type": "string", "pattern": VAULT_URI_PATTERN, "maxLength": 256},
                    {"type": "string", "pattern": VAULT_URI_PATTERN},
                ),
                "prefix": text(maxLength=256),
                "token": text(maxLength=256),
                "namespace": text(maxLength=256),
            },
            ["uri", "prefix", "token"],
        ),
        "Proto": closed(
            {
                "desc": ref("Desc"),
                "content": narrowed(
                    {"type": "string", "enum": PROTO_CONTENTS},
                    {"type": "string", "minLength": 1, "maxLength": 1024 * 1024},
                ),
            },
            ["content"],
            description="content is a fixed valid .proto: the server compiles it",
        ),
        "CorsMetadata": closed(
            {
                "allow_origins": narrowed(
                    {
                        "type": "object",
                        "maxProperties": 4,
                        "additionalProperties": {"type": "string", "pattern": SIMPLE_ORIGIN},
                    },
                    {
                        "type": "object",
                        "additionalProperties": {"type": "string", "pattern": ORIGINS_PATTERN},
                    },
                )
            },
            description="metadata_schema of the cors plugin: named lists of allowed origins",
        ),
    }


def request_schemas() -> dict[str, Schema]:
    return {**building_blocks(), **plugin_schemas(), **upstream_schemas(), **resource_schemas()}
