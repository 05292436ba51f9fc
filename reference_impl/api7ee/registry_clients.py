"""What the control plane asks a service registry: Nacos through its v1 Open API, Kubernetes
through its API server. Each call tries the registry's hosts in turn and raises
`RegistryUnreachable` (one line saying why) when none answers as the registry would."""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx

from .. import strict_json
from .registry_schemas import token_file_allowed

NACOS_PAGE_SIZE = 1000
NACOS_MAX_PAGES = 20
TOKEN_FILE_LIMIT = 64 * 1024
K8S_DEFAULT_WEIGHT = 50
T = TypeVar("T")


class RegistryUnreachable(Exception):
    """No host of the registry gave a usable answer."""


def _answer_shape(method: Callable[..., T]) -> Callable[..., T]:
    """A registry answer of an unexpected shape is an unusable answer, not a crash."""

    @functools.wraps(method)
    def checked(*args: Any, **kwargs: Any) -> T:
        try:
            return method(*args, **kwargs)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise RegistryUnreachable(f"unexpected answer: {exc!r}") from None

    return checked


@dataclass(frozen=True)
class Answer:
    """A registry's JSON answer and the host that gave it."""

    body: Any
    host: str


def _timeout(total: float | None, timeouts: dict[str, Any] | None = None) -> httpx.Timeout:
    if total is not None:
        return httpx.Timeout(total)
    t = timeouts or {}
    connect = float(t.get("connect", 2))
    return httpx.Timeout(
        connect=connect, read=float(t.get("read", 5)), write=float(t.get("send", 2)), pool=connect
    )


def _get_json(
    client: httpx.Client, url: str, params: dict[str, Any], headers: dict[str, str]
) -> Any:
    response = client.get(url, params=params, headers=headers)
    if response.status_code != 200:
        raise RegistryUnreachable(f"GET {url} answered {response.status_code}")
    try:
        return strict_json.loads(response.content)
    except (ValueError, RecursionError):
        raise RegistryUnreachable(f"GET {url} answered something that is not JSON") from None


# --- Nacos ------------------------------------------------------------------------------------
class _NacosTokens:
    """Access tokens from `POST {prefix}/auth/login`, reused until shortly before they expire."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._tokens: dict[tuple[str, str], tuple[str, float]] = {}

    def get(self, client: httpx.Client, base: str, username: str, password: str) -> str:
        key = (base, username)
        with self._lock:
            cached = self._tokens.get(key)
            if cached and cached[1] > time.monotonic():
                return cached[0]
        response = client.post(
            f"{base}/auth/login", data={"username": username, "password": password}
        )
        if response.status_code != 200:
            raise RegistryUnreachable(f"Nacos login at {base} answered {response.status_code}")
        try:
            body = response.json()
            token, ttl = str(body["accessToken"]), float(body.get("tokenTtl", 18000))
        except (ValueError, KeyError, TypeError):
            raise RegistryUnreachable(f"Nacos login at {base} gave no accessToken") from None
        with self._lock:
            self._tokens[key] = (token, time.monotonic() + ttl * 0.9)
        return token


_TOKENS = _NacosTokens()


class NacosClient:
    """The Nacos v1 Open API of one registry connection (`nacos_config`)."""

    def __init__(self, config: dict[str, Any], total_timeout: float | None = None) -> None:
        self.config = config
        prefix = "/" + str(config.get("prefix") or "/nacos/v1").strip("/")
        self.bases = [(host, host.rstrip("/") + prefix) for host in config["hosts"]]
        self.timeout = _timeout(total_timeout, config.get("timeout"))

    def _call(self, path: str, params: dict[str, Any], signed_name: str = "") -> Answer:
        errors = []
        auth = self.config.get("auth") or {}
        with httpx.Client(timeout=self.timeout, trust_env=False) as client:
            for host, base in self.bases:
                query, headers = dict(params), {}
                try:
                    if "username" in auth:
                        query["accessToken"] = _TOKENS.get(
                            client, base, auth["username"], auth["password"]
                        )
                    elif "token" in auth:
                        query["accessToken"] = auth["token"]
                    elif "access_key" in auth:
                        headers = _signed_headers(auth, signed_name)
                    return Answer(_get_json(client, base + path, query, headers), host)
                except (httpx.HTTPError, httpx.InvalidURL, RegistryUnreachable) as exc:
                    errors.append(f"{base}: {exc}")
        raise RegistryUnreachable("; ".join(errors) or "no Nacos host configured")

    @_answer_shape
    def probe(self) -> str:
        """The host that answered a one-item service listing (proves reachability and auth)."""
        answer = self._call("/ns/service/list", {"pageNo": 1, "pageSize": 1})
        if not isinstance(answer.body, dict) or "count" not in answer.body:
            raise RegistryUnreachable(f"{answer.host}: not a Nacos service listing")
        return answer.host

    @_answer_shape
    def instances(
        self, namespace: str, group: str, service: str, healthy_only: bool = True
    ) -> list[dict[str, Any]]:
        params = {
            "serviceName": service,
            "groupName": group,
            "namespaceId": namespace,
            "healthyOnly": "true" if healthy_only else "false",
        }
        answer = self._call("/ns/instance/list", params, f"{group}@@{service}")
        hosts = answer.body.get("hosts") if isinstance(answer.body, dict) else None
        if not isinstance(hosts, list):
            raise RegistryUnreachable(f"{answer.host}: not a Nacos instance list")
        return [h for h in hosts if isinstance(h, dict)]

    @_answer_shape
    def services(self, namespace: str, group: str) -> list[str]:
        names: list[str] = []
        for page in range(1, NACOS_MAX_PAGES + 1):
            params = {
                "pageNo": page,
                "pageSize": NACOS_PAGE_SIZE,
                "groupName": group,
                "namespaceId": namespace,
            }
            body = self._call("/ns/service/list", params).body
            doms = body.get("doms") if isinstance(body, dict) else None
            if not isinstance(doms, list):
                raise RegistryUnreachable("not a Nacos service listing")
            names.extend(str(d) for d in doms)
            count = body.get("count")
            if len(doms) < NACOS_PAGE_SIZE or not isinstance(count, int) or len(names) >= count:
                break
        return names

    @_answer_shape
    def namespaces(self) -> list[dict[str, str]]:
        body = self._call("/console/namespaces", {}).body
        data = body.get("data") if isinstance(body, dict) else None
        if not isinstance(data, list):
            raise RegistryUnreachable("not a Nacos namespace listing")
        return [
            {
                "namespace": str(ns.get("namespace") or "public"),
                "namespace_show_name": str(ns.get("namespaceShowName") or ""),
            }
            for ns in data
            if isinstance(ns, dict)
        ]

    @_answer_shape
    def groups(self, namespace: str) -> list[str]:
        """Nacos' Open API has no group listing; the console's service catalog names them."""
        params = {
            "pageNo": 1,
            "pageSize": NACOS_PAGE_SIZE,
            "namespaceId": namespace,
            "withInstances": "false",
            "hasIpCount": "true",
        }
        body = self._call("/ns/catalog/services", params).body
        rows = body.get("serviceList") if isinstance(body, dict) else None
        if not isinstance(rows, list):
            raise RegistryUnreachable("not a Nacos service catalog")
        return sorted({str(r.get("groupName")) for r in rows if isinstance(r, dict)})


def _signed_headers(auth: dict[str, str], signed_name: str) -> dict[str, str]:
    """Nacos access-key signing: HMAC-SHA1 of `<millis>[@@<group>@@<service>]`."""
    data = str(int(time.time() * 1000))
    if signed_name:
        data = f"{data}@@{signed_name}"
    digest = hmac.new(auth["secret_key"].encode(), data.encode(), hashlib.sha1).digest()
    return {"ak": auth["access_key"], "data": data, "signature": base64.b64encode(digest).decode()}


def nacos_nodes(hosts: list[dict[str, Any]], default_weight: int, metadata: dict[str, str]):
    """APISIX nodes of the healthy, enabled instances whose metadata has every wanted pair."""
    nodes = []
    for host in hosts:
        if not host.get("healthy", True) or not host.get("enabled", True):
            continue
        meta = host.get("metadata")
        meta = meta if isinstance(meta, dict) else {}
        if any(meta.get(k) != v for k, v in metadata.items()):
            continue
        try:
            ip, port = str(host["ip"]), int(host["port"])
        except (KeyError, TypeError, ValueError):
            continue
        weight = _weight(host.get("weight"), default_weight)
        if weight > 0:
            nodes.append({"host": ip, "port": port, "weight": weight})
    return sorted(nodes, key=lambda n: (n["host"], n["port"]))


def _weight(raw: Any, default_weight: int) -> int:
    """Nacos weights are floats (1.0 by default, 0 means no traffic); APISIX's integers."""
    if raw is None:
        return default_weight
    try:
        weight = float(raw)
    except (TypeError, ValueError):
        return default_weight
    if not weight > 0 or weight == float("inf"):
        return 0
    return max(1, round(weight))


# --- Kubernetes -----------------------------------------------------------------------------------
class KubernetesClient:
    """The API server of one registry connection (`kubernetes_config`). API servers mostly
    carry a self-signed certificate and the config has no CA field: TLS is not verified."""

    def __init__(self, config: dict[str, Any], total_timeout: float | None = None) -> None:
        self.config = config
        service = config["service"]
        self.base = f"{service['schema']}://{service['host']}:{service['port']}"
        self.timeout = _timeout(total_timeout)

    def _headers(self) -> dict[str, str]:
        client = self.config.get("client") or {}
        token = client.get("token")
        if token is None and client.get("token_file"):
            if not token_file_allowed(client["token_file"]):
                raise RegistryUnreachable("token_file is outside the service account directory")
            try:
                with Path(client["token_file"]).open("rb") as fh:
                    token = fh.read(TOKEN_FILE_LIMIT).decode().strip()
            except (OSError, UnicodeDecodeError) as exc:
                raise RegistryUnreachable(f"cannot read token_file: {exc}") from None
        return {"Authorization": f"Bearer {token}"} if token else {}

    def _get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        with httpx.Client(timeout=self.timeout, verify=False, trust_env=False) as client:
            try:
                return _get_json(client, self.base + path, params or {}, self._headers())
            except (httpx.HTTPError, httpx.InvalidURL) as exc:
                raise RegistryUnreachable(f"{self.base}: {exc}") from None

    @_answer_shape
    def probe(self) -> str:
        body = self._get("/version")
        if not isinstance(body, dict) or "gitVersion" not in body:
            raise RegistryUnreachable(f"{self.base}: /version is not a Kubernetes version")
        return self.base

    @_answer_shape
    def internal_services(self) -> dict[str, list[str]]:
        """{namespace: [service names]} of the namespaces the selector admits."""
        params = {}
        if self.config.get("label_selector"):
            params["labelSelector"] = self.config["label_selector"]
        body = self._get("/api/v1/services", params)
        found: dict[str, list[str]] = {}
        for item in body.get("items", []) if isinstance(body, dict) else []:
            meta = item.get("metadata") or {}
            namespace, name = meta.get("namespace"), meta.get("name")
            if namespace and name and namespace_selected(self.config, namespace):
                found.setdefault(namespace, []).append(name)
        return {ns: sorted(names) for ns, names in sorted(found.items())}

    @_answer_shape
    def endpoint_nodes(self, namespace: str, name: str, port: str) -> list[dict[str, Any]]:
        body = self._get(f"/api/v1/namespaces/{namespace}/endpoints/{name}")
        nodes: list[dict[str, Any]] = []
        for subset in body.get("subsets") or [] if isinstance(body, dict) else []:
            ports = [
                p["port"]
                for p in subset.get("ports") or []
                if str(p.get("name", "")) == port or str(p.get("port")) == port
            ]
            for address in subset.get("addresses") or []:
                nodes.extend(
                    {"host": address["ip"], "port": int(p), "weight": K8S_DEFAULT_WEIGHT}
                    for p in ports
                )
        return sorted(nodes, key=lambda n: (n["host"], n["port"]))


def namespace_selected(config: dict[str, Any], namespace: str) -> bool:
    selector = config.get("namespace_selector") or {}
    if "equal" in selector:
        return namespace == selector["equal"]
    if "not_equal" in selector:
        return namespace != selector["not_equal"]
    if "match" in selector:
        return any(re.fullmatch(p, namespace) for p in selector["match"])
    if "not_match" in selector:
        return not any(re.fullmatch(p, namespace) for p in selector["not_match"])
    return True


def client_for(registry: dict[str, Any], total_timeout: float | None = None):
    if registry["type"] == "nacos":
        return NacosClient(registry["nacos_config"], total_timeout)
    return KubernetesClient(registry["kubernetes_config"], total_timeout)
