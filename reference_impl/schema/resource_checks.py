"""check_resource: each Admin API resource's schema plus the rules of apisix/admin/*.lua.

References to other resources (upstream_id, service_id, ...) are not checked here: they
need the store, and the admin layer owns that.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from reference_impl.lua.checks import filter_func_error
from reference_impl.schema import resources
from reference_impl.schema.certificates import cert_error, is_secret_ref
from reference_impl.schema.engine import CompiledSchema, fill_defaults
from reference_impl.schema.errors import SchemaError
from reference_impl.schema.plugins import PLUGINS, check_plugins
from reference_impl.schema.plugins.observability import valid_cidr_or_ip
from reference_impl.schema.plugins.spec import SCOPE_CONSUMER, SCOPE_ROUTE, SCOPE_STREAM
from reference_impl.schema.upstream_rules import check_upstream_rules
from reference_impl.schema.vars_expr import check_expr

INVALID = "invalid configuration: "

_SCHEMAS: dict[str, CompiledSchema] = {
    kind: CompiledSchema(schema)
    for kind, schema in {
        "routes": resources.ROUTE,
        "services": resources.SERVICE,
        "upstreams": resources.UPSTREAM,
        "consumers": resources.CONSUMER,
        "credentials": resources.CREDENTIAL,
        "consumer_groups": resources.CONSUMER_GROUP,
        "ssls": resources.SSL,
        "global_rules": resources.GLOBAL_RULE,
        "plugin_configs": resources.PLUGIN_CONFIG,
        "stream_routes": resources.STREAM_ROUTE,
        "protos": resources.PROTO,
        "secrets/vault": resources.VAULT_SECRET,
    }.items()
}
_METADATA_SCHEMAS: dict[str, CompiledSchema] = {
    name: CompiledSchema(spec.metadata_schema)
    for name, spec in PLUGINS.items()
    if spec.metadata_schema is not None
}


def _with_plugins(conf: dict, scope: str, prefix: str = "") -> None:
    if "plugins" in conf:
        try:
            conf["plugins"] = check_plugins(conf["plugins"], scope)
        except SchemaError as exc:
            raise SchemaError(prefix + str(exc)) from None


def _with_upstream(conf: dict) -> None:
    if isinstance(conf.get("upstream"), dict):
        check_upstream_rules(conf["upstream"])


def _route(conf: dict) -> None:
    _with_upstream(conf)
    _with_plugins(conf, SCOPE_ROUTE)
    if "vars" in conf:
        err = check_expr(conf["vars"])
        if err:
            raise SchemaError(f"failed to validate the 'vars' expression: {err}")
    if "filter_func" in conf:
        err = filter_func_error(conf["filter_func"])
        if err:
            raise SchemaError(err)


def _service(conf: dict) -> None:
    _with_upstream(conf)
    _with_plugins(conf, SCOPE_ROUTE)


def _consumer(conf: dict) -> None:
    _with_plugins(conf, SCOPE_CONSUMER, "invalid plugins configuration: ")


def _credential(conf: dict) -> None:
    _with_plugins(conf, SCOPE_CONSUMER, "invalid plugins configuration: ")
    for name in conf.get("plugins", {}):
        if PLUGINS[name].kind != "auth":
            raise SchemaError("only supports auth type plugins in consumer credential")


def _plugin_holder(conf: dict) -> None:
    _with_plugins(conf, SCOPE_ROUTE)


def _ssl(conf: dict) -> None:
    cert, key = conf.get("cert"), conf.get("key")
    if isinstance(cert, str) and not is_secret_ref(cert) and not is_secret_ref(key):
        err = cert_error(cert, key)
        if err:
            raise SchemaError(err)
    if conf.get("type") == "client":
        return
    certs, keys = conf.get("certs", []), conf.get("keys", [])
    if len(certs) != len(keys):
        raise SchemaError("mismatched number of certs and keys")
    for index, (one_cert, one_key) in enumerate(zip(certs, keys, strict=True), start=1):
        if is_secret_ref(one_cert) or is_secret_ref(one_key):
            continue
        err = cert_error(one_cert, one_key)
        if err:
            raise SchemaError(f"failed to handle cert-key pair[{index}]: {err}")
    if "client" in conf:
        err = cert_error(conf["client"]["ca"])
        if err:
            raise SchemaError(f"failed to validate client_cert: {err}")


def _stream_route(conf: dict) -> None:
    # apisix/admin/stream_routes.lua runs no upstream checks beyond the schema
    _with_plugins(conf, SCOPE_STREAM)
    for field in ("remote_addr", "server_addr"):
        if field in conf and not valid_cidr_or_ip(conf[field]):
            raise SchemaError(f"invalid {field}: {conf[field]}")
    if "protocol" in conf:
        # APISIX registers no xRPC protocol unless config.yaml's `xrpc.protocols` lists it,
        # and the reference proxies none
        raise SchemaError(f"unknown protocol [{conf['protocol']['name']}]")


def _no_rules(conf: dict) -> None:
    return None


_RULES: dict[str, Callable[[dict], None]] = {
    "routes": _route,
    "services": _service,
    "upstreams": check_upstream_rules,
    "consumers": _consumer,
    "credentials": _credential,
    "consumer_groups": _plugin_holder,
    "ssls": _ssl,
    "global_rules": _plugin_holder,
    "plugin_configs": _plugin_holder,
    "stream_routes": _stream_route,
    "protos": _no_rules,
    "secrets/vault": _no_rules,
}

RESOURCE_KINDS = tuple(_RULES)


def _check_plugin_metadata(plugin_name: str, conf: Any) -> dict:
    if plugin_name not in PLUGINS:
        raise SchemaError("invalid plugin name")
    compiled = _METADATA_SCHEMAS.get(plugin_name)
    if compiled is None:
        raise SchemaError(f"plugin [{plugin_name}] has no metadata schema")
    checked = compiled.check(conf, INVALID)
    extra = PLUGINS[plugin_name].extra_check
    if extra is not None:
        err = extra(checked, "metadata")
        if err:
            raise SchemaError(INVALID + err)
    return checked


def plugin_metadata_defaults(plugin_name: str) -> dict:
    """The metadata a plugin has when none is stored: its metadata schema's defaults."""
    if plugin_name not in PLUGINS:
        raise SchemaError("invalid plugin name")
    schema = PLUGINS[plugin_name].metadata_schema
    if schema is None:
        raise SchemaError(f"plugin [{plugin_name}] has no metadata schema")
    defaults: dict = {}
    fill_defaults(schema, defaults)
    return defaults


def check_resource(kind: str, conf: Any) -> dict:
    """Validate ``conf`` as a resource of ``kind``; return a copy with defaults filled.

    ``kind``: one of RESOURCE_KINDS or ``plugin_metadata/<plugin name>``. Raises
    SchemaError whose text is APISIX's ``error_msg``; ValueError for an unknown kind
    (a programming error, not a user error). As in APISIX's admin layer, the resource
    ``id`` is expected inside ``conf`` (global rules, plugin configs and consumer groups
    require it).
    """
    if kind.startswith("plugin_metadata/"):
        return _check_plugin_metadata(kind.split("/", 1)[1], conf)
    if kind.startswith("secrets/") and kind not in _SCHEMAS:
        raise SchemaError(f"invalid secret manager: {kind.split('/', 1)[1]}")
    rules = _RULES.get(kind)
    if rules is None:
        raise ValueError(f"unknown resource kind {kind!r}")
    if conf is None:
        raise SchemaError("missing configurations")
    if kind == "routes" and isinstance(conf, dict):
        if "host" in conf and "hosts" in conf:
            raise SchemaError("only one of host or hosts is allowed")
        if "remote_addr" in conf and "remote_addrs" in conf:
            raise SchemaError("only one of remote_addr or remote_addrs is allowed")
    checked = _SCHEMAS[kind].check(conf, INVALID)
    rules(checked)
    return checked
