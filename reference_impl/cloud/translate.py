"""Cloud applications, APIs, consumers and certificates as APISIX objects.

Objects are written where a data plane reads them (`{prefix}/routes/{id}` ...), shaped as the
Admin API stores them (schema defaults, `create_time`/`update_time`). Their ids start with
`cloud-` (consumers: `cloud_`, the username syntax has no `-`), which the Cloud API owns.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any

from ..admin.ssl_crypto import Keyring, cert_names, parse_cert
from ..schema import SchemaError, check_resource
from ..store import Store
from .envelope import invalid
from .validation import apisix_plugins

APP_LABEL = "api7-cloud-app"
API_LABEL = "api7-cloud-api"
LB_TYPES = {
    "roundrobin": "roundrobin",
    "consistent_hash": "chash",
    "ewma": "ewma",
    "least_conn": "least_conn",
}
SUBJECT_VARS: dict[str, Callable[[str], str]] = {
    "header": lambda name: "http_" + name.lower().replace("-", "_"),
    "query": lambda name: "arg_" + name,
    "cookie": lambda name: "cookie_" + name,
    "path": lambda name: "uri",
    "variable": lambda name: name,
}
OPERATORS = {
    "equal": ["=="],
    "not_equal": ["~="],
    "regex_match": ["~~"],
    "regex_not_match": ["!", "~~"],
    "larger_equal": [">="],
    "larger_than": [">"],
    "less_equal": ["<="],
    "less_than": ["<"],
    # presence: any value matches the empty regex, an absent variable matches nothing
    "present": ["~~"],
    "not_present": ["!", "~~"],
}


def upstream_id(app_id: str, index: int) -> str:
    return f"cloud-app-{app_id}-{index}"


def route_id(api_id: str) -> str:
    return f"cloud-api-{api_id}"


def consumer_username(consumer_id: str) -> str:
    return f"cloud_{consumer_id}"


def ssl_id(certificate_id: str) -> str:
    return f"cloud-cert-{certificate_id}"


def _checked(kind: str, conf: dict[str, Any]) -> dict[str, Any]:
    try:
        return check_resource(kind, conf)
    except SchemaError as exc:
        raise invalid(f"the gateway cannot use this configuration: {exc}") from None


def apisix_upstream(app_id: str, index: int, upstream: dict[str, Any]) -> dict[str, Any]:
    conf: dict[str, Any] = {
        "id": upstream_id(app_id, index),
        "type": LB_TYPES[upstream.get("lb_type", "roundrobin")],
        "scheme": upstream["scheme"],
        "nodes": [
            {"host": t["host"], "port": t["port"], "weight": t.get("weight", 100)}
            for t in upstream["targets"]
        ],
        "pass_host": upstream.get("upstream_host_mode", "pass"),
        "labels": {APP_LABEL: app_id},
    }
    if conf["type"] == "chash":
        conf["hash_on"], conf["key"] = "vars", upstream.get("hash_key", "remote_addr").lstrip("$")
    if upstream.get("upstream_host"):
        conf["upstream_host"] = upstream["upstream_host"]
    if "retries" in upstream:
        conf["retries"] = upstream["retries"]
    if upstream.get("timeout"):
        conf["timeout"] = {k: upstream["timeout"].get(k, 60) for k in ("connect", "send", "read")}
    return _checked("upstreams", conf)


def default_upstream_index(app: dict[str, Any]) -> int:
    """Which of the application's upstreams serves its APIs (`default_upstream_version`)."""
    wanted = app.get("default_upstream_version", "default")
    versions = [u.get("version", "default") for u in app["upstreams"]]
    if wanted in versions:
        return versions.index(wanted)
    if len(versions) == 1 and not app.get("default_upstream_version"):
        return 0
    raise invalid(f"default_upstream_version {wanted!r} names none of the upstreams' versions")


def full_paths(prefix: str, api: dict[str, Any]) -> list[str]:
    """APISIX `uris` of an API: the application prefix joined with each path (`*` for Prefix)."""
    uris = []
    for item in api["paths"]:
        path = prefix.rstrip("/") + item.get("path", "")
        path = path or "/"
        if item.get("path_type", "Prefix") == "Prefix":
            path += "*"
        uris.append(path)
    return sorted(set(uris))


def route_vars(control: dict[str, Any] | None) -> list[Any] | None:
    if not control or not control.get("enabled") or not control.get("expressions"):
        return None
    terms = []
    for expr in control["expressions"]:
        var = SUBJECT_VARS[expr["subject"]](expr.get("name", ""))
        value = "" if expr["operator"] in ("present", "not_present") else expr.get("value", "")
        terms.append([var, *OPERATORS[expr["operator"]], value])
    if control.get("logical_relationship") == "Any":
        return [["OR", *terms]]
    return terms


def apisix_route(app: dict[str, Any], api: dict[str, Any], upstream: str) -> dict[str, Any]:
    plugins = {**apisix_plugins(app.get("plugins")), **apisix_plugins(api.get("plugins"))}
    prefix = app["path_prefix"].rstrip("/")
    if api.get("strip_path_prefix") and prefix:
        plugins["proxy-rewrite"] = {
            **plugins.get("proxy-rewrite", {}),
            "regex_uri": [f"^{re.escape(prefix)}/?(.*)", "/$1"],
        }
    conf: dict[str, Any] = {
        "id": route_id(api["id"]),
        "name": f"{app['name']}/{api['name']}",
        "uris": full_paths(app["path_prefix"], api),
        "upstream_id": upstream,
        "status": 1 if app.get("active", 0) == 0 and api.get("active", 0) == 0 else 0,
        "labels": {APP_LABEL: app["id"], API_LABEL: api["id"]},
    }
    if "*" not in app["hosts"]:
        conf["hosts"] = list(app["hosts"])
    if api.get("methods"):
        conf["methods"] = list(api["methods"])
    if api.get("description"):
        conf["desc"] = api["description"]
    if plugins:
        conf["plugins"] = apisix_plugins(plugins)
    if api.get("type") == "WebSocket":
        conf["enable_websocket"] = True
    matches = route_vars(api.get("fine_grained_route_control"))
    if matches:
        conf["vars"] = matches
    return _checked("routes", conf)


def application_objects(
    app: dict[str, Any], apis: list[dict[str, Any]]
) -> dict[str, dict[str, Any]]:
    """`{"upstreams/<id>": conf, "routes/<id>": conf}` of an application and its APIs."""
    objects = {}
    for index, item in enumerate(app["upstreams"]):
        conf = apisix_upstream(app["id"], index, item["upstream"])
        objects[f"upstreams/{conf['id']}"] = conf
    serving = upstream_id(app["id"], default_upstream_index(app))
    for api in apis:
        conf = apisix_route(app, api, serving)
        objects[f"routes/{conf['id']}"] = conf
    return objects


def apisix_consumer(consumer: dict[str, Any]) -> dict[str, Any]:
    credentials = consumer.get("credentials") or {}
    plugins = apisix_plugins(consumer.get("plugins"))
    if "key_auth" in credentials:
        plugins["key-auth"] = {"key": credentials["key_auth"]["key"]}
    if "basic_auth" in credentials:
        plugins["basic-auth"] = dict(credentials["basic_auth"])
    if "jwt_auth" in credentials:
        plugins["jwt-auth"] = {**credentials["jwt_auth"], "algorithm": "HS256"}
    conf = {
        "username": consumer_username(consumer["id"]),
        "desc": f"API7 Cloud consumer {consumer['name']}",
        "labels": {"api7-cloud-consumer": consumer["id"]},
        "plugins": apisix_plugins(plugins, "consumer"),
    }
    return _checked("consumers", conf)


def apisix_ssl(
    certificate: dict[str, Any], cert_pem: str, key_pem: str, keyring: Keyring
) -> dict[str, Any]:
    """An SSL object; the key is checked in plain text, then stored encrypted."""
    conf = {
        "id": ssl_id(certificate["id"]),
        "cert": cert_pem,
        "key": key_pem,
        "snis": cert_names(parse_cert(cert_pem)),
        "labels": {"api7-cloud-certificate": certificate["id"]},
    }
    checked = _checked("ssls", conf)
    checked["key"] = keyring.encrypt_pkey(checked["key"])
    return checked


class DataPlaneWriter:
    """Writes translated objects under a data-plane prefix, keeping `create_time`."""

    def __init__(self, store: Store, clock: Callable[[], int] = lambda: int(time.time())) -> None:
        self.store = store
        self.clock = clock

    def put(self, prefix: str, relative: str, conf: dict[str, Any]) -> None:
        key = f"{prefix}/{relative}"
        previous = self.store.get(key)
        old = previous.value if previous is not None and isinstance(previous.value, dict) else None
        if old is not None and _without_times(old) == conf:
            return
        now = self.clock()
        value = {
            **conf,
            "create_time": old.get("create_time", now) if old else now,
            "update_time": now,
        }
        self.store.put(key, value)

    def delete(self, prefix: str, relative: str) -> None:
        self.store.delete(f"{prefix}/{relative}")

    def owned(self, prefix: str, kind: str, label: str, owner: str) -> list[str]:
        """Relative keys (`routes/<id>`) of the objects of `kind` labelled `label: owner`."""
        kvs, _ = self.store.range(f"{prefix}/{kind}/")
        return [
            kv.key[len(prefix) + 1 :]
            for kv in kvs
            if isinstance(kv.value, dict) and (kv.value.get("labels") or {}).get(label) == owner
        ]

    def sync_application(
        self, prefix: str, app_id: str, objects: dict[str, dict[str, Any]]
    ) -> None:
        """Make the application's routes and upstreams exactly `objects`: upstreams are
        written before the routes that use them, and routes removed before their upstreams."""
        for relative, conf in sorted(
            objects.items(), key=lambda item: not item[0].startswith("upstreams/")
        ):
            self.put(prefix, relative, conf)
        for kind in ("routes", "upstreams"):
            for relative in self.owned(prefix, kind, APP_LABEL, app_id):
                if relative not in objects:
                    self.delete(prefix, relative)


def _without_times(value: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in value.items() if k not in ("create_time", "update_time")}
