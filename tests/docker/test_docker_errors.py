"""What a user can get wrong with --provider docker: one clear line and exit code 2, and
nothing left behind."""

from __future__ import annotations

import os
import socket
import subprocess

import pytest
import yaml
from click.testing import CliRunner

from conformance.cli import main
from conformance.providers.docker import merge_user_config
from conformance.target import (
    DEFAULT_ETCD_IMAGE,
    DEFAULT_GATEWAY_IMAGE,
    TargetError,
    build_run_options,
)
from tests.docker.runs import BASE_IMAGE, containers_of, run_command


def error_run(*args: str, env: dict[str, str] | None = None) -> tuple[str, int]:
    """Run a docker run that must fail: its one error line (stderr; stdout has at most the
    seed line) and its pid, to look for containers it left."""
    process = subprocess.Popen(
        run_command(*args), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    )
    stdout, stderr = process.communicate(timeout=180)
    assert process.returncode == 2, stdout[-2000:] + stderr[-2000:]
    assert "Traceback" not in stdout + stderr
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    return lines[0], process.pid


def test_no_engine_is_one_line(tmp_path):
    env = {**os.environ, "DOCKER_HOST": f"unix://{tmp_path}/no-engine.sock"}
    line, _ = error_run(tmp_path / "out", "--image", "any:tag", env=env)
    assert line.startswith(f"gwconform run: error: no Docker engine answers at unix://{tmp_path}")
    assert not (tmp_path / "out").exists()


def test_missing_image_is_one_line(engine, tmp_path):
    line, _ = error_run(tmp_path / "out", "--image", "gwconform-test-missing:none")
    assert line.startswith(
        "gwconform run: error: image gwconform-test-missing:none is not present and can't be "
        "pulled: "
    )
    assert not (tmp_path / "out").exists()


def test_gateway_image_without_etcd_needs_etcds_image(engine, reference_image, tmp_path):
    """An image not labelled gwconform.etcd (here the reference's base) gets etcd's own
    image, which this machine cannot pull."""
    line, _ = error_run(tmp_path / "out", "--image", BASE_IMAGE)
    assert line.startswith(
        f"gwconform run: error: image {DEFAULT_ETCD_IMAGE} is not present and can't be pulled"
    )


def test_gateway_exiting_at_start_is_one_line_with_its_log(engine, reference_image, tmp_path):
    config = tmp_path / "config.yaml"
    config.write_text("nginx_config:\n  worker_processes: 0\n")
    line, pid = error_run(
        tmp_path / "out", "--image", reference_image, "--etcd-image", reference_image,
        "--gateway-config", str(config), "--profile", "apisix-v3",
    )  # fmt: skip
    assert line == (
        f"ERROR: gwconform: the gateway ({reference_image}) container exited with code 2 at "
        "start; its last log lines: gwconform serve: error: invalid "
        "nginx_config.worker_processes: 0 (expected 'auto' or >= 1)"
    )
    assert containers_of(engine, pid) == []
    assert not (tmp_path / "out" / "conformance-report.json").exists()


def test_taken_port_is_one_line(engine, reference_image, tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        line, pid = error_run(
            tmp_path / "out", "--image", reference_image, "--etcd-image", reference_image,
            "--admin-port", str(port), "--profile", "apisix-v3",
        )  # fmt: skip
    assert line == f"ERROR: gwconform: the admin port {port} is in use on 127.0.0.1"
    assert containers_of(engine, pid) == []


def test_docker_options_belong_to_the_docker_provider(tmp_path):
    for args, message in (
        (["--image", "x:1"], "--image only apply to --provider docker"),
        (["--keep-containers"], "--keep-containers only apply to --provider docker"),
        (
            ["--provider", "docker", "--admin-url", "http://127.0.0.1:9"],
            "--provider docker starts its own gateway",
        ),
        (["--provider", "docker", "--store", "etcd"], "--store only applies"),
        (["--provider", "docker", "--admin-port", "70000"], "must be a port number"),
        (["--provider", "url"], "--provider url needs --admin-url"),
    ):
        outcome = CliRunner().invoke(main, ["run", "--report-dir", str(tmp_path), *args])
        assert outcome.exit_code == 2, outcome.output
        assert message in outcome.output and outcome.output.strip().count("\n") == 0


def test_target_file_chooses_the_docker_provider(tmp_path):
    target = tmp_path / "target.yaml"
    target.write_text(
        yaml.safe_dump({"provider": "docker", "images": ["a:1", "b:2"], "keep_containers": True})
    )
    settings = build_run_options({"target_file": str(target)}).settings
    assert (settings.provider, settings.images, settings.keep_containers) == (
        "docker",
        ("a:1", "b:2"),
        True,
    )
    assert build_run_options({"provider": "docker"}).settings.images == (DEFAULT_GATEWAY_IMAGE,)


def test_user_config_may_add_keys_but_not_the_generated_ones():
    generated = {"apisix": {"node_listen": [{"port": 1}], "ssl": {"enable": True}}}
    merged = merge_user_config({"apisix": {"ssl": {"ssl_protocols": "TLSv1.3"}}}, generated, "f")
    assert merged["apisix"]["ssl"] == {"ssl_protocols": "TLSv1.3", "enable": True}
    with pytest.raises(TargetError, match=r"gateway config f sets apisix\.ssl\.enable,"):
        merge_user_config({"apisix": {"ssl": {"enable": False}}}, generated, "f")
