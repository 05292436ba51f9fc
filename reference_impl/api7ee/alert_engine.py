"""Evaluating alert policies: a thread per control plane checks each enabled policy every
`check_interval` seconds on each gateway group of its scope. When a policy's conditions
(`All` or `Any` of them) start to hold on a group, an alert is written to the history and
delivered to the policy's contact points and webhook templates (`notifier.py`); it fires
again only once the conditions stopped holding in between.

The conditions read what the reference has:
- status codes: the group's data plane metrics (`apisix_http_status`, recorded by the
  `prometheus` plugin on the routes or as a global rule), sampled every tick since the
  control plane started: the count of
  matching codes over the window (`number_of_status_code`) or their share of all codes in
  percent (`ratio_of_status_code`);
- certificate expiry: the group's certificates (`validity_end`);
- gateway instance offline: how long an instance of the group has been Offline.
"""

from __future__ import annotations

import logging
import threading
import time
import weakref
from collections import deque
from collections.abc import Callable
from typing import Any

from .alert_policies import ALERT_HISTORIES, UNITS
from .contact_points import ALERT_POLICIES
from .context import Api
from .cpstore import CERTIFICATES
from .instances import of_group
from .notifier import notify

TICK = 1.0
MAX_SAMPLES = 3600  # per group: an hour of ticks; longer windows count from the oldest
STATUS_SERIES = "apisix_http_status{"
log = logging.getLogger(__name__)
_engines: dict[int, AlertEngine] = {}
_lock = threading.Lock()

Counts = dict[str, float]  # status code -> requests so far


class AlertEngine:
    """The engine's memory (metric samples, last checks, what fires); it is handed its
    control plane on every tick, so that a control plane nobody uses any more is collected."""

    def __init__(self) -> None:
        self.samples: dict[str, deque[tuple[float, Counts]]] = {}
        self.last_check: dict[str, float] = {}
        self.firing: set[tuple[str, str]] = set()  # (policy id, group id)
        # what a tick read once for all its policies: (kind, group id) -> records
        self.read: dict[tuple[str, str], list[dict[str, Any]]] = {}

    def tick(self, api: Api, now: float) -> None:
        self.read = {}
        policies = [p for p in api.cp.all(ALERT_POLICIES, direct=True) if p.get("enable")]
        groups = [g["id"] for g in api.cp.groups()]
        for group_id in groups:  # always: a window may begin before its policy was made
            self._sample(api, group_id, now)
        for gone in set(self.samples) - set(groups):
            del self.samples[gone]
        for policy in policies:
            due = self.last_check.get(policy["id"], -1e18) + policy["check_interval"]
            if now < due:
                continue
            self.last_check[policy["id"]] = now
            for group_id in policy.get("scope") or groups:
                if group_id in groups:  # a scope may name a group deleted since
                    self._check(api, policy, group_id, now)
        known = {p["id"] for p in policies}
        self.firing = {f for f in self.firing if f[0] in known}
        self.last_check = {k: v for k, v in self.last_check.items() if k in known}

    def _check(self, api: Api, policy: dict[str, Any], group_id: str, now: float) -> None:
        results = [self._holds(api, c, group_id, now) for c in policy["trigger_conditions"]]
        combine: Callable[[Any], bool] = all if policy["trigger_logical_operator"] == "All" else any
        holding = combine(r is not None for r in results)
        key = (policy["id"], group_id)
        if not holding:
            self.firing.discard(key)
            return
        if key in self.firing:
            return
        self.firing.add(key)
        alert = {
            "id": api.cp.new_id(),
            "alert_policy_id": policy["id"],
            "alert_policy_name": policy["name"],
            "severity": policy["severity"],
            "gateway_group_id": group_id,
            "alert_time": api.cp.clock(),
            "detail": "; ".join(r for r in results if r is not None),
        }
        api.cp.put(ALERT_HISTORIES, alert)
        notify(api, policy, alert)

    def _holds(self, api: Api, condition: dict[str, Any], group_id: str, now: float) -> str | None:
        """What holds, in words, or None."""
        event = condition["event"]
        if event == "gateway_certificate_will_expire_in":
            return self._certificate_expiry(api, condition, group_id)
        if event == "gateway_instance_offline":
            return self._offline(api, condition, group_id)
        return self._status_codes(api, condition, group_id, now)

    def _certificate_expiry(self, api: Api, condition: dict[str, Any], group_id: str) -> str | None:
        limit = condition["value"] * UNITS["day"]
        now = api.cp.clock()
        for cert in self._once(CERTIFICATES, group_id, lambda: api.cp.all(CERTIFICATES, group_id)):
            if "validity_end" not in cert:  # its certificate is a secret reference
                continue
            left = int(cert["validity_end"]) - now
            if _compare(left, condition["operator"], limit):
                days = left // UNITS["day"]
                return f"certificate {cert.get('name') or cert['id']} expires in {days} days"
        return None

    def _offline(self, api: Api, condition: dict[str, Any], group_id: str) -> str | None:
        limit = condition["value"] * UNITS[condition["value_unit"]]
        now = api.cp.clock()
        for instance in self._once("instances", group_id, lambda: of_group(api, group_id)):
            if instance["status"] != "Offline":
                continue
            offline_for = now - int(instance["last_heartbeat_time"])
            if _compare(offline_for, condition["operator"], limit):
                return f"gateway instance {instance['id']} offline for {offline_for} seconds"
        return None

    def _status_codes(
        self, api: Api, condition: dict[str, Any], group_id: str, now: float
    ) -> str | None:
        config = condition["event_config"]
        window = config["duration"] * UNITS[config["unit"]]
        samples = self.samples.get(group_id)
        if not samples:
            return None
        latest = samples[-1][1]
        base = next((c for t, c in reversed(samples) if t <= now - window), samples[0][1])
        wanted = config["http_status_code"].lower()
        delta = {code: latest[code] - base.get(code, 0.0) for code in latest}
        matching = sum(n for code, n in delta.items() if _code_matches(code, wanted))
        if condition["event"] == "ratio_of_status_code":
            total = sum(delta.values())
            measured = int(matching * 100 / total) if total else 0
            what = f"{measured}% of responses"
        else:
            measured, what = int(matching), f"{int(matching)} responses"
        if not _compare(measured, condition["operator"], condition["value"]):
            return None
        return f"{what} with status {wanted} in the last {window} seconds"

    def _once(
        self, kind: str, group_id: str, read: Callable[[], list[dict[str, Any]]]
    ) -> list[dict[str, Any]]:
        key = (kind, group_id)
        if key not in self.read:
            self.read[key] = read()
        return self.read[key]

    def _sample(self, api: Api, group_id: str, now: float) -> None:
        counts: Counts = {}
        for series, value in api.planes.metrics(group_id).items():
            if series.startswith(STATUS_SERIES):
                code = series.split('code="', 1)[1].split('"', 1)[0]
                counts[code] = counts.get(code, 0.0) + value
        self.samples.setdefault(group_id, deque(maxlen=MAX_SAMPLES)).append((now, counts))


def _code_matches(code: str, wanted: str) -> bool:
    if wanted.endswith("xx"):
        return code[:1] == wanted[:1]
    return code == wanted


def _compare(measured: float, operator: str, limit: float) -> bool:
    return {
        "equal": measured == limit,
        "larger_equal": measured >= limit,
        "larger_than": measured > limit,
        "less_equal": measured <= limit,
        "less_than": measured < limit,
    }[operator]


def start(api: Api) -> None:
    """Run `api`'s alert engine in a daemon thread (once per control plane)."""
    with _lock:
        if id(api) in _engines:
            return
        engine = _engines[id(api)] = AlertEngine()
    api_ref = weakref.ref(api)
    thread = threading.Thread(target=_run, args=(api_ref, engine), name="alert-engine", daemon=True)
    thread.start()


def _run(api_ref: weakref.ref, engine: AlertEngine) -> None:
    while True:
        time.sleep(TICK)
        api = api_ref()
        if api is None:
            with _lock:
                for key in [k for k, e in _engines.items() if e is engine]:
                    del _engines[key]
            return
        try:
            engine.tick(api, time.monotonic())
        except Exception:  # a store outage or a bad record must not end the engine
            log.exception("alert evaluation failed")
        del api
