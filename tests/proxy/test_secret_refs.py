"""SecretValues: how a worker resolves `$env://` and `$secret://vault/...` references."""

from __future__ import annotations

import json
import time

import httpx
import pytest

from conformance.support.vault_standin import VaultStandIn
from reference_impl.proxy.secret_refs import SecretValues, cache_times, has_secret_ref

from .support import Gateway

REF = "$secret://vault/1/app/key"


@pytest.fixture
def vault():
    with VaultStandIn() as server:
        server.put("kv/app", {"key": "first"})
        yield server


def _secrets(vault: VaultStandIn, **times: float) -> SecretValues:
    values = SecretValues(**times)
    values.begin({"vault/1": {"uri": vault.url, "prefix": "kv", "token": vault.token}})
    return values


def test_env_references(monkeypatch) -> None:
    monkeypatch.setenv("GWC_PLAIN", "abc")
    monkeypatch.setenv("GWC_JSON", json.dumps({"auth-key": "k1"}))
    values = SecretValues()
    conf = {"a": "$env://GWC_PLAIN", "b": ["$ENV://GWC_JSON/auth-key"], "c": "$env://GWC_NONE"}
    assert values.resolve(conf) == {"a": "abc", "b": ["k1"], "c": "$env://GWC_NONE"}
    assert conf["a"] == "$env://GWC_PLAIN"  # the configuration itself is left as it is


def test_a_conf_without_references_is_returned_as_is() -> None:
    conf = {"plugins": {"key-auth": {"key": "plain"}}, "list": [1, "x"]}
    assert SecretValues().resolve(conf) is conf


def test_vault_values_are_fetched_off_the_build_then_cached(vault) -> None:
    values = _secrets(vault)
    assert values.resolve({"k": REF}) == {"k": REF}  # not fetched yet: the text stays
    assert values.wanted
    assert values.fetch_wanted() is True
    assert values.resolve({"k": REF}) == {"k": "first"}
    assert not values.wanted


def test_values_are_fetched_again_when_due(vault) -> None:
    values = _secrets(vault, ttl=0.05)
    values.resolve(REF)
    values.fetch_wanted()
    vault.put("kv/app", {"key": "second"})
    assert values.resolve(REF) == "first"
    time.sleep(0.06)
    assert values.next_expiry() == 0.0
    assert values.fetch_wanted() is True
    assert values.resolve(REF) == "second"


def test_an_owner_loaded_again_gets_a_fresh_value(vault) -> None:
    values = _secrets(vault)
    consumer = {"plugins": {"key-auth": {"key": REF}}}
    values.resolve(consumer, owner=consumer)
    values.fetch_wanted()
    vault.put("kv/app", {"key": "second"})
    assert values.resolve(consumer, owner=consumer)["plugins"]["key-auth"]["key"] == "first"
    reloaded = json.loads(json.dumps(consumer))  # what the store gives for a new write
    assert has_secret_ref(values.resolve(reloaded, owner=reloaded))
    values.fetch_wanted()
    assert values.resolve(reloaded, owner=reloaded)["plugins"]["key-auth"]["key"] == "second"


def test_writing_the_secret_resource_drops_the_cache(vault) -> None:
    values = _secrets(vault)
    values.resolve(REF)
    values.fetch_wanted()
    vault.put("kv/app", {"key": "second"})
    values.begin({"vault/1": {"uri": vault.url, "prefix": "kv", "token": vault.token}})
    assert values.resolve(REF) == REF
    values.fetch_wanted()
    assert values.resolve(REF) == "second"


def test_a_failed_fetch_keeps_the_text(vault) -> None:
    values = SecretValues()
    values.begin({"vault/1": {"uri": vault.url, "prefix": "kv", "token": "wrong"}})
    values.resolve(REF)
    values.fetch_wanted()
    assert values.resolve(REF) == REF
    assert not values.wanted  # a failure is cached too (neg_ttl), not fetched on every build


def test_cache_times() -> None:
    assert cache_times({}) == (300.0, 60.0)
    assert cache_times({"lru": {"secret": {"ttl": 10, "neg_ttl": 5}}}) == (10.0, 5.0)
    with pytest.raises(ValueError, match=r"apisix\.lru\.secret\.ttl"):
        cache_times({"lru": {"secret": {"ttl": "soon"}}})


def test_a_conf_waiting_for_its_value_is_resolved_once_fetched(vault) -> None:
    # the object is the same in the next generation: the first walk must not mark it done
    values = _secrets(vault)
    conf = {"plugin": {"key": REF}}
    assert values.resolve(conf) is conf
    values.commit()
    values.fetch_wanted()
    assert values.resolve(conf) == {"plugin": {"key": "first"}}


def test_a_worker_follows_a_vault_value_once_it_is_due(upstreams) -> None:
    # apisix.lru.secret.ttl: a plugin's value is fetched again when its time is up
    up = upstreams("a")
    gateway = Gateway(secret_ttl=0.3)
    try:
        with VaultStandIn() as vault:
            vault.put("kv/app", {"key": "first"})
            gateway.put("secrets", "vault/1", vault.secret_resource("kv"))
            plugins = {"proxy-rewrite": {"headers": {"set": {"X-Secret": REF}}}}
            upstream = {"type": "roundrobin", "nodes": {up.address: 1}}
            gateway.put("routes", "r", {"uri": "/s", "plugins": plugins, "upstream": upstream})
            gateway.wait_config()
            assert _header_within(gateway, "first")
            vault.put("kv/app", {"key": "second"})
            assert _header_within(gateway, "second")
    finally:
        gateway.stop()


def _header_within(gateway: Gateway, value: str, seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if httpx.get(gateway.url + "/s").json()["headers"].get("x-secret") == value:
            return True
        time.sleep(0.05)
    return False
