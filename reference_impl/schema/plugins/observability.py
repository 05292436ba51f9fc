"""ip-restriction, request-id, prometheus and the observability plugins (3.x schemas)."""

from __future__ import annotations

import ipaddress
from typing import Any

from reference_impl.schema.definitions import IP_DEF
from reference_impl.schema.plugins import loggers, telemetry
from reference_impl.schema.plugins.spec import ExtraCheck, PluginSpec


def valid_cidr_or_ip(text: str) -> bool:
    """core.ip.validate_cidr_or_ip: an IPv4/IPv6 address or network (host bits allowed)."""
    try:
        ipaddress.ip_network(text, strict=False)
    except ValueError:
        return False
    return True


def cidrs_check(*keys: str) -> ExtraCheck:
    """A check that every address under `keys` is an IP or CIDR, as APISIX words it."""

    def check(conf: dict[str, Any], scope: str) -> str | None:
        for key in keys:
            for cidr in conf.get(key, ()):
                if not valid_cidr_or_ip(cidr):
                    return f"invalid ip address: {cidr}"
        return None

    return check


IP_RESTRICTION = PluginSpec(
    name="ip-restriction",
    priority=3000,
    version=0.1,
    subsystems=("http", "stream"),
    schema={
        "type": "object",
        "properties": {
            "message": {
                "type": "string",
                "minLength": 1,
                "maxLength": 1024,
                "default": "Your IP address is not allowed",
            },
            "whitelist": {"type": "array", "items": {"anyOf": IP_DEF}, "minItems": 1},
            "blacklist": {"type": "array", "items": {"anyOf": IP_DEF}, "minItems": 1},
        },
        "oneOf": [{"required": ["whitelist"]}, {"required": ["blacklist"]}],
    },
    extra_check=cidrs_check("whitelist", "blacklist"),
)

REQUEST_ID = PluginSpec(
    name="request-id",
    priority=12015,
    version=0.1,
    schema={
        "type": "object",
        "properties": {
            "header_name": {"type": "string", "default": "X-Request-Id"},
            "include_in_response": {"type": "boolean", "default": True},
            "algorithm": {
                "type": "string",
                "enum": ["uuid", "nanoid", "range_id"],
                "default": "uuid",
            },
            "range_id": {
                "type": "object",
                "properties": {
                    "length": {"type": "integer", "minimum": 6, "default": 16},
                    "char_set": {
                        "type": "string",
                        "minLength": 6,
                        "default": "abcdefghijklmnopqrstuvwxyzABCDEFGHIGKLMNOPQRSTUVWXYZ0123456789",
                    },
                },
                "default": {},
            },
        },
    },
)

PROMETHEUS = PluginSpec(
    name="prometheus",
    priority=500,
    version=0.2,
    schema={
        "type": "object",
        "properties": {"prefer_name": {"type": "boolean", "default": False}},
    },
)

SPECS = (IP_RESTRICTION, REQUEST_ID, PROMETHEUS, *loggers.SPECS, *telemetry.SPECS)
