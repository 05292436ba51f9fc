"""The gateway namespace's documented endpoints the reference does not serve: gateway
group and instance extras, protos, debug sessions, settings, custom plugins, alerts."""

from __future__ import annotations

from ...api.actions import Endpoint, crud, row

GG = "/api/gateway_groups/{gateway_group_id}"
G = ("gateway_group_id",)
SETTING = "arn:api7:gateway:gatewaysetting/*"


def gateway_endpoints() -> list[Endpoint]:
    rows = [
        # SSL usage, protos
        row("GET", f"{GG}/ssls/usage", "gateway:GetSSLCertificate", *G),
        *crud(f"{GG}/protos", "{proto_id}", "Proto", G, patch=False),
        # organisation-wide gateway settings, custom plugins, alerts
        *crud("/api/custom_plugins", "{custom_plugin_id}", "CustomPlugin", (), patch=False),
        row("POST", "/api/custom_plugins/parse", None),
        # alert policies and webhook templates: mounted collections
    ]
    # GetCustomPlugin is documented on its endpoints but missing from the catalog
    return [
        Endpoint(r.method, r.path, r.action, r.args, SETTING)
        if r.action == "gateway:GetCustomPlugin"
        else r
        for r in rows
    ]
