"""Request/response transformation plugins: proxy-rewrite, response-rewrite, cors, redirect,
echo, gzip, brotli (APISIX 3.10+), real-ip, mocking."""

from __future__ import annotations

import base64
import binascii
import re
from typing import Any

from reference_impl.lua.template import template_text, unsupported_feature
from reference_impl.schema.definitions import IP_DEF, Schema
from reference_impl.schema.plugins.observability import cidrs_check
from reference_impl.schema.plugins.spec import (
    SCOPE_METADATA,
    PluginSpec,
    check_plain_headers,
    is_new_headers_conf,
)
from reference_impl.schema.vars_expr import check_expr

_HEADER_VALUE: Schema = {"oneOf": [{"type": "string"}, {"type": "number"}]}
_HEADER_MAP: Schema = {
    "type": "object",
    "minProperties": 1,
    "patternProperties": {"^[^:]+$": _HEADER_VALUE},
}


def _regex_error(pattern: str) -> str | None:
    try:
        re.compile(pattern)
    except re.error as exc:
        return str(exc)
    return None


def _proxy_rewrite_check(conf: dict[str, Any], scope: str) -> str | None:
    regex_uri = conf.get("regex_uri")
    if regex_uri:
        if len(regex_uri) % 2:
            return "The length of regex_uri should be an even number"
        for pattern, replacement in zip(regex_uri[::2], regex_uri[1::2], strict=True):
            err = _regex_error(pattern)
            if err:
                return f"invalid regex_uri({pattern}, {replacement}): {err}"
    headers = conf.get("headers")
    if headers and not is_new_headers_conf(headers):
        return check_plain_headers(headers)
    return None


PROXY_REWRITE = PluginSpec(
    name="proxy-rewrite",
    priority=1008,
    version=0.1,
    schema={
        "type": "object",
        "properties": {
            "uri": {
                "description": "new uri for upstream",
                "type": "string",
                "minLength": 1,
                "maxLength": 4096,
                "pattern": r"^\/.*",
            },
            "method": {
                "description": "proxy route method",
                "type": "string",
                "enum": [
                    "COPY",
                    "DELETE",
                    "GET",
                    "HEAD",
                    "LOCK",
                    "MKCOL",
                    "MOVE",
                    "OPTIONS",
                    "PATCH",
                    "POST",
                    "PROPFIND",
                    "PUT",
                    "TRACE",
                    "UNLOCK",
                ],
            },
            "regex_uri": {
                "description": "new uri that substitute from client uri for upstream, "
                "lower priority than uri property",
                "type": "array",
                "minItems": 2,
                "items": {"description": "regex uri", "type": "string"},
            },
            "host": {
                "description": "new host for upstream",
                "type": "string",
                "pattern": r"^[0-9a-zA-Z-.]+(:\d{1,5})?$",
            },
            "headers": {
                "description": "new headers for request",
                "oneOf": [
                    {
                        "type": "object",
                        "minProperties": 1,
                        "additionalProperties": False,
                        "properties": {
                            "add": _HEADER_MAP,
                            "set": _HEADER_MAP,
                            "remove": {
                                "type": "array",
                                "minItems": 1,
                                "items": {"type": "string", "pattern": "^[^:]+$"},
                            },
                        },
                    },
                    _HEADER_MAP,
                ],
            },
            "use_real_request_uri_unsafe": {
                "description": "use real_request_uri instead, THIS IS VERY UNSAFE.",
                "type": "boolean",
                "default": False,
            },
        },
        "minProperties": 1,
    },
    extra_check=_proxy_rewrite_check,
)


def _response_rewrite_check(conf: dict[str, Any], scope: str) -> str | None:
    headers = conf.get("headers")
    if headers and not is_new_headers_conf(headers):
        err = check_plain_headers(headers)
        if err:
            return err
    if conf.get("body_base64"):
        try:
            base64.b64decode(conf.get("body") or "", validate=True)
        except (binascii.Error, ValueError):
            return "invalid base64 content"
        if not conf.get("body"):
            return "invalid base64 content"
    if "vars" in conf:
        err = check_expr(conf["vars"])
        if err:
            return f"failed to validate the 'vars' expression: {err}"
    for item in conf.get("filters", ()):
        err = _regex_error(item["regex"])
        if err:
            return f'regex "{item["regex"]}" validation failed: {err}'
    return None


RESPONSE_REWRITE = PluginSpec(
    name="response-rewrite",
    priority=899,
    version=0.1,
    schema={
        "type": "object",
        "properties": {
            "headers": {
                "description": "new headers for response",
                "anyOf": [
                    _HEADER_MAP,
                    {
                        "properties": {
                            "add": {
                                "type": "array",
                                "minItems": 1,
                                "items": {"type": "string", "pattern": "^[^:]+:[^:]*[^/]$"},
                            },
                            "set": _HEADER_MAP,
                            "remove": {
                                "type": "array",
                                "minItems": 1,
                                "items": {"type": "string", "pattern": "^[^:]+$"},
                            },
                        }
                    },
                ],
            },
            "body": {"description": "new body for response", "type": "string"},
            "body_base64": {
                "description": "whether new body for response need base64 decode before return",
                "type": "boolean",
                "default": False,
            },
            "status_code": {
                "description": "new status code for response",
                "type": "integer",
                "minimum": 200,
                "maximum": 598,
            },
            "vars": {"type": "array"},
            "filters": {
                "description": "a group of filters that modify response body"
                "by replacing one specified string by another",
                "type": "array",
                "minItems": 1,
                "items": {
                    "description": "filter that modifies response body",
                    "type": "object",
                    "required": ["regex", "replace"],
                    "properties": {
                        "regex": {
                            "description": "match pattern on response body",
                            "type": "string",
                            "minLength": 1,
                        },
                        "scope": {
                            "description": "regex substitution range",
                            "type": "string",
                            "enum": ["once", "global"],
                            "default": "once",
                        },
                        "replace": {"description": "regex substitution content", "type": "string"},
                        "options": {
                            "description": "regex options",
                            "type": "string",
                            "default": "jo",
                        },
                    },
                },
            },
        },
        "dependencies": {
            "body": {"not": {"required": ["filters"]}},
            "filters": {"not": {"required": ["body"]}},
        },
    },
    extra_check=_response_rewrite_check,
)

_ORIGINS_PATTERN = r"^(\*|\*\*|null|\w+://[^,]+(,\w+://[^,]+)*)$"
_REGEX_LIST: Schema = {
    "type": "array",
    "items": {"type": "string", "minLength": 1, "maxLength": 4096},
    "minItems": 1,
    "uniqueItems": True,
}


def _cors_check(conf: dict[str, Any], scope: str) -> str | None:
    if scope == SCOPE_METADATA:
        return None
    if conf.get("allow_credential") and "*" in (
        conf.get("allow_origins"),
        conf.get("allow_methods"),
        conf.get("allow_headers"),
        conf.get("expose_headers"),
        conf.get("timing_allow_origins"),
    ):
        return "you can not set '*' for other option when 'allow_credential' is true"
    for key in ("allow_origins_by_regex", "timing_allow_origins_by_regex"):
        for pattern in conf.get(key, ()):
            err = _regex_error(pattern)
            if err:
                return err
    return None


CORS = PluginSpec(
    name="cors",
    priority=4000,
    version=0.1,
    schema={
        "type": "object",
        "properties": {
            "allow_origins": {"type": "string", "pattern": _ORIGINS_PATTERN, "default": "*"},
            "allow_methods": {"type": "string", "default": "*"},
            "allow_headers": {"type": "string", "default": "*"},
            "expose_headers": {"type": "string"},
            "max_age": {"type": "integer", "default": 5},
            "allow_credential": {"type": "boolean", "default": False},
            "allow_origins_by_regex": _REGEX_LIST,
            "allow_origins_by_metadata": _REGEX_LIST,
            "timing_allow_origins": {"type": "string", "pattern": _ORIGINS_PATTERN},
            "timing_allow_origins_by_regex": _REGEX_LIST,
        },
    },
    metadata_schema={
        "type": "object",
        "properties": {
            "allow_origins": {
                "type": "object",
                "additionalProperties": {"type": "string", "pattern": _ORIGINS_PATTERN},
            }
        },
    },
    extra_check=_cors_check,
)


# A `$var`, `${var}`, escaped `\$var`, or plain text: what redirect's `uri` is made of.
REDIRECT_URI_PARTS = r"(\\\$[0-9a-zA-Z_]+)|\$\{([0-9a-zA-Z_]+)\}|\$([0-9a-zA-Z_]+)|(\$|[^$\\]+)"


def _redirect_check(conf: dict[str, Any], scope: str) -> str | None:
    regex_uri = conf.get("regex_uri")
    if regex_uri:
        err = _regex_error(regex_uri[0])
        if err:
            return f"invalid regex_uri ({regex_uri[0]}, {regex_uri[1]}), err:{err}"
    if conf.get("http_to_https") and conf.get("append_query_string"):
        return "only one of `http_to_https` and `append_query_string` can be configured."
    return None


REDIRECT = PluginSpec(
    name="redirect",
    priority=900,
    version=0.1,
    schema={
        "type": "object",
        "properties": {
            "ret_code": {"type": "integer", "minimum": 200, "default": 302},
            "uri": {"type": "string", "minLength": 2, "pattern": REDIRECT_URI_PARTS},
            "regex_uri": {
                "description": "params for generating new uri that substitute from client uri, "
                "first param is regular expression, the second one is uri template",
                "type": "array",
                "maxItems": 2,
                "minItems": 2,
                "items": {"description": "regex uri", "type": "string"},
            },
            "http_to_https": {"type": "boolean"},
            "encode_uri": {"type": "boolean", "default": False},
            "append_query_string": {"type": "boolean", "default": False},
        },
        "oneOf": [
            {"required": ["uri"]},
            {"required": ["regex_uri"]},
            {"required": ["http_to_https"]},
        ],
    },
    extra_check=_redirect_check,
)

ECHO = PluginSpec(
    name="echo",
    priority=412,
    version=0.1,
    schema={
        "type": "object",
        "properties": {
            "before_body": {"description": "body before the filter phase.", "type": "string"},
            "body": {"description": "body to replace upstream response.", "type": "string"},
            "after_body": {
                "description": "body after the modification of filter phase.",
                "type": "string",
            },
            "headers": {
                "description": "new headers for response",
                "type": "object",
                "minProperties": 1,
            },
        },
        "anyOf": [
            {"required": ["before_body"]},
            {"required": ["body"]},
            {"required": ["after_body"]},
        ],
        "minProperties": 1,
    },
    # APISIX finds a bad header value only when it answers; refused here instead
    extra_check=lambda conf, scope: check_plain_headers(conf.get("headers") or {}),
)

_COMPRESS_TYPES: Schema = {
    "anyOf": [
        {"type": "array", "minItems": 1, "items": {"type": "string", "minLength": 1}},
        {"enum": ["*"]},
    ],
    "default": ["text/html"],
}

GZIP = PluginSpec(
    name="gzip",
    priority=995,
    version=0.1,
    schema={
        "type": "object",
        "properties": {
            "types": _COMPRESS_TYPES,
            "min_length": {"type": "integer", "minimum": 1, "default": 20},
            "comp_level": {"type": "integer", "minimum": 1, "maximum": 9, "default": 1},
            "http_version": {"enum": [1.1, 1.0], "default": 1.1},
            "buffers": {
                "type": "object",
                "properties": {
                    "number": {"type": "integer", "minimum": 1, "default": 32},
                    "size": {"type": "integer", "minimum": 1, "default": 4096},
                },
                "default": {"number": 32, "size": 4096},
            },
            "vary": {"type": "boolean"},
        },
    },
)


# Not in 3.5: apisix/plugins/brotli.lua came with APISIX 3.10.
BROTLI = PluginSpec(
    name="brotli",
    priority=996,
    version=0.1,
    schema={
        "type": "object",
        "properties": {
            "types": _COMPRESS_TYPES,
            "min_length": {"type": "integer", "minimum": 1, "default": 20},
            "mode": {"type": "integer", "minimum": 0, "maximum": 2, "default": 0},
            "comp_level": {"type": "integer", "minimum": 0, "maximum": 11, "default": 6},
            "lgwin": {
                "type": "integer",
                "default": 19,
                "enum": [0, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24],
            },
            "lgblock": {
                "type": "integer",
                "default": 0,
                "enum": [0, 16, 17, 18, 19, 20, 21, 22, 23, 24],
            },
            "http_version": {"enum": [1.1, 1.0], "default": 1.1},
            "vary": {"type": "boolean"},
        },
    },
)

REAL_IP = PluginSpec(
    name="real-ip",
    priority=23000,
    version=0.1,
    schema={
        "type": "object",
        "properties": {
            "trusted_addresses": {"type": "array", "items": {"anyOf": IP_DEF}, "minItems": 1},
            "source": {"type": "string", "minLength": 1},
            "recursive": {"type": "boolean", "default": False},
        },
        "required": ["source"],
    },
    extra_check=cidrs_check("trusted_addresses"),
)

MOCKING_CONTENT_TYPES = frozenset(
    ["application/xml", "application/json", "text/plain", "text/html", "text/xml"]
)


_PRINTABLE_PARAMS = re.compile(r"([ -~]*);([ -~]*)")


def mocking_media_type(content_type: str) -> str:
    """The media type of a Content-Type as the mocking plugin reads it: an unanchored,
    greedy `([ -~]*);([ -~]*)` match, so the text before the *last* `;`."""
    match = _PRINTABLE_PARAMS.search(content_type)
    return match.group(1) if match else content_type


def _mocking_check(conf: dict[str, Any], scope: str) -> str | None:
    if mocking_media_type(conf["content_type"]) not in MOCKING_CONTENT_TYPES:
        return "unsupported content type!"
    return None


MOCKING = PluginSpec(
    name="mocking",
    priority=10900,
    version=0.1,
    schema={
        "type": "object",
        "properties": {
            "delay": {"type": "integer", "default": 0},
            "response_status": {"type": "integer", "default": 200, "minimum": 100},
            "content_type": {"type": "string", "default": "application/json;charset=utf8"},
            "response_example": {"type": "string"},
            "response_schema": {"type": "object"},
            "with_mock_header": {"type": "boolean", "default": True},
            "response_headers": _HEADER_MAP,
        },
        "anyOf": [{"required": ["response_example"]}, {"required": ["response_schema"]}],
    },
    extra_check=_mocking_check,
)


def _body_transformer_check(conf: dict[str, Any], scope: str) -> str | None:
    for typ in ("request", "response"):
        if typ in conf:
            feature = unsupported_feature(template_text(conf[typ]["template"]))
            if feature is not None:
                return f"{typ} template: {feature} are not supported by the reference gateway"
    return None


_TRANSFORM: Schema = {
    "type": "object",
    "properties": {
        "input_format": {"type": "string", "enum": ["xml", "json"]},
        "template": {"type": "string"},
    },
    "required": ["template"],
}

# apisix/plugins/body-transformer.lua (3.5)
BODY_TRANSFORMER = PluginSpec(
    name="body-transformer",
    priority=1080,
    version=0.1,
    schema={
        "type": "object",
        "properties": {"request": _TRANSFORM, "response": _TRANSFORM},
        "anyOf": [
            {"required": ["request"]},
            {"required": ["response"]},
            {"required": ["request", "response"]},
        ],
    },
    extra_check=_body_transformer_check,
)

SPECS = (
    BODY_TRANSFORMER,
    PROXY_REWRITE,
    RESPONSE_REWRITE,
    CORS,
    REDIRECT,
    ECHO,
    GZIP,
    BROTLI,
    REAL_IP,
    MOCKING,
)
