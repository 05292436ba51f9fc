"""gwconform load profiles: Locust users that drive a gateway's data plane.

Run through `gwconform load PROFILE`, which prepares the target, passes everything this file
needs as one JSON option, `--gw-spec`, and names the user classes to run. Locust sends custom
options to its workers, so distributed runs need no shared files: `locust -f
conformance/loadkit/locust/locustfile.py --worker --master-host HOST` on another machine with
gwconform (its path there) is enough.
"""

from __future__ import annotations

import json
import os
import random
import time
from pathlib import Path

import requests
from locust import FastHttpUser, LoadTestShape, between, constant_throughput, events, task

from event_log import CONFIG, TRAFFIC, Event, write_events
from shapes import plan_for

SPEC: dict = {}
# Every request this process sent, as the runner's figures need them (not Locust's stats).
EVENTS: list[Event] = []


@events.init_command_line_parser.add_listener
def _add_options(parser) -> None:
    parser.add_argument("--gw-spec", default="{}", help="gwconform load spec (JSON)")


def _spec(environment) -> dict:
    """The run's spec. Workers get the master's options only when spawning starts, after
    `init`, so users read it on start."""
    if not SPEC:
        SPEC.update(json.loads(environment.parsed_options.gw_spec))
    return SPEC


@events.init.add_listener
def _read_spec(environment, **_kwargs) -> None:
    _spec(environment)
    if SPEC.get("profile", {}).get("shape", "constant") != "constant":
        environment.shape_class = PlannedShape(plan_for(SPEC["profile"]))
        environment.shape_class.runner = environment.runner


@events.request.add_listener
def _record(request_type, name, response_time, exception, context, start_time=None, **_kw) -> None:
    if start_time is None:  # Locust sets it; a custom event must too
        start_time = time.time() - response_time / 1000
    intended = context.get("intended") if context else None
    EVENTS.append(
        Event(
            start=start_time,
            latency_ms=float(response_time),
            ok=exception is None,
            kind=CONFIG if request_type == "CONFIG" else TRAFFIC,
            name=name,
            intended_ms=None if intended is None else (time.time() - intended) * 1000,
        )
    )


@events.quitting.add_listener
def _write_events(environment, **_kwargs) -> None:
    """Each process (standalone, or each worker) leaves its events for the runner, which
    judges the run; Locust's own exit code (1 on any failure) says nothing here."""
    environment.process_exit_code = 0
    if EVENTS and SPEC.get("events_dir"):
        folder = Path(SPEC["events_dir"])
        folder.mkdir(parents=True, exist_ok=True)
        write_events(folder / f"events-{os.getpid()}.csv", EVENTS)


class PlannedShape(LoadTestShape):
    abstract = True  # built from the profile at init, not picked up by Locust itself

    def __init__(self, plan) -> None:
        super().__init__()
        self.plan = plan

    def tick(self):
        return self.plan.at(self.get_run_time())


def _wait_time():
    rate = SPEC.get("profile", {}).get("rate_per_user")
    return constant_throughput(rate) if rate else between(0, 0)


class GatewayUser(FastHttpUser):
    """Requests spread over the prepared routes; with consumers, each carries an API key."""

    def wait_time(self):
        return _wait_time()(self)

    def on_start(self) -> None:
        _spec(self.environment)
        self.paths = SPEC["paths"]
        keys = SPEC.get("api_keys") or []
        self.headers = {"apikey": random.choice(keys)} if keys else {}
        self.rate = SPEC.get("profile", {}).get("rate_per_user")
        self.intended: float | None = None

    def _intended_send_time(self) -> float | None:
        """With a fixed arrival rate, when this request should have been sent: the schedule
        does not move when the gateway is slow (coordinated omission)."""
        if not self.rate:
            return None
        now = time.time()
        self.intended = now if self.intended is None else self.intended + 1 / self.rate
        return self.intended

    @task
    def request_route(self) -> None:
        route = random.randrange(self.paths["count"])
        path = self.paths["template"].format(i=route)
        name = self.paths["template"] if self.paths["count"] > 1 else path
        context = {"intended": self._intended_send_time()}
        with self.client.get(
            path, headers=self.headers, name=name, catch_response=True, context=context
        ) as resp:
            if resp.status_code == SPEC.get("expected_rejection_code"):
                # limit-count doing its job is part of the profile, not a failure
                resp.request_meta["name"] = "rejected (expected)"
                resp.success()
            elif resp.status_code != 200:
                resp.failure(f"status {resp.status_code}")


class ChurnUser(FastHttpUser):
    """Rewrites one route through the Admin API and times until the data plane shows it.

    Selected by name on the command line (`... GatewayUser ChurnUser`) for config-churn only.
    """

    fixed_count = 1
    wait_time = between(0.2, 0.4)

    def on_start(self) -> None:
        _spec(self.environment)
        self.version = 0
        self.churn = SPEC["churn"]
        self.admin = requests.Session()
        self.admin.headers["X-API-KEY"] = SPEC["admin_key"]

    @task
    def change_and_observe(self) -> None:
        self.version += 1
        marker = str(self.version)
        patch = {
            "plugins": {"response-rewrite": {"headers": {"set": {"X-Gwload-Version": marker}}}}
        }
        started = time.perf_counter()
        answer = self.admin.patch(self.churn["admin_route_url"], json=patch, timeout=10)
        if answer.status_code != 200:
            self._record(started, RuntimeError(f"admin PATCH answered {answer.status_code}"))
            return
        deadline = started + self.churn["timeout"]
        while time.perf_counter() < deadline:
            resp = self.client.get(self.churn["path"], name="churn probe")
            if resp.headers is not None and resp.headers.get("X-Gwload-Version") == marker:
                self._record(started, None)
                return
            time.sleep(0.005)
        self._record(started, TimeoutError(f"change not visible after {self.churn['timeout']} s"))

    def _record(self, started: float, error: Exception | None) -> None:
        events.request.fire(
            request_type="CONFIG",
            name="propagation",
            response_time=(time.perf_counter() - started) * 1000,
            response_length=0,
            exception=error,
            context={},
            start_time=time.time() - (time.perf_counter() - started),
        )
