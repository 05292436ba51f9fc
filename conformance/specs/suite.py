"""What the spec-driven conformance tests are made of: which cases a spec yields, the budget,
and the credentials to send. The pytest modules in `conformance/tests/spec/` stay thin."""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from schemathesis import GenerationMode

from ..fixtures import run_state
from ..resources import shipped_path
from .hooks import install_apisix, install_common
from .loader import LoadedSpec, SpecLoadError, load_spec
from .runner import (
    Budget,
    CreatedResources,
    SpecTarget,
    TargetUnreachable,
    run_operation,
    run_state_machine,
    send,
    state_machine,
)
from .witness import Witness

FIXTURE_SPECS = shipped_path("conformance", "data", "specs")
TLS_DIR = FIXTURE_SPECS / "tls"  # the certificate and key the spec examples carry
APISIX_V3_SPEC = FIXTURE_SPECS / "apisix-admin-v3.yaml"
APISIX_V2_SPEC = FIXTURE_SPECS / "apisix-admin-v2.yaml"

# Examples per operation when the run does not say (--gw-max-examples): generating one
# Admin API body costs ~0.1-0.3 s, and the whole spec suite must stay well under 3 minutes.
DEFAULT_EXAMPLES = 5
STATEFUL_STEPS = 5


@dataclass(frozen=True)
class SpecCase:
    """One test item: an operation of a spec in one generation mode."""

    method: str
    path: str
    mode: GenerationMode
    feature: str | None = None

    @property
    def label(self) -> str:
        return f"{self.method.upper()} {self.path}"

    @property
    def test_id(self) -> str:
        return f"{self.label} [{self.mode.value}]"


def spec_cases(spec: LoadedSpec, modes: tuple[GenerationMode, ...]) -> list[SpecCase]:
    """Every operation in every mode; negative mode only where there is a body to spoil.

    Invalid query strings are not asserted on: APISIX documents, e.g., that a bad `page`
    falls back to 1, so a refused-or-not rule would be wrong for them."""
    cases = []
    for operation in spec.operations():
        has_body = "requestBody" in operation.definition.raw
        for mode in modes:
            if mode.is_negative and not has_body:
                continue
            cases.append(
                SpecCase(operation.method, operation.path, mode, spec.feature_of(operation))
            )
    return cases


def examples_per_operation(cli_value: int | None) -> int:
    return cli_value if cli_value else DEFAULT_EXAMPLES


def budget_for(mode: GenerationMode, cli_value: int | None, seed: int) -> Budget:
    """Negative cases get half the examples: each spoils one documented constraint, and
    positive generation already covers the shapes."""
    examples = examples_per_operation(cli_value)
    if mode.is_negative:
        examples = max(1, examples // 2)
    return Budget(max_examples=examples, seed=seed, steps=STATEFUL_STEPS)


def stateful_budget(cli_value: int | None, seed: int) -> Budget:
    """Sequences per state machine: each is up to STATEFUL_STEPS calls."""
    return Budget(
        max_examples=max(1, examples_per_operation(cli_value) // 2), seed=seed, steps=STATEFUL_STEPS
    )


def credential_headers(
    raw: dict[str, Any], admin_key: str | None, token: str | None
) -> dict[str, str]:
    """Headers carrying the run's credentials the way the spec's security schemes ask.

    apiKey-in-header schemes get the admin key (or token); http bearer gets the token (or key).
    A spec without schemes still gets `X-API-KEY` when an admin key is given."""
    schemes = (
        (raw.get("components") or {}).get("securitySchemes") or raw.get("securityDefinitions") or {}
    )
    headers: dict[str, str] = {}
    for scheme in schemes.values():
        if not isinstance(scheme, dict):
            continue
        kind = scheme.get("type")
        if kind == "apiKey" and scheme.get("in") == "header" and scheme.get("name"):
            secret = admin_key or token
            if secret:
                headers[str(scheme["name"])] = secret
        elif kind == "http" and str(scheme.get("scheme", "")).lower() == "bearer":
            secret = token or admin_key
            if secret:
                headers["Authorization"] = f"Bearer {secret}"
    if not headers and admin_key:
        headers["X-API-KEY"] = admin_key
    return headers


@contextlib.contextmanager
def unreachable_fails_in_one_line() -> Iterator[None]:
    """A target that cannot be reached fails the test with one line, not a traceback."""
    try:
        yield
    except TargetUnreachable as exc:
        pytest.fail(f"target unreachable: {exc}", pytrace=False)


@functools.cache
def apisix_spec(version: str, faithful: bool) -> LoadedSpec:
    """The shipped APISIX Admin API spec (`v3` or `v2`), with the APISIX hooks installed."""
    spec = load_spec(APISIX_V3_SPEC if version == "v3" else APISIX_V2_SPEC, faithful=faithful)
    install_apisix(spec.schema)
    return spec


@functools.cache
def shipped_spec(name: str, faithful: bool) -> LoadedSpec:
    """A spec shipped in conformance/data/specs (by file name), with the common hooks installed."""
    spec = load_spec(FIXTURE_SPECS / name, faithful=faithful)
    install_common(spec.schema)
    return spec


@functools.cache
def try_load(path: str | Path, *, faithful: bool = False) -> LoadedSpec | SpecLoadError:
    """The loaded spec, or the error to report (collection must not crash on a bad spec).
    Loaded once per process: `gwconform run` checks it before the tests use it."""
    try:
        spec = load_spec(path, faithful=faithful)
    except SpecLoadError as exc:
        return exc
    install_common(spec.schema)
    return spec


def run_spec_case(
    spec_case: SpecCase,
    spec: LoadedSpec,
    target: SpecTarget,
    checks: Any,
    config: pytest.Config,
    *,
    seed: int,
    claimed: frozenset[str] | None = None,
    created: CreatedResources | None = None,
) -> None:
    """One operation of `spec` in the case's generation mode, with the run's budget; skipped
    when it needs an Extended feature the target does not claim."""
    if claimed is not None and spec_case.feature and spec_case.feature not in claimed:
        pytest.skip(f"{spec_case.label} needs the unclaimed feature {spec_case.feature}")
    operation = spec.schema[spec_case.path][spec_case.method.upper()]
    budget = budget_for(spec_case.mode, run_state(config).options.max_examples, seed)
    with unreachable_fails_in_one_line():
        sent = run_operation(operation, spec_case.mode, target, checks, budget, created)
        if spec_case.mode.is_positive and not sent.successes:
            witness = Witness(
                links=spec.links,
                send=functools.partial(send, target=target),
                checks=checks,
                headers=target.headers,
                seed=seed,
                on_created=created.record if created is not None else None,
                known=target.known_parameters,
            )
            witness.prove(operation)


def run_link_sequences(
    spec: LoadedSpec, target: SpecTarget, checks: Any, config: pytest.Config, *, seed: int
) -> None:
    """The spec's link-driven sequences, with the run's budget."""
    machine = state_machine(spec.schema, target, checks)
    budget = budget_for(GenerationMode.POSITIVE, run_state(config).options.max_examples, seed)
    with unreachable_fails_in_one_line():
        run_state_machine(machine, budget)
