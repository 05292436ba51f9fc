import time

import pytest

from conformance.support.eventually import REQUIRED_SUCCESSES, converge, eventually
from conformance.target import build_run_options
from conformance.timeouts import TimeoutConfig


def test_returns_value_once_assertion_holds():
    calls = []

    def probe():
        calls.append(1)
        assert len(calls) >= 3
        return "ok"

    assert eventually(probe, timeout=2, interval=0.01, successes=1) == "ok"
    assert len(calls) == 3


def test_needs_consecutive_successes_by_default():
    calls = []

    def probe():
        calls.append(1)
        assert len(calls) >= 3
        return len(calls)

    assert eventually(probe, timeout=2, interval=0.01) == 2 + REQUIRED_SUCCESSES
    assert len(calls) == 2 + REQUIRED_SUCCESSES


def test_a_failure_resets_the_streak():
    """A flapping condition (one worker has the new config, another not) never passes."""
    calls = []

    def flapping():
        calls.append(1)
        assert len(calls) % 2, "the other worker"

    with pytest.raises(AssertionError, match="the other worker"):
        eventually(flapping, timeout=0.3, interval=0.01)
    assert len(calls) > 4


def test_reraises_last_assertion_at_timeout():
    attempts = []

    def probe():
        attempts.append(1)
        raise AssertionError(f"attempt {len(attempts)}")

    start = time.monotonic()
    with pytest.raises(AssertionError) as info:
        eventually(probe, timeout=0.2, interval=0.02)
    assert time.monotonic() - start < 1.0
    assert info.value.args[0] == f"attempt {len(attempts)}"
    assert len(attempts) > 1


def test_other_errors_are_not_retried():
    attempts = []

    def probe():
        attempts.append(1)
        raise KeyError("boom")

    with pytest.raises(KeyError):
        eventually(probe, timeout=1)
    assert len(attempts) == 1


def test_zero_timeout_calls_once():
    attempts = []

    def probe():
        attempts.append(1)
        raise AssertionError

    with pytest.raises(AssertionError):
        eventually(probe, timeout=0)
    assert attempts == [1]


def test_rejects_bad_interval():
    with pytest.raises(ValueError):
        eventually(lambda: None, interval=0)
    with pytest.raises(ValueError):
        eventually(lambda: None, successes=0)


def test_converge_takes_the_wait_and_the_streak_from_the_run():
    timeouts = TimeoutConfig(apply=0.3, required_successes=4)
    calls = []

    def probe():
        calls.append(1)
        return len(calls)

    assert converge(probe, timeouts, interval=0.01) == 4
    calls.clear()
    assert converge(probe, timeouts, interval=0.01, once=True) == 1

    def never():
        raise AssertionError("not yet")

    start = time.monotonic()
    with pytest.raises(AssertionError, match="not yet"):
        converge(never, timeouts, interval=0.01)
    assert 0.25 < time.monotonic() - start < 1.0
    start = time.monotonic()
    with pytest.raises(AssertionError):
        converge(never, timeouts, within=0.05, interval=0.01)
    assert time.monotonic() - start < 0.25


def test_the_run_timeout_option_sets_the_suite_timeouts():
    options = build_run_options({"timeout": 12.5})
    assert options.settings.timeouts == TimeoutConfig(apply=12.5)
    assert options.settings.timeouts.required_successes == 3
