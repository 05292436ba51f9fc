"""Authentication plugins and consumer-restriction (apisix/plugins/*-auth.lua, 3.x)."""

from __future__ import annotations

import base64
import binascii
import secrets
from typing import Any

from reference_impl.schema.definitions import METHOD_DEF
from reference_impl.schema.plugins.spec import SCOPE_CONSUMER, PluginSpec

KEY_AUTH = PluginSpec(
    name="key-auth",
    priority=2500,
    version=0.1,
    kind="auth",
    schema={
        "type": "object",
        "properties": {
            "header": {"type": "string", "default": "apikey"},
            "query": {"type": "string", "default": "apikey"},
            "hide_credentials": {"type": "boolean", "default": False},
        },
    },
    consumer_schema={
        "type": "object",
        "properties": {"key": {"type": "string"}},
        "encrypt_fields": ["key"],
        "required": ["key"],
    },
)

BASIC_AUTH = PluginSpec(
    name="basic-auth",
    priority=2520,
    version=0.1,
    kind="auth",
    schema={
        "type": "object",
        "title": "work with route or service object",
        "properties": {"hide_credentials": {"type": "boolean", "default": False}},
    },
    consumer_schema={
        "type": "object",
        "title": "work with consumer object",
        "properties": {"username": {"type": "string"}, "password": {"type": "string"}},
        "encrypt_fields": ["password"],
        "required": ["username", "password"],
    },
)


def _jwt_consumer_check(conf: dict[str, Any], scope: str) -> str | None:
    """APISIX generates an HS secret when none is given and checks base64 secrets."""
    if scope != SCOPE_CONSUMER:
        return None
    algorithm = conf.get("algorithm")
    if algorithm not in ("RS256", "ES256") and not conf.get("secret"):
        conf["secret"] = base64.b64encode(secrets.token_bytes(32)).decode()
    elif conf.get("base64_secret"):
        try:
            base64.b64decode(conf.get("secret") or "", validate=True)
        except (binascii.Error, ValueError):
            return "base64_secret required but the secret is not in base64 format"
    return None


JWT_AUTH = PluginSpec(
    name="jwt-auth",
    priority=2510,
    version=0.1,
    kind="auth",
    schema={
        "type": "object",
        "properties": {
            "header": {"type": "string", "default": "authorization"},
            "query": {"type": "string", "default": "jwt"},
            "cookie": {"type": "string", "default": "jwt"},
            "hide_credentials": {"type": "boolean", "default": False},
        },
    },
    consumer_schema={
        "type": "object",
        "properties": {
            "key": {"type": "string"},
            "secret": {"type": "string"},
            "algorithm": {
                "type": "string",
                "enum": ["HS256", "HS512", "RS256", "ES256"],
                "default": "HS256",
            },
            "exp": {"type": "integer", "minimum": 1, "default": 86400},
            "base64_secret": {"type": "boolean", "default": False},
            "lifetime_grace_period": {"type": "integer", "minimum": 0, "default": 0},
        },
        "dependencies": {
            "algorithm": {
                "oneOf": [
                    {"properties": {"algorithm": {"enum": ["HS256", "HS512"], "default": "HS256"}}},
                    {
                        "properties": {
                            "public_key": {"type": "string"},
                            "algorithm": {"enum": ["RS256", "ES256"]},
                        },
                        "required": ["public_key"],
                    },
                ]
            }
        },
        "encrypt_fields": ["secret"],
        "required": ["key"],
    },
    extra_check=_jwt_consumer_check,
)

CONSUMER_RESTRICTION = PluginSpec(
    name="consumer-restriction",
    priority=2400,
    version=0.1,
    schema={
        "type": "object",
        "properties": {
            "type": {
                "type": "string",
                "enum": ["consumer_name", "service_id", "route_id", "consumer_group_id"],
                "default": "consumer_name",
            },
            "blacklist": {"type": "array", "minItems": 1, "items": {"type": "string"}},
            "whitelist": {"type": "array", "minItems": 1, "items": {"type": "string"}},
            "allowed_by_methods": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "user": {"type": "string"},
                        "methods": {"type": "array", "minItems": 1, "items": METHOD_DEF},
                    },
                },
            },
            "rejected_code": {"type": "integer", "minimum": 200, "default": 403},
            "rejected_msg": {"type": "string"},
        },
        "anyOf": [
            {"required": ["blacklist"]},
            {"required": ["whitelist"]},
            {"required": ["allowed_by_methods"]},
        ],
    },
)


# forward-auth POSTs the client's request body, which this gateway's plugins cannot read.
FORWARD_AUTH_POST_REFUSAL = (
    'request_method "POST" is not supported: forward-auth would send the request body, '
    "which this gateway's plugins cannot read"
)


def _forward_auth_check(conf: dict[str, Any], scope: str) -> str | None:
    return FORWARD_AUTH_POST_REFUSAL if conf.get("request_method") == "POST" else None


_HEADER_NAMES: dict[str, Any] = {"type": "array", "default": [], "items": {"type": "string"}}

FORWARD_AUTH = PluginSpec(
    name="forward-auth",
    priority=2002,
    version=0.1,
    schema={
        "type": "object",
        "properties": {
            "uri": {"type": "string"},
            "allow_degradation": {"type": "boolean", "default": False},
            "ssl_verify": {"type": "boolean", "default": True},
            "request_method": {"type": "string", "default": "GET", "enum": ["GET", "POST"]},
            "request_headers": _HEADER_NAMES,
            "upstream_headers": _HEADER_NAMES,
            "client_headers": _HEADER_NAMES,
            "timeout": {"type": "integer", "minimum": 1, "maximum": 60000, "default": 3000},
            "keepalive": {"type": "boolean", "default": True},
            "keepalive_timeout": {"type": "integer", "minimum": 1000, "default": 60000},
            "keepalive_pool": {"type": "integer", "minimum": 1, "default": 5},
        },
        "required": ["uri"],
    },
    extra_check=_forward_auth_check,
)

# hmac-auth's validate_request_body digests the request body, which plugins cannot read.
HMAC_BODY_REFUSAL = (
    "validate_request_body is not supported: this gateway's plugins cannot read the request body"
)


def _hmac_consumer_check(conf: dict[str, Any], scope: str) -> str | None:
    if scope == SCOPE_CONSUMER and conf.get("validate_request_body"):
        return HMAC_BODY_REFUSAL
    return None


HMAC_AUTH = PluginSpec(
    name="hmac-auth",
    priority=2530,
    version=0.1,
    kind="auth",
    schema={"type": "object", "title": "work with route or service object", "properties": {}},
    consumer_schema={
        "type": "object",
        "title": "work with consumer object",
        "properties": {
            "access_key": {"type": "string", "minLength": 1, "maxLength": 256},
            "secret_key": {"type": "string", "minLength": 1, "maxLength": 256},
            "algorithm": {
                "type": "string",
                "enum": ["hmac-sha1", "hmac-sha256", "hmac-sha512"],
                "default": "hmac-sha256",
            },
            "clock_skew": {"type": "integer", "default": 0},
            "signed_headers": {
                "type": "array",
                "items": {"type": "string", "minLength": 1, "maxLength": 50},
            },
            "keep_headers": {
                "type": "boolean",
                "title": "whether to keep the http request header",
                "default": False,
            },
            "encode_uri_params": {
                "type": "boolean",
                "title": "Whether to escape the uri parameter",
                "default": True,
            },
            "validate_request_body": {
                "type": "boolean",
                "title": "A boolean value telling the plugin to enable body validation",
                "default": False,
            },
            "max_req_body": {
                "type": "integer",
                "title": "Max request body size",
                "default": 512 * 1024,
            },
        },
        "encrypt_fields": ["secret_key"],
        "required": ["access_key", "secret_key"],
    },
    extra_check=_hmac_consumer_check,
)

AUTHZ_CASBIN = PluginSpec(
    name="authz-casbin",
    priority=2560,
    version=0.1,
    schema={
        "type": "object",
        "properties": {
            "model_path": {"type": "string"},
            "policy_path": {"type": "string"},
            "model": {"type": "string"},
            "policy": {"type": "string"},
            "username": {"type": "string"},
        },
        "oneOf": [
            {"required": ["model_path", "policy_path", "username"]},
            {"required": ["model", "policy", "username"]},
        ],
    },
    metadata_schema={
        "type": "object",
        "properties": {"model": {"type": "string"}, "policy": {"type": "string"}},
        "required": ["model", "policy"],
    },
)

LDAP_AUTH = PluginSpec(
    name="ldap-auth",
    priority=2540,
    version=0.1,
    kind="auth",
    schema={
        "type": "object",
        "title": "work with route or service object",
        "properties": {
            "base_dn": {"type": "string"},
            "ldap_uri": {"type": "string"},
            "use_tls": {"type": "boolean", "default": False},
            "tls_verify": {"type": "boolean", "default": False},
            "uid": {"type": "string", "default": "cn"},
        },
        "required": ["base_dn", "ldap_uri"],
    },
    consumer_schema={
        "type": "object",
        "title": "work with consumer object",
        "properties": {"user_dn": {"type": "string"}},
        "required": ["user_dn"],
    },
)

_INTROSPECTION_AUTH_METHODS = ("client_secret_basic", "client_secret_post")


def openid_connect_refusal(conf: dict[str, Any]) -> str | None:
    """What of an openid-connect conf this gateway cannot honour, if anything."""
    if "proxy_opts" in conf:
        return "proxy_opts is not supported: this gateway reaches the provider directly"
    method = conf.get("introspection_endpoint_auth_method", "client_secret_basic")
    if method not in _INTROSPECTION_AUTH_METHODS:
        return (
            f"introspection_endpoint_auth_method {method} is not supported "
            f"(supported: {', '.join(_INTROSPECTION_AUTH_METHODS)})"
        )
    return None


def _openid_connect_check(conf: dict[str, Any]) -> str | None:
    # APISIX 3.5's check_schema: the authorization code flow's session gets a random
    # secret when none is configured (stored with the conf, so every worker shares it)
    if not conf.get("bearer_only") and "session" not in conf:
        conf["session"] = {"secret": base64.b64encode(secrets.token_bytes(32)).decode()}
    return openid_connect_refusal(conf)


OPENID_CONNECT = PluginSpec(
    name="openid-connect",
    priority=2599,
    version=0.2,
    schema={
        "type": "object",
        "properties": {
            "client_id": {"type": "string"},
            "client_secret": {"type": "string"},
            "discovery": {"type": "string"},
            "scope": {"type": "string", "default": "openid"},
            "ssl_verify": {"type": "boolean", "default": False},
            "timeout": {
                "type": "integer",
                "minimum": 1,
                "default": 3,
                "description": "timeout in seconds",
            },
            "introspection_endpoint": {"type": "string"},
            "introspection_endpoint_auth_method": {
                "type": "string",
                "default": "client_secret_basic",
            },
            "bearer_only": {"type": "boolean", "default": False},
            "session": {
                "type": "object",
                "properties": {
                    "secret": {
                        "type": "string",
                        "description": "the key used for the encrypt and HMAC calculation",
                        "minLength": 16,
                    }
                },
                "required": ["secret"],
                "additionalProperties": False,
            },
            "realm": {"type": "string", "default": "apisix"},
            "logout_path": {"type": "string", "default": "/logout"},
            "redirect_uri": {
                "type": "string",
                "description": "use ngx.var.request_uri if not configured",
            },
            "post_logout_redirect_uri": {
                "type": "string",
                "description": "the URI will be redirect when request logout_path",
            },
            "unauth_action": {
                "type": "string",
                "default": "auth",
                "enum": ["auth", "deny", "pass"],
                "description": "The action performed when client is not authorized. Use auth "
                "to redirect user to identity provider, deny to respond with 401 Unauthorized, "
                "and pass to allow the request regardless.",
            },
            "public_key": {"type": "string"},
            "token_signing_alg_values_expected": {"type": "string"},
            "use_pkce": {
                "description": "when set to true the PKEC(Proof Key for Code Exchange) will "
                "be used.",
                "type": "boolean",
                "default": False,
            },
            "set_access_token_header": {
                "description": "Whether the access token should be added as a header to the "
                "request for downstream",
                "type": "boolean",
                "default": True,
            },
            "access_token_in_authorization_header": {
                "description": "Whether the access token should be added in the "
                "Authorization header as opposed to the X-Access-Token header.",
                "type": "boolean",
                "default": False,
            },
            "set_id_token_header": {
                "description": "Whether the ID token should be added in the X-ID-Token "
                "header to the request for downstream.",
                "type": "boolean",
                "default": True,
            },
            "set_userinfo_header": {
                "description": "Whether the user info token should be added in the "
                "X-Userinfo header to the request for downstream.",
                "type": "boolean",
                "default": True,
            },
            "set_refresh_token_header": {
                "description": "Whether the refresh token should be added in the "
                "X-Refresh-Token header to the request for downstream.",
                "type": "boolean",
                "default": False,
            },
            "proxy_opts": {
                "description": "HTTP proxy server be used to access identity server.",
                "type": "object",
                "properties": {
                    "http_proxy": {
                        "type": "string",
                        "description": "HTTP proxy like: http://proxy-server:80.",
                    },
                    "https_proxy": {
                        "type": "string",
                        "description": "HTTPS proxy like: http://proxy-server:80.",
                    },
                    "http_proxy_authorization": {
                        "type": "string",
                        "description": "Basic [base64 username:password].",
                    },
                    "https_proxy_authorization": {
                        "type": "string",
                        "description": "Basic [base64 username:password].",
                    },
                    "no_proxy": {
                        "type": "string",
                        "description": "Comma separated list of hosts that should not be proxied.",
                    },
                },
            },
        },
        "encrypt_fields": ["client_secret"],
        "required": ["client_id", "client_secret", "discovery"],
    },
    extra_check=lambda conf, scope: _openid_connect_check(conf),
)

SPECS = (
    KEY_AUTH,
    BASIC_AUTH,
    JWT_AUTH,
    CONSUMER_RESTRICTION,
    FORWARD_AUTH,
    HMAC_AUTH,
    AUTHZ_CASBIN,
    LDAP_AUTH,
    OPENID_CONNECT,
)
