"""The docker provider's tests run against a real Docker engine, with the reference gateway
image built from the project's Dockerfile (image/build-local-images.sh: a Debian base made
with debootstrap once, then the image, which docker's layer cache keeps quick). Where no
engine answers they are skipped, saying so."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import docker
import pytest
from docker.errors import DockerException

from tests.docker.runs import BASE_IMAGE, REFERENCE_IMAGE

ROOT = Path(__file__).resolve().parents[2]
BUILD_TIMEOUT = 900  # the base image's debootstrap, the first time


@pytest.fixture(scope="session")
def engine() -> Iterator[docker.DockerClient]:
    try:
        client = docker.from_env()
        client.ping()
    except DockerException as exc:
        pytest.skip(f"no Docker engine answers: {' '.join(str(exc).split())}")
    yield client
    client.close()


@pytest.fixture(scope="session")
def reference_image(engine: docker.DockerClient) -> str:
    """The reference gateway image of this checkout (it also serves as the etcd image)."""
    subprocess.run(
        [str(ROOT / "image" / "build-local-images.sh")],
        check=True,
        timeout=BUILD_TIMEOUT,
        env={**os.environ, "GWCONFORM_IMAGE": REFERENCE_IMAGE, "GWCONFORM_BASE_IMAGE": BASE_IMAGE},
        stdout=subprocess.DEVNULL,
    )
    return REFERENCE_IMAGE
