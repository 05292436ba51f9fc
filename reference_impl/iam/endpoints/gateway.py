"""The gateway namespace's documented endpoints the reference does not serve: gateway
group and instance extras, protos, debug sessions, settings, custom plugins, alerts."""

from __future__ import annotations

from ...api.actions import Endpoint, crud, row

GG = "/api/gateway_groups/{gateway_group_id}"
G = ("gateway_group_id",)
SETTING = "arn:api7:gateway:gatewaysetting/*"


def gateway_endpoints() -> list[Endpoint]:
    rows = [
        # gateway groups and instances
        row("GET", "/api/gateway_groups/count/{resource_type}", "gateway:GetGatewayGroup", "*"),
        row("GET", f"{GG}/permitted_users", "gateway:GetGatewayGroup", *G),
        row("GET", f"{GG}/gateway_api_script", "gateway:GetAdminKey", *G),
        row("POST", f"{GG}/dp_client_certificates", "gateway:CreateGatewayInstance", *G),
        row("GET", f"{GG}/install_script/{{installer}}", "gateway:CreateGatewayInstance", *G),
        row("GET", f"{GG}/helm_values", "gateway:CreateGatewayInstance", *G),
        row("GET", "/api/instances/cores", "gateway:GetGatewayInstanceCore"),
        row("GET", "/api/instances/cores_usages/export", "gateway:GetGatewayInstanceCore"),
        # SSL usage, protos
        row("GET", f"{GG}/ssls/usage", "gateway:GetSSLCertificate", *G),
        *crud(f"{GG}/protos", "{proto_id}", "Proto", G, patch=False),
        # debug sessions
        row("GET", f"{GG}/debug_sessions", "gateway:GetDebugSession", *G),
        row("POST", f"{GG}/debug_sessions", "gateway:CreateDebugSession", *G),
        row("GET", f"{GG}/debug_sessions/{{debug_session_id}}", "gateway:GetDebugSession", *G),
        row(
            "DELETE", f"{GG}/debug_sessions/{{debug_session_id}}", "gateway:DeleteDebugSession", *G
        ),
        row(
            "PUT", f"{GG}/debug_sessions/{{debug_session_id}}/stop", "gateway:StopDebugSession", *G
        ),
        row(
            "GET",
            f"{GG}/debug_sessions/{{debug_session_id}}/traces/{{trace_id}}/download",
            "gateway:ExportDebugSession",
            *G,
        ),
        # organisation-wide gateway settings, custom plugins, alerts
        row("GET", "/api/system_settings", None),
        row("PUT", "/api/system_settings", "gateway:UpdateDeploymentSetting"),
        *crud("/api/custom_plugins", "{custom_plugin_id}", "CustomPlugin", (), patch=False),
        row("POST", "/api/custom_plugins/parse", None),
        *crud(
            "/api/alert/policies",
            "{alert_policy_id}",
            "AlertPolicy",
            (),
            item_arg="alert_policy_id",
        ),
        row(
            "PUT",
            "/api/alert/policies/{alert_policy_id}/triggers",
            "gateway:UpdateAlertPolicy",
            "alert_policy_id",
        ),
        row("GET", "/api/alert/policies/histories", "gateway:GetAlertPolicy", "*"),
        *crud(
            "/api/alert/webhook_templates",
            "{webhook_template_id}",
            "WebhookTemplate",
            (),
            patch=False,
        ),
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
