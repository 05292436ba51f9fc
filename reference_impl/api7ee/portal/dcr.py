"""DCR providers (`/api/dcr_providers`): authorization servers where an approved
subscription of a `dcr` API product registers the developer's OAuth client by OAuth 2.0
Dynamic Client Registration (RFC 7591), found through the issuer's discovery document."""

from __future__ import annotations

from typing import Any

import httpx

from ...api.actions import crud_actions
from ...api.collection import RecordCollection
from ...api.context import CollectionRequest, Context
from ...api.errors import ApiError
from ..group_collections import control_store
from ..schemas import DESC, LABELS, check
from .kinds import API_PRODUCTS, DCR_PROVIDERS
from .scope import api_routes

REGISTRATION_TIMEOUT = 10.0
DCR_PROVIDER: dict[str, Any] = {
    "type": "object",
    "required": ["name", "issuer"],
    "properties": {
        "name": {"type": "string", "minLength": 1},
        # http_bridge (a customer's own bridge service) is not served: refused, not stored
        "provider_type": {"type": "string", "enum": ["oidc"], "default": "oidc"},
        "issuer": {"type": "string", "minLength": 1, "pattern": r"^https?://[^\s/]+"},
        "headers": {"type": "object", "additionalProperties": {"type": "string"}},
        "desc": DESC,
        "labels": LABELS,
    },
    "additionalProperties": False,
}


class DcrProviders(RecordCollection):
    name, kind = DCR_PROVIDERS, "DCR provider"
    unsupported = frozenset({"patch"})
    actions = crud_actions("DCRProvider", (), patch=False, prefix="portal")

    def check_conf(self, ctx: Context, id: str | None, conf: dict, req: CollectionRequest) -> dict:
        if conf.get("provider_type") == "http_bridge" or "provider_config" in conf:
            raise ApiError(400, "invalid request body: provider_type http_bridge is not served")
        body = check(DCR_PROVIDER, conf, read_only_ok=True)
        return {"provider_type": "oidc", **body}

    def missing(self, id: str, req: CollectionRequest) -> str:
        return f"DCR provider {id} not found"

    def delete_checker(self, ctx: Context, id: str, req: CollectionRequest) -> None:
        for kv in control_store(ctx).entries(API_PRODUCTS):
            auth = kv.value.get("auth") or {} if isinstance(kv.value, dict) else {}
            if (auth.get("dcr") or {}).get("dcr_provider_id") == id:
                raise ApiError(400, f"DCR provider {id} is used by API product {kv.value['id']}")


def discovery(provider: dict[str, Any]) -> dict[str, Any]:
    url = provider["issuer"].rstrip("/") + "/.well-known/openid-configuration"
    return _json("GET", url, provider)


def register_client(provider: dict[str, Any], client_name: str) -> dict[str, Any]:
    """The client the provider registered (RFC 7591): `client_id`, `client_secret`, ..."""
    endpoint = discovery(provider).get("registration_endpoint")
    if not isinstance(endpoint, str):
        raise ApiError(400, f"DCR provider {provider['id']} has no registration_endpoint")
    body = {
        "client_name": client_name,
        "redirect_uris": ["http://127.0.0.1/callback"],
        "grant_types": ["authorization_code", "refresh_token"],
        "token_endpoint_auth_method": "client_secret_basic",
    }
    client = _json("POST", endpoint, provider, json=body)
    if not isinstance(client.get("client_id"), str):
        raise ApiError(502, f"DCR provider {provider['id']} answered no client_id")
    return client


def _json(method: str, url: str, provider: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    try:
        answer = httpx.request(
            method, url, headers=provider.get("headers") or {}, timeout=REGISTRATION_TIMEOUT,
            **kwargs,
        )  # fmt: skip
        answer.raise_for_status()
        found = answer.json()
    except (httpx.HTTPError, ValueError) as exc:
        raise ApiError(502, f"DCR provider {provider['id']}: {method} {url}: {exc}") from None
    if not isinstance(found, dict):
        raise ApiError(502, f"DCR provider {provider['id']}: {url} answered no JSON object")
    return found


ROUTES = api_routes(DcrProviders(), "dcr_provider_id")
