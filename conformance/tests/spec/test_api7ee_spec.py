"""Every operation of the API7 Enterprise `/api` spec (conformance/data/specs/api7ee-admin.yaml),
exercised with schemathesis-generated valid and invalid requests, plus link-driven
sequences (gateway group -> get/update/admin key/instances/delete, template -> get/patch/
routes/delete, route template -> get/patch/delete).

Valid requests must be accepted (or answered 404 where they name something that does not
exist), invalid ones refused with a 4xx and an `error_msg`; nothing may 5xx. What the module
creates (gateway groups, templates, published services) is deleted afterwards."""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Callable, Iterator

import httpx
import pytest
from schemathesis import GenerationMode
from schemathesis.specs.openapi import checks as openapi_checks

from conformance.registry import conformance_test
from conformance.specs.checks import CONFORMANCE, apisix_error_body
from conformance.specs.loader import LoadedSpec
from conformance.specs.runner import SpecTarget
from conformance.specs.suite import (
    TLS_DIR,
    SpecCase,
    credential_headers,
    run_link_sequences,
    run_spec_case,
    shipped_spec,
)
from conformance.specs.suite import spec_cases as cases_of
from conformance.support.kubernetes_standin import KubernetesStandIn
from conformance.support.nacos_standin import NacosStandIn
from conformance.tests.api7ee.portal_fixture import PORTAL_PATHS, portal_objects

MODES = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
# the API7 error envelope is APISIX's: a 4xx carries a non-empty `error_msg`
VALID_CHECKS = [*CONFORMANCE, openapi_checks.positive_data_acceptance, apisix_error_body]
INVALID_CHECKS = [*CONFORMANCE, openapi_checks.negative_data_rejection, apisix_error_body]


def api7ee_spec(faithful: bool) -> LoadedSpec:
    return shipped_spec("api7ee-admin.yaml", faithful)


def spec_cases(config: pytest.Config) -> list[SpecCase]:
    return cases_of(api7ee_spec(faithful=False), MODES)


def _ids(client: httpx.Client, path: str) -> set[str]:
    body = client.get(path, params={"page_size": 500}).json()
    return {item["id"] for item in body.get("list", [])}


DEFAULT_REGISTRIES = "/gateway_groups/default/service_registries"
LOGIN_OPTIONS = "/login_options"


def _remove_created(
    client: httpx.Client, groups: set[str], templates: set[str], registries: set[str]
) -> None:
    for group_id in _ids(client, "/gateway_groups"):
        for service_id in templates:
            client.delete(f"/gateway_groups/{group_id}/services/{service_id}")
    for service_id in templates:
        client.delete(f"/services/template/{service_id}")
    for group_id in groups:
        for service_id in _ids(client, f"/gateway_groups/{group_id}/services"):
            client.delete(f"/gateway_groups/{group_id}/services/{service_id}")
        client.delete(f"/gateway_groups/{group_id}")
    for registry_id in registries:  # after the services that may use them
        client.delete(f"{DEFAULT_REGISTRIES}/{registry_id}")


def _login_options(create: Callable[[dict], str]) -> dict[str, str]:
    """Login options of each provider type, their identity providers at a closed loopback
    port (no provider can run for every operation): the sign-in operations answer with the
    documented refusals their `x-gwconform-existence-statuses` name. Deleting and signing in
    get options of their own, so no operation changes the one another names."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        nobody = f"127.0.0.1:{probe.getsockname()[1]}"
    host, port = nobody.split(":")
    ldap = {"host": host, "port": port, "base_dn": "dc=spec", "bind_dn": "dc=spec"}
    configs = {
        "ldap": {**ldap, "identifier": "cn"},
        "oidc": {
            "client_id": "spec",
            "issuer": f"http://{nobody}",
            "request_scopes": ["openid"],
            "root_url": "http://127.0.0.1",
        },
        "saml": {"idp_metadata_url": f"http://{nobody}/metadata", "sp_root_url": "http://x"},
        "cas": {"url": f"http://{nobody}/cas"},
    }

    def option(kind: str) -> str:
        body = {"name": f"spec-{kind}", "provider_type": kind, f"{kind}_config": configs[kind]}
        return create(body)

    kinds = {
        "ldap": ("ldapLogin", "ldapLogout"),
        "oidc": ("oidcLogin", "oidcCallback", "oidcLogout"),
    }
    kinds |= {"saml": ("samlLogin", "samlLogout", "samlMetadata"), "cas": ("casLogin", "casLogout")}
    known = {"login_option_id": option("ldap"), "deleteLoginOption.login_option_id": option("ldap")}
    for kind, operations in kinds.items():
        option_id = option(kind)
        known |= {f"{operation}.login_option_id": option_id for operation in operations}
    return known


@contextlib.contextmanager
def _fixture_resources(gw_target, headers: dict[str, str]) -> Iterator[dict[str, str]]:
    """What some `/api` operations name but no link of this spec can create: certificates,
    a CA certificate, an SNI and a secret provider (made through API7's `/apisix/admin`),
    and service registries that really answer (the suite's Nacos and Kubernetes stand-ins:
    no registry server can run here). Yields their
    path parameters, for the witness requests."""
    cert = (TLS_DIR / "spec-test.crt").read_text()
    key = (TLS_DIR / "spec-test.key").read_text()
    admin = gw_target.dashboard_url.rstrip("/") + "/apisix/admin"
    group = {"gateway_group_id": "default"}
    made: list[str] = []
    with (
        httpx.Client(base_url=admin, headers=headers, params=group, timeout=10.0) as client,
        httpx.Client(base_url=gw_target.dashboard_url.rstrip("/") + "/api", headers=headers,
                     timeout=10.0) as api,
        NacosStandIn() as nacos,
    ):  # fmt: skip
        kubernetes = KubernetesStandIn(token="spec.token")

        def create(path: str, body: dict, via: httpx.Client = client) -> str:
            answer = via.post(path, json=body)
            assert answer.status_code in (200, 201), f"POST {path}: {answer.text[:300]}"
            made.append(f"{path}/{answer.json()['value']['id']}")
            return answer.json()["value"]["id"]

        def put(path: str, body: dict) -> str:
            answer = client.put(path, json=body)
            assert answer.status_code in (200, 201), f"PUT {path}: {answer.text[:300]}"
            made.append(path)
            return path.rsplit("/", 1)[-1]

        try:
            portal_known = portal_objects(api, gw_target.portal_api_url, made)
            certificate = create("/certificates", {"name": "spec-usage", "cert": cert, "key": key})
            vault = {"uri": "http://127.0.0.1:8200", "prefix": "kv", "token": "spec"}
            yield {
                **portal_known,
                "certificate_id": certificate,
                "ca_certificate_id": create(
                    "/ca_certificates", {"name": "spec-usage", "cert": cert}
                ),
                "sni_id": create(
                    "/snis", {"domain": "usage.spec.gwconform.test", "certificates": [certificate]}
                ),
                "secret_provider": "vault",
                "secret_provider_id": put("/secret_providers/vault/spec-usage", vault),
                "service_registry_id": create(
                    DEFAULT_REGISTRIES,
                    {"name": "spec-nacos", "type": "nacos", "nacos_config": {"hosts": [nacos.url]}},
                    via=api,
                ),
                "listKubernetesInternalServices.service_registry_id": create(
                    DEFAULT_REGISTRIES,
                    {
                        "name": "spec-kubernetes",
                        "type": "kubernetes",
                        "kubernetes_config": {
                            "service": {
                                "schema": "http",
                                "host": "127.0.0.1",
                                "port": str(kubernetes.port),
                            },
                            "client": {"token": kubernetes.token},
                        },
                    },
                    via=api,
                ),
                **_login_options(lambda body: create(LOGIN_OPTIONS, body, via=api)),
            }
        finally:
            kubernetes.stop()
            for path in reversed(made):
                with contextlib.suppress(httpx.HTTPError):
                    on_api = path.startswith((DEFAULT_REGISTRIES, LOGIN_OPTIONS, *PORTAL_PATHS))
                    (api if on_api else client).delete(path)


@pytest.fixture(scope="module")
def api7ee_spec_target(gw_target) -> Iterator[SpecTarget]:
    """The target's `/api` with its admin key; groups and templates created meanwhile go."""
    if not gw_target.dashboard_url:
        pytest.skip("the target has no dashboard URL (--dashboard-url)")
    spec = api7ee_spec(faithful=False)
    headers = credential_headers(spec.raw, gw_target.admin_key, None)
    base = spec.base_url(gw_target.dashboard_url)  # the spec's server path is /api
    target = SpecTarget(base, headers, timeout=max(gw_target.timeout, 10.0))
    with httpx.Client(base_url=base, headers=headers, timeout=target.timeout) as client:
        groups, templates = _ids(client, "/gateway_groups"), _ids(client, "/services/template")
        registries = _ids(client, DEFAULT_REGISTRIES)
        login_options = _ids(client, LOGIN_OPTIONS)
        with _fixture_resources(gw_target, headers) as known:
            target.known_parameters.update(known, gateway_group_id="default")
            yield target
        target.close()
        with contextlib.suppress(httpx.HTTPError):
            _remove_created(
                client,
                _ids(client, "/gateway_groups") - groups,
                _ids(client, "/services/template") - templates,
                _ids(client, DEFAULT_REGISTRIES) - registries,
            )
            for option_id in _ids(client, LOGIN_OPTIONS) - login_options:
                client.delete(f"{LOGIN_OPTIONS}/{option_id}")


@conformance_test(
    name="ee-spec-operations",
    description="Each /api operation answers generated valid and invalid requests as its spec says",
    profile="api7ee",
    features=["ee-spec"],
)
def test_api7ee_operation_conforms(spec_case, gw_target, gw_options, request, api7ee_spec_target):
    # Invalid requests are drawn from the documented schemas, not the generation narrowing.
    spec = api7ee_spec(faithful=spec_case.mode.is_negative)
    checks = INVALID_CHECKS if spec_case.mode.is_negative else VALID_CHECKS
    run_spec_case(
        spec_case, spec, api7ee_spec_target, checks, request.config,
        seed=gw_options.seed, claimed=gw_target.features,
    )  # fmt: skip


@conformance_test(
    name="ee-spec-links",
    description="Sequences following the spec's links (create, then get/update/patch/delete) "
    "behave as documented",
    profile="api7ee",
    features=["ee-spec"],
)
def test_api7ee_link_sequences(gw_options, request, api7ee_spec_target):
    run_link_sequences(
        api7ee_spec(faithful=False), api7ee_spec_target, VALID_CHECKS, request.config,
        seed=gw_options.seed,
    )  # fmt: skip
