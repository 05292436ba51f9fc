"""`gwconform load` end to end against the embedded reference: bounded, loopback only."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import yaml

from conformance.loadkit.profiles import PROFILES_FILE

EXPECTED_FILES = [
    "locust_stats.csv",
    "locust_stats_history.csv",
    "locust_failures.csv",
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
    out = tmp_path / "load" / "smoke"
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
    stats = (out / "locust_stats.csv").read_text().splitlines()
    assert stats[0].startswith("Type,Name,Request Count")
    assert any("/gwload/0" in line for line in stats[1:])
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
    summary = json.loads((tmp_path / "load" / "impossible" / "summary.json").read_text())
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
    summary = json.loads((tmp_path / "load" / "smoke" / "summary.json").read_text())
    assert summary["requests"] > 20 and summary["failures"] == 0
    assert summary["generator"]["processes"] == 3  # the master and two workers, all measured
