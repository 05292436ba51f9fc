"""`python stateful_scenarios.py correct|keeps-deleted`: run the upstream link sequences
against the fake Admin API and print one JSON line: steps taken, writes the fake saw,
upstreams left at the end, the error."""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from conformance.specs.checks import STATEFUL
from conformance.specs.hooks import install_apisix
from conformance.specs.loader import load_spec
from conformance.specs.runner import (
    Budget,
    CreatedResources,
    SpecTarget,
    run_state_machine,
    state_machine,
)
from conformance.specs.suite import APISIX_V3_SPEC
from tests.spec.fake_admin import InMemoryUpstreams, fake_admin

BUDGETS = {
    "correct": Budget(max_examples=15, seed=5, steps=6),
    "keeps-deleted": Budget(max_examples=60, seed=5, steps=8),
}


def main(name: str) -> None:
    steps: list[str] = []
    created = CreatedResources()
    spec = load_spec(APISIX_V3_SPEC)
    install_apisix(spec.schema)
    schema = spec.schema.include(path_regex="^/apisix/admin/upstreams(/|$)")
    error = None
    upstreams = InMemoryUpstreams(keep_deleted=name == "keeps-deleted")
    with fake_admin(upstreams) as url:
        target = SpecTarget(url, {"X-API-KEY": "k"})
        machine = state_machine(
            schema, target, STATEFUL, created, on_step=lambda c: steps.append(c.method)
        )
        try:
            run_state_machine(machine, BUDGETS[name])
        except BaseException as exc:  # the failure is the result this script reports
            error = f"{type(exc).__name__}: {exc}"
    # each sequence deletes what it created, so what is left shows the clean-up worked
    left = sorted(upstreams.items) if name == "correct" else None
    print(json.dumps({"steps": steps, "writes": upstreams.revision, "left": left, "error": error}))


if __name__ == "__main__":
    main(sys.argv[1])
