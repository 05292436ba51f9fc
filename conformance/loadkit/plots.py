"""PNG plots of a load run: latency and throughput over time, and the latency histogram, with
the profile's SLO thresholds drawn on them and the warm-up shaded."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib.axes import Axes

SLO_STYLE: dict[str, Any] = {"linestyle": "--", "linewidth": 1.2}
PERCENTILES = (("p50", "p50_ms", "tab:green"), ("p95", "p95_ms", "tab:orange"),
               ("p99", "p99_ms", "tab:red"))  # fmt: skip


def _warmup(ax: Axes, summary: dict) -> None:
    if summary.get("warmup_s"):
        ax.axvspan(0, summary["warmup_s"], color="grey", alpha=0.12, label="warm-up (not measured)")


def latency_over_time(summary: dict, path: Path) -> None:
    timeline = summary["timeline"]
    slo = summary.get("slo", {}).get("thresholds", {})
    # a second's requests are counted at its middle: the line starts at the first second
    t = [row["t"] + 0.5 for row in timeline]
    fig, (latency, rate) = plt.subplots(2, 1, figsize=(9, 7), sharex=True)
    for label, key, color in PERCENTILES:
        latency.plot(t, [row[key] for row in timeline], label=label, color=color)
        if slo.get(key) is not None:
            latency.axhline(slo[key], color=color, **SLO_STYLE, label=f"{label} SLO {slo[key]} ms")
    _warmup(latency, summary)
    latency.set_ylabel("latency (ms)")
    latency.set_ylim(bottom=0)
    latency.legend(loc="upper right", fontsize=8)
    latency.set_title(f"{summary['profile']}: per second, from every request")
    rate.plot(t, [row["rps"] for row in timeline], color="tab:blue", label="requests/s")
    rate.plot(t, [row["failures_per_s"] for row in timeline], color="tab:red", label="failures/s")
    if slo.get("min_rps") is not None:
        rate.axhline(slo["min_rps"], color="tab:blue", **SLO_STYLE,
                     label=f"throughput SLO {slo['min_rps']} req/s")  # fmt: skip
    _warmup(rate, summary)
    rate.set_ylim(bottom=0)
    rate.set_xlim(0, max(len(timeline), 1))
    rate.set_xlabel("seconds since the first request")
    rate.set_ylabel("requests per second")
    rate.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def latency_histogram(summary: dict, path: Path) -> None:
    buckets = {float(k): v for k, v in summary["latency_histogram_ms"].items()}
    slo = summary.get("slo", {}).get("thresholds", {})
    fig, ax = plt.subplots(figsize=(9, 4.5))
    if buckets:
        # bucket middles on a log axis: sub-millisecond detail and the SLOs on one chart
        ax.plot([b + 0.05 for b in buckets], list(buckets.values()), drawstyle="steps-mid")
        ax.set_xscale("log")
        for label, key, color in PERCENTILES:
            if summary.get(key) is not None:
                ax.axvline(summary[key], color=color, alpha=0.8, label=f"{label} {summary[key]} ms")
            if slo.get(key) is not None:
                ax.axvline(slo[key], color=color, **SLO_STYLE, label=f"{label} SLO {slo[key]} ms")
        ax.legend(fontsize=8)
    ax.set_yscale("log")
    ax.set_xlabel("latency (ms, 0.1 ms buckets; warm-up left out)")
    ax.set_ylabel("requests")
    ax.set_title(f"{summary['profile']}: latency histogram")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
