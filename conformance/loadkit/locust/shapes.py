"""Load plans for the ramp and spike profiles: users over time, without Locust's machinery.

The locustfile wraps a plan in a LoadTestShape; keeping the arithmetic here lets it be
tested without importing Locust (which monkey-patches the standard library).
"""

from __future__ import annotations


class StepPlan:
    """Add `step_users` every `step_seconds`, from `start_users` up to `max_users`."""

    def __init__(self, start_users: int, step_users: int, step_seconds: float, max_users: int):
        self.start, self.step, self.seconds, self.max = (
            start_users,
            step_users,
            step_seconds,
            max_users,
        )
        self.duration = ((max_users - start_users) // step_users + 1) * step_seconds

    def at(self, elapsed: float) -> tuple[int, float] | None:
        if elapsed >= self.duration:
            return None
        users = min(self.max, self.start + int(elapsed // self.seconds) * self.step)
        return users, max(self.step, self.start)


class SpikePlan:
    """`base_users` for `before` s, `spike_users` for `during` s, `base_users` for `after` s."""

    def __init__(
        self, base_users: int, spike_users: int, before: float, during: float, after: float
    ):
        self.base, self.spike = base_users, spike_users
        self.before, self.during = before, during
        self.duration = before + during + after

    def at(self, elapsed: float) -> tuple[int, float] | None:
        if elapsed >= self.duration:
            return None
        in_spike = self.before <= elapsed < self.before + self.during
        return (self.spike, self.spike) if in_spike else (self.base, self.spike)


def plan_for(profile: dict) -> StepPlan | SpikePlan:
    if profile["shape"] == "steps":
        return StepPlan(**profile["steps"])
    if profile["shape"] == "spike":
        return SpikePlan(**profile["spike"])
    raise ValueError(f"unknown load shape {profile['shape']!r}")
