"""The load kit's pure parts: profiles, shapes, SLO judgement, baseline comparison."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from conformance.loadkit import baseline, slo
from conformance.loadkit.profiles import LOAD_DIR, ProfileError, load_profiles, resolve

sys.path.insert(0, str(LOAD_DIR))
import shapes

REQUIRED = {"smoke", "steady", "ramp", "spike", "soak", "auth-heavy", "many-routes", "config-churn"}


def test_every_documented_profile_resolves_with_slos():
    assert set(load_profiles()) >= REQUIRED
    for name in REQUIRED:
        profile = resolve(name)
        assert profile["duration"] > 0 and profile["users"] > 0
        assert {"max_error_rate", "p95_ms", "p99_ms", "min_rps"} <= set(profile["slo"])
    assert resolve("many-routes")["setup"]["routes"] == 10_000
    assert resolve("config-churn")["slo"]["max_propagation_p95_ms"] > 0


def test_overrides_and_bad_input():
    assert resolve("smoke", users=7, duration=3)["users"] == 7
    with pytest.raises(ProfileError, match="unknown load profile 'nope'"):
        resolve("nope")
    with pytest.raises(ProfileError, match="--duration must be positive"):
        resolve("smoke", duration=0)


def test_step_plan_steps_up_then_stops():
    plan = shapes.StepPlan(start_users=4, step_users=4, step_seconds=10, max_users=12)
    assert plan.duration == 30
    assert [plan.at(t)[0] for t in (0, 9.9, 10, 25)] == [4, 4, 8, 12]
    assert plan.at(30) is None
    ramp = resolve("ramp")
    assert shapes.plan_for(ramp).duration == ramp["duration"]


def test_spike_plan():
    plan = shapes.SpikePlan(base_users=5, spike_users=50, before=15, during=10, after=15)
    assert [plan.at(t)[0] for t in (0, 15, 24.9, 25)] == [5, 50, 50, 5]
    assert plan.at(40) is None


FIGURES = {"requests": 1000, "error_rate": 0.02, "p95_ms": 120, "p99_ms": 300, "rps": 80}


def test_judge_names_each_breached_slo():
    slos = {"max_error_rate": 0.01, "p95_ms": 100, "p99_ms": 500, "min_rps": 100}
    breaches = slo.judge(FIGURES, slos, None, None)
    assert len(breaches) == 3
    assert any(b.startswith("error rate 0.02") for b in breaches)
    assert any(b.startswith("p95 latency 120 ms is above the SLO of 100 ms") for b in breaches)
    assert any(b.startswith("throughput 80 req/s is below the SLO of 100 req/s") for b in breaches)
    assert slo.judge(FIGURES, {"p99_ms": 500}, None, None) == []
    assert slo.judge({**FIGURES, "requests": 0}, {}, None, None) == ["no request was sent"]
    propagation = {"p95_ms": 900}
    assert slo.judge(FIGURES, {"max_propagation_p95_ms": 500}, propagation, None) == [
        "config propagation p95 900 ms is above the SLO of 500 ms"
    ]


def test_baseline_flags_only_regressions_beyond_tolerance():
    old = {"rps": 1000, "p50_ms": 2, "p95_ms": 10, "p99_ms": 20, "error_rate": 0.0}
    assert baseline.regressions(old, {**old, "rps": 950, "p95_ms": 10.5}, 0.1) == []
    found = baseline.regressions(old, {**old, "rps": 800, "p99_ms": 40}, 0.1)
    assert any(line.startswith("rps went from 1000 to 800") for line in found)
    assert any(line.startswith("p99_ms went from 20 to 40") for line in found)
    assert baseline.regressions(old, {**old, "error_rate": 0.05}, 0.1)


def test_profiles_file_is_where_the_kit_says():
    assert (Path(LOAD_DIR) / "locustfile.py").is_file()


def test_figures_come_from_the_events_with_the_warmup_left_out(tmp_path):
    from conformance.loadkit.events import analyse, write_csvs
    from conformance.loadkit.locust.event_log import Event, read_events, write_events

    # 3 s at 10 requests/s; latencies 1.25 ms, except the first second's 50 ms (warm-up)
    events = [
        Event(1000 + i / 10, 50.0 if i < 10 else 1.25, True, "traffic", "/r", None)
        for i in range(30)
    ]
    write_events(tmp_path / "events-1.csv", events[::2])
    write_events(tmp_path / "events-2.csv", events[1::2])
    summary = analyse(read_events(sorted(tmp_path.glob("events-*.csv"))), warmup_s=1.0)
    assert summary["requests"] == 20 and summary["p99_ms"] == 1.25  # sub-millisecond kept
    assert [row["requests"] for row in summary["timeline"]] == [10, 10, 10]
    assert summary["timeline"][0]["p50_ms"] == 50.0  # the warm-up is drawn, not measured
    assert 9.5 <= summary["rps"] <= 11  # 20 requests from the end of the warm-up to the last
    write_csvs(summary, tmp_path)
    aggregated = (tmp_path / "stats.csv").read_text().splitlines()[-1].split(",")
    assert aggregated[1:3] == ["Aggregated", "20"]
