"""Request bodies of API7 secret providers (`PUT /apisix/admin/secret_providers/{provider}/
{id}`), one schema per provider.

Vault: the fields of the API7 Enterprise 3.9.9 page (uri, prefix and token required; kv-v1
and token authentication the only documented values). AWS: the fields of APISIX's own AWS
Secrets Manager (`apisix/secret/aws.lua`: access key id and secret access key required,
region defaulting to us-east-1). Kubernetes: the API server's address and a service account
token, both required. Every provider also takes API7's `desc` and `labels`.
"""

from __future__ import annotations

from typing import Any

from ..api.errors import ApiError
from .schemas import DESC, LABELS, check, check_id

# apisix/schema_def.lua uri_def, as the seed shows it for the Vault endpoint
URI = {"type": "string", "pattern": r"^[^/]+://([\da-zA-Z.-]+|\[[\da-fA-F:]+\])(:\d+)?"}
COMMON = {"desc": DESC, "labels": LABELS}

VAULT = {
    "type": "object",
    "required": ["uri", "prefix", "token"],
    "properties": {
        "uri": URI,
        "prefix": {"type": "string"},
        "token": {"type": "string"},
        "namespace": {"type": "string"},
        "kv_version": {"type": "string", "enum": ["kv-v1"]},
        "authentication_method": {"type": "string", "enum": ["token"]},
        **COMMON,
    },
    "additionalProperties": False,
}
AWS = {
    "type": "object",
    "required": ["access_key_id", "secret_access_key"],
    "properties": {
        "access_key_id": {"type": "string"},
        "secret_access_key": {"type": "string"},
        "session_token": {"type": "string"},
        "region": {"type": "string"},
        "endpoint_url": URI,
        **COMMON,
    },
    "additionalProperties": False,
}
KUBERNETES = {
    "type": "object",
    "required": ["apiserver_addr", "token"],
    "properties": {
        "apiserver_addr": URI,
        "token": {"type": "string"},
        **COMMON,
    },
    "additionalProperties": False,
}
SCHEMAS = {"vault": VAULT, "aws": AWS, "kubernetes": KUBERNETES}
DEFAULTS: dict[str, dict[str, Any]] = {
    "vault": {"kv_version": "kv-v1", "authentication_method": "token"},
    "aws": {"region": "us-east-1"},
    "kubernetes": {},
}


def check_provider_body(provider: str, body: Any) -> dict[str, Any]:
    """The body of a `provider` secret provider, checked, with the documented defaults."""
    checked = check(SCHEMAS[provider], body, read_only_ok=True)
    return {**DEFAULTS[provider], **checked}


def provider_path(params: dict[str, str]) -> tuple[str, str]:
    """The checked `(secret_provider, secret_provider_id)` of a request path."""
    provider = params["secret_provider"]
    if provider not in SCHEMAS:
        raise ApiError(
            400, f"invalid secret_provider {provider!r}: must be one of {', '.join(SCHEMAS)}"
        )
    return provider, check_id(params["secret_provider_id"], "secret_provider_id")
