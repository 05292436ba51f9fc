"""The gateway namespace: service templates, publishing, published services, gateway
groups and instances, consumers, certificates, settings, alerts."""

from __future__ import annotations

from ...api.actions import Endpoint, crud, row

GG = "/api/gateway_groups/{gateway_group_id}"
G = ("gateway_group_id",)
PS = f"{GG}/services/{{service_id}}"
PSID = ("gateway_group_id", "service_id")
TEMPLATE = "/api/services/template/{service_template_id}"
VERSION = "/api/service_versions/{service_version_id}"
SETTING = "arn:api7:gateway:gatewaysetting/*"


def _published_children(kind: str, item: str) -> list[Endpoint]:
    base = f"{PS}/{kind}"
    runtime = f"{base}/{item}/runtime_configuration"
    return [
        row("GET", base, "gateway:GetPublishedService", *PSID),
        row("POST", base, "gateway:UpdatePublishedService", *PSID),
        row("GET", f"{base}/{item}", "gateway:GetPublishedService", *PSID),
        row("PUT", f"{base}/{item}", "gateway:UpdatePublishedService", *PSID),
        row("PATCH", f"{base}/{item}", "gateway:UpdatePublishedService", *PSID),
        row("DELETE", f"{base}/{item}", "gateway:UpdatePublishedService", *PSID),
        row("GET", runtime, "gateway:GetPublishedService", *PSID),
        row("PUT", runtime, "gateway:UpdatePublishedService", *PSID),
        row("PATCH", runtime, "gateway:UpdatePublishedService", *PSID),
    ]


def gateway_endpoints() -> list[Endpoint]:
    st_get, st_update = "gateway:GetServiceTemplate", "gateway:UpdateServiceTemplate"
    rows = [
        # service templates, their OpenAPI documents, versions and publishing
        *crud(
            "/api/services/template",
            "{service_template_id}",
            "ServiceTemplate",
            (),
            item_arg="service_template_id",
        ),
        row("GET", f"{TEMPLATE}/openapi", st_get, "service_template_id"),
        row("PUT", f"{TEMPLATE}/openapi", st_update, "service_template_id"),
        row("POST", "/api/export/services", st_get, "*"),
        row("POST", "/api/import/services", "gateway:CreateServiceTemplate"),
        # with a gateway group, the import publishes there (seed line 2537)
        row(
            "POST",
            "/api/import/services",
            "gateway:CreatePublishedService",
            *G,
            query="gateway_group_id",
        ),
        row("POST", "/api/import/services/template", "gateway:CreateServiceTemplate"),
        row("PUT", "/api/openapi/convert", None),
        row("GET", VERSION, st_get, "service_id"),
        # versions are immutable (405), but every registered endpoint has an action
        *(row(m, VERSION, st_update, "service_id") for m in ("PUT", "PATCH", "DELETE")),
        row("GET", f"{VERSION}/openapi", st_get, "service_id"),
        row("GET", f"{VERSION}/routes", st_get, "service_id"),
        row("GET", f"{VERSION}/routes/{{route_version_id}}", st_get, "service_id"),
        row("GET", f"{VERSION}/stream_routes", st_get, "service_id"),
        row("GET", f"{VERSION}/stream_routes/{{stream_route_version_id}}", st_get, "service_id"),
        row(
            "GET",
            "/api/services/{service_template_id}/versions/{version}",
            st_get,
            "service_template_id",
        ),
        row("POST", "/api/services/publish", "gateway:PublishServices", "gateway_group_id"),
        row("POST", "/api/services/conflict_check", "gateway:PublishServices", "gateway_group_id"),
        row(
            "GET",
            "/api/services/{service_template_id}/published_services",
            "gateway:GetPublishedService",
            "*",
            "service_template_id",
        ),
        # published services on a gateway group
        row(
            "GET",
            f"{GG}/services",
            "gateway:GetPublishedService",
            "gateway_group_id",
            "*",
            lists="id",
        ),
        row("POST", f"{GG}/services", "gateway:CreatePublishedService", *G),
        row("POST", f"{GG}/import/services", "gateway:CreatePublishedService", *G),
        row("GET", PS, "gateway:GetPublishedService", *PSID),
        row("PUT", PS, "gateway:UpdatePublishedService", *PSID),
        row("PATCH", PS, "gateway:UpdatePublishedService", *PSID),
        row("DELETE", PS, "gateway:DeletePublishedService", *PSID),
        row("GET", f"{PS}/versions", "gateway:GetPublishedService", *PSID),
        row("GET", f"{PS}/healthcheck", "gateway:GetPublishedService", *PSID),
        row("GET", f"{PS}/openapi", "gateway:GetPublishedService", *PSID),
        row("PUT", f"{PS}/openapi", "gateway:UpdatePublishedService", *PSID),
        row("GET", f"{PS}/runtime_configuration", "gateway:GetPublishedService", *PSID),
        row("PUT", f"{PS}/runtime_configuration", "gateway:UpdatePublishedService", *PSID),
        row("PATCH", f"{PS}/runtime_configuration", "gateway:UpdatePublishedService", *PSID),
        *_published_children("routes", "{route_id}"),
        *_published_children("stream_routes", "{stream_route_id}"),
        # gateway groups and instances
        *crud(
            "/api/gateway_groups",
            "{gateway_group_id}",
            "GatewayGroup",
            (),
            item_arg="gateway_group_id",
            patch=False,
        ),
        row("GET", "/api/gateway_groups/count/{resource_type}", "gateway:GetGatewayGroup", "*"),
        row("GET", f"{GG}/permitted_users", "gateway:GetGatewayGroup", *G),
        row(
            "GET",
            "/api/services/{service_id}/permitted_users",
            st_get,
            "service_id",
        ),
        row("GET", f"{GG}/admin_key", "gateway:GetAdminKey", *G),
        row("PUT", f"{GG}/admin_key", "gateway:UpdateGatewayGroup", *G),
        row("GET", f"{GG}/gateway_api_script", "gateway:GetAdminKey", *G),
        row("GET", f"{GG}/instances", "gateway:GetGatewayInstance", *G),
        row(
            "DELETE", f"{GG}/instances/{{gateway_instance_id}}", "gateway:DeleteGatewayInstance", *G
        ),
        row("POST", f"{GG}/instance_token", "gateway:CreateGatewayInstance", *G),
        row("POST", f"{GG}/dp_client_certificates", "gateway:CreateGatewayInstance", *G),
        row("GET", f"{GG}/install_script/{{installer}}", "gateway:CreateGatewayInstance", *G),
        row("GET", f"{GG}/helm_values", "gateway:CreateGatewayInstance", *G),
        row("GET", "/api/instances", "gateway:GetGatewayInstance", "*"),
        row("GET", "/api/instances/count/{field}", "gateway:GetGatewayInstance", *G),
        row("GET", "/api/instances/cores", "gateway:GetGatewayInstanceCore"),
        row("GET", "/api/instances/cores_usages/export", "gateway:GetGatewayInstanceCore"),
        # certificates, SNIs, SSL (their CRUD: mounted collections), protos, secrets
        row("GET", f"{GG}/ssls/usage", "gateway:GetSSLCertificate", *G),
        row("GET", f"{GG}/certificates/{{certificate_id}}/usage", "gateway:GetCertificate", *G),
        row("POST", f"{GG}/certificates/exists", "gateway:GetCACertificate", *G),
        row(
            "GET",
            f"{GG}/ca_certificates/{{ca_certificate_id}}/usage",
            "gateway:GetCACertificate",
            *G,
        ),
        row("POST", f"{GG}/ca_certificates/exists", "gateway:GetCACertificate", *G),
        row("GET", f"{GG}/snis/{{sni_id}}/usage", "gateway:GetSNI", *G),
        *crud(f"{GG}/protos", "{proto_id}", "Proto", G, patch=False),
        row(
            "GET",
            f"{GG}/secret_providers/{{secret_provider}}/{{secret_provider_id}}/usage",
            "gateway:GetSecretProvider",
            "gateway_group_id",
            "secret_provider_id",
        ),
        # service registries (their CRUD: a mounted collection)
        row(
            "GET",
            f"{GG}/service_registries/{{service_registry_id}}/{{detail:path}}",
            "gateway:GetServiceRegistry",
            *G,
        ),
        # debug sessions (list, create, get, delete: a mounted collection)
        row(
            "PUT", f"{GG}/debug_sessions/{{debug_session_id}}/stop", "gateway:StopDebugSession", *G
        ),
        row(
            "GET", f"{GG}/debug_sessions/{{debug_session_id}}/traces", "gateway:GetDebugSession", *G
        ),
        row(
            "GET",
            f"{GG}/debug_sessions/{{debug_session_id}}/traces/{{trace_id}}",
            "gateway:GetDebugSession",
            *G,
        ),
        row(
            "GET",
            f"{GG}/debug_sessions/{{debug_session_id}}/traces/{{trace_id}}/download",
            "gateway:ExportDebugSession",
            *G,
        ),
        # organisation-wide gateway settings, custom plugins, alerts
        row("GET", "/api/system_settings", None),
        row("GET", "/api/system_infos", None),
        row("GET", "/api/control_plane/prometheus/{prometheus_path:path}", None),
        row("POST", "/api/control_plane/prometheus/{prometheus_path:path}", None),
        row("GET", "/api/version", None),
        row("GET", "/api/labels/{resource_type}", None),
        row("GET", "/api/plugins", None),
        row("GET", "/api/plugin_catalogs", None),
        row("GET", "/api/plugins/{plugin_name}/usage", None),
        row("GET", "/api/schema/{resource_name}", None),
        row("PUT", "/api/system_settings", "gateway:UpdateDeploymentSetting"),
        *crud("/api/custom_plugins", "{custom_plugin_id}", "CustomPlugin", (), patch=False),
        row("POST", "/api/custom_plugins/parse", None),
        # alert policies and webhook templates: mounted collections
        row(
            "PUT",
            "/api/alert/policies/{alert_policy_id}/triggers",
            "gateway:UpdateAlertPolicy",
            "alert_policy_id",
        ),
        row("GET", "/api/alert/policies/histories", "gateway:GetAlertPolicy", "*"),
        row(
            "GET",
            "/api/alert/webhook_templates/{webhook_template_id}/refer",
            "gateway:GetWebhookTemplate",
        ),
    ]
    # GetCustomPlugin is documented on its endpoints but missing from the catalog
    return [
        Endpoint(r.method, r.path, r.action, r.args, SETTING)
        if r.action == "gateway:GetCustomPlugin"
        else r
        for r in rows
    ]
