"""The operations endpoints' actions: alert policies and webhook templates (3.2.14 paths),
contact points and the SMTP server (iam namespace; paths inferred), the license, deployment
settings, data plane cores and certificates, the debugger (paths inferred) and the import of
services into a gateway group."""

from __future__ import annotations

import base64
import contextlib
import json
import time

import httpx

from .action_case import ActionCase, Prepared
from .conftest import expect
from .setups import GROUP_ARN, IN_GROUP, Make, fill, group_step, made

_EXPIRES_SOON = {
    "event": "gateway_certificate_will_expire_in",
    "operator": "less_than",
    "value": 30,
    "value_unit": "day",
}
_POLICY = {"name": "{unique}", "enable": False, "trigger_conditions": [_EXPIRES_SOON]}
_POLICIES = "/api/alert/policies"
_POLICY_PATH = _POLICIES + "/{policy}"
_WITH_POLICY = made(Make("policy", "POST", _POLICIES, _POLICY, cleanup=_POLICY_PATH))
_POLICY_ARN = "arn:api7:gateway:alert/{policy}"
_SETTING_ARN = "arn:api7:gateway:gatewaysetting/*"
_TEMPLATE = {
    "name": "gwc-template",
    "url": "http://127.0.0.1:9/alerts",
    "template": "{}",
    "skip_tls_verify": False,
}
_TEMPLATES = "/api/alert/webhook_templates"
_TEMPLATE_PATH = _TEMPLATES + "/{template}"
_WITH_TEMPLATE = made(Make("template", "POST", _TEMPLATES, _TEMPLATE, cleanup=_TEMPLATE_PATH))
_CONTACT = {
    "name": "{unique}",
    "type": "email",
    "email_config": {"addresses": ["ops@gwconform.test"]},
}
_CONTACTS = "/api/contact_points"
_CONTACT_PATH = _CONTACTS + "/{contact}"
_WITH_CONTACT = made(Make("contact", "POST", _CONTACTS, _CONTACT, cleanup=_CONTACT_PATH))
_CONTACT_ARN = "arn:api7:iam:contactpoint/{contact}"
_ORGANIZATION = "arn:api7:iam:organization/*"
_SMTP = {
    "enable": False,
    "address": "127.0.0.1:2525",
    "ssl_verify": False,
    "username": "",
    "password": "",
    "from_name": "gwconform",
    "from_address": "alerts@gwconform.test",
}
# a license in the reference's own encoding, checked by dry-run (nothing stored)
_LICENSE = {
    "data": base64.b64encode(
        json.dumps(
            {"customer": "gwc", "effective_at": 1, "expired_at": 4102444800, "max_dp_cores": 8}
        ).encode()
    ).decode()
}
_SESSIONS = "/api/gateway_groups/{group}/debug_sessions"
_SESSION_BODY = {"name": "{unique}", "target_instances": ["{group}-instance-0"]}
_SESSION_STEP = Make("session", "POST", _SESSIONS, _SESSION_BODY)
_WITH_SESSION = made(group_step(), _SESSION_STEP)
_TEMPLATE_STEP = Make(
    "template",
    "POST",
    "/api/services/template",
    {"name": "{unique}", "upstream": {"nodes": [{"host": "127.0.0.1", "port": 9, "weight": 1}]}},
    cleanup="/api/services/template/{template}",
)
_ROUTE_STEP = Make(
    "route",
    "POST",
    "/api/routes/template",
    {
        "name": "{unique}",
        "service_id": "{template}",
        "paths": ["/traced"],
        "plugins": {"fault-injection": {"abort": {"http_status": 200, "body": "traced"}}},
    },
)
_PUBLISH_STEP = Make(
    "publication",
    "POST",
    "/api/services/publish",
    {
        "gateway_group_id": "{group}",
        "create_new_version": True,
        "services": [{"service_id": "{template}", "version": "{unique}"}],
    },
    id_field=None,
)
TRACE_WAIT = 20.0  # the published route and the session's rule reaching the data plane
_SESSION_PATH = _SESSIONS + "/{session}"
_IMPORTED = {"name": "{unique}", "routes": [{"name": "r1", "paths": ["/imported"]}]}

CASES: list[ActionCase] = [
    # alert policies
    ActionCase("gateway:GetAlertPolicy", "GET", _POLICY_PATH, _POLICY_ARN, _WITH_POLICY),
    ActionCase(
        "gateway:CreateAlertPolicy",
        "POST",
        _POLICIES,
        "arn:api7:gateway:alert/*",
        body=_POLICY,
        creates=_POLICIES + "/{id}",
    ),
    ActionCase(
        "gateway:UpdateAlertPolicy", "PUT", _POLICY_PATH, _POLICY_ARN, _WITH_POLICY, body=_POLICY
    ),
    ActionCase(
        "gateway:UpdateAlertPolicy",
        "PUT",
        _POLICY_PATH + "/triggers",
        _POLICY_ARN,
        _WITH_POLICY,
        body={"trigger_conditions": [_EXPIRES_SOON]},
    ),
    ActionCase("gateway:DeleteAlertPolicy", "DELETE", _POLICY_PATH, _POLICY_ARN, _WITH_POLICY),
    # webhook templates
    ActionCase("gateway:GetWebhookTemplate", "GET", _TEMPLATE_PATH, _SETTING_ARN, _WITH_TEMPLATE),
    ActionCase(
        "gateway:CreateWebhookTemplate",
        "POST",
        _TEMPLATES,
        _SETTING_ARN,
        body=_TEMPLATE,
        creates=_TEMPLATES + "/{id}",
    ),
    ActionCase(
        "gateway:UpdateWebhookTemplate",
        "PUT",
        _TEMPLATE_PATH,
        _SETTING_ARN,
        _WITH_TEMPLATE,
        body=_TEMPLATE,
    ),
    ActionCase(
        "gateway:DeleteWebhookTemplate", "DELETE", _TEMPLATE_PATH, _SETTING_ARN, _WITH_TEMPLATE
    ),
    # contact points and the SMTP server
    ActionCase(
        "iam:GetContactPoint", "GET", _CONTACT_PATH, _CONTACT_ARN, _WITH_CONTACT, inferred=True
    ),
    ActionCase(
        "iam:CreateContactPoint",
        "POST",
        _CONTACTS,
        "arn:api7:iam:contactpoint/*",
        body=_CONTACT,
        creates=_CONTACTS + "/{id}",
        inferred=True,
    ),
    ActionCase(
        "iam:UpdateContactPoint",
        "PUT",
        _CONTACT_PATH,
        _CONTACT_ARN,
        _WITH_CONTACT,
        body=_CONTACT,
        inferred=True,
    ),
    ActionCase(
        "iam:DeleteContactPoint",
        "DELETE",
        _CONTACT_PATH,
        _CONTACT_ARN,
        _WITH_CONTACT,
        inferred=True,
    ),
    ActionCase("iam:GetSMTPServer", "GET", "/api/smtp_server", _ORGANIZATION, inferred=True),
    ActionCase(
        "iam:UpdateSMTPServer",
        "PUT",
        "/api/smtp_server",
        _ORGANIZATION,
        body=_SMTP,
        inferred=True,
    ),
    # the license (a body in the reference's encoding), settings, data planes
    ActionCase(
        "iam:UpdateLicense",
        "PUT",
        "/api/license",
        _ORGANIZATION,
        body=_LICENSE,
        params={"dry-run": "all"},
        inferred=True,
    ),
    ActionCase(
        "gateway:UpdateDeploymentSetting",
        "PUT",
        "/api/system_settings",
        _SETTING_ARN,
        body={},
    ),
    ActionCase(
        "gateway:GetGatewayInstanceCore",
        "GET",
        "/api/instances/cores",
        "arn:api7:gateway:gatewaygroup/*",
    ),
    ActionCase(
        "gateway:CreateGatewayInstance",
        "POST",
        "/api/gateway_groups/{group}/dp_client_certificates",
        GROUP_ARN,
        made(group_step()),
    ),
    ActionCase(
        "gateway:CreatePublishedService",
        "POST",
        "/api/import/services",
        GROUP_ARN + "/publishedservice/*",
        made(group_step()),
        body=_IMPORTED,
        params=IN_GROUP,
        creates="/api/services/template/{id}",
    ),
    # the debugger
    ActionCase(
        "gateway:GetDebugSession", "GET", _SESSION_PATH, GROUP_ARN, _WITH_SESSION, inferred=True
    ),
    ActionCase(
        "gateway:CreateDebugSession",
        "POST",
        _SESSIONS,
        GROUP_ARN,
        made(group_step()),
        body=_SESSION_BODY,
        inferred=True,
    ),
    ActionCase(
        "gateway:StopDebugSession",
        "PUT",
        _SESSION_PATH + "/stop",
        GROUP_ARN,
        _WITH_SESSION,
        inferred=True,
    ),
    ActionCase(
        "gateway:DeleteDebugSession",
        "DELETE",
        _SESSION_PATH,
        GROUP_ARN,
        _WITH_SESSION,
        inferred=True,
    ),
]


def _with_trace(admin: httpx.Client) -> Prepared:
    """A gateway group serving a published route, a debug session on its instance, and one
    request through the route recorded as the session's trace."""
    prepared = made(_TEMPLATE_STEP, _ROUTE_STEP, group_step(), _PUBLISH_STEP, _SESSION_STEP)(admin)
    values = prepared.values
    try:
        instances = expect(admin.get(fill("/api/gateway_groups/{group}/instances", values)))
        data_plane = instances["list"][0]["data_plane_url"]
        traces = fill(_SESSION_PATH + "/traces", values)
        deadline = time.monotonic() + TRACE_WAIT
        while True:
            with contextlib.suppress(httpx.HTTPError):
                httpx.get(f"{data_plane}/traced", timeout=2)
            listed = expect(admin.get(traces))["list"]
            if listed:
                values["trace"] = listed[0]["id"]
                return prepared
            assert time.monotonic() < deadline, "the debug session recorded no request"
            time.sleep(0.2)
    except BaseException:
        for path in reversed(prepared.cleanup):
            admin.delete(path)
        raise


CASES.append(
    ActionCase(
        "gateway:ExportDebugSession",
        "GET",
        _SESSION_PATH + "/traces/{trace}/download",
        GROUP_ARN,
        _with_trace,
        inferred=True,
    )
)
