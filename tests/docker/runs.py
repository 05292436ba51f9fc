"""`gwconform run --provider docker` in a subprocess, and what it left behind."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import docker

from conformance.providers.docker import PID_LABEL

# what image/build-local-images.sh builds: the reference image and its Debian base
REFERENCE_IMAGE = os.environ.get("GWCONFORM_IMAGE", "gwconform-reference:local")
BASE_IMAGE = os.environ.get("GWCONFORM_BASE_IMAGE", "gwconform-base:bookworm")


def run_command(report_dir: Path, *args: str) -> list[str]:
    return [
        sys.executable, "-m", "conformance", "run", "--provider", "docker",
        "--report-dir", str(report_dir), *args,
    ]  # fmt: skip


def containers_of(engine: docker.DockerClient, pid: int) -> list[str]:
    """The names of the containers (running or not) a gwconform process started."""
    found = engine.containers.list(all=True, filters={"label": f"{PID_LABEL}={pid}"})
    return [container.name for container in found]


def report_of(report_dir: Path) -> dict:
    return json.loads((report_dir / "conformance-report.json").read_text())
