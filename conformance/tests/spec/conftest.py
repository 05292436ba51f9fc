"""Spec-driven tests: one item per operation (and generation mode) of a spec.

Each test module names its cases with a module-level `spec_cases(config)`; this conftest
parametrizes `spec_case` from it, and provides the per-module target and cleanup."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from conformance.fixtures import run_state
from conformance.specs.runner import CreatedResources, SpecTarget

ANY_SPEC_MODULE = "test_any_spec.py"


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    collect = getattr(metafunc.module, "spec_cases", None)
    if collect is None or "spec_case" not in metafunc.fixturenames:
        return
    cases = collect(metafunc.config)
    metafunc.parametrize("spec_case", cases, ids=[case.test_id for case in cases])


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Without --gw-spec the any-spec tests have nothing to test: deselect, do not skip."""
    if run_state(config).options.spec:
        return
    unused = [item for item in items if item.nodeid.split("::")[0].endswith(ANY_SPEC_MODULE)]
    if unused:
        config.hook.pytest_deselected(items=unused)
        items[:] = [item for item in items if item not in unused]


@pytest.fixture(scope="module")
def admin_spec_target(gw_target) -> Iterator[SpecTarget]:
    """The target's Admin API, with the admin key, over one keep-alive session."""
    if not gw_target.admin_url:
        pytest.skip("the target has no admin URL (--admin-url)")
    headers = {"X-API-KEY": gw_target.admin_key} if gw_target.admin_key else {}
    target = SpecTarget(gw_target.admin_url, headers, timeout=max(gw_target.timeout, 5.0))
    yield target
    target.close()


@pytest.fixture(scope="module")
def spec_created(gw_target, admin_spec_target: SpecTarget) -> Iterator[CreatedResources]:
    """What generated requests created; force-deleted when the module is done."""
    created = CreatedResources()
    yield created
    created.cleanup(gw_target.admin_url, admin_spec_target.headers)
