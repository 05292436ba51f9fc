"""Link-driven sequences against a small in-memory Admin API: a correct one passes and the
sequences really follow links; one that keeps deleted resources is caught.

Each scenario runs in a fresh interpreter, as `gwconform run` runs the suite: schemathesis'
stateful generation keeps caches that tests run earlier in the same process disturb, which
Hypothesis then reports as inconsistent data generation."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

SCENARIOS = Path(__file__).with_name("stateful_scenarios.py")


def run_scenario(name: str) -> dict:
    done = subprocess.run(
        [sys.executable, str(SCENARIOS), name],
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_a_correct_admin_api_passes_and_links_are_followed():
    result = run_scenario("correct")
    assert result["error"] is None
    steps = set(result["steps"])
    assert {"PUT", "GET", "DELETE"} <= steps or {"POST", "GET", "DELETE"} <= steps
    assert result["writes"] > 0  # sequences really created and changed upstreams
    assert result["left"] == []  # and every sequence removed what it created


def test_a_resource_that_outlives_its_delete_is_caught():
    result = run_scenario("keeps-deleted")
    assert result["error"] is not None
    assert "Deleted resource still available" in result["error"]
