"""Login options in the reference: role mappings with conditions on what the LDAP server
says of a user, a user of another origin not taken over, disabled options, refused
configurations."""

from __future__ import annotations

from typing import Any

from conformance.support.ldap_directory import LdapDirectory

from .conftest import client_for, make_user, ok

BASE_DN = "ou=people,dc=example,dc=org"


def _option(client: Any, port: int, **extra: Any) -> str:
    config = {"host": "127.0.0.1", "port": str(port), "base_dn": BASE_DN, "bind_dn": BASE_DN}
    body = {"name": "ldap", "provider_type": "ldap", "ldap_config": {**config, "identifier": "cn"}}
    return ok(client.post("/api/login_options", json={**body, **extra}))["value"]["id"]


def _login(app: Any, option_id: str, username: str, password: str) -> Any:
    body = {"username": username, "password": password}
    return client_for(app).post(f"/api/ldap/{option_id}/login", json=body)


def test_role_mapping_conditions_and_origin(app, client):
    with LdapDirectory(BASE_DN, {"ann": "pw-a", "bob": "pw-b", "carol": "pw-c"}) as ldap:
        conditions = [{"attribute": "cn", "value": "ann"}, {"attribute": "sn", "value": "bob"}]
        mapping = [{"role_id": "viewer", "operation": "any", "conditions": conditions}]
        option_id = _option(client, ldap.port, role_mapping=mapping)
        assert ok(_login(app, option_id, "ann", "pw-a"))["value"]["roles"] == ["viewer"]
        assert ok(_login(app, option_id, "bob", "pw-b"))["value"]["roles"] == ["viewer"]
        mapping[0]["operation"] = "all"
        patch = [{"op": "replace", "path": "/role_mapping", "value": mapping}]
        ok(client.patch(f"/api/login_options/{option_id}", json=patch))
        assert ok(_login(app, option_id, "ann", "pw-a"))["value"]["roles"] == []
        make_user(client, "carol", [])  # a built-in user of the same name is not taken over
        taken = _login(app, option_id, "carol", "pw-c")
        assert taken.status_code == 400 and "does not sign in with" in taken.json()["error_msg"]
        disable = [{"op": "replace", "path": "/disable", "value": True}]
        ok(client.patch(f"/api/login_options/{option_id}", json=disable))
        assert _login(app, option_id, "ann", "pw-a").status_code == 400


def test_refused_configurations(client):
    ldap = {"host": "h", "port": "389", "base_dn": "b", "bind_dn": "b", "identifier": "cn"}
    body: dict[str, Any] = {"name": "x", "provider_type": "ldap", "ldap_config": ldap}
    for wrong in (
        {"ldap_config": {**ldap, "use_ssl": True}},  # TLS to the LDAP server is not served
        {"oidc_config": {"client_id": "c"}},
        {"role_mapping": [{"role_id": "no-such-role"}]},
        {"provider_type": "kerberos"},
    ):
        answer = client.post("/api/login_options", json={**body, **wrong})
        assert answer.status_code == 400 and answer.json()["error_msg"], wrong
