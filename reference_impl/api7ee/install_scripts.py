"""Scripts that install a gateway instance for a gateway group, in the documented shapes:
`GET /api/gateway_groups/{gateway_group_id}/install_script/{installer}` (`docker`,
`docker_compose`, `helm`), `.../helm_values` and `.../gateway_api_script` (paths inferred;
the query parameters and script bodies are the 3.9.9 page's). Each names the control plane
address (`dp_manager_address`, else the deployment settings') and carries a client
certificate freshly issued for the group (`dp_certificates.py`) with the CA."""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

from starlette.responses import Response

from ..api.errors import ApiError
from .context import API, Api, Call
from .dp_certificates import DEFAULT_DAYS, DP_MANAGER_SNI, Issued, issue
from .gateway_groups import admin_key_of
from .system_settings import deployment

IMAGE = "api7/api7-ee-3-gateway"
INGRESS_TYPES = ("gateway-api", "ingress", "ingress-v1beta1")


def _int(call: Call, name: str, default: int, low: int, high: int) -> int:
    raw = call.args.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ApiError(400, f"invalid query parameter {name}: must be an integer") from None
    if not low <= value <= high:
        raise ApiError(400, f"invalid query parameter {name}: must be in {low}..{high}")
    return value


def _text(call: Call, name: str, default: str) -> str:
    raw = call.args.get(name)
    if raw is not None and not raw.strip():
        raise ApiError(400, f"invalid query parameter {name}: must not be empty")
    return raw or default


def _endpoints(api: Api, call: Call) -> list[str]:
    given = call.args.get("dp_manager_address")
    if given is None:
        return list(deployment(api)["dp_manager_address"])
    if not given.strip():
        raise ApiError(400, "invalid query parameter dp_manager_address: must not be empty")
    return [given if "://" in given else f"https://{given}"]


def _issued(api: Api, call: Call, group_id: str) -> Issued:
    return issue(api, group_id, _int(call, "validity_period", DEFAULT_DAYS, 1, 10950))


def _indent(pem: str, spaces: int) -> str:
    return "\n".join(" " * spaces + line for line in pem.strip().splitlines())


def _quoted_list(items: list[str]) -> str:
    return "[" + ",".join(f'"{i}"' for i in items) + "]"


def docker(api: Api, call: Call, group: dict[str, Any]) -> str:
    cert = _issued(api, call, group["id"])
    http, https = _int(call, "http_port", 9080, 1, 65535), _int(call, "https_port", 9443, 1, 65535)
    name = call.args.get("name")
    extra = [f"  {a} \\" for a in call.args.getlist("extra_args[]")]
    return (
        "\n".join(
            [
                f"docker run -d -e API7_CONTROL_PLANE_ENDPOINTS='{_quoted_list(_endpoints(api, call))}' \\",
                f"  -e API7_GATEWAY_GROUP_SHORT_ID={group['id']} \\",
                f'  -e API7_CONTROL_PLANE_CERT="{cert.certificate.strip()}" \\',
                f'  -e API7_CONTROL_PLANE_KEY="{cert.private_key.strip()}" \\',
                f'  -e API7_CONTROL_PLANE_CA="{cert.ca_certificate.strip()}" \\',
                f'  -e API7_CONTROL_PLANE_SNI="{DP_MANAGER_SNI}" \\',
                *([f"  --hostname {name} \\"] if name else []),
                f"  -p {http}:9080 \\",
                f"  -p {https}:9443 \\",
                *extra,
                f"  {_text(call, 'image', IMAGE)}:latest",
            ]
        )
        + "\n"
    )


def docker_compose(api: Api, call: Call, group: dict[str, Any]) -> str:
    cert = _issued(api, call, group["id"])
    http, https = _int(call, "http_port", 9080, 1, 65535), _int(call, "https_port", 9443, 1, 65535)
    name = _text(call, "name", "gateway")
    return (
        "\n".join(
            [
                "services:",
                f"  {name}:",
                f"    image: {_text(call, 'image', IMAGE)}:latest",
                f"    container_name: {name}",
                f"    hostname: {name}",
                "    restart: always",
                "    ports:",
                f'      - "{http}:9080"',
                f'      - "{https}:9443"',
                "    environment:",
                f"      API7_DP_MANAGER_ENDPOINTS: '{_quoted_list(_endpoints(api, call))}'",
                f'      API7_GATEWAY_GROUP_SHORT_ID: "{group["id"]}"',
                f'      API7_DP_MANAGER_SNI: "{DP_MANAGER_SNI}"',
                "      API7_DP_MANAGER_CERT: |",
                _indent(cert.certificate, 8),
                "      API7_DP_MANAGER_KEY: |",
                _indent(cert.private_key, 8),
                "      API7_CONTROL_PLANE_CA: |",
                _indent(cert.ca_certificate, 8),
            ]
        )
        + "\n"
    )


def _helm_settings(api: Api, call: Call, group: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": _text(call, "name", "api7-ee-3-gateway"),
        "namespace": _text(call, "namespace", "default"),
        "replicas": _int(call, "replicas", 1, 1, 1024),
        "cpu": call.args.get("cpu_limit"),
        "memory": call.args.get("memory_limit"),
        "endpoints": _endpoints(api, call),
        "cert": _issued(api, call, group["id"]),
    }


def helm(api: Api, call: Call, group: dict[str, Any]) -> str:
    s = _helm_settings(api, call, group)
    cert: Issued = s["cert"]
    name, ns = s["name"], s["namespace"]
    sets = [
        "etcd.auth.tls.enabled=true",
        f"etcd.auth.tls.existingSecret={name}-tls",
        "etcd.auth.tls.certFilename=tls.crt",
        "etcd.auth.tls.certKeyFilename=tls.key",
        f"etcd.auth.tls.sni={DP_MANAGER_SNI}",
        "etcd.auth.tls.verify=true",
        f"gateway.tls.existingCASecret={name}-tls",
        "gateway.tls.certCAFilename=ca.crt",
        "apisix.extraEnvVars[0].name=API7_GATEWAY_GROUP_SHORT_ID",
        f"apisix.extraEnvVars[0].value={group['id']}",
        *(f"etcd.host[{i}]={e}" for i, e in enumerate(s["endpoints"])),
        *([f"apisix.resources.limits.cpu={s['cpu']}"] if s["cpu"] else []),
        *([f"apisix.resources.limits.memory={s['memory']}"] if s["memory"] else []),
        f"apisix.replicaCount={s['replicas']}",
        f"apisix.image.repository={IMAGE}",
        "apisix.image.tag=latest",
        *call.args.getlist("extra_values[]"),
    ]
    lines = [
        "helm repo add api7 https://charts.api7.ai",
        "helm repo update",
        *(
            f"cat > /tmp/{file} <<EOF\n{pem.strip()}\nEOF"
            for file, pem in (
                ("tls.crt", cert.certificate),
                ("tls.key", cert.private_key),
                ("ca.crt", cert.ca_certificate),
            )
        ),
        f"kubectl create namespace {ns} --dry-run=client -o yaml | kubectl apply -f -",
        f"kubectl create secret generic -n {ns} {name}-tls --from-file=tls.crt=/tmp/tls.crt "
        "--from-file=tls.key=/tmp/tls.key --from-file=ca.crt=/tmp/ca.crt",
        f"helm upgrade --install -n {ns} --create-namespace {name} api7/gateway \\",
        " \\\n".join(f'  --set "{item}"' for item in sets),
    ]
    return "\n".join(lines) + "\n"


def helm_values(api: Api, call: Call, group: dict[str, Any]) -> str:
    s = _helm_settings(api, call, group)
    cert: Issued = s["cert"]

    def b64(pem: str) -> str:
        return base64.b64encode(pem.encode()).decode()

    hosts = [f'  - "{e}"' for e in s["endpoints"]]
    return (
        "\n".join(
            [
                "apiVersion: v1",
                "data:",
                f"  tls.crt: {b64(cert.certificate)}",
                f"  tls.key: {b64(cert.private_key)}",
                f"  ca.crt: {b64(cert.ca_certificate)}",
                "kind: Secret",
                "metadata:",
                f"  name: {s['name']}-tls",
                f"  namespace: {s['namespace']}",
                "type: kubernetes.io/tls",
                "---",
                "apisix:",
                f"  replicaCount: {s['replicas']}",
                "  image:",
                f"    repository: {IMAGE}",
                "    tag: latest",
                "  extraEnvVars:",
                "  - name: API7_GATEWAY_GROUP_SHORT_ID",
                f'    value: "{group["id"]}"',
                "etcd:",
                "  host:",
                *hosts,
                "  auth:",
                "    tls:",
                "      enabled: true",
                f"      existingSecret: {s['name']}-tls",
                "      certFilename: tls.crt",
                "      certKeyFilename: tls.key",
                f"      sni: {DP_MANAGER_SNI}",
                "      verify: true",
                "gateway:",
                "  tls:",
                f"    existingCASecret: {s['name']}-tls",
                "    certCAFilename: ca.crt",
            ]
        )
        + "\n"
    )


def gateway_api(api: Api, call: Call, group: dict[str, Any]) -> str:
    kind = call.args.get("type", "gateway-api")
    if kind not in INGRESS_TYPES:
        raise ApiError(400, f"invalid query parameter type: must be one of {list(INGRESS_TYPES)}")
    if kind != "gateway-api":
        raise ApiError(400, f"type {kind}: this control plane generates Gateway API resources only")
    name, ns = _text(call, "name", "apisix"), _text(call, "namespace", "default")
    endpoints = ", ".join(f'"{e}"' for e in deployment(api)["dp_manager_address"])
    return (
        f"kubectl create namespace {ns} --dry-run=client -o yaml | kubectl apply -f -\n"
        'echo "\n---\napiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\n'
        "metadata:\n  name: apisix\nspec:\n"
        "  controllerName: apisix.apache.org/apisix-ingress-controller\n---\n"
        "apiVersion: apisix.apache.org/v1alpha1\nkind: GatewayProxy\nmetadata:\n"
        f"  name: {name}\nspec:\n  provider:\n    type: ControlPlane\n    controlPlane:\n"
        f"      endpoints:\n        - [{endpoints}]\n      auth:\n        type: AdminKey\n"
        f"        adminKey:\n          value: {admin_key_of(api, group)}\n---\n"
        "apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata:\n  name: apisix\n"
        "spec:\n  gatewayClassName: apisix\n  listeners:\n    - name: http\n"
        "      protocol: HTTP\n      port: 80\n  infrastructure:\n    parametersRef:\n"
        "      group: apisix.apache.org\n      kind: GatewayProxy\n"
        f'      name: {name}\n" | kubectl apply -f - -n {ns}\n'
    )


Script = Callable[[Api, Call, dict[str, Any]], str]
INSTALLERS: dict[str, Script] = {"docker": docker, "docker_compose": docker_compose, "helm": helm}


def _serve(script: Script) -> Callable[[Api, Call], tuple[int, Any]]:
    def handler(api: Api, call: Call) -> tuple[int, Any]:
        group = api.group_or_404(call.params["gateway_group_id"])
        return 200, Response(script(api, call, group), media_type="text/plain")

    return handler


def install_script(api: Api, call: Call) -> tuple[int, Any]:
    installer = INSTALLERS.get(call.params["installer"])
    if installer is None:
        raise ApiError(
            404, f"installer {call.params['installer']} not found: use one of {sorted(INSTALLERS)}"
        )
    return _serve(installer)(api, call)


GG = "/gateway_groups/{gateway_group_id}"
ROUTES = [
    API(
        "GET",
        f"{GG}/install_script/{{installer}}",
        install_script,
        "gateway:CreateGatewayInstance",
        "gateway_group_id",
    ),
    API(
        "GET",
        f"{GG}/helm_values",
        _serve(helm_values),
        "gateway:CreateGatewayInstance",
        "gateway_group_id",
    ),
    API(
        "GET",
        f"{GG}/gateway_api_script",
        _serve(gateway_api),
        "gateway:GetAdminKey",
        "gateway_group_id",
    ),
]
