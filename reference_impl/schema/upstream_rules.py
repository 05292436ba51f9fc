"""Rules APISIX checks on an upstream beyond its schema (apisix/upstream.lua)."""

from __future__ import annotations

from typing import Any

from reference_impl.schema.certificates import cert_error
from reference_impl.schema.definitions import CHASH_KEY_SCHEMAS
from reference_impl.schema.engine import CompiledSchema
from reference_impl.schema.errors import SchemaError

_CHASH_KEY_VALIDATORS = {
    hash_on: CompiledSchema(schema) for hash_on, schema in CHASH_KEY_SCHEMAS.items() if schema
}


def node_port(address: str) -> int | None:
    """The port in a ``host:port`` node key (``[v6]:port`` too), or None when absent."""
    if address.startswith("["):
        end = address.find("]")
        rest = address[end + 1 :] if end >= 0 else ""
        return int(rest[1:]) if rest.startswith(":") and rest[1:].isdigit() else None
    if address.count(":") == 1:
        port = address.rsplit(":", 1)[1]
        return int(port) if port.isdigit() else None
    return None


def check_upstream_rules(conf: dict[str, Any]) -> None:
    """Node ports, pass_host rewrite, tls client cert and chash key; raise SchemaError."""
    nodes = conf.get("nodes")
    if isinstance(nodes, dict):
        for address in nodes:
            port = node_port(address)
            if port is not None and not 1 <= port <= 65535:
                raise SchemaError(f"invalid port {port}")
    if conf.get("pass_host") == "rewrite" and not conf.get("upstream_host"):
        raise SchemaError("`upstream_host` can't be empty when `pass_host` is `rewrite`")
    tls = conf.get("tls") or {}
    if tls.get("client_cert"):
        err = cert_error(tls["client_cert"], tls.get("client_key"))
        if err:
            raise SchemaError(err)
    if conf.get("type") != "chash":
        return
    hash_on = conf.get("hash_on", "vars")
    if hash_on != "consumer" and "key" not in conf:
        raise SchemaError("missing key")
    validator = _CHASH_KEY_VALIDATORS.get(hash_on)
    if validator is not None:
        validator.check(conf["key"], "invalid configuration: ")
