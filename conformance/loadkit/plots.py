"""PNG plots of a load run: latency over time and the latency histogram."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt


def latency_over_time(summary: dict, path: Path) -> None:
    timeline = summary["timeline"]
    fig, latency = plt.subplots(figsize=(9, 4.5))
    t = [row["t"] for row in timeline]
    for key in ("p50_ms", "p95_ms", "p99_ms"):
        latency.plot(t, [row[key] for row in timeline], label=key.split("_")[0])
    rate = latency.twinx()
    rate.plot(t, [row["rps"] for row in timeline], color="grey", alpha=0.5, label="req/s")
    rate.set_ylabel("requests per second")
    rate.legend(loc="upper right")
    latency.set_xlabel("seconds since start")
    latency.set_ylabel("latency (ms)")
    latency.legend(loc="upper left")
    latency.set_title(f"{summary['profile']}: latency over time")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def latency_histogram(summary: dict, path: Path) -> None:
    buckets = {int(k): v for k, v in summary["latency_histogram_ms"].items()}
    fig, ax = plt.subplots(figsize=(9, 4.5))
    if buckets:
        ax.bar(list(buckets), list(buckets.values()), width=max(1, max(buckets) / 200))
        for label, key in (("p50", "p50_ms"), ("p95", "p95_ms"), ("p99", "p99_ms")):
            if summary.get(key) is not None:
                ax.axvline(summary[key], linestyle="--", color="black", alpha=0.6)
                ax.text(summary[key], ax.get_ylim()[1] * 0.9, f" {label}", fontsize=8)
    ax.set_yscale("log")
    ax.set_xlabel("latency (ms, Locust's rounding)")
    ax.set_ylabel("requests")
    ax.set_title(f"{summary['profile']}: latency histogram")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
