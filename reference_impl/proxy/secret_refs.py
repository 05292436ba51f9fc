"""Secret references in the data plane's configuration (apisix/secret.lua, apisix/core/env.lua,
apisix/secret/vault.lua): `$env://NAME` (or `$ENV://`), `$env://NAME/key` for a key of a
JSON value, and `$secret://vault/<id>/<path>/<key>` read from the Vault that the secret
resource `vault/<id>` configures (`GET <uri>/v1/<prefix>/<path>` with `X-Vault-Token`,
the value `data.<key>` of the answer: Vault's KV engine as APISIX reads it).

A worker resolves references when it builds a config generation (plugin configurations of
routes, services, global rules and stream routes, consumers' credentials, certificates and
upstreams' TLS settings). Environment variables are read then; Vault values
come from a cache that `fetch_wanted` fills in a background thread, after which the
worker builds again. As APISIX's secret LRU cache (`apisix.lru.secret`), a value is kept
`ttl` seconds (a failure `neg_ttl`) and the cache is dropped when the secret resources
change. A reference that can't be resolved stays as its text (APISIX logs it and uses the
literal); consumers' credentials holding one are left out (`has_secret_ref`).
"""

from __future__ import annotations

import json
import logging
import os
import posixpath
import threading
import time
from typing import Any, TypeVar

import httpx

log = logging.getLogger(__name__)

SECRET_PREFIX = "$secret://"
ENV_PREFIX = "$ENV://"  # compared with the reference upper-cased, as APISIX does
VAULT_TIMEOUT = 5.0  # seconds; vault.lua's default
DEFAULT_TTL = 300.0
DEFAULT_NEG_TTL = 60.0

T = TypeVar("T")


def is_secret_ref(value: Any) -> bool:
    return isinstance(value, str) and (
        value.startswith(SECRET_PREFIX) or value[: len(ENV_PREFIX)].upper() == ENV_PREFIX
    )


def has_secret_ref(conf: Any) -> bool:
    if isinstance(conf, dict):
        return any(has_secret_ref(v) for v in conf.values())
    if isinstance(conf, list):
        return any(has_secret_ref(v) for v in conf)
    return is_secret_ref(conf)


def env_value(ref: str) -> str | None:
    """core.env.fetch_by_uri: the variable, or one key of its JSON value."""
    name, _, sub_key = ref[len(ENV_PREFIX) :].partition("/")
    value = os.environ.get(name)
    if value is None or not sub_key:
        return value
    try:
        decoded = json.loads(value)
    except ValueError:
        log.error("failed to resolve %s: the variable's value is not JSON", ref)
        return None
    found = decoded.get(sub_key) if isinstance(decoded, dict) else None
    return found if isinstance(found, str) else None


def vault_get(conf: dict[str, Any], key: str) -> str | None:
    """vault.lua's get: `key` is `<path>/<field>`; the field of the KV entry at `path`."""
    path, _, field = key.rpartition("/")
    if not path or not field:
        raise ValueError(f"error key format, key: {key}")
    token = conf.get("token", "")
    if is_secret_ref(token) and not token.startswith(SECRET_PREFIX):
        token = env_value(token) or token
    headers = {"X-Vault-Token": token}
    if conf.get("namespace"):
        headers["X-Vault-Namespace"] = conf["namespace"]
    url = conf["uri"].rstrip("/") + posixpath.normpath(f"/v1/{conf.get('prefix', '')}/{path}")
    reply = httpx.get(url, headers=headers, timeout=conf.get("timeout") or VAULT_TIMEOUT)
    data = reply.json().get("data")
    if not isinstance(data, dict):
        raise ValueError(f"failed to decode result, res: {reply.text[:200]}")
    value = data.get(field)
    return value if isinstance(value, str) else None


def cache_times(apisix: dict[str, Any]) -> tuple[float, float]:
    """`apisix.lru.secret`'s ttl and neg_ttl (seconds), or ValueError naming the bad one."""
    lru = apisix.get("lru") or {}
    secret = lru.get("secret") if isinstance(lru, dict) else None
    secret = secret if isinstance(secret, dict) else {}
    times = []
    for name, default in (("ttl", DEFAULT_TTL), ("neg_ttl", DEFAULT_NEG_TTL)):
        value = secret.get(name, default)
        if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
            raise ValueError(f"apisix.lru.secret.{name} must be a positive number")
        times.append(float(value))
    return times[0], times[1]


class _Entry:
    __slots__ = ("fetched", "owner", "value")

    def __init__(self, value: str | None, fetched: float, owner: object) -> None:
        self.value = value  # None: the fetch failed
        self.fetched = fetched
        self.owner = owner  # the object it was resolved for (kept: its id is the key)


class SecretValues:
    """A worker's view of its secret references: the secret resources of the current
    generation and the Vault values fetched for them.

    A value resolved for an owner (a consumer, which APISIX resolves afresh each time it
    loads one) is cached for that very object: a consumer written again is a new object,
    so its references are fetched again. Other values (plugin configurations, certificates)
    are shared. Writing a secret resource drops the cache, as APISIX's does."""

    def __init__(self, ttl: float = DEFAULT_TTL, neg_ttl: float = DEFAULT_NEG_TTL) -> None:
        self.ttl = ttl
        self.neg_ttl = neg_ttl
        self._managers: dict[str, dict[str, Any]] = {}
        self._cache: dict[tuple[str, int], _Entry] = {}
        self._wanted: dict[tuple[str, int], object] = {}  # key -> owner
        self._used: set[tuple[str, int]] = set()
        # objects without references, by id (held, so the id stays theirs): of the last
        # generation, and those met again in this one
        self._plain: dict[int, object] = {}
        self._plain_used: dict[int, object] = {}
        self._lock = threading.Lock()

    def begin(self, secrets: dict[str, dict[str, Any]]) -> None:
        """Start resolving a generation whose secret resources (`vault/1` -> conf) are
        `secrets`; the store gives a new object for each one written, so identity tells."""
        same = secrets.keys() == self._managers.keys() and all(
            conf is self._managers[key] for key, conf in secrets.items()
        )
        with self._lock:
            if not same:
                self._cache = {}
            self._managers = dict(secrets)
            self._used = set()

    def commit(self) -> None:
        """End the generation: values and objects it did not use are forgotten."""
        with self._lock:
            self._cache = {k: e for k, e in self._cache.items() if k in self._used}
        self._plain, self._plain_used = self._plain_used, {}

    @property
    def wanted(self) -> bool:
        """Whether a build met Vault references that are not cached yet."""
        return bool(self._wanted)

    def resolve(self, conf: T, owner: object = None) -> T:
        """`conf` with every reference replaced by its value where it has one: the parts
        that change are copies, the others (all of `conf` when it has none) are its own.
        The store's objects stay as they are from one generation to the next, so one
        found without references is not walked again while it is in use."""
        return self._resolve(conf, owner)[0]

    def _resolve(self, conf: Any, owner: object) -> tuple[Any, bool]:
        """(`conf` resolved, whether it holds no reference at all)."""
        if not isinstance(conf, dict | list):
            return (self._value(conf, owner), False) if is_secret_ref(conf) else (conf, True)
        key = id(conf)
        if self._plain.get(key) is conf:
            self._plain_used[key] = conf
            return conf, True
        plain = True
        resolved: Any = None
        if isinstance(conf, dict):
            for name, value in conf.items():
                new, plain_value = self._resolve(value, owner)
                plain = plain and plain_value
                if new is not value:
                    resolved = resolved if resolved is not None else dict(conf)
                    resolved[name] = new
        else:
            pairs = [self._resolve(v, owner) for v in conf]
            plain = all(plain_value for _, plain_value in pairs)
            if any(new is not old for (new, _), old in zip(pairs, conf, strict=True)):
                resolved = [new for new, _ in pairs]
        if plain:
            self._plain_used[key] = conf
        return (conf if resolved is None else resolved), plain

    def _value(self, ref: Any, owner: object) -> Any:
        if ref.startswith(SECRET_PREFIX):
            value = self._cached(ref, owner)  # None while it is fetched: fetching logs failures
        else:
            value = env_value(ref)
            if value is None:
                log.error("failed to resolve secret reference: %s: no such variable", ref)
        return ref if value is None else value

    def _cached(self, ref: str, owner: object) -> str | None:
        """The cached value (a stale one too, until it is fetched again, as APISIX's
        `refresh_stale`); a reference not cached for `owner` is wanted."""
        key = (ref, id(owner))
        with self._lock:
            self._used.add(key)
            entry = self._cache.get(key)
            if entry is None or entry.owner is not owner:
                self._wanted[key] = owner
                return None
        return entry.value

    def _expired(self, entry: _Entry, now: float) -> bool:
        return now - entry.fetched > (self.ttl if entry.value is not None else self.neg_ttl)

    def next_expiry(self) -> float | None:
        """Seconds until the first cached value is due again, or None when none is cached."""
        now = time.monotonic()
        with self._lock:
            dues = [
                e.fetched + (self.ttl if e.value is not None else self.neg_ttl) - now
                for e in self._cache.values()
            ]
        return max(0.0, min(dues)) if dues else None

    def fetch_wanted(self) -> bool:
        """Fetch the wanted references and those due again (blocking: run it off the event
        loop); whether a value changed, so the configuration must be built again."""
        now = time.monotonic()
        with self._lock:
            wanted = dict(self._wanted)
            self._wanted = {}
            for key, entry in self._cache.items():
                if self._expired(entry, now):
                    wanted.setdefault(key, entry.owner)
        fetched: dict[str, str | None] = {}
        changed = False
        for (ref, ident), owner in wanted.items():
            if ref not in fetched:
                fetched[ref] = self._fetch(ref)
            value = fetched[ref]
            with self._lock:
                previous = self._cache.get((ref, ident))
                self._cache[(ref, ident)] = _Entry(value, time.monotonic(), owner)
            changed = changed or previous is None or previous.value != value
        return changed

    def _fetch(self, ref: str) -> str | None:
        manager, _, rest = ref[len(SECRET_PREFIX) :].partition("/")
        conf_id, _, key = rest.partition("/")
        with self._lock:
            conf = self._managers.get(f"{manager}/{conf_id}")
        if manager != "vault" or conf is None or not key:
            log.error("failed to resolve secret reference: %s: no such secret", ref)
            return None
        try:
            return vault_get(conf, key)
        except (httpx.HTTPError, ValueError, KeyError, TypeError, AttributeError) as exc:
            log.error("failed to resolve secret reference: %s: %s", ref, exc)
            return None
