"""`gwconform load` end to end against the embedded reference: bounded, loopback only."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import yaml

from conformance.loadkit.profiles import PROFILES_FILE

EXPECTED_FILES = [
    "stats.csv",
    "timeline.csv",
    "report.html",
    "summary.json",
    "latency-over-time.png",
    "latency-histogram.png",
]


def _load(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "conformance", "load", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )


def test_smoke_profile_writes_every_report(tmp_path):
    run = _load("smoke", "--duration", "5", "--report-dir", str(tmp_path), cwd=tmp_path)
    assert run.returncode == 0, run.stderr[-2000:]
    out = tmp_path  # --report-dir D writes to D/
    for name in EXPECTED_FILES:
        assert (out / name).stat().st_size > 0, name
    summary = json.loads((out / "summary.json").read_text())
    assert summary["profile"] == "smoke"
    assert summary["requests"] > 20 and summary["failures"] == 0
    assert summary["slo"]["passed"] and summary["slo"]["breaches"] == []
    assert 0 < summary["p50_ms"] <= summary["p95_ms"] <= summary["p99_ms"]
    assert sum(summary["latency_histogram_ms"].values()) == summary["requests"]
    assert 0 < summary["generator"]["cpu_share_of_machine"] <= 1
    assert "gateway" in summary
    stats = (out / "stats.csv").read_text().splitlines()
    assert stats[0].startswith("Type,Name,Request Count")
    assert any("/gwload/0" in line for line in stats[1:])
    assert list((out / "events").glob("events-*.csv"))  # the raw events the figures come from
    for png in ("latency-over-time.png", "latency-histogram.png"):
        assert (out / png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "<html" in (out / "report.html").read_text()[:2000].lower()


def test_impossible_slo_exits_non_zero_naming_it(tmp_path):
    profiles = yaml.safe_load(PROFILES_FILE.read_text())
    profiles["profiles"]["impossible"] = {
        **profiles["profiles"]["smoke"],
        "slo": {"min_rps": 1_000_000},
    }
    custom = tmp_path / "profiles.yaml"
    custom.write_text(yaml.safe_dump(profiles))
    run = _load(
        "impossible", "--duration", "3", "--profiles", str(custom), "--report-dir", str(tmp_path),
        cwd=tmp_path,
    )  # fmt: skip
    assert run.returncode != 0
    assert "SLO breached: throughput" in run.stdout + run.stderr
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["slo"]["breaches"][0].startswith("throughput")


def test_unknown_profile_is_one_clear_line(tmp_path):
    run = _load("no-such-profile", cwd=tmp_path)
    assert run.returncode != 0
    assert "unknown load profile 'no-such-profile'" in run.stderr
    assert "Traceback" not in run.stderr


def test_distributed_run_with_a_master_and_workers(tmp_path):
    run = _load(
        "smoke", "--duration", "4", "--workers", "2", "--report-dir", str(tmp_path), cwd=tmp_path
    )
    assert run.returncode == 0, run.stderr[-2000:]
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["requests"] > 20 and summary["failures"] == 0
    assert summary["generator"]["processes"] == 3  # the master and two workers, all measured


def test_constant_rate_smoke_is_flat_from_the_first_second_and_its_files_agree(tmp_path):
    """4 users at 50 requests/s each: 200 req/s in every second of the run, counted from the
    requests themselves; the CSV, the timeline and the summary are the same data."""
    run = _load("smoke", "--duration", "6", "--report-dir", str(tmp_path), cwd=tmp_path)
    assert run.returncode == 0, run.stderr[-2000:]
    summary = json.loads((tmp_path / "summary.json").read_text())
    timeline = summary["timeline"]
    assert len(timeline) >= 6  # the whole run, not a cut-off one
    full_seconds = timeline[: int(summary["duration_s"])]
    rates = [round(row["rps"]) for row in timeline]
    assert rates[0] >= 150, rates  # no ramp from 0: the first second is already at the rate
    # flat: a busy shared machine may delay a few requests, never by half
    assert all(120 <= row["rps"] <= 280 for row in full_seconds), rates
    with (tmp_path / "stats.csv").open() as fh:
        aggregated = next(row for row in csv.DictReader(fh) if row["Name"] == "Aggregated")
    assert int(aggregated["Request Count"]) == summary["requests"]
    assert float(aggregated["95%"]) == summary["p95_ms"]
    with (tmp_path / "timeline.csv").open() as fh:
        per_second = sum(int(row["requests"]) for row in csv.DictReader(fh))
    warmup = [row for row in timeline if row["t"] < summary["warmup_s"]]
    assert per_second >= summary["requests"] >= per_second - sum(r["requests"] for r in warmup)
    assert summary["warmup_s"] > 0 and "warm-up" in run.stderr
    latencies = [summary[key] for key in ("p50_ms", "p95_ms", "p99_ms")]
    assert any(value != int(value) for value in latencies)  # sub-millisecond
    assert summary["intended_p99_ms"] >= summary["p50_ms"]  # a fixed arrival rate
    assert "coordinated omission" in summary["coordinated_omission"]
    env = summary["environment"]
    assert env["cpu_count"] >= 1 and env["cpu_model"] and env["python"] and env["locust"]
    assert env["workers"] == {"local": 0, "remote": 0}
    assert summary["slo"]["thresholds"]["p95_ms"] == 250
