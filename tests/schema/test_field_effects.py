"""Nothing accepted then ignored: every field the Admin API's resource schemas accept either
has an effect, is metadata, or is refused at the Admin API.

The walk goes through each resource schema (`reference_impl/schema/resources.py`) down to
its leaf fields; a definition shared by several resources (the upstream, the timeout) is
walked once under its own name. Each leaf must be in `EFFECTS`, whose value says why it is
there:

- a test (`path/to/test_file.py::test_name`) or the code (`path/to/module.py`) that honours
  it, whose source names the field (`"field"`);
- `METADATA`: a node's `metadata`, which APISIX documents as data about the node; the
  fields every object has to describe itself (name, desc, labels, timestamps, id) are
  metadata without an entry;
- `refused:<test>`: a field inside an object the Admin API refuses as a whole (a stream
  route's xRPC `protocol`, none of which the reference registers); the test names the object.

A new field with none of these fails the walk, as does an entry for a field that no longer
exists. Refused fields (`tests/admin/test_admin_unhonoured.py`) are listed with that test.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from reference_impl.admin.plugins_api import RESOURCE_SCHEMAS
from reference_impl.schema import definitions, resources

ROOT = Path(__file__).resolve().parents[2]
METADATA = "metadata"
METADATA_FIELDS = frozenset(["name", "desc", "labels", "create_time", "update_time", "id"])
_PROTOCOL_REFUSED = (
    "refused:tests/admin/test_admin_resources.py"
    "::test_stream_plugins_the_data_plane_cannot_run_are_refused"
)

# what the Admin API serves at /schema/{name}, and the vault secret manager's
RESOURCES: dict[str, Any] = {**RESOURCE_SCHEMAS, "secret_vault": resources.VAULT_SECRET}
# definitions several resources share, walked once under their name
SHARED = {id(definitions.UPSTREAM_DEF): "upstream", id(definitions.TIMEOUT_DEF): "timeout"}

_PROXY = "tests/proxy"
_ROUTING = "tests/proxy_routing"
_HEALTH = "reference_impl/proxy/healthcheck.py"
_UPSTREAM_TESTS = f"{_PROXY}/test_upstream_features.py"
_REFUSED = "tests/admin/test_admin_unhonoured.py"
_TLS = f"{_PROXY}/test_tls_listener.py"

EFFECTS: dict[str, str] = {
    # routes
    "route.uri": f"{_ROUTING}/test_uri_precedence.py::test_priority_orders_routes_on_the_same_prefix",
    "route.uris": "conformance/tests/dataplane/test_routing.py::test_uri_matching",
    "route.methods": f"{_ROUTING}/test_uri_precedence.py::test_methods_list_and_head_is_not_get",
    "route.host": f"{_ROUTING}/test_hosts.py::test_wildcard_falls_back_to_shorter_wildcard_when_conditions_fail",
    "route.hosts": "conformance/tests/dataplane/test_routing.py::test_hosts",
    "route.remote_addr": f"{_ROUTING}/test_conditions.py::test_remote_addrs",
    "route.remote_addrs": f"{_ROUTING}/test_conditions.py::test_remote_addrs",
    "route.priority": f"{_ROUTING}/test_uri_precedence.py::test_priority_orders_routes_on_the_same_prefix",
    "route.vars": f"{_ROUTING}/test_conditions.py::test_vars_failure_falls_through_to_lower_priority",
    "route.status": f"{_ROUTING}/test_uri_precedence.py::test_disabled_routes_never_match",
    "route.plugins": f"{_PROXY}/test_plugin_integration.py::test_rewritten_method_reaches_the_upstream",
    "route.plugin_config_id": f"{_PROXY}/test_phases.py::test_plugin_config_merge_route_wins_and_missing_is_503",
    "route.service_id": f"{_PROXY}/test_http.py::test_service_and_upstream_objects_are_merged",
    "route.upstream_id": f"{_PROXY}/test_http.py::test_service_and_upstream_objects_are_merged",
    "route.enable_websocket": f"{_PROXY}/test_websocket.py::test_upgrade_echoes_text_and_binary_frames",
    "route.script": f"{_REFUSED}::test_script_orchestration_is_refused",
    "route.script_id": f"{_REFUSED}::test_script_orchestration_is_refused",
    "route.filter_func": "tests/proxy_routing/test_conditions.py::test_filter_func",
    # services
    "service.plugins": f"{_PROXY}/test_phases.py::test_service_plugins_merged_and_disabled_plugin_skipped",
    "service.upstream_id": f"{_PROXY}/test_http.py::test_service_and_upstream_objects_are_merged",
    "service.hosts": f"{_PROXY}/test_http.py::test_service_and_upstream_objects_are_merged",
    "service.enable_websocket": f"{_PROXY}/test_websocket.py::test_service_enables_websocket",
    "service.script": f"{_REFUSED}::test_script_orchestration_is_refused",
    # timeouts (route, upstream)
    "timeout.connect": f"{_PROXY}/test_resilience.py::test_read_timeout_is_504_and_route_timeout_overrides",
    "timeout.send": f"{_PROXY}/test_resilience.py::test_read_timeout_is_504_and_route_timeout_overrides",
    "timeout.read": f"{_PROXY}/test_resilience.py::test_read_timeout_is_504_and_route_timeout_overrides",
    # upstreams
    "upstream.nodes": f"{_PROXY}/test_balancers.py::test_weighted_round_robin_on_the_wire",
    "upstream.nodes[].host": f"{_PROXY}/test_balancers.py::test_priority_lower_used_only_when_higher_down",
    "upstream.nodes[].port": f"{_PROXY}/test_balancers.py::test_priority_lower_used_only_when_higher_down",
    "upstream.nodes[].weight": f"{_PROXY}/test_balancers.py::test_priority_lower_used_only_when_higher_down",
    "upstream.nodes[].priority": f"{_PROXY}/test_balancers.py::test_priority_lower_used_only_when_higher_down",
    "upstream.nodes[].metadata": METADATA,
    "upstream.type": f"{_UPSTREAM_TESTS}::test_ewma_sends_almost_everything_to_the_faster_node",
    "upstream.hash_on": f"{_PROXY}/test_balancers.py::test_chash_on_the_wire_is_sticky",
    "upstream.key": f"{_PROXY}/test_balancers.py::test_chash_on_the_wire_is_sticky",
    "upstream.retries": f"{_PROXY}/test_resilience.py::test_retries_zero_gives_502",
    "upstream.retry_timeout": f"{_UPSTREAM_TESTS}::test_retry_timeout_stops_retrying",
    "upstream.scheme": f"{_PROXY}/test_http.py::test_https_upstream",
    "upstream.pass_host": f"{_PROXY}/test_http.py::test_pass_host_node_and_rewrite",
    "upstream.upstream_host": f"{_PROXY}/test_http.py::test_pass_host_node_and_rewrite",
    "upstream.keepalive_pool.size": f"{_UPSTREAM_TESTS}::test_keepalive_pool_size_and_idle_timeout",
    "upstream.keepalive_pool.idle_timeout": f"{_UPSTREAM_TESTS}::test_keepalive_pool_size_and_idle_timeout",
    "upstream.keepalive_pool.requests": f"{_PROXY}/test_http.py::test_keepalive_pool_requests_limit_recycles_connections",
    "upstream.tls.client_cert": f"{_UPSTREAM_TESTS}::test_client_certificate_inline_and_by_ssl_id",
    "upstream.tls.client_key": f"{_UPSTREAM_TESTS}::test_client_certificate_inline_and_by_ssl_id",
    "upstream.tls.client_cert_id": f"{_UPSTREAM_TESTS}::test_client_certificate_inline_and_by_ssl_id",
    "upstream.tls.verify": f"{_UPSTREAM_TESTS}::test_tls_verify_checks_the_upstream_certificate",
    "upstream.discovery_type": f"{_UPSTREAM_TESTS}::test_dns_discovery_follows_the_records",
    "upstream.service_name": f"{_UPSTREAM_TESTS}::test_dns_discovery_follows_the_records",
    "upstream.discovery_args.namespace_id": f"{_REFUSED}::test_upstream_fields_that_cant_be_honoured",
    "upstream.discovery_args.group_name": f"{_REFUSED}::test_upstream_fields_that_cant_be_honoured",
    "upstream.checks.active.type": _HEALTH,
    "upstream.checks.active.timeout": _HEALTH,
    "upstream.checks.active.concurrency": f"{_PROXY}/test_balancers.py::test_health_probes_in_flight_are_bounded_by_concurrency",
    "upstream.checks.active.host": _HEALTH,
    "upstream.checks.active.port": _HEALTH,
    "upstream.checks.active.http_path": f"{_PROXY}/test_resilience.py::test_active_health_check_failover_and_recovery",
    "upstream.checks.active.https_verify_certificate": _HEALTH,
    "upstream.checks.active.req_headers": _HEALTH,
    "upstream.checks.active.healthy.interval": f"{_PROXY}/test_resilience.py::test_active_health_check_failover_and_recovery",
    "upstream.checks.active.healthy.http_statuses": _HEALTH,
    "upstream.checks.active.healthy.successes": f"{_PROXY}/test_resilience.py::test_active_health_check_failover_and_recovery",
    "upstream.checks.active.unhealthy.interval": f"{_PROXY}/test_resilience.py::test_active_health_check_failover_and_recovery",
    "upstream.checks.active.unhealthy.http_statuses": _HEALTH,
    "upstream.checks.active.unhealthy.http_failures": f"{_PROXY}/test_resilience.py::test_active_health_check_failover_and_recovery",
    "upstream.checks.active.unhealthy.tcp_failures": _HEALTH,
    "upstream.checks.active.unhealthy.timeouts": _HEALTH,
    "upstream.checks.passive.type": _HEALTH,
    "upstream.checks.passive.healthy.http_statuses": _HEALTH,
    "upstream.checks.passive.healthy.successes": _HEALTH,
    "upstream.checks.passive.unhealthy.http_statuses": f"{_PROXY}/test_resilience.py::test_passive_health_check_takes_failing_node_out",
    "upstream.checks.passive.unhealthy.http_failures": f"{_PROXY}/test_resilience.py::test_passive_health_check_takes_failing_node_out",
    "upstream.checks.passive.unhealthy.tcp_failures": _HEALTH,
    "upstream.checks.passive.unhealthy.timeouts": _HEALTH,
    # consumers, credentials, groups, plugin configs, global rules
    "consumer.username": "tests/proxy_plugins/test_plugin_env.py::test_consumer_lookup_and_group_plugins",
    "consumer.group_id": "tests/proxy_plugins/test_plugin_env.py::test_consumer_lookup_and_group_plugins",
    "consumer.plugins": "tests/proxy_plugins/test_plugin_env.py::test_consumer_lookup_and_group_plugins",
    "credential.plugins": "reference_impl/proxy/plugins/env.py",
    "consumer_group.plugins": "tests/proxy_plugins/test_plugin_env.py::test_consumer_lookup_and_group_plugins",
    "plugin_config.plugins": f"{_PROXY}/test_phases.py::test_plugin_config_merge_route_wins_and_missing_is_503",
    "global_rule.plugins": f"{_PROXY}/test_plugin_integration.py::test_global_rule_limit_count_is_shared_by_routes",
    # SSL objects
    "ssl.type": f"{_UPSTREAM_TESTS}::test_client_certificate_inline_and_by_ssl_id",
    "ssl.cert": f"{_UPSTREAM_TESTS}::test_client_certificate_inline_and_by_ssl_id",
    "ssl.key": f"{_UPSTREAM_TESTS}::test_client_certificate_inline_and_by_ssl_id",
    "ssl.certs": "reference_impl/proxy/tls.py",
    "ssl.keys": "reference_impl/proxy/tls.py",
    "ssl.sni": "reference_impl/proxy/tls.py",
    "ssl.snis": "reference_impl/proxy/tls.py",
    "ssl.status": "reference_impl/proxy/tls.py",
    "ssl.ssl_protocols": "reference_impl/proxy/tls.py",
    "ssl.client.ca": f"{_TLS}::test_mtls_requires_a_client_certificate",
    "ssl.client.depth": f"{_TLS}::test_mtls_client_depth",
    "ssl.client.skip_mtls_uri_regex": f"{_TLS}::test_skip_mtls_uri_regex",
    # other areas of issue 16
    "proto.content": "tests/proxy/test_grpc_plugins.py::test_transcode_pb_options",
    "stream_route.remote_addr": "tests/proxy/test_stream.py::test_stream_route_not_matching_closes",
    "stream_route.server_addr": "conformance/tests/dataplane/test_stream_proxy.py::test_stream_route_match",
    "stream_route.server_port": "tests/proxy/test_stream.py::test_stream_route_not_matching_closes",
    "stream_route.sni": "tests/proxy/test_stream.py::test_stream_route_by_sni_over_tls",
    "stream_route.upstream_id": "tests/proxy/test_stream.py::test_stream_route_by_upstream_id",
    "stream_route.service_id": "tests/proxy/test_stream.py::test_stream_route_takes_its_services_upstream_and_plugins",
    "stream_route.plugins": "tests/proxy/test_stream.py::test_stream_ip_restriction_closes_refused_clients",
    "stream_route.protocol.name": _PROTOCOL_REFUSED,
    "stream_route.protocol.superior_id": _PROTOCOL_REFUSED,
    "stream_route.protocol.conf": _PROTOCOL_REFUSED,
    "stream_route.protocol.logger[].name": _PROTOCOL_REFUSED,
    "stream_route.protocol.logger[].filter": _PROTOCOL_REFUSED,
    "stream_route.protocol.logger[].conf": _PROTOCOL_REFUSED,
    "secret_vault.uri": "tests/proxy/test_secret_refs.py::test_a_failed_fetch_keeps_the_text",
    "secret_vault.prefix": "tests/proxy/test_secret_refs.py::test_a_failed_fetch_keeps_the_text",
    "secret_vault.token": "tests/proxy/test_secret_refs.py::test_a_failed_fetch_keeps_the_text",
    "secret_vault.namespace": "reference_impl/proxy/secret_refs.py",
}


def _leaves(schema: Any, path: str, walked: set[str]) -> Iterator[str]:
    """The leaf fields under `schema` (`route.upstream` leads to the `upstream.*` leaves)."""
    if not isinstance(schema, dict):
        return
    for keyword in ("anyOf", "oneOf", "allOf"):
        for sub in schema.get(keyword) or []:
            yield from _leaves(sub, path, walked)
    if isinstance(schema.get("items"), dict):
        yield from _leaves(schema["items"], path + "[]", walked)
    for name, sub in (schema.get("properties") or {}).items():
        shared = SHARED.get(id(sub))
        if shared is not None:
            if shared not in walked:
                walked.add(shared)
                yield from _leaves(sub, shared, walked)
            continue
        if _has_fields(sub):
            yield from _leaves(sub, f"{path}.{name}", walked)
        if _takes_a_value(sub):
            yield f"{path}.{name}"


def _alternatives(schema: dict[str, Any]) -> list[Any]:
    return [*(schema.get("anyOf") or []), *(schema.get("oneOf") or [])]


def _has_fields(schema: Any) -> bool:
    """Whether `schema` (or one of its alternatives) is an object or array of fields."""
    if not isinstance(schema, dict):
        return False
    items = schema.get("items")
    return (
        bool(schema.get("properties"))
        or (isinstance(items, dict) and _has_fields(items))
        or any(_has_fields(alternative) for alternative in _alternatives(schema))
    )


def _takes_a_value(schema: Any) -> bool:
    """Whether `schema` (or one of its alternatives) is a value rather than fields (nodes
    as a `{"host:port": weight}` map, say)."""
    alternatives = _alternatives(schema) if isinstance(schema, dict) else []
    if alternatives and not schema.get("properties"):
        return any(_takes_a_value(alternative) for alternative in alternatives)
    return not _has_fields(schema)


@cache
def accepted_fields() -> frozenset[str]:
    walked: set[str] = set()
    found: set[str] = set()
    for kind, schema in RESOURCES.items():
        shared = SHARED.get(id(schema))
        if shared is not None:
            if shared in walked:
                continue
            walked.add(shared)
        found |= set(_leaves(schema, shared or kind, walked))
    return frozenset(found)


def _test_source(file: Path, name: str) -> str | None:
    """The source of test function `name` in `file`, its decorators included."""
    text = file.read_text()
    for node in ast.parse(text).body:
        if isinstance(node, ast.FunctionDef) and node.name == name:
            parts = [ast.get_source_segment(text, d) or "" for d in node.decorator_list]
            return "\n".join([*parts, ast.get_source_segment(text, node) or ""])
    return None


def _is_metadata(field: str) -> bool:
    return field.rsplit(".", 1)[-1] in METADATA_FIELDS


def test_every_accepted_field_is_accounted_for():
    missing = sorted(f for f in accepted_fields() - set(EFFECTS) if not _is_metadata(f))
    assert not missing, f"fields with neither an effect nor metadata status: {missing}"


def test_no_entry_for_a_field_that_no_longer_exists():
    stale = sorted(set(EFFECTS) - accepted_fields())
    assert not stale, stale


@pytest.mark.parametrize("field", sorted(EFFECTS))
def test_evidence_names_the_field(field):
    evidence = EFFECTS[field]
    leaf = field.rsplit(".", 1)[-1]
    if evidence.startswith("refused:"):  # the test names the refused object
        evidence, leaf = evidence.removeprefix("refused:"), field.split(".")[1]
    if evidence == METADATA:
        # APISIX documents a node's `metadata` as data about the node, nothing more
        assert field == "upstream.nodes[].metadata", f"{field} is not documented as metadata"
        return
    file, _, test_name = evidence.partition("::")
    path = ROOT / file
    assert path.is_file(), f"{field}: {file} does not exist"
    source = _test_source(path, test_name) if test_name else path.read_text()
    assert source is not None, f"{field}: no test {test_name} in {file}"
    named = f'"{leaf}"' in source or f"{leaf}=" in source  # a key, or a keyword argument
    assert named, f"{field}: {evidence} does not name {leaf!r}"


def test_the_walk_reaches_nested_and_shared_fields():
    fields = accepted_fields()
    for field in ("upstream.checks.active.healthy.interval", "timeout.read", "route.labels"):
        assert field in fields
    assert not any(f.startswith("route.upstream.") for f in fields)  # walked as `upstream`
