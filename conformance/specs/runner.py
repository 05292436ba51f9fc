"""Run schemathesis cases of a spec against a target: per operation, or as link sequences.

Case generation is schemathesis' own (`as_strategy`, `as_state_machine`); this module only
decides the budget (examples, seed), sends the cases to the target with its credentials,
applies the checks, and deletes what the generated requests created.
"""

from __future__ import annotations

import contextlib
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx
import hypothesis
import requests
from hypothesis import HealthCheck, Phase
from schemathesis import CheckFunction, GenerationMode, Response
from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.generation.case import Case
from schemathesis.generation.stateful.state_machine import APIStateMachine
from schemathesis.schemas import APIOperation, BaseSchema

from ..admin_client import ADMIN_PREFIX, admin_path_of_key, created_key
from ..report.exchange import Exchange, ExchangeFailure, truncated

CREATING_METHODS = {"PUT", "POST"}


class TargetUnreachable(Exception):
    """A case could not be sent (connection refused, timeout, ...): one line, no traceback."""


@dataclass(frozen=True)
class Budget:
    """How much to generate: examples per operation (or sequences per machine), and the seed."""

    max_examples: int
    seed: int
    steps: int = 8  # calls per stateful sequence

    def seed_for(self, name: str) -> int:
        """The run's seed mixed with a name: reproducible, yet not the same draws everywhere."""
        return self.seed ^ zlib.crc32(name.encode())

    def settings(self) -> hypothesis.settings:
        # No shrinking: each shrink step is an HTTP request, and the failure message already
        # carries a curl command that reproduces the case.
        return hypothesis.settings(
            max_examples=self.max_examples,
            stateful_step_count=self.steps,
            deadline=None,
            database=None,
            derandomize=False,
            phases=(Phase.explicit, Phase.generate),
            suppress_health_check=list(HealthCheck),
            print_blob=False,
        )


@dataclass
class SpecTarget:
    """Where cases are sent: base URL (with the spec's base path) and credential headers."""

    base_url: str
    headers: dict[str, str]
    timeout: float = 10.0
    # one keep-alive session for all the cases of a run
    session: requests.Session = field(default_factory=requests.Session)
    # path parameters naming resources the test's fixtures created (see witness.Witness)
    known_parameters: dict[str, Any] = field(default_factory=dict)

    def call_kwargs(self) -> dict[str, Any]:
        return {
            "base_url": self.base_url,
            "headers": dict(self.headers),
            "timeout": self.timeout,
            "session": self.session,
        }

    def close(self) -> None:
        self.session.close()


@dataclass
class CreatedResources:
    """Admin API paths of what generated PUT/POST requests created, to delete them after."""

    paths: list[str] = field(default_factory=list)

    def record(self, case: Case, response: Response) -> None:
        if case.method.upper() not in CREATING_METHODS or response.status_code not in (200, 201):
            return
        try:
            key = created_key(response.json())
        except ValueError:
            return
        path = admin_path_of_key(key) if key else None
        if path and path not in self.paths:
            self.paths.append(path)

    def cleanup(self, admin_url: str, headers: dict[str, str], timeout: float = 10.0) -> int:
        """Force-delete everything recorded, newest first; the number of deletes that worked."""
        deleted = 0
        with httpx.Client(
            base_url=admin_url + ADMIN_PREFIX, headers=headers, timeout=timeout
        ) as client:
            for path in reversed(self.paths):
                with contextlib.suppress(httpx.HTTPError):
                    if client.delete(path, params={"force": "true"}).status_code == 200:
                        deleted += 1
        self.paths.clear()
        return deleted


@dataclass
class Sent:
    """What one operation's generated cases did: how many were sent, how many answered 2xx."""

    cases: int = 0
    successes: int = 0


def send(case: Case, target: SpecTarget, **kwargs: Any) -> Response:
    try:
        return case.call(**{**target.call_kwargs(), **kwargs})
    except requests.RequestException as exc:
        url = f"{target.base_url}{case.formatted_path}"
        raise TargetUnreachable(f"{case.method} {url}: {type(exc).__name__}") from None


def _text(data: bytes | str | None) -> str | None:
    if data is None or isinstance(data, str):
        return truncated(data)
    return truncated(data.decode("utf-8", errors="replace"))


def _readable(error: BaseException) -> str:
    """Each failure schemathesis found, as `title: message` lines."""
    failures = error.exceptions if isinstance(error, FailureGroup) else (error,)
    lines = []
    for failure in failures:
        if isinstance(failure, Failure):
            lines.append(f"{failure.title}: {failure.message}".strip())
        else:
            lines.append(str(failure))
    return "\n".join(lines)


def validate(case: Case, response: Response, **kwargs: Any) -> None:
    """`case.validate_response`, failing with the exchange: the request, the answer and the
    curl that repeats it (credentials masked)."""
    try:
        case.validate_response(response, **kwargs)
    except (AssertionError, FailureGroup) as error:
        request = response.request
        exchange = Exchange(
            request=f"{case.method.upper()} {request.url}",
            request_body=_text(request.body),
            status=response.status_code,
            response_body=_text(response.content),
            curl=case.as_curl_command(headers=kwargs.get("headers"), base_url=None),
        )
        raise ExchangeFailure(_readable(error), exchange) from None


def run_operation(
    operation: APIOperation,
    mode: GenerationMode,
    target: SpecTarget,
    checks: Sequence[CheckFunction],
    budget: Budget,
    created: CreatedResources | None = None,
) -> Sent:
    """Send up to `budget.max_examples` generated cases; raises on the first failing one."""
    sent = Sent()

    @hypothesis.given(case=operation.as_strategy(generation_mode=mode))
    @budget.settings()
    @hypothesis.seed(budget.seed_for(f"{operation.label} {mode.value}"))
    def exercise(case: Case) -> None:
        response = send(case, target)
        sent.cases += 1
        if created is not None:
            created.record(case, response)
        validate(case, response, checks=list(checks), headers=target.headers)
        if 200 <= response.status_code < 300:
            sent.successes += 1

    exercise()
    return sent


def state_machine(
    schema: BaseSchema,
    target: SpecTarget,
    checks: Sequence[CheckFunction],
    created: CreatedResources | None = None,
    on_step: Callable[[Case], None] | None = None,
) -> type[APIStateMachine]:
    """The schema's link-driven state machine, calling `target` and applying `checks`.

    Sequences are made of valid calls: an invalid step would end the sequence it belongs to.
    With `created`, what a sequence created is deleted when it ends."""
    schema.config.generation.update(modes=[GenerationMode.POSITIVE])
    base = schema.as_state_machine()

    class TargetStateMachine(base):  # type: ignore[misc, valid-type]
        def call(self, case: Case, **kwargs: Any) -> Response:
            return send(case, target, **kwargs)

        def get_call_kwargs(self, case: Case) -> dict[str, Any]:
            return target.call_kwargs()

        def teardown(self) -> None:
            # Every sequence starts from the same target state: Hypothesis requires the same
            # choices to draw the same data, and links draw from what the target answered.
            if created is not None:
                created.cleanup(target.base_url, target.headers, target.timeout)

        def after_call(self, response: Response, case: Case) -> None:
            super().after_call(response, case)
            if on_step is not None:
                on_step(case)
            if created is not None:
                created.record(case, response)

        def validate_response(
            self, response: Response, case: Case, additional_checks: Any = None, **kwargs: Any
        ) -> None:
            # the recorder lets sequence checks find the parent call of a linked one
            validate(
                case, response, checks=list(checks), headers=target.headers, recorder=self.recorder
            )

    return TargetStateMachine


def run_state_machine(machine: type[APIStateMachine], budget: Budget) -> None:
    hypothesis.seed(budget.seed_for(machine.__name__))(machine)
    machine.run(settings=budget.settings())
