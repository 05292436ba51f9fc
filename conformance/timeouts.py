"""How long the suite waits, and how sure it must be: set once for a run, not by each test.

Modelled on the Gateway API suite's `TimeoutConfig`: the tests name which wait they need
(configuration reaching the data plane, a data plane starting, health checks noticing a node)
and the suite decides how long that is and how many checks in a row make it reached.
"""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_TIMEOUT = 5.0
# As in the Gateway API suite: a condition counts as reached only after this many checks in
# a row held, so one worker that already has the new configuration cannot pass a test for
# the others that do not.
REQUIRED_SUCCESSES = 3


@dataclass(frozen=True)
class TimeoutConfig:
    # configuration reaching the data plane (`--timeout`); also the limit of one request
    apply: float = DEFAULT_TIMEOUT
    required_successes: int = REQUIRED_SUCCESSES
    # an API7 gateway group's data plane, possibly a process started for it, listening
    data_plane_start: float = 30.0
    # active health checks (1 s intervals) noticing a node change, on top of `apply`
    health_check: float = 10.0
    # a service registry polled every second: a few rounds, on top of `apply`
    registry_poll: float = 5.0
    # an alert policy checked every second firing and its notifications delivered
    alert_delivery: float = 15.0
    # once one case of a table has used up `apply`, the gateway has had its chance to
    # converge: the remaining cases get this much, so a broken target fails fast
    settled: float = 0.5
