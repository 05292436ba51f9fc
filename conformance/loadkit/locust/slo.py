"""Judge a finished Locust run against the profile's SLOs and write its summary JSON."""

from __future__ import annotations

import json
import time
from pathlib import Path

CONFIG = "CONFIG"  # request_type of config-propagation samples (config-churn)


def _aggregate(stats, keep):
    from locust.stats import StatsEntry  # imported late: judge() is tested without Locust

    total = StatsEntry(stats, "aggregated", "", use_response_times_cache=False)
    for entry in stats.entries.values():
        if keep(entry):
            total.extend(entry)
    return total


def _figures(entry, seconds: float) -> dict:
    return {
        "requests": entry.num_requests,
        "failures": entry.num_failures,
        "error_rate": entry.num_failures / entry.num_requests if entry.num_requests else 0.0,
        "rps": entry.num_requests / seconds if seconds > 0 else 0.0,
        "p50_ms": entry.get_response_time_percentile(0.5) if entry.num_requests else None,
        "p95_ms": entry.get_response_time_percentile(0.95) if entry.num_requests else None,
        "p99_ms": entry.get_response_time_percentile(0.99) if entry.num_requests else None,
        "max_ms": entry.max_response_time if entry.num_requests else None,
    }


def _drift(history: list[dict]) -> dict | None:
    """Relative change of p95 latency and failures/s between the first and last third."""
    if len(history) < 6:
        return None
    third = len(history) // 3
    first, last = history[:third], history[-third:]

    def mean(rows, key):
        return sum(r[key][1] for r in rows) / len(rows)

    p95_first, p95_last = (
        mean(first, "response_time_percentile_0.95"),
        mean(last, "response_time_percentile_0.95"),
    )
    return {
        "p95_first_ms": p95_first,
        "p95_last_ms": p95_last,
        "p95_change": (p95_last - p95_first) / p95_first if p95_first else 0.0,
        "fail_per_sec_first": mean(first, "current_fail_per_sec"),
        "fail_per_sec_last": mean(last, "current_fail_per_sec"),
    }


def judge(figures: dict, slo: dict, propagation: dict | None, drift: dict | None) -> list[str]:
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


def write_summary(environment, spec: dict) -> dict:
    stats = environment.stats
    seconds = max(
        (stats.last_request_timestamp or time.time()) - (stats.start_time or time.time()), 1e-9
    )
    traffic = _aggregate(stats, lambda e: e.method != CONFIG)
    figures = _figures(traffic, seconds)
    config = _aggregate(stats, lambda e: e.method == CONFIG)
    propagation = _figures(config, seconds) if config.num_requests else None
    if propagation is not None and propagation["failures"]:
        figures["error_rate"] = (figures["failures"] + propagation["failures"]) / (
            figures["requests"] + propagation["requests"]
        )
    drift = _drift(stats.history)
    slo = spec["profile"].get("slo", {})
    breaches = judge(figures, slo, propagation, drift)
    summary = {
        "profile": spec["profile_name"],
        "target": spec["target"],
        "started": stats.start_time,
        "duration_s": seconds,
        **figures,
        "propagation": propagation,
        "drift": drift,
        "endpoints": {f"{e.method} {e.name}": _figures(e, seconds) for e in stats.entries.values()},
        "errors": [
            {"name": e.name, "error": e.error, "occurrences": e.occurrences}
            for e in stats.errors.values()
        ],
        "generator_cpu_warning_percent": getattr(environment, "gw_cpu_warning", None),
        "slo": {"thresholds": slo, "breaches": breaches, "passed": not breaches},
        "latency_histogram_ms": {str(k): v for k, v in sorted(traffic.response_times.items())},
    }
    path = Path(spec["summary_path"])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(summary, indent=2, default=str))
    for line in breaches:
        print(f"SLO breached: {line}", flush=True)
    return summary
