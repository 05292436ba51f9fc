"""APISIX resources of a gateway group on the dashboard API, in the API7 envelope:
`/api/gateway_groups/{gid}/consumers[/{username}[/credentials[/{id}]]]`, `.../ssls`,
`.../global_rules` and `.../plugin_metadata`.

The APISIX Admin API's own resource handlers do the work over the group's key prefix
(validation, ids, timestamps, references, encrypted SSL keys), so an object is the same
whether written here or through `/apisix/admin/...?gateway_group_id=`; this module maps
paths (a POST creates: consumers take their key from `username`, credentials and global
rules get a generated id) and turns APISIX bodies into `{"value"}` / `{"list", "total"}`.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from ..admin.resources import CREDENTIALS, RESOURCES
from ..admin.ssl_crypto import Keyring
from ..api.actions import Actions, crud_actions
from ..api.apisix_bodies import API7_PAGE_SIZES
from ..api.context import MISSING, CollectionRequest, Context
from ..api.dialects import ApisixDialect
from ..api.errors import ApiError
from ..api.ids import APISIX_IDS
from ..api.mounts import mount
from ..api.records import Records
from .context import Api, Call

GG = "/gateway_groups/{gateway_group_id}"


def _context(api: Api, group_id: str) -> Context:
    prefix = api.cp.group_prefix(group_id)
    return Context(
        config=replace(api.config, etcd_prefix=prefix),
        records=Records(api.cp.store, prefix, APISIX_IDS),
        keyring=Keyring.from_config(api.config.raw),
        dialect=ApisixDialect("v3", API7_PAGE_SIZES),
    )


def _envelope(body: Any) -> Any:
    """An APISIX v3 body in the API7 envelope."""
    if not isinstance(body, dict):
        return body
    if "list" in body:
        rows = [
            item.get("value", item) if isinstance(item, dict) else item for item in body["list"]
        ]
        return {"list": rows, "total": body.get("total", len(rows))}
    if "value" in body:
        return {"value": body["value"]}
    return body


def _admin(
    api: Api,
    call: Call,
    resource: str,
    segments: list[str],
    method: str | None = None,
    body: Any = None,
):
    group_id = call.params["gateway_group_id"]
    api.group_or_404(group_id)
    parent = call.params.get("consumer_id")
    handler = CREDENTIALS if resource == "credentials" else RESOURCES[resource]
    payload = call.body if body is None else body
    req = CollectionRequest(
        method or call.method.lower(),
        segments,
        MISSING if payload is None else payload,
        call.args,
        parent=parent,
    )
    try:
        status, answer = handler.handle(req.method, _context(api, group_id), req)
    except ApiError as exc:
        message = exc.body.get("error_msg") or exc.body.get("message") or "refused"
        if exc.status == 404 and "error_msg" not in exc.body:
            message = f"{resource.rstrip('s').replace('_', ' ')} not found"
        raise ApiError(exc.status, str(message)) from None
    return (200 if status == 201 else status), _envelope(answer)


def _with_field(call: Call, name: str, value: str) -> dict[str, Any]:
    body = call.obj()
    if name in body and body[name] != value:
        raise ApiError(400, f"invalid request body: {name} {body[name]!r} does not match the path")
    return {**body, name: value}


def handlers(
    resource: str, id_param: str, create: str, actions: Actions
) -> list[tuple[str, str, Any]]:
    """CRUD of one resource, mounted with its `actions` on the dashboard API; `create` says
    what POST does: "post" (APISIX generates the id), "id" (a new id, then PUT) or
    "username" (PUT, the key comes from the body)."""
    if resource == "credentials":
        base = f"{GG}/consumers/{{consumer_id}}/credentials"
    else:
        base = f"{GG}/{resource}"
    item = f"{base}/{{{id_param}}}"
    collection = CREDENTIALS if resource == "credentials" else RESOURCES[resource]
    mount("/api", collection, actions, base=f"/api{base}", item=f"{{{id_param}}}")

    def list_all(api: Api, call: Call) -> tuple[int, Any]:
        return _admin(api, call, resource, [], "get")

    def create_one(api: Api, call: Call) -> tuple[int, Any]:
        if create == "post":
            return _admin(api, call, resource, [], "post")
        if create == "username":
            call.obj()
            return _admin(api, call, resource, [], "put")
        return _admin(api, call, resource, [api.cp.new_id()], "put")

    def get_one(api: Api, call: Call) -> tuple[int, Any]:
        return _admin(api, call, resource, [call.params[id_param]], "get")

    def put_one(api: Api, call: Call) -> tuple[int, Any]:
        if create == "username":
            body = _with_field(call, "username", call.params[id_param])
            return _admin(api, call, resource, [], "put", body)
        return _admin(api, call, resource, [call.params[id_param]], "put")

    def delete_one(api: Api, call: Call) -> tuple[int, Any]:
        status, _ = _admin(api, call, resource, [call.params[id_param]], "delete")
        return status, None

    rows = [
        ("GET", base, list_all),
        ("GET", item, get_one),
        ("PUT", item, put_one),
        ("DELETE", item, delete_one),
    ]
    if create != "none":
        rows.insert(1, ("POST", base, create_one))
    return rows


G = ("gateway_group_id",)
ROUTES = [
    *handlers(
        "consumers",
        "consumer_id",
        "username",
        crud_actions("Consumer", G, item_arg="consumer_id", item_field="username"),
    ),
    *handlers(
        "credentials",
        "credential_id",
        "id",
        crud_actions("ConsumerCredential", (*G, "consumer_id")),
    ),
    *handlers("ssls", "ssl_id", "post", crud_actions("SSLCertificate", G, patch=False)),
    *handlers(
        "global_rules", "global_rule_id", "id", crud_actions("GlobalPluginRule", G, patch=False)
    ),
    *handlers(
        "plugin_metadata",
        "plugin_name",
        "none",
        crud_actions("PluginMetadata", G, create=False, patch=False),
    ),
]
