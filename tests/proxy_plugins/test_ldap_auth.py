from __future__ import annotations

import asyncio
import base64

import pytest

from conformance.support.ldap_directory import LdapDirectory
from reference_impl.proxy.plugins import PLUGIN_CLASSES, PluginEnv

BASE_DN = "ou=users,dc=example,dc=org"


@pytest.fixture(scope="module")
def directory():
    with LdapDirectory(BASE_DN, {"jack": "jack-pw", "rose": "rose-pw"}) as server:
        yield server


def _basic(user: str, password: str) -> dict[str, str]:
    return {"authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


def _run(directory, ctx, consumers=None):
    if consumers is None:
        consumers = [
            {"username": "jack", "plugins": {"ldap-auth": {"user_dn": f"cn=jack,{BASE_DN}"}}}
        ]
    conf = {"base_dn": BASE_DN, "ldap_uri": directory.uri, "uid": "cn"}
    plugin = PLUGIN_CLASSES["ldap-auth"](conf, PluginEnv(consumers, {}, {}))
    return asyncio.run(plugin.rewrite(ctx))


def test_bound_user_with_consumer_is_attached(directory, make_ctx):
    ctx = make_ctx(headers=_basic("jack", "jack-pw"))
    assert _run(directory, ctx) is None
    assert ctx.consumer_name == "jack"


@pytest.mark.parametrize(
    ("headers", "message"),
    [
        ({}, "Missing authorization in request"),
        ({"authorization": "Basic !!"}, "Invalid authorization in request"),
        (_basic("jack", "wrong"), "Invalid user authorization"),
        (_basic("jack", ""), "Invalid user authorization"),
        (_basic("rose", "rose-pw"), "Invalid user authorization"),
    ],
)
def test_rejections(directory, make_ctx, headers, message):
    response = _run(directory, make_ctx(headers=headers))
    assert (response.status, response.body) == (401, {"message": message})


def test_no_consumer_uses_ldap_auth(directory, make_ctx):
    response = _run(directory, make_ctx(headers=_basic("jack", "jack-pw")), consumers=[])
    assert response.body == {"message": "Missing related consumer"}


def test_unreachable_server_is_a_failed_bind(make_ctx):
    with LdapDirectory(BASE_DN, {}) as gone:
        pass
    assert _run(gone, make_ctx(headers=_basic("jack", "jack-pw"))).status == 401
