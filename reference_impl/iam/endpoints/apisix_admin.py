"""`/apisix/admin/...?gateway_group_id=`: the APISIX-compatible endpoints of a gateway group
that are not collection declarations (those bring their own rows, `declared.py`)."""

from __future__ import annotations

from ...api.actions import Endpoint, row


def apisix_admin_endpoints() -> list[Endpoint]:
    """`/apisix/admin/...?gateway_group_id=` (the group defaults to `default`)."""
    base = "/apisix/admin"
    ps_get, ps_update = "gateway:GetPublishedService", "gateway:UpdatePublishedService"
    group = ("gateway_group_id",)
    rows: list[Endpoint] = []
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
        row("GET", f"{base}/plugins/list", None),
        row("GET", f"{base}/plugins/{{name}}", None),
        row("GET", f"{base}/plugins", None),
        row("GET", f"{base}/schema/{{name}}", None),
        row("GET", f"{base}/schema/plugins/{{name}}", None),
        row("POST", f"{base}/schema/validate/{{name}}", None),
        row("GET", f"{base}/variables", None),
    ]
    return rows
