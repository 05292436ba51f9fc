"""Secret references on real traffic: `$env://` / `$ENV://` and `$secret://vault/...`.

Sources: docs/en/latest/terminology/secret.md (references in plugin configurations and
consumer auth configurations; `$ENV://NAME`; `$secret://$manager/$id/$secret_name/$key`
with the Vault of the secret resource `/apisix/admin/secrets/vault/$id`, Vault's KV engine
version 1; consumer references "are resolved when consumer configuration is loaded"; an
unresolved reference stays its literal text), apisix/consumer.lua (a consumer whose auth
credential is still a reference is skipped: the literal text never authenticates) and
apisix/secret.lua (plugin values are cached by the secret resources' version: writing
the secret resource re-resolves them).

The environment variable is the target's `secret_env` (NAME=VALUE, a variable the
gateway's workers see); the Vault is the suite's stand-in (conformance/support/
vault_standin.py), which the gateway must reach on 127.0.0.1.
"""

from __future__ import annotations

import secrets

from conformance.registry import conformance_test
from conformance.support.dataplane_setup import plugin_route, put
from conformance.support.eventually import converge
from conformance.support.ids import unique_username
from conformance.support.traffic import Case, expect_cases
from conformance.support.vault_standin import VaultStandIn


def _secret_env(gw_target) -> tuple[str, str]:
    name, sep, value = (gw_target.secret_env or "").partition("=")
    assert sep and name and value, "the target names no secret_env (NAME=VALUE)"
    return name, value


def _key_auth_route(admin, echo, tag: str) -> str:
    return plugin_route(admin, echo, tag, "secret", {"key-auth": {}})


def _vault_secret(admin, vault: VaultStandIn, tag: str) -> str:
    """The secret resource `vault/<tag>` for the stand-in's entries under `kv/<tag>`; the
    start of its references."""
    put(admin, f"/secrets/vault/{tag}", vault.secret_resource(f"kv/{tag}"))
    return f"$secret://vault/{tag}"


@conformance_test(
    name="secret-refs-env-consumer",
    description="a consumer key $env://NAME accepts the variable's value, not the literal text",
    profile="dataplane",
    features=["dp-secret-refs-env"],
)
def test_env_reference_in_consumer_key(admin, dataplane, gw_target, echo, tag):
    name, value = _secret_env(gw_target)
    reference = f"$env://{name}"
    put(
        admin,
        "/consumers",
        {"username": unique_username("env"), "plugins": {"key-auth": {"key": reference}}},
    )
    path = _key_auth_route(admin, echo, tag)
    expect_cases(
        dataplane,
        [
            Case(path, headers={"apikey": value}, backend="echo"),
            Case(path, headers={"apikey": reference}, status=401),
            Case(path, headers={"apikey": value + "x"}, status=401),
        ],
        gw_target.timeouts,
    )


@conformance_test(
    name="secret-refs-env-plugin",
    description="a plugin configuration value $ENV://NAME reaches the plugin as the variable's value",
    profile="dataplane",
    features=["dp-secret-refs-env"],
)
def test_env_reference_in_plugin_conf(admin, dataplane, gw_target, echo, tag):
    name, value = _secret_env(gw_target)
    plugins = {"proxy-rewrite": {"headers": {"set": {"X-From-Env": f"$ENV://{name}"}}}}
    path = plugin_route(admin, echo, tag, "env", plugins)
    _wait_header(dataplane, path, "x-from-env", value, gw_target)


@conformance_test(
    name="secret-refs-vault-consumer",
    description="a consumer key $secret://vault/... is read from Vault and follows a change "
    "of the secret when the consumer is loaded again",
    profile="dataplane",
    features=["dp-secret-refs-vault"],
)
def test_vault_reference_in_consumer_key(admin, dataplane, gw_target, echo, vault, tag):
    first, second = secrets.token_hex(8), secrets.token_hex(8)
    vault.put(f"kv/{tag}/jack", {"auth-key": first})
    reference = _vault_secret(admin, vault, tag) + "/jack/auth-key"
    consumer = {"username": unique_username("vault"), "plugins": {"key-auth": {"key": reference}}}
    put(admin, "/consumers", consumer)
    path = _key_auth_route(admin, echo, tag)
    expect_cases(
        dataplane,
        [
            Case(path, headers={"apikey": first}, backend="echo"),
            Case(path, headers={"apikey": reference}, status=401),
        ],
        gw_target.timeouts,
    )
    vault.put(f"kv/{tag}/jack", {"auth-key": second})
    put(admin, "/consumers", consumer)  # loaded again: resolved again
    expect_cases(
        dataplane,
        [
            Case(path, headers={"apikey": second}, backend="echo"),
            Case(path, headers={"apikey": first}, status=401),
            Case(path, headers={"apikey": reference}, status=401),
        ],
        gw_target.timeouts,
    )


@conformance_test(
    name="secret-refs-vault-plugin",
    description="a plugin value $secret://vault/... is read from Vault, and again once the "
    "secret resource is written",
    profile="dataplane",
    features=["dp-secret-refs-vault"],
)
def test_vault_reference_in_plugin_conf(admin, dataplane, gw_target, echo, vault, tag):
    first, second = secrets.token_hex(8), secrets.token_hex(8)
    vault.put(f"kv/{tag}/app", {"header": first})
    reference = _vault_secret(admin, vault, tag) + "/app/header"
    plugins = {"proxy-rewrite": {"headers": {"set": {"X-From-Vault": reference}}}}
    path = plugin_route(admin, echo, tag, "vault", plugins)
    _wait_header(dataplane, path, "x-from-vault", first, gw_target)
    vault.put(f"kv/{tag}/app", {"header": second})
    _vault_secret(admin, vault, tag)  # the secret resource written again
    _wait_header(dataplane, path, "x-from-vault", second, gw_target)


def _wait_header(dataplane, path: str, header: str, value: str, gw_target) -> None:
    """Wait until the echo upstream receives `header: value` on `path`."""

    def probe() -> None:
        seen = dataplane.get(path).json().get("headers", {})
        assert seen.get(header) == value, f"{header}: {seen.get(header)!r}, want {value!r}"

    converge(probe, gw_target.timeouts)
