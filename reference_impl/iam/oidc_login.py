"""OIDC sign-in through a login option (authorization code flow): `GET
/api/oidc/{login_option_id}/login` redirects to the provider's authorization endpoint (from
its discovery document); the provider sends the browser back to `{root_url}/api/oidc/
{login_option_id}/callback?state&code`, where the code is redeemed, the ID token verified
(signature from the provider's JWKS, issuer, audience, nonce) and the session opened.
`POST .../logout` ends the session and redirects through the provider's end-session
endpoint when it has one."""

from __future__ import annotations

import secrets as random
from typing import Any
from urllib.parse import urlencode

import jwt
from starlette.responses import RedirectResponse

from ..api.errors import ApiError
from . import secrets
from .federated import close_session, login_option, open_session, signed_in_user
from .idp_http import call as idp_call
from .idp_http import json_of
from .records import now
from .service import IamService
from .web import API, IamCall

STATE_TTL = 600  # seconds a sign-in may take at the provider


def _discovery(config: dict[str, Any]) -> dict[str, Any]:
    url = config["issuer"].rstrip("/") + "/.well-known/openid-configuration"
    return json_of(idp_call("GET", url, verify=config.get("ssl_verify", True)))


def _callback_url(option: dict[str, Any]) -> str:
    config = option["oidc_config"]
    root = (config.get("callback_url") or config["root_url"]).rstrip("/")
    return f"{root}/api/oidc/{option['id']}/callback"


def login(iam: IamService, call: IamCall):
    option = login_option(iam, call.params["login_option_id"], "oidc")
    config = option["oidc_config"]
    state, nonce = random.token_urlsafe(24), random.token_urlsafe(24)
    record = {"id": secrets.digest(state), "option": option["id"], "nonce": nonce}
    iam.records.put("oidc_states", {**record, "expires_at": now() + STATE_TTL}, ttl=STATE_TTL)
    query = {
        "client_id": config["client_id"],
        "redirect_uri": _callback_url(option),
        "response_type": "code",
        "scope": " ".join(config["request_scopes"]),
        "state": state,
        "nonce": nonce,
    }
    endpoint = _discovery(config).get("authorization_endpoint")
    if not isinstance(endpoint, str):
        raise ApiError(400, f"the OIDC provider {config['issuer']} has no authorization_endpoint")
    return RedirectResponse(f"{endpoint}?{urlencode(query)}", status_code=302)


def _claims(config: dict[str, Any], discovery: dict[str, Any], id_token: str) -> dict[str, Any]:
    verify = config.get("ssl_verify", True)
    keys = json_of(idp_call("GET", str(discovery.get("jwks_uri")), verify=verify))
    try:
        header = jwt.get_unverified_header(id_token)
        jwks = jwt.PyJWKSet.from_dict(keys)
        key = next(k for k in jwks.keys if header.get("kid") in (None, k.key_id))
        claims: dict[str, Any] = jwt.decode(
            id_token,
            key.key,
            [str(header.get("alg", "RS256"))],
            audience=config["client_id"],
            issuer=discovery.get("issuer", config["issuer"]),
        )
    except (jwt.PyJWTError, StopIteration, ValueError) as exc:
        raise ApiError(401, f"invalid ID token from the OIDC provider: {exc}") from None
    return claims


def callback(iam: IamService, call: IamCall):
    option = login_option(iam, call.params["login_option_id"], "oidc")
    config = option["oidc_config"]
    state, code = call.args.get("state"), call.args.get("code")
    if not state or not code:
        raise ApiError(400, "invalid query: state and code are required")
    record = iam.records.get("oidc_states", secrets.digest(state))
    if record is None or record["option"] != option["id"] or record["expires_at"] <= now():
        raise ApiError(400, "unknown or expired OIDC state")
    iam.records.delete("oidc_states", record["id"])
    discovery = _discovery(config)
    tokens = json_of(
        idp_call(
            "POST",
            str(discovery.get("token_endpoint")),
            verify=config.get("ssl_verify", True),
            data={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": _callback_url(option),
            },
            auth=(config["client_id"], config.get("client_secret", "")),
        )
    )
    claims = _claims(config, discovery, str(tokens.get("id_token", "")))
    if claims.get("nonce") != record["nonce"]:
        raise ApiError(401, "invalid ID token from the OIDC provider: nonce mismatch")
    username = claims.get("preferred_username") or claims.get("email") or claims.get("sub")
    if not isinstance(username, str) or not username:
        raise ApiError(401, "the ID token names no user (sub)")
    user = signed_in_user(iam, option, username, claims)
    home = config["root_url"].rstrip("/") + "/"
    return open_session(iam, user, RedirectResponse(home, status_code=302))


def logout(iam: IamService, call: IamCall):
    option = login_option(iam, call.params["login_option_id"], "oidc")
    config = option["oidc_config"]
    target = _discovery(config).get("end_session_endpoint")
    home = config["root_url"].rstrip("/") + "/"
    if isinstance(target, str):
        target += "?" + urlencode(
            {"client_id": config["client_id"], "post_logout_redirect_uri": home}
        )
    response = RedirectResponse(target if isinstance(target, str) else home, status_code=302)
    return close_session(iam, call.principal.session_id, response)


ROUTES = [
    API("GET", "/oidc/{login_option_id}/login", login, None),
    API("GET", "/oidc/{login_option_id}/callback", callback, None),
    API("POST", "/oidc/{login_option_id}/logout", logout, None),
]
