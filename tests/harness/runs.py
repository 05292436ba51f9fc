"""`gwconform run` in a subprocess, for the harness tests that judge a whole run."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

RUN_TIMEOUT = 300  # generous: CI machines can be slow and busy


def gwconform_run(report_dir: Path, *args: str) -> tuple[int, dict]:
    """Run the suite with `args`; the exit code and the conformance report it wrote."""
    command = [
        sys.executable, "-m", "conformance", "run",
        "--max-examples", "3",
        "--seed", "7",
        "--report-dir", str(report_dir),
        *args,
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=RUN_TIMEOUT)
    report_file = report_dir / "conformance-report.json"
    assert report_file.is_file(), done.stdout[-3000:] + done.stderr[-3000:]
    return done.returncode, json.loads(report_file.read_text())
