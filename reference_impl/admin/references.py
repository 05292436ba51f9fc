"""References between objects: checks that a referenced object exists when one is
written, and the scans that find who still uses an object before it is deleted."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from ..api.context import Context
from ..api.errors import ApiError, bad_request
from .unhonoured import unhonoured
from .validation import check_schema

SECRET_REF = "$secret://"


def require(ctx: Context, label: str, directory: str, id: Any) -> dict[str, Any]:
    """The referenced object, or APISIX's 400 (`failed to fetch upstream info by upstream id
    [1], response code: 404`)."""
    kv = ctx.get(f"/{directory}/{id}")
    if kv is None:
        raise bad_request(f"failed to fetch {label} info by {label} id [{id}], response code: 404")
    return kv.value


def check_common_refs(ctx: Context, conf: dict[str, Any]) -> None:
    """upstream_id, service_id and plugin_config_id, as routes, services and stream routes
    carry them."""
    for field, label, directory in (
        ("upstream_id", "upstream", "upstreams"),
        ("service_id", "service", "services"),
        ("plugin_config_id", "plugin config", "plugin_configs"),
    ):
        if conf.get(field) is not None:
            require(ctx, label, directory, conf[field])


def open_upstream(ctx: Context, upstream: Any) -> Any:
    """The upstream with an encrypted tls.client_key decrypted, so it can be checked."""
    tls = upstream.get("tls") if isinstance(upstream, dict) else None
    if not isinstance(tls, dict):
        return upstream
    key = tls.get("client_key")
    if not isinstance(key, str) or key.startswith("---") or _is_secret_ref(key):
        return upstream
    plain = ctx.keyring.decrypt_pkey(key)
    if plain is None:
        raise bad_request("failed to decrypt previous encrypted key")
    return {**upstream, "tls": {**tls, "client_key": plain}}


def seal_upstream(ctx: Context, upstream: dict[str, Any]) -> dict[str, Any]:
    """A checked upstream: its tls.client_cert_id must name a client SSL object, and its
    tls.client_key is returned encrypted."""
    tls = upstream.get("tls") or {}
    ssl_id = tls.get("client_cert_id")
    if ssl_id is not None:
        ssl = require(ctx, "ssl", "ssls", ssl_id)
        if ssl.get("type") != "client":
            raise bad_request(f"failed to fetch ssl info by ssl id [{ssl_id}], wrong ssl type")
    if isinstance(tls.get("client_key"), str):
        sealed = ctx.keyring.encrypt_pkey(tls["client_key"])
        upstream = {**upstream, "tls": {**tls, "client_key": sealed}}
    return upstream


def check_with_upstream(
    ctx: Context, kind: str, conf: dict[str, Any], *, embedded: bool = True
) -> dict[str, Any]:
    """Schema check of an object that is or embeds an upstream, what of it the data plane
    can't honour (refused), and its references."""
    if embedded:
        if "upstream" in conf:
            conf = {**conf, "upstream": open_upstream(ctx, conf["upstream"])}
        checked = check_schema(kind, conf)
        if isinstance(checked.get("upstream"), dict):
            checked["upstream"] = seal_upstream(ctx, checked["upstream"])
    else:
        checked = seal_upstream(ctx, check_schema(kind, open_upstream(ctx, conf)))
    reason = unhonoured(kind, checked, ctx.config.dns_servers)
    if reason is not None:
        raise bad_request(reason)
    check_common_refs(ctx, checked)
    check_secret_refs(ctx, checked)
    return checked


def check_secret_refs(ctx: Context, conf: Any) -> None:
    """Every `$secret://manager/id/field` string must name a stored secret."""
    for text in strings_in(conf):
        if not text.startswith(SECRET_REF):
            continue
        parts = text[len(SECRET_REF) :].split("/")
        if len(parts) < 3 or not all(parts[:3]):
            raise bad_request(f"invalid secret reference: {text}")
        manager, id = parts[0], parts[1]
        if ctx.get(f"/secrets/{manager}/{id}") is None:
            raise bad_request(
                f"failed to fetch secret info by secret id [{manager}/{id}], response code: 404"
            )


def _is_secret_ref(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(SECRET_REF)


def strings_in(value: Any) -> Iterator[str]:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            yield item
        elif isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def refuse_if_used(
    ctx: Context,
    directory: str,
    uses: Callable[[dict[str, Any]], bool],
    message: str,
) -> None:
    """A 400 with `message` (its `{}` filled with the user's id, or a consumer's username)
    for the first object under `directory` that `uses` says still references the object
    being deleted."""
    for value in ctx.values(f"/{directory}"):
        if uses(value):
            raise ApiError(400, message.format(value.get("id", value.get("username"))))


def same_id(value: Any, id: str) -> bool:
    return value is not None and str(value) == id
