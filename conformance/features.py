"""Conformance profiles and their features (the fixed table of the suite).

A profile is a set of Core features every conformant target must pass and Extended features
a target may claim. Modelled on the Gateway API conformance suite's features and profiles.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Profile:
    name: str
    description: str
    core: tuple[str, ...]
    extended: tuple[str, ...]
    api_version: str  # what a Conformant verdict certifies
    # Extended features whose paths no document of the target's API gives (inferred from
    # neighbouring ones): a target is never failed on them unless it claims them.
    inferred: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        stray = set(self.inferred) - set(self.extended)
        if stray:
            raise ValueError(f"{self.name}: inferred features must be Extended: {sorted(stray)}")

    @property
    def features(self) -> tuple[str, ...]:
        return self.core + self.extended


class UnknownFeatureError(ValueError):
    """A feature or profile name that is not in the table (a typo, mostly)."""


# The observability plugins, each claimable on its own (Extended, dataplane profile).
OBSERVABILITY_PLUGIN_FEATURES = (
    "dp-plugin-http-logger",
    "dp-plugin-tcp-logger",
    "dp-plugin-udp-logger",
    "dp-plugin-syslog",
    "dp-plugin-file-logger",
    "dp-plugin-zipkin",
    "dp-plugin-opentelemetry",
    "dp-plugin-datadog",
)

PROFILES: dict[str, Profile] = {
    profile.name: profile
    for profile in (
        Profile(
            name="apisix-v3",
            api_version="APISIX Admin API 3.5",
            description="APISIX Admin API 3.x",
            core=(
                "admin-crud",
                "admin-patch",
                "admin-references",
                "admin-pagination",
                "admin-filters",
                "admin-validation",
                "admin-auth",
                "admin-bad-input",
                "admin-v3-bodies",
                "admin-spec",
            ),
            extended=(
                "admin-viewer-role",
                "admin-consumer-credentials",
                "admin-schema-validate",
                "admin-secrets",
                "admin-protos",
                "admin-stream-routes",
                "admin-ttl",
                "admin-limit-count-rules",
            ),
        ),
        Profile(
            name="apisix-v2",
            api_version="APISIX Admin API 2.x",
            description="APISIX Admin API 2.x bodies (admin_api_version: v2)",
            core=("admin-v2-bodies", "admin-spec-v2"),
            extended=(),
        ),
        Profile(
            name="api7ee",
            api_version="API7 Enterprise Admin API 3.9.9",
            description="API7 Enterprise control plane (/api): gateway groups, publishing, IAM",
            core=(
                "ee-gateway-groups",
                "ee-apisix-compat",
                "ee-service-templates",
                "ee-publishing",
                "ee-service-versions",
                "ee-runtime-config",
                "ee-consumers",
                "ee-ssl",
                "ee-secrets",
                "ee-global-rules",
                "ee-plugin-metadata",
                "ee-iam",
                "ee-iam-policies",
                "ee-iam-tokens",
                "ee-spec",
                "ee-certificates",
                "ee-secret-providers",
                "ee-published-openapi",
                "ee-service-upstreams",
                "ee-instances",
                "ee-alerts",
                "ee-operations",
                "ee-portal",
                "ee-login-options",
                "ee-login-ldap",
            ),
            extended=(
                "ee-healthcheck",
                "ee-service-registries",
                "ee-iam-boundaries",
                "ee-iam-audit",
                "ee-openapi-import",
                "ee-dashboard-group-resources",
                "ee-stream-route-template-patch",
                "ee-alert-notifications",
                "ee-operations-inferred",
                "ee-debugger",
                "ee-monitoring",
                "ee-portal-inferred",
                "ee-portal-developer",
                "ee-iam-inferred-endpoints",
                "ee-login-oidc",
                "ee-login-saml-cas",
                "ee-login-options-public",
                "ee-scim",
            ),
            inferred=(
                "ee-dashboard-group-resources",
                "ee-stream-route-template-patch",
                "ee-alert-notifications",
                "ee-operations-inferred",
                "ee-debugger",
                "ee-portal-inferred",
                "ee-portal-developer",
                "ee-iam-inferred-endpoints",
                "ee-login-oidc",
                "ee-login-saml-cas",
                "ee-login-options-public",
                "ee-scim",
            ),
        ),
        Profile(
            name="api7cloud",
            api_version="API7 Cloud API 0.11.0",
            description="API7 Cloud API (/api/v1) with its response envelope",
            core=(
                "cloud-envelope",
                "cloud-auth",
                "cloud-validation",
                "cloud-organizations",
                "cloud-clusters",
                "cloud-applications",
                "cloud-apis",
                "cloud-consumers",
                "cloud-certificates",
                "cloud-traffic",
                "cloud-spec",
            ),
            extended=(
                "cloud-consumer-jwt",
                "cloud-plugins",
                "cloud-billing",
                "cloud-openapi-import",
            ),
        ),
        Profile(
            name="openapi",
            api_version="the OpenAPI document given with --spec",
            description="Any OpenAPI spec given with --spec: each operation answers as documented",
            core=("spec-operations",),
            extended=(),
        ),
        Profile(
            name="dataplane",
            api_version="APISIX 3.5 data plane",
            description="APISIX data plane: routing, upstreams and plugins on real traffic",
            core=(
                "dp-routing",
                "dp-upstream-roundrobin",
                "dp-config-propagation",
                "dp-key-auth",
                "dp-proxy-rewrite",
                "dp-no-route-404",
                "dp-http2-tls",
                "dp-grpc",
                # upstreams as APISIX 3.x always has them (issue 16)
                "dp-pass-host",
                "dp-upstream-tls",
            ),
            extended=(
                "dp-vars",
                "dp-remote-addrs",
                "dp-chash",
                "dp-least-conn",
                "dp-healthcheck",
                "dp-retries",
                "dp-basic-auth",
                "dp-jwt-auth",
                "dp-consumer-restriction",
                "dp-limit-count",
                "dp-limit-req",
                "dp-response-rewrite",
                "dp-tls",
                "dp-traffic-split",
                "dp-cors",
                "dp-ip-restriction",
                "dp-request-id",
                "dp-prometheus",
                *OBSERVABILITY_PLUGIN_FEATURES,
                "dp-stream",
                "dp-stream-udp",
                "dp-stream-sni",
                "dp-stream-plugin-ip-restriction",
                "dp-stream-plugin-limit-conn",
                "dp-service-merge",
                "dp-global-rules",
                "dp-plugin-configs",
                "dp-websocket",
                "dp-h2c",
                "dp-plugin-grpc-transcode",
                "dp-plugin-grpc-web",
                "dp-plugin-ua-restriction",
                "dp-plugin-referer-restriction",
                "dp-plugin-uri-blocker",
                "dp-plugin-csrf",
                "dp-plugin-request-validation",
                "dp-plugin-redirect",
                "dp-plugin-echo",
                "dp-plugin-gzip",
                "dp-plugin-brotli",
                "dp-plugin-real-ip",
                "dp-plugin-mocking",
                "dp-plugin-fault-injection",
                "dp-plugin-limit-conn",
                # Authentication and authorization plugins (issue 17)
                "dp-plugin-forward-auth",
                "dp-plugin-hmac-auth",
                "dp-plugin-authz-casbin",
                "dp-plugin-ldap-auth",
                "dp-plugin-openid-connect",
                "dp-plugin-openid-connect-code-flow",
                # traffic plugins: the redis policies need --redis-url / --redis-cluster-nodes
                "dp-plugin-limit-count-redis",
                "dp-plugin-limit-count-redis-cluster",
                "dp-plugin-limit-req-redis",
                "dp-plugin-limit-req-redis-cluster",
                "dp-plugin-api-breaker",
                "dp-plugin-workflow",
                "dp-plugin-proxy-cache",
                "dp-plugin-proxy-cache-disk",
                "dp-plugin-proxy-mirror",
                "dp-plugin-client-control",
                "dp-plugin-body-transformer",
                # secret references and Lua (issue 16)
                "dp-secret-refs-env",
                "dp-secret-refs-vault",
                "dp-filter-func",
                "dp-serverless",
                # upstreams (issue 16); dp-discovery-dns needs --dns-server
                "dp-ewma",
                "dp-keepalive-pool",
                "dp-upstream-tls-verify",
                "dp-discovery-dns",
            ),
            # APISIX documents tls.verify for kafka upstreams only
            inferred=("dp-upstream-tls-verify",),
        ),
    )
}

# Supplied means claimed: a target given one of these inputs is tested on the Extended
# features that use it, so a viewer key that can write fails the run instead of going unseen.
FEATURES_OF_INPUTS: dict[str, tuple[str, ...]] = {
    "viewer_key": ("admin-viewer-role",),
    "stream_addr": ("dp-stream",),
    "stream_tls_addr": ("dp-stream-sni",),
    "stream_udp_addr": ("dp-stream-udp",),
    "prometheus_url": ("dp-prometheus",),
    "portal_api_url": ("ee-portal-developer",),
    "otel_collector": ("dp-plugin-opentelemetry",),
    "secret_env": ("dp-secret-refs-env",),
    "dns_server": ("dp-discovery-dns",),
}

# Extended features that need a server the embedded target starts from the machine's own
# packages (Debian's redis-server): left unclaimed where it is not installed
REDIS_FEATURES = (
    "dp-plugin-limit-count-redis",
    "dp-plugin-limit-count-redis-cluster",
    "dp-plugin-limit-req-redis",
    "dp-plugin-limit-req-redis-cluster",
)

FEATURE_PROFILE: dict[str, str] = {
    feature: profile.name for profile in PROFILES.values() for feature in profile.features
}


def get_profile(name: str) -> Profile:
    try:
        return PROFILES[name]
    except KeyError:
        known = ", ".join(PROFILES)
        raise UnknownFeatureError(f"unknown profile {name!r} (known: {known})") from None


def close_matches(name: str, known: Iterable[str]) -> list[str]:
    return difflib.get_close_matches(name, list(known), n=3, cutoff=0.75)


def check_features(names: list[str] | tuple[str, ...] | set[str]) -> None:
    """Raise UnknownFeatureError naming every feature that is not in the table, with the
    known names it may be a typo of."""
    unknown = sorted(name for name in names if name not in FEATURE_PROFILE)
    if unknown:
        hints = [
            f"{name} -> {' or '.join(matches)}"
            for name in unknown
            if (matches := close_matches(name, FEATURE_PROFILE))
        ]
        hint = f" (did you mean: {'; '.join(hints)}?)" if hints else ""
        raise UnknownFeatureError(f"unknown feature(s): {', '.join(unknown)}{hint}")


def extended_features() -> set[str]:
    return {feature for profile in PROFILES.values() for feature in profile.extended}


def parse_feature_list(values: list[str] | tuple[str, ...]) -> set[str]:
    """Comma- or space-separated feature names (repeatable), `all` for every Extended one."""
    names = {part for value in values for part in value.replace(",", " ").split()}
    if "all" in names:
        names.discard("all")
        names |= extended_features()
    check_features(names)
    return names
