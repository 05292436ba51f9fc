"""A load run's figures, from the raw request events every Locust process records.

Locust's own statistics use a trailing window (`current_rps`) and whole milliseconds, and
its CSV and final stats are cut at different moments; here every figure, the per-second
series, the CSV files and the summary come from the same list of events:
- the series cover the whole run, second by second from the first request;
- the summary figures leave the warm-up out (and say so);
- percentiles are exact over the events, in fractional milliseconds;
- with a fixed arrival rate, latency is also measured from each request's intended send
  time, so a stalled gateway cannot hide the requests it delayed (coordinated omission).
"""

from __future__ import annotations

import csv
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .locust.event_log import CONFIG, TRAFFIC, Event

COORDINATED_OMISSION = (
    "Latency is measured per request from when it was sent. A client that waits for an "
    "answer before sending the next request sends fewer requests while the gateway stalls, "
    "so stalls weigh less than they should (coordinated omission). Profiles with a fixed "
    "arrival rate (rate_per_user) also report latency from each request's intended send "
    "time (intended_p50_ms ...), which counts the delay a stall imposes on later requests."
)


def percentile(ordered: Sequence[float], fraction: float) -> float | None:
    """The nearest-rank percentile of an ascending list (None when empty)."""
    if not ordered:
        return None
    rank = max(1, math.ceil(fraction * len(ordered)))
    return round(ordered[rank - 1], 3)


def figures(events: Sequence[Event], seconds: float) -> dict[str, Any]:
    latencies = sorted(e.latency_ms for e in events)
    failures = sum(1 for e in events if not e.ok)
    shaped: dict[str, Any] = {
        "requests": len(events),
        "failures": failures,
        "error_rate": failures / len(events) if events else 0.0,
        "rps": len(events) / seconds if seconds > 0 else 0.0,
        "p50_ms": percentile(latencies, 0.5),
        "p95_ms": percentile(latencies, 0.95),
        "p99_ms": percentile(latencies, 0.99),
        "max_ms": latencies[-1] if latencies else None,
    }
    intended = sorted(e.intended_ms for e in events if e.intended_ms is not None)
    if intended:
        for label, fraction in (("p50", 0.5), ("p95", 0.95), ("p99", 0.99)):
            shaped[f"intended_{label}_ms"] = percentile(intended, fraction)
    return shaped


def per_second(events: Sequence[Event], origin: float, end: float) -> list[dict[str, Any]]:
    """One row per second of the run, from `origin` to `end`, empty seconds included; the
    last, partial second's rate is over the part of it the run covered."""
    seconds = max(1, math.ceil(end - origin))
    buckets: list[list[Event]] = [[] for _ in range(seconds)]
    for e in events:
        index = int(e.start - origin)
        if 0 <= index < seconds:
            buckets[index].append(e)
    rows = []
    for second, bucket in enumerate(buckets):
        latencies = sorted(e.latency_ms for e in bucket)
        covered = min(1.0, max(end - origin - second, 1e-3))
        failures = sum(1 for e in bucket if not e.ok)
        rows.append(
            {
                "t": second,
                "requests": len(bucket),
                "failures": failures,
                "rps": len(bucket) / covered,
                "failures_per_s": failures / covered,
                "p50_ms": percentile(latencies, 0.5),
                "p95_ms": percentile(latencies, 0.95),
                "p99_ms": percentile(latencies, 0.99),
            }
        )
    return rows


def drift(timeline: list[dict[str, Any]]) -> dict[str, float] | None:
    """Relative change of p95 latency between the first and the last third of the seconds."""
    rows = [row for row in timeline if row["p95_ms"] is not None]
    if len(rows) < 6:
        return None
    third = len(rows) // 3
    first = sum(row["p95_ms"] for row in rows[:third]) / third
    last = sum(row["p95_ms"] for row in rows[-third:]) / third
    return {
        "p95_first_ms": first,
        "p95_last_ms": last,
        "p95_change": (last - first) / first if first else 0.0,
    }


def histogram(events: Sequence[Event]) -> dict[str, int]:
    """Requests per 0.1 ms latency bucket (the key is the bucket's lower bound)."""
    counts: dict[float, int] = {}
    for e in events:
        bucket = math.floor(e.latency_ms * 10) / 10
        counts[bucket] = counts.get(bucket, 0) + 1
    return {f"{bucket:.1f}": count for bucket, count in sorted(counts.items())}


def analyse(events: Sequence[Event], warmup_s: float) -> dict[str, Any]:
    """The summary's figures: measured after `warmup_s`, series over the whole run."""
    if not events:
        return {**figures([], 0), "timeline": [], "warmup_s": warmup_s, "duration_s": 0.0}
    origin = events[0].start
    end = max(e.end for e in events)
    measured_from = origin + warmup_s
    traffic = [e for e in events if e.kind == TRAFFIC]
    measured = [e for e in traffic if e.start >= measured_from]
    window = max(end - measured_from, 1e-9)
    config = [e for e in events if e.kind == CONFIG and e.start >= measured_from]
    timeline = per_second(traffic, origin, end)
    by_name: dict[str, list[Event]] = {}
    for e in measured:
        by_name.setdefault(e.name, []).append(e)
    summary = {
        **figures(measured, window),
        "warmup_s": warmup_s,
        "measured_s": window,
        "duration_s": end - origin,
        "started": origin,
        "propagation": figures(config, window) if config else None,
        "endpoints": {name: figures(group, window) for name, group in sorted(by_name.items())},
        "timeline": timeline,
        "drift": drift([row for row in timeline if row["t"] >= warmup_s]),
        "latency_histogram_ms": histogram(measured),
        "coordinated_omission": COORDINATED_OMISSION,
    }
    if config and summary["propagation"]["failures"]:
        failed = summary["failures"] + summary["propagation"]["failures"]
        summary["error_rate"] = failed / (summary["requests"] + len(config))
    return summary


STATS_HEADER = [
    "Type", "Name", "Request Count", "Failure Count", "Requests/s",
    "50%", "95%", "99%", "Max",
]  # fmt: skip


def write_csvs(summary: dict[str, Any], out: Path) -> None:
    """`stats.csv` (per endpoint and in all, the summary's figures) and `timeline.csv`
    (the per-second series the charts draw)."""
    with (out / "stats.csv").open("w", newline="") as fh:
        rows = csv.writer(fh)
        rows.writerow(STATS_HEADER)
        named = [("GET", name, f) for name, f in summary["endpoints"].items()]
        for kind, name, f in [*named, ("", "Aggregated", summary)]:
            rows.writerow(
                [kind, name, f["requests"], f["failures"], f"{f['rps']:.3f}",
                 f["p50_ms"], f["p95_ms"], f["p99_ms"], f["max_ms"]]
            )  # fmt: skip
    with (out / "timeline.csv").open("w", newline="") as fh:
        rows = csv.writer(fh)
        keys = ("t", "requests", "failures", "p50_ms", "p95_ms", "p99_ms")
        rows.writerow(keys)
        for row in summary["timeline"]:
            rows.writerow(["" if row[key] is None else row[key] for key in keys])
