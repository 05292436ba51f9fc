"""JSON Schemas of the Cloud API request bodies, with the constraints API7 Cloud 0.11.0
documents (lengths, patterns, enums, item counts)."""

from __future__ import annotations

import copy
from typing import Any

ID = {"type": "string", "minLength": 1, "pattern": "^[1-9][0-9]*$"}
LABELS = {
    "type": "array",
    "maxItems": 32,
    "uniqueItems": True,
    "items": {"type": "string", "minLength": 1, "maxLength": 32, "pattern": "^[0-9a-zA-Z-_]+$"},
}
DESCRIPTION = {"type": "string", "maxLength": 256}
PLUGINS = {"type": "object"}
ACTIVE = {"type": "integer", "enum": [0, 1]}
HOST = {"type": "string", "minLength": 1, "maxLength": 255, "pattern": r"^\*?[0-9a-zA-Z-._]+$|^\*$"}
HTTP_METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "CONNECT", "TRACE"]
PEM = {"type": "string", "minLength": 128, "maxLength": 65536}

ORGANIZATION = {
    "type": "object",
    "required": ["name"],
    "properties": {
        "name": {"type": "string", "minLength": 1, "maxLength": 32, "pattern": r"^\S+$"}
    },
}
SUBSCRIPTION = {
    "type": "object",
    "required": ["plan"],
    "properties": {"plan": {"type": "string", "minLength": 1}},
}
CLUSTER = {
    "type": "object",
    "properties": {
        "name": {"type": "string", "minLength": 1, "maxLength": 64},
        "region_id": ID,
    },
}
CLUSTER_SETTINGS = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "client_settings": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "client_real_ip": {
                    "type": "object",
                    "additionalProperties": False,
                    "properties": {
                        "enabled": {"type": "boolean"},
                        "recursive_search": {"type": "boolean"},
                        "trusted_addresses": {"type": "array", "items": {"type": "string"}},
                        "replace_from": {
                            "type": "object",
                            "additionalProperties": False,
                            "properties": {
                                "position": {"enum": ["header", "query", "cookie"]},
                                "name": {"type": "string"},
                            },
                        },
                    },
                },
                "maximum_request_body_size": {"type": "integer", "minimum": 0},
            },
        },
        "observability_settings": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "metrics": {
                    "type": "object",
                    "additionalProperties": False,
                    "properties": {"enabled": {"type": "boolean"}},
                },
                "show_upstream_status_in_response_header": {"type": "boolean"},
                "access_log_rotate": {
                    "type": "object",
                    "additionalProperties": False,
                    "properties": {
                        "enabled": {"type": "boolean"},
                        "interval": {"type": "integer", "minimum": 0},
                        "maximum_kept_log_entries": {"type": "integer", "minimum": 0},
                        "enable_compression": {"type": "boolean"},
                    },
                },
            },
        },
        "api_proxy_settings": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "enable_request_buffering": {"type": "boolean"},
                "server_header_customization": {
                    "type": "object",
                    "additionalProperties": False,
                    "properties": {
                        "mode": {"enum": ["Rewrite", "Hide Version Token"]},
                        "new_server_header": {"type": "string"},
                    },
                },
                "url_handling_options": {
                    "type": "array",
                    "uniqueItems": True,
                    "items": {"enum": ["Delete Tail Slash"]},
                },
            },
        },
    },
}
CLUSTER_PLUGINS = {
    "type": "object",
    "properties": {
        "acl": {"type": ["object", "null"]},
        "logging": {"type": ["object", "null"]},
        "authentication": {"type": ["object", "null"]},
    },
}
PLUGIN_LOAD = {
    "type": "object",
    "required": ["name"],
    "properties": {
        "plugin_management_id": {"type": "string", "pattern": "^[0-9a-zA-Z-_]{1,64}$"},
        "name": {"type": "string", "minLength": 1, "maxLength": 128},
        "type": {"type": "string", "maxLength": 64},
        "metadata": {"type": "object"},
    },
}
PLUGIN_UPDATE = {"type": "object", "properties": {"metadata": {"type": "object"}}}

UPSTREAM = {
    "type": "object",
    "required": ["scheme", "targets"],
    "additionalProperties": False,
    "properties": {
        "scheme": {"enum": ["http", "https"]},
        "lb_type": {"enum": ["roundrobin", "consistent_hash", "ewma", "least_conn"]},
        "hash_key": {"type": "string", "minLength": 1, "maxLength": 256},
        "targets": {
            "type": "array",
            "minItems": 1,
            "maxItems": 64,
            "items": {
                "type": "object",
                "required": ["host", "port"],
                "additionalProperties": False,
                "properties": {
                    "host": {
                        "type": "string",
                        "minLength": 1,
                        "maxLength": 255,
                        "pattern": r"^[0-9a-zA-Z-._:\[\]]+$",
                    },
                    "port": {"type": "integer", "minimum": 1, "maximum": 65535},
                    "weight": {"type": "integer", "minimum": 0, "maximum": 100000},
                },
            },
        },
        "retries": {"type": "integer", "minimum": 0, "maximum": 100},
        "timeout": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                name: {"type": "integer", "minimum": 1, "maximum": 3600}
                for name in ("connect", "send", "read")
            },
        },
        "upstream_host_mode": {"enum": ["pass", "node", "rewrite"]},
        "upstream_host": HOST,
    },
}
APPLICATION = {
    "type": "object",
    "minProperties": 1,
    "required": ["name", "hosts", "path_prefix", "upstreams"],
    "properties": {
        "description": DESCRIPTION,
        "hosts": {
            "type": "array",
            "minItems": 1,
            "maxItems": 32,
            "uniqueItems": True,
            "items": HOST,
        },
        "name": {"type": "string", "minLength": 1, "maxLength": 64},
        "path_prefix": {"type": "string", "minLength": 1, "maxLength": 4096, "pattern": "^/"},
        "plugins": PLUGINS,
        "protocol": {"enum": ["HTTP", "HTTPS"]},
        "protocols": {
            "type": "array",
            "minItems": 1,
            "maxItems": 2,
            "uniqueItems": True,
            "items": {"enum": ["HTTP", "HTTPS"]},
        },
        "upstreams": {
            "type": "array",
            "minItems": 1,
            "maxItems": 10,
            "uniqueItems": True,
            "items": {
                "type": "object",
                "required": ["upstream"],
                "properties": {
                    "upstream": UPSTREAM,
                    "version": {"type": "string", "maxLength": 64},
                },
            },
        },
        "default_upstream_version": {"type": "string", "maxLength": 64},
        "labels": LABELS,
        "active": ACTIVE,
    },
}
EXPRESSION = {
    "type": "object",
    "required": ["subject", "operator"],
    "additionalProperties": False,
    "properties": {
        "subject": {"enum": ["header", "query", "cookie", "path", "variable"]},
        "name": {"type": "string", "maxLength": 256},
        "operator": {
            "enum": [
                "equal",
                "not_equal",
                "regex_match",
                "regex_not_match",
                "present",
                "not_present",
                "larger_equal",
                "larger_than",
                "less_equal",
                "less_than",
            ]
        },
        "value": {"type": "string", "maxLength": 4096},
    },
}
API: dict[str, Any] = {
    "type": "object",
    "minProperties": 1,
    "required": ["name", "paths"],
    "properties": {
        "active": ACTIVE,
        "description": DESCRIPTION,
        "methods": {"type": "array", "uniqueItems": True, "items": {"enum": HTTP_METHODS}},
        "name": {"type": "string", "minLength": 1, "maxLength": 64},
        "paths": {
            "type": "array",
            "minItems": 1,
            "maxItems": 64,
            "items": {
                "type": "object",
                "required": ["path"],
                "additionalProperties": False,
                "properties": {
                    "path": {"type": "string", "maxLength": 4096, "pattern": "^(/.*)?$"},
                    "path_type": {"enum": ["Prefix", "Exact"]},
                },
            },
        },
        "fine_grained_route_control": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "enabled": {"type": "boolean"},
                "logical_relationship": {"enum": ["All", "Any"]},
                "expressions": {"type": "array", "maxItems": 64, "items": EXPRESSION},
            },
        },
        "plugins": PLUGINS,
        "strip_path_prefix": {"type": "boolean"},
        "labels": LABELS,
        "type": {"enum": ["Rest", "WebSocket"]},
    },
}
CREDENTIALS = {
    "type": ["object", "null"],
    "additionalProperties": False,
    "properties": {
        "key_auth": {
            "type": "object",
            "required": ["key"],
            "additionalProperties": False,
            "properties": {"key": {"type": "string", "minLength": 1, "maxLength": 256}},
        },
        "basic_auth": {
            "type": "object",
            "required": ["username", "password"],
            "additionalProperties": False,
            "properties": {
                "username": {"type": "string", "minLength": 1, "maxLength": 256},
                "password": {"type": "string", "minLength": 1, "maxLength": 256},
            },
        },
        "jwt_auth": {
            "type": "object",
            "required": ["key", "secret"],
            "additionalProperties": False,
            "properties": {
                "key": {"type": "string", "minLength": 1, "maxLength": 256},
                "secret": {"type": "string", "minLength": 1, "maxLength": 256},
            },
        },
    },
}
CONSUMER = {
    "type": "object",
    "minProperties": 1,
    "required": ["name"],
    "properties": {
        "description": DESCRIPTION,
        "name": {"type": "string", "minLength": 1, "maxLength": 100, "pattern": "^[a-zA-Z0-9_]+$"},
        "credentials": CREDENTIALS,
        "plugins": PLUGINS,
        "labels": LABELS,
    },
}
JWT_TOKEN = {
    "type": "object",
    "properties": {
        "ttl": {"type": "integer", "minimum": 1, "maximum": 315360000},
        "custom_payload": {"type": "object", "minProperties": 1},
    },
}
CERTIFICATE = {
    "type": "object",
    "required": ["certificate", "private_key"],
    "properties": {
        "certificate": PEM,
        "private_key": PEM,
        "ca_certificate": PEM,
        "labels": LABELS,
        "type": {"enum": ["Server", "Client"]},
    },
}


def without_required(schema: dict[str, Any]) -> dict[str, Any]:
    """The PATCH variant of a body schema: the same constraints, no top-level `required`."""
    patched = copy.deepcopy(schema)
    patched.pop("required", None)
    return patched
