"""SIGTERM to `gwconform run` is a clean abort: every gateway, worker and etcd it started is
stopped, their temporary folders are removed, and the run says it was aborted."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import psutil

START_TIMEOUT = 90.0


def test_sigterm_stops_everything_the_run_started(tmp_path) -> None:
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    run = subprocess.Popen(
        [sys.executable, "-m", "conformance", "run", "--profile", "apisix-v3", "--store", "etcd",
         "--report-dir", str(tmp_path / "reports")],
        env={**os.environ, "TMPDIR": str(scratch)}, stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, start_new_session=True,
    )  # fmt: skip
    parent = psutil.Process(run.pid)
    try:
        deadline = time.monotonic() + START_TIMEOUT
        started: list[psutil.Process] = []
        while time.monotonic() < deadline:
            started = parent.children(recursive=True)
            names = " ".join(" ".join(p.cmdline()) for p in started if p.is_running())
            if "etcd" in names and "reference_impl" in names and len(started) >= 3:
                break
            time.sleep(0.2)
        assert len(started) >= 3, f"the run started {len(started)} processes"
        time.sleep(2)  # the suite is under way
        started = parent.children(recursive=True)
        run.send_signal(signal.SIGTERM)
        _, stderr = run.communicate(timeout=60)
    finally:
        if run.poll() is None:
            os.killpg(run.pid, signal.SIGKILL)
    gone, alive = psutil.wait_procs(started, timeout=10)
    assert not alive, [p.cmdline() for p in alive]
    assert run.returncode == 2, stderr[-2000:]
    assert "aborted" in stderr
    left = list(scratch.iterdir())
    assert left == [], left
    print(f"SIGTERM: {len(gone)} started processes stopped, 0 left, no temporary folder left")
