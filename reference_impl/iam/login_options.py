"""Dashboard login options (`/api/login_options[/{login_option_id}]`): one external identity
provider each (LDAP, OIDC, SAML 2.0, CAS), with the role mappings that give the users it
signs in their roles. Fields as the 3.2.14 spec gives them; `role_mapping` and
`boundary_mapping` are arrays the seed leaves closed, so their items take the one form the
reference can honour: `{"role_id"|"boundary_id", "operation": "any"|"all", "conditions":
[{"attribute", "value"}]}` (no conditions: every user of the option)."""

from __future__ import annotations

from typing import Any

from ..api.actions import crud_actions
from ..api.collection import RecordCollection
from ..api.context import CollectionRequest, Context
from ..api.errors import ApiError
from ..api7ee.schemas import check
from .collections import routes
from .service import IamService
from .users import check_policies, check_roles
from .web import API, IamCall

KINDS = ("ldap", "oidc", "saml", "cas")
_TEXT = {"type": "string", "minLength": 1, "maxLength": 4096}
_CONDITION = {
    "type": "object",
    "required": ["attribute", "value"],
    "properties": {"attribute": _TEXT, "value": {"type": "string", "maxLength": 4096}},
    "additionalProperties": False,
}


def _mapping(target: str) -> dict[str, Any]:
    return {
        "type": "array",
        "items": {
            "type": "object",
            "required": [target],
            "properties": {
                target: _TEXT,
                "operation": {"type": "string", "enum": ["any", "all"]},
                "conditions": {"type": "array", "items": _CONDITION},
            },
            "additionalProperties": False,
        },
    }


CONFIGS: dict[str, dict[str, Any]] = {
    "ldap": {
        "type": "object",
        "required": ["host", "port", "base_dn", "bind_dn", "identifier"],
        "properties": {
            "host": _TEXT,
            "port": {"type": ["string", "integer"], "pattern": "^[0-9]{1,5}$"},
            "base_dn": _TEXT,
            "bind_dn": _TEXT,
            "bind_password": {"type": "string"},
            "identifier": _TEXT,
            "attributes": {"type": "object", "additionalProperties": {"type": "string"}},
            "timeout": {"type": "integer", "minimum": 0},
            "use_ssl": {"type": "boolean", "enum": [False]},
        },
        "additionalProperties": False,
    },
    "oidc": {
        "type": "object",
        "required": ["client_id", "issuer", "request_scopes", "root_url"],
        "properties": {
            "client_id": _TEXT,
            "client_secret": {"type": "string"},
            "issuer": _TEXT,
            "request_scopes": {"type": "array", "items": _TEXT},
            "ssl_verify": {"type": "boolean"},
            "root_url": _TEXT,
            "callback_url": _TEXT,  # 3.2.14: the root the callback URL is made from
        },
        "additionalProperties": False,
    },
    "saml": {
        "type": "object",
        "required": ["idp_metadata_url", "sp_root_url"],
        "properties": {
            "idp_metadata_url": _TEXT,
            "sp_root_url": _TEXT,
            "sp_acs_url": _TEXT,
            "sp_slo_url": _TEXT,
            "sp_metadata_url": _TEXT,
            "entity_id": _TEXT,
            "certificate": {"type": "string"},
            "sign_request": {"type": "boolean", "enum": [False]},
            "attributes": {"type": "object", "additionalProperties": {"type": "string"}},
        },
        "additionalProperties": False,
    },
    "cas": {
        "type": "object",
        "required": ["url"],
        "properties": {
            "url": _TEXT,
            "send_service": {"type": "boolean"},
            "ssl_verify": {"type": "boolean"},
        },
        "additionalProperties": False,
    },
}
LOGIN_OPTION: dict[str, Any] = {
    "type": "object",
    "required": ["name", "provider_type"],
    "properties": {
        "name": {"type": "string", "minLength": 1, "maxLength": 256},
        "logo": {"type": "string"},
        "disable": {"type": "boolean"},
        "provider_type": {"type": "string", "enum": list(KINDS)},
        "role_mapping": _mapping("role_id"),
        "boundary_mapping": _mapping("boundary_id"),
        **{f"{kind}_config": schema for kind, schema in CONFIGS.items()},
    },
    "additionalProperties": False,
}


class LoginOptions(RecordCollection):
    name, kind = "login_options", "login option"
    item_pattern = "{login_option_id}"
    actions = crud_actions("LoginOption", (), prefix="iam")

    def check_conf(self, ctx: Context, id: str | None, conf: dict, req: CollectionRequest) -> dict:
        body = {k: v for k, v in conf.items() if k not in ("id", "created_at", "updated_at")}
        check(LOGIN_OPTION, body)
        kind = body["provider_type"]
        config = f"{kind}_config"
        others = [f"{k}_config" for k in KINDS if k != kind and f"{k}_config" in body]
        if others:
            raise ApiError(400, f"invalid request body: {others[0]} does not go with {kind}")
        if config not in body:
            raise ApiError(400, f"invalid request body: {config} is required")
        check_roles(ctx.records, [m["role_id"] for m in body.get("role_mapping", [])])
        check_policies(ctx.records, [m["boundary_id"] for m in body.get("boundary_mapping", [])])
        return {"disable": False, "role_mapping": [], "boundary_mapping": [], **body}


LOGIN_OPTIONS = LoginOptions()
PUBLIC_FIELDS = ("id", "name", "logo", "provider_type", "disable", "created_at", "updated_at")


def list_public(iam: IamService, call: IamCall):
    """What a login page shows: no provider settings, no role or boundary mappings."""
    shown = [{k: o[k] for k in PUBLIC_FIELDS if k in o} for o in iam.records.all("login_options")]
    return call.listing(shown)


# the literal path first: it would otherwise name an option "public"
ROUTES = [
    API("GET", "/login_options/public", list_public, None),
    *routes(LOGIN_OPTIONS, "login_option_id"),
]
