"""Compare a load summary with an earlier one: regressions beyond a tolerance."""

from __future__ import annotations

# figure, True when higher is better
COMPARED = [
    ("rps", True),
    ("p50_ms", False),
    ("p95_ms", False),
    ("p99_ms", False),
    ("error_rate", False),
]


def regressions(baseline: dict, current: dict, tolerance: float) -> list[str]:
    """Each figure that got worse by more than `tolerance` (a fraction), as one line."""
    found = []
    for key, higher_is_better in COMPARED:
        old, new = baseline.get(key), current.get(key)
        if old is None or new is None:
            continue
        if key == "error_rate":
            if new > old + tolerance / 100:
                found.append(f"error rate rose from {old:.4%} to {new:.4%}")
            continue
        if old == 0:
            continue
        change = (new - old) / old
        worse = -change if higher_is_better else change
        if worse > tolerance:
            found.append(f"{key} went from {old:.4g} to {new:.4g} ({change:+.1%})")
    return found
