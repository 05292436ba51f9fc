"""gRPC plugins: grpc-transcode (HTTP/JSON to gRPC with a stored proto) and grpc-web."""

from __future__ import annotations

from reference_impl.schema.definitions import ID_SCHEMA
from reference_impl.schema.plugins.spec import PluginSpec

_PB_OPTIONS = [
    {"description": "enum as result", "type": "string", "enum": ["enum_as_name", "enum_as_value"]},
    {
        "description": "int64 as result",
        "type": "string",
        "enum": ["int64_as_number", "int64_as_string", "int64_as_hexstring"],
    },
    {
        "description": "default values option",
        "type": "string",
        "enum": [
            "auto_default_values",
            "no_default_values",
            "use_default_values",
            "use_default_metatable",
        ],
    },
    {"description": "hooks option", "type": "string", "enum": ["enable_hooks", "disable_hooks"]},
]

GRPC_TRANSCODE = PluginSpec(
    name="grpc-transcode",
    priority=506,
    version=0.1,
    schema={
        "type": "object",
        "properties": {
            "max_resp_body_size": {
                "type": "integer",
                "minimum": 1,
                "default": 67108864,
                "description": "maximum response body size in bytes buffered into memory for "
                "transcoding; larger responses are truncated",
            },
            "proto_id": ID_SCHEMA,
            "service": {"description": "the grpc service name", "type": "string"},
            "method": {"description": "the method name in the grpc service.", "type": "string"},
            "deadline": {
                "description": "deadline for grpc, millisecond",
                "type": "number",
                "default": 0,
            },
            "pb_option": {
                "type": "array",
                "items": {"type": "string", "anyOf": _PB_OPTIONS},
                "minItems": 1,
                "default": [
                    "enum_as_name",
                    "int64_as_number",
                    "auto_default_values",
                    "disable_hooks",
                ],
            },
            "show_status_in_body": {
                "description": "show decoded grpc-status-details-bin in response body",
                "type": "boolean",
                "default": False,
            },
            "status_detail_type": {
                "description": "the message type of the grpc-status-details-bin's details part, "
                "if not given, the details part will not be decoded",
                "type": "string",
            },
        },
        "additionalProperties": True,
        "required": ["proto_id", "service", "method"],
    },
)

GRPC_WEB = PluginSpec(
    name="grpc-web",
    priority=505,
    version=0.1,
    schema={
        "type": "object",
        "properties": {
            "max_req_body_size": {
                "type": "integer",
                "minimum": 1,
                "default": 67108864,
                "description": "maximum request body size in bytes buffered into memory; larger "
                "request bodies are rejected",
            },
            "cors_allow_headers": {
                "description": "multiple header use ',' to split. default: "
                "content-type,x-grpc-web,x-user-agent.",
                "type": "string",
                "default": "content-type,x-grpc-web,x-user-agent",
            },
        },
    },
)

SPECS = (GRPC_TRANSCODE, GRPC_WEB)
