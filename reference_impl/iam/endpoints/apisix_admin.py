"""`/apisix/admin/...?gateway_group_id=`: the APISIX-compatible endpoints of a gateway group."""

from __future__ import annotations

from .rows import Endpoint, crud, row


def apisix_admin_endpoints() -> list[Endpoint]:
    """`/apisix/admin/...?gateway_group_id=` (the group defaults to `default`)."""
    base = "/apisix/admin"
    ps_get, ps_update = "gateway:GetPublishedService", "gateway:UpdatePublishedService"
    rows: list[Endpoint] = []
    for kind in ("routes", "stream_routes", "upstreams", "plugin_configs"):
        rows += [
            row("GET", f"{base}/{kind}", ps_get, "gateway_group_id", "service_id"),
            row("POST", f"{base}/{kind}", ps_update, "gateway_group_id", "service_id"),
            row("GET", f"{base}/{kind}/{{id}}", ps_get, "gateway_group_id", "service_id"),
        ]
        for method in ("PUT", "PATCH", "DELETE"):
            rows.append(
                row(method, f"{base}/{kind}/{{id}}", ps_update, "gateway_group_id", "service_id")
            )
    rows += [
        row("GET", f"{base}/services", ps_get, "gateway_group_id", "*", lists="id"),
        row("POST", f"{base}/services", "gateway:CreatePublishedService", "gateway_group_id"),
        row("GET", f"{base}/services/{{id}}", ps_get, "gateway_group_id", "id"),
        row("PUT", f"{base}/services/{{id}}", ps_update, "gateway_group_id", "id"),
        row("PATCH", f"{base}/services/{{id}}", ps_update, "gateway_group_id", "id"),
        row(
            "DELETE",
            f"{base}/services/{{id}}",
            "gateway:DeletePublishedService",
            "gateway_group_id",
            "id",
        ),
        row(
            "GET",
            f"{base}/consumers",
            "gateway:GetConsumer",
            "gateway_group_id",
            "*",
            lists="username",
        ),
        row("PUT", f"{base}/consumers", "gateway:CreateConsumer", "gateway_group_id"),
        row("POST", f"{base}/consumers", "gateway:CreateConsumer", "gateway_group_id"),
        row(
            "GET",
            f"{base}/consumers/{{username}}",
            "gateway:GetConsumer",
            "gateway_group_id",
            "username",
        ),
        row(
            "PUT",
            f"{base}/consumers/{{username}}",
            "gateway:UpdateConsumer",
            "gateway_group_id",
            "username",
        ),
        row(
            "PATCH",
            f"{base}/consumers/{{username}}",
            "gateway:UpdateConsumer",
            "gateway_group_id",
            "username",
        ),
        row(
            "DELETE",
            f"{base}/consumers/{{username}}",
            "gateway:DeleteConsumer",
            "gateway_group_id",
            "username",
        ),
    ]
    credentials = f"{base}/consumers/{{username}}/credentials"
    scope = ("gateway_group_id", "username")
    rows += [
        row("GET", credentials, "gateway:GetConsumerCredential", *scope),
        row("GET", f"{credentials}/{{id}}", "gateway:GetConsumerCredential", *scope),
        row("PUT", f"{credentials}/{{id}}", "gateway:UpdateConsumerCredential", *scope),
        row("DELETE", f"{credentials}/{{id}}", "gateway:DeleteConsumerCredential", *scope),
    ]
    group = ("gateway_group_id",)
    rows += crud(f"{base}/ssls", "{id}", "SSLCertificate", group)
    rows += crud(f"{base}/global_rules", "{id}", "GlobalPluginRule", group)
    rows += crud(f"{base}/protos", "{id}", "Proto", group)
    rows += crud(f"{base}/consumer_groups", "{id}", "Consumer", group, item_arg="*")
    rows += crud(f"{base}/certificates", "{id}", "Certificate", group)
    rows += crud(f"{base}/ca_certificates", "{id}", "CACertificate", group)
    rows += crud(f"{base}/snis", "{id}", "SNI", group)
    provider = f"{base}/secret_providers/{{secret_provider}}/{{secret_provider_id}}"
    rows += [
        row(
            "GET",
            f"{base}/secret_providers",
            "gateway:GetSecretProvider",
            *group,
            "*",
            lists="secret_provider_id",
        ),
        row("GET", provider, "gateway:GetSecretProvider", *group, "secret_provider_id"),
        row("PUT", provider, "gateway:PutSecretProvider", *group, "secret_provider_id"),
        row("DELETE", provider, "gateway:DeleteSecretProvider", *group, "secret_provider_id"),
    ]
    upstreams = f"{base}/services/{{service_id}}/upstreams"
    rows += [
        row("GET", upstreams, ps_get, "gateway_group_id", "service_id"),
        row("POST", upstreams, ps_update, "gateway_group_id", "service_id"),
        row("GET", f"{upstreams}/{{upstream_id}}", ps_get, "gateway_group_id", "service_id"),
    ]
    for method in ("PUT", "PATCH", "DELETE"):
        rows.append(
            row(method, f"{upstreams}/{{upstream_id}}", ps_update, "gateway_group_id", "service_id")
        )
    rows += [
        row("GET", f"{base}/plugin_metadata", "gateway:GetPluginMetadata", *group),
        row("GET", f"{base}/plugin_metadata/{{name}}", "gateway:GetPluginMetadata", *group),
        row("PUT", f"{base}/plugin_metadata/{{name}}", "gateway:UpdatePluginMetadata", *group),
        row("DELETE", f"{base}/plugin_metadata/{{name}}", "gateway:DeletePluginMetadata", *group),
        row("GET", f"{base}/secrets", "gateway:GetSecretProvider", "gateway_group_id", "*"),
        row(
            "GET",
            f"{base}/secrets/{{manager}}/{{id}}",
            "gateway:GetSecretProvider",
            "gateway_group_id",
            "id",
        ),
        row(
            "PUT",
            f"{base}/secrets/{{manager}}/{{id}}",
            "gateway:PutSecretProvider",
            "gateway_group_id",
            "id",
        ),
        row(
            "PATCH",
            f"{base}/secrets/{{manager}}/{{id}}",
            "gateway:PutSecretProvider",
            "gateway_group_id",
            "id",
        ),
        row(
            "DELETE",
            f"{base}/secrets/{{manager}}/{{id}}",
            "gateway:DeleteSecretProvider",
            "gateway_group_id",
            "id",
        ),
        row("GET", f"{base}/plugins/list", None),
        row("GET", f"{base}/plugins/{{name}}", None),
        row("GET", f"{base}/plugins", None),
        row("GET", f"{base}/schema/{{name}}", None),
        row("GET", f"{base}/schema/plugins/{{name}}", None),
        row("POST", f"{base}/schema/validate/{{name}}", None),
        row("GET", f"{base}/variables", None),
    ]
    return rows
