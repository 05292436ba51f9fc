"""Dashboard login options and who they sign in: the login option CRUD and LDAP login (paths
in the 3.2.14 spec: `/api/login_options`, `POST /api/ldap/{login_option_id}/login`), OIDC
login through a real provider (the callback path `/api/oidc/{login_option_id}/callback` is
inferred from the seed's "Process OIDC callback parameters ... for the selected login
option"), SAML and CAS (paths inferred from the seed's titles). Real LDAP and OIDC servers
run on loopback for the test; a user they sign in gets the roles the option maps and can
then call what those roles allow, and nothing else."""

from __future__ import annotations

import base64
import socket
import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from conformance.registry import conformance_test
from conformance.support.ldap_directory import LdapDirectory
from conformance.support.oidc_provider import OidcProvider
from conformance.target import Target

from .conftest import IamUsers, dashboard_client, expect

BASE_DN = "ou=people,dc=example,dc=org"
MAY_GET_ROLES = {"effect": "allow", "actions": ["iam:GetRole"], "resources": ["<.*>"]}


class Options:
    """Login options created for one test, deleted afterwards."""

    def __init__(self, admin: httpx.Client) -> None:
        self.admin = admin
        self.ids: list[str] = []

    def create(self, kind: str, config: dict[str, Any], **extra: Any) -> str:
        body: dict[str, Any] = {"name": f"gwconform-{uuid.uuid4().hex[:8]}", "provider_type": kind}
        body |= {f"{kind}_config": config, **extra}
        option_id = expect(self.admin.post("/api/login_options", json=body))["value"]["id"]
        self.ids.append(option_id)
        return option_id


@pytest.fixture
def options(dashboard: httpx.Client) -> Iterator[Options]:
    made = Options(dashboard)
    yield made
    for option_id in made.ids:
        dashboard.delete(f"/api/login_options/{option_id}")


def _role_that_may_get_roles(iam_users: IamUsers) -> str:
    """A role whose one policy allows reading roles (and nothing else)."""
    policy = iam_users.policy(MAY_GET_ROLES)
    body = {"name": f"gwconform-{uuid.uuid4().hex[:8]}", "policies": [policy]}
    role = expect(iam_users.admin.post("/api/roles", json=body))["value"]["id"]
    iam_users.created.append(f"/api/roles/{role}")
    return role


def _acts_as_role(client: httpx.Client, role: str) -> None:
    """The signed-in client may do what the role allows and is refused the rest."""
    expect(client.get(f"/api/roles/{role}"))
    refused = client.post("/api/roles", json={"name": f"gwconform-{uuid.uuid4().hex[:8]}"})
    expect(refused, 403)


def _forget_user(iam_users: IamUsers, username: str) -> None:
    listed = expect(iam_users.admin.get("/api/users", params={"search": username}))
    for user in listed["list"]:
        if user["username"] == username:
            iam_users.created.insert(0, f"/api/users/{user['id']}")


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


LDAP_CONFIG = {"host": "127.0.0.1", "base_dn": BASE_DN, "bind_dn": BASE_DN, "identifier": "cn"}


@conformance_test(
    name="ee-login-options-crud",
    description="a login option is created, read, listed, replaced, patched and deleted; a "
    "body without its provider's configuration is refused",
    profile="api7ee",
    features=["ee-login-options"],
)
def test_login_option_crud(dashboard, options):
    config = {**LDAP_CONFIG, "port": "389"}
    option_id = options.create("ldap", config)
    shown = expect(dashboard.get(f"/api/login_options/{option_id}"))["value"]
    assert shown["provider_type"] == "ldap" and shown["ldap_config"]["base_dn"] == BASE_DN
    listed = expect(dashboard.get("/api/login_options"))
    assert option_id in [o["id"] for o in listed["list"]] and listed["total"] >= 1
    body = {"name": "renamed", "provider_type": "ldap", "ldap_config": config}
    expect(dashboard.put(f"/api/login_options/{option_id}", json=body))
    patch = [{"op": "replace", "path": "/disable", "value": True}]
    expect(dashboard.patch(f"/api/login_options/{option_id}", json=patch))
    shown = expect(dashboard.get(f"/api/login_options/{option_id}"))["value"]
    assert shown["name"] == "renamed" and shown["disable"] is True
    missing = {"name": "no-config", "provider_type": "oidc"}
    refused = expect(dashboard.post("/api/login_options", json=missing), 400)
    assert "oidc_config" in refused["error_msg"]
    expect(dashboard.delete(f"/api/login_options/{option_id}"))
    expect(dashboard.get(f"/api/login_options/{option_id}"), 404)


@conformance_test(
    name="ee-login-ldap",
    description="an LDAP user logs in through an LDAP login option against a real LDAP "
    "server, gets the mapped role and may call what it allows only; a wrong password is 401",
    profile="api7ee",
    features=["ee-login-ldap"],
)
def test_ldap_login(gw_target: Target, iam_users, options):
    role = _role_that_may_get_roles(iam_users)
    username = f"ldap-{uuid.uuid4().hex[:6]}"
    with LdapDirectory(BASE_DN, {username: "ldap-Pw-1"}) as directory:
        config = {**LDAP_CONFIG, "port": str(directory.port)}
        option_id = options.create("ldap", config, role_mapping=[{"role_id": role}])
        path = f"/api/ldap/{option_id}/login"
        with dashboard_client(gw_target) as client:
            wrong = client.post(path, json={"username": username, "password": "nope"})
            expect(wrong, 401)
            signed = expect(client.post(path, json={"username": username, "password": "ldap-Pw-1"}))
            _forget_user(iam_users, username)
            assert signed["value"]["username"] == username
            assert expect(client.get("/api/me"))["value"]["username"] == username
            _acts_as_role(client, role)
            expect(client.post(f"/api/ldap/{option_id}/logout"))
            expect(client.get("/api/me"), 401)


@conformance_test(
    name="ee-login-oidc",
    description="an OIDC user logs in through an OIDC login option and a real OpenID provider "
    "(authorization code flow), gets the mapped role and may call what it allows only",
    profile="api7ee",
    features=["ee-login-oidc"],
)
def test_oidc_login(gw_target: Target, iam_users, options):
    role = _role_that_may_get_roles(iam_users)
    subject = f"oidc-{uuid.uuid4().hex[:6]}"
    with OidcProvider("gwconform-dashboard", "oidc-secret") as provider:
        root = gw_target.dashboard_url or gw_target.admin_url
        config = {
            "client_id": "gwconform-dashboard",
            "client_secret": "oidc-secret",
            "issuer": provider.issuer,
            "request_scopes": ["openid", "email", "profile"],
            "root_url": root,
        }
        option_id = options.create("oidc", config, role_mapping=[{"role_id": role}])
        with dashboard_client(gw_target) as client:
            start = expect_redirect(client.get(f"/api/oidc/{option_id}/login"))
            assert start.startswith(provider.issuer)
            consent = httpx.post(start, data={"sub": subject}, timeout=10)
            callback = urlsplit(expect_redirect(consent))
            assert callback.path == f"/api/oidc/{option_id}/callback"
            assert "code" in parse_qs(callback.query)
            expect_redirect(client.get(f"{callback.path}?{callback.query}"))
            _forget_user(iam_users, subject)
            assert expect(client.get("/api/me"))["value"]["username"] == subject
            _acts_as_role(client, role)
            again = client.get(f"{callback.path}?{callback.query}")
            expect(again, 400)  # the state is used up


def expect_redirect(response: httpx.Response) -> str:
    assert response.status_code in (302, 303), (
        f"{response.request.method} {response.request.url}: "
        f"{response.status_code} {response.text[:300]}"
    )
    return response.headers["location"]


@conformance_test(
    name="ee-login-saml-cas",
    description="SAML and CAS login options: SP metadata, redirects to the identity provider, "
    "a 400 naming the provider when it does not answer, refused callbacks",
    profile="api7ee",
    features=["ee-login-saml-cas"],
)
def test_saml_and_cas(gw_target: Target, dashboard, options):
    root = gw_target.dashboard_url or gw_target.admin_url
    nobody = f"http://127.0.0.1:{_closed_port()}"
    saml = options.create("saml", {"idp_metadata_url": f"{nobody}/metadata", "sp_root_url": root})
    cas = options.create("cas", {"url": f"{nobody}/cas"})
    with dashboard_client(gw_target) as client:
        metadata = client.get(f"/api/saml/{saml}/metadata")
        assert metadata.status_code == 200 and "EntityDescriptor" in metadata.text
        assert f"/api/saml/{saml}/callback" in metadata.text
        unanswered = expect(client.get(f"/api/saml/{saml}/login"), 400)
        assert nobody in unanswered["error_msg"]
        expect(client.post(f"/api/saml/{saml}/callback", data={"SAMLResponse": "%%%"}), 400)
        failed = (
            '<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol">'
            '<samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:'
            'Requester"/></samlp:Status></samlp:Response>'
        )
        encoded = base64.b64encode(failed.encode()).decode()
        expect(client.get(f"/api/saml/{saml}/callback", params={"SAMLResponse": encoded}), 401)
        login = urlsplit(expect_redirect(client.get(f"/api/cas/{cas}/login")))
        assert f"{login.scheme}://{login.netloc}{login.path}" == f"{nobody}/cas/login"
        assert parse_qs(login.query)["service"][0].endswith(f"/api/cas/{cas}/login")
        unanswered = expect(client.get(f"/api/cas/{cas}/login", params={"ticket": "ST-1"}), 400)
        assert nobody in unanswered["error_msg"]
    expect(dashboard.get(f"/api/cas/{cas}/logout"), 400)  # `redirect` is required


@conformance_test(
    name="ee-login-options-public",
    description="the public list of login options answers without credentials and shows no "
    "provider settings or role mappings",
    profile="api7ee",
    features=["ee-login-options-public"],
)
def test_public_login_options(gw_target: Target, iam_users, options):
    role = _role_that_may_get_roles(iam_users)
    config = {**LDAP_CONFIG, "port": "389", "bind_password": "secret"}
    option_id = options.create("ldap", config, role_mapping=[{"role_id": role}])
    with dashboard_client(gw_target) as anonymous:
        listed = expect(anonymous.get("/api/login_options/public"))
    shown = [o for o in listed["list"] if o["id"] == option_id]
    assert len(shown) == 1 and shown[0]["provider_type"] == "ldap"
    assert not {"ldap_config", "role_mapping", "boundary_mapping"} & set(shown[0])
