"""The identity actions: dashboard login options (paths in the 3.2.14 spec, `/api/
login_options[/{login_option_id}]`) and the SCIM provisioning settings and token (the seed's
"Get SCIM settings", "Update SCIM settings", "Generate SCIM Token"; their paths are
inferred). All are checked on the organization."""

from __future__ import annotations

from .action_case import ActionCase
from .setups import Make, made

_ORGANIZATION = "arn:api7:iam:organization/*"
_LDAP = {
    "host": "127.0.0.1",
    "port": "389",
    "base_dn": "ou=people,dc=example,dc=org",
    "bind_dn": "ou=people,dc=example,dc=org",
    "identifier": "cn",
}
_BODY = {"name": "{unique}", "provider_type": "ldap", "ldap_config": _LDAP}
_OPTION = made(
    Make("option", "POST", "/api/login_options", _BODY, cleanup="/api/login_options/{option}")
)
_ITEM = "/api/login_options/{option}"

CASES: list[ActionCase] = [
    ActionCase("iam:GetLoginOption", "GET", _ITEM, _ORGANIZATION, _OPTION),
    ActionCase(
        "iam:CreateLoginOption",
        "POST",
        "/api/login_options",
        _ORGANIZATION,
        body={**_BODY, "name": "{unique}-2"},
        creates="/api/login_options/{id}",
    ),
    ActionCase(
        "iam:UpdateLoginOption",
        "PUT",
        _ITEM,
        _ORGANIZATION,
        _OPTION,
        body={**_BODY, "name": "{unique}-x"},
    ),
    ActionCase("iam:DeleteLoginOption", "DELETE", _ITEM, _ORGANIZATION, _OPTION),
    ActionCase(
        "iam:GetSCIMProvisioning", "GET", "/api/scim_provisioning", _ORGANIZATION, inferred=True
    ),
    ActionCase(
        "iam:UpdateSCIMProvisioning",
        "PUT",
        "/api/scim_provisioning",
        _ORGANIZATION,
        body={"enable_scim": False},
        inferred=True,
    ),
]
