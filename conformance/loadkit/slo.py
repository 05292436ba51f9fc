"""Judge a load run's figures against the profile's SLOs."""

from __future__ import annotations

from typing import Any


def judge(
    figures: dict[str, Any],
    slo: dict[str, Any],
    propagation: dict[str, Any] | None,
    drift: dict[str, Any] | None,
) -> list[str]:
    """Every breached SLO as a line that names it, the measured value and the threshold."""
    breaches = []
    if figures["requests"] == 0:
        return ["no request was sent"]
    checks = [
        ("error rate", figures["error_rate"], slo.get("max_error_rate"), "max", ""),
        ("p95 latency", figures["p95_ms"], slo.get("p95_ms"), "max", " ms"),
        ("p99 latency", figures["p99_ms"], slo.get("p99_ms"), "max", " ms"),
        ("throughput", figures["rps"], slo.get("min_rps"), "min", " req/s"),
    ]
    if propagation is not None:
        checks.append(
            (
                "config propagation p95",
                propagation["p95_ms"],
                slo.get("max_propagation_p95_ms"),
                "max",
                " ms",
            )
        )
    if drift is not None:
        checks.append(("p95 latency drift", drift["p95_change"], slo.get("max_drift"), "max", ""))
    for name, value, limit, kind, unit in checks:
        if limit is None or value is None:
            continue
        if (kind == "max" and value > limit) or (kind == "min" and value < limit):
            word = "above" if kind == "max" else "below"
            breaches.append(f"{name} {value:.4g}{unit} is {word} the SLO of {limit}{unit}")
    return breaches
