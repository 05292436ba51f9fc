"""`gwconform run --provider docker` for real: the reference image in both roles (gateway and
etcd), the verdict, the matrix, and nothing left behind, also after Ctrl-C."""

from __future__ import annotations

import signal
import subprocess
import time

import pytest

from tests.docker.runs import containers_of, report_of, run_command

FULL_RUN_TIMEOUT = 600


@pytest.mark.timeout(FULL_RUN_TIMEOUT + 60)
def test_reference_image_is_conformant_and_leaves_nothing(engine, reference_image, tmp_path):
    process = subprocess.Popen(
        run_command(
            tmp_path, "--image", reference_image, "--profile", "apisix-v3", "--profile", "dataplane",
        ),
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    output, _ = process.communicate(timeout=FULL_RUN_TIMEOUT)
    assert process.returncode == 0, output[-3000:]
    report = report_of(tmp_path)
    assert {p["name"]: p["result"] for p in report["profiles"]} == {
        "apisix-v3": "conformant",
        "dataplane": "conformant",
    }
    assert report["target"]["provider"] == "docker"
    # the reference image is labelled as carrying etcd: its own etcd image by default
    assert report["options"]["etcd_image"] == reference_image
    assert containers_of(engine, process.pid) == []


def test_matrix_gives_a_report_per_image_and_a_summary(engine, reference_image, tmp_path):
    other = "gwconform-reference:matrix-test"
    engine.images.get(reference_image).tag(other)
    try:
        done = subprocess.run(
            run_command(
                tmp_path, "--image", reference_image, "--image", other,
                "--etcd-image", reference_image, "--profile", "apisix-v3",
                "--run-test", "admin-key-accepted",
            ),
            capture_output=True, text=True, timeout=300,
        )  # fmt: skip
    finally:
        engine.images.remove(other, noprune=True)
    # one test of a profile exercises part of its Core: Partially conformant, exit 1
    assert done.returncode == 1, done.stdout[-3000:] + done.stderr[-3000:]
    summary = (tmp_path / "matrix-summary.json").read_text()
    for image in (reference_image, other):
        folder = tmp_path / image.replace(":", "_")
        report = report_of(folder)
        assert report["options"]["images"] == [image]
        assert [p["result"] for p in report["profiles"]] == ["partial"]
        assert f'"image": "{image}"' in summary
    assert "Conformance by image" in done.stdout


def test_ctrl_c_in_the_middle_removes_the_containers(engine, reference_image, tmp_path):
    process = subprocess.Popen(
        run_command(
            tmp_path, "--image", reference_image, "--etcd-image", reference_image,
            "--profile", "apisix-v3",
        ),
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        # the gateway is up once both containers exist; then let some tests run
        while len(containers_of(engine, process.pid)) < 2:
            assert process.poll() is None and time.monotonic() < deadline
            time.sleep(0.2)
        time.sleep(5)
        assert process.poll() is None
        process.send_signal(signal.SIGINT)
        _, errors = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 2
    assert "interrupted" in errors
    assert containers_of(engine, process.pid) == []
    assert not (tmp_path / "conformance-report.json").exists()


def test_keep_containers_leaves_them_and_names_them(engine, reference_image, tmp_path):
    done = subprocess.run(
        run_command(
            tmp_path, "--image", reference_image, "--etcd-image", reference_image,
            "--profile", "apisix-v3", "--run-test", "admin-key-accepted", "--keep-containers",
        ),
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    kept = engine.containers.list(all=True, filters={"label": "gwconform.run"})
    mine = [c for c in kept if c.name in done.stderr]
    try:
        assert done.returncode == 1, done.stdout[-3000:] + done.stderr[-3000:]
        assert sorted(c.name.rsplit("-", 1)[-1] for c in mine) == ["etcd", "v3"]
        assert all(c.status == "running" for c in mine)
    finally:
        for container in mine:
            container.remove(force=True, v=True)
