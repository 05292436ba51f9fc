"""`gwconform run` option errors: one clear line, non-zero exit, no traceback."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from click.testing import CliRunner

from conformance.cli import main
from conformance.options import OPTIONS, TARGET_FILE_KEYS, add_pytest_options
from conformance.run_command import pytest_args
from conformance.session import RunState
from conformance.target import DEFAULT_SEED, build_run_options


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--profile", "apisix-v9"], "unknown profile 'apisix-v9'"),
        (["--supported-features", "dp-cors,dp-corz"], "unknown feature(s): dp-corz"),
        (["--feature", "admin-crd"], "unknown feature(s): admin-crd"),
        (["--admin-url", "127.0.0.1:9180"], "must be an http:// or https:// URL"),
        (["--admin-url", "http://127.0.0.1:9"], "admin API http://127.0.0.1:9/apisix/admin"),
        (["--target-file", "/nonexistent/target.yaml"], "can't read target file"),
        (["--stream-addr", "nohost"], "must be HOST:PORT"),
        (["--admin-url", "http://127.0.0.1:9", "--store", "etcd"], "--store only applies"),
        (["--seed", "lucky"], "seed 'lucky' must be a whole number or 'random'"),
        (["--seed", "-1"], "seed -1 must be between 0 and"),
        (["--secret-env", "NOVALUE"], "secret env 'NOVALUE' must be NAME=VALUE"),
    ],
)
def test_bad_options_are_one_line(args, message, tmp_path):
    outcome = CliRunner().invoke(main, ["run", "--report-dir", str(tmp_path), *args])
    assert outcome.exit_code == 2
    assert message in outcome.output
    assert outcome.output.strip().count("\n") == 0
    assert "Traceback" not in outcome.output
    assert not list(tmp_path.iterdir())


def test_click_rejects_bad_values_without_traceback():
    outcome = CliRunner().invoke(main, ["run", "--max-examples", "0"])
    assert outcome.exit_code == 2 and "Traceback" not in outcome.output


def test_target_file_fields_and_precedence(tmp_path):
    target_file = tmp_path / "target.yaml"
    target_file.write_text(
        "admin_url: http://127.0.0.1:9180/\n"
        "admin-key: from-file\n"
        "viewer_key: v\n"
        "profiles: [apisix-v3]\n"
        "supported_features: admin-ttl, admin-protos\n"
    )
    options = build_run_options({"target_file": str(target_file), "admin_key": "from-cli"})
    assert options.settings.admin_url == "http://127.0.0.1:9180"
    assert options.settings.admin_key == "from-cli"
    assert options.settings.viewer_key == "v"
    assert options.settings.provider == "url"
    assert options.profiles == ("apisix-v3",)
    assert options.supported_features == {"admin-ttl", "admin-protos"}


def test_target_file_unknown_field(tmp_path):
    target_file = tmp_path / "target.yaml"
    target_file.write_text("admin_url: http://127.0.0.1:9180\nadmin_keys: x\n")
    outcome = CliRunner().invoke(main, ["run", "--target-file", str(target_file)])
    assert outcome.exit_code == 2 and "unknown field(s) admin_keys" in outcome.output


def test_one_table_gives_the_flags_the_pytest_options_and_the_target_file_keys():
    run_flags = {param.name: param.opts for param in main.commands["run"].params}
    added: dict[str, list[str]] = {}

    class Group:
        def addoption(self, *names: str, dest: str, **kwargs: object) -> None:
            added[dest] = list(names)

    add_pytest_options(Group())
    pytest_flags = added
    for option in OPTIONS:
        if option.on_command_line:
            assert run_flags[option.name] == [option.cli_flag]
            assert pytest_flags[option.dest] == [option.pytest_flag]
        else:
            assert option.name not in run_flags and option.dest not in pytest_flags
    assert len(pytest_flags) == len(run_flags) - 1  # all but -v
    assert {"admin_url", "viewer_key", "profiles", "store", "name"} <= TARGET_FILE_KEYS
    assert "report_dir" not in TARGET_FILE_KEYS


def test_run_hands_its_options_to_pytest_as_they_are():
    """The options reach the plugin as one object, not re-encoded as --gw-* arguments."""
    options = build_run_options({"admin_url": "http://127.0.0.1:9180", "report_dir": "out"})
    args = pytest_args(options, verbose=False)
    assert args[:2] == ["--pyargs", "conformance.tests"]
    assert not [arg for arg in args if arg.startswith("--gw-")]
    assert "--junitxml=out/junit.xml" in args and "--alluredir=out/allure-results" in args


def test_embedded_gateway_that_fails_to_start_is_one_clear_line(tmp_path):
    # a stand-in `reference_impl` that fails like a real one does when its port is taken
    fake = tmp_path / "fake" / "reference_impl"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text("")
    (fake / "__main__.py").write_text(
        "import sys\n"
        'sys.stderr.write("gwconform serve: error: can\'t listen: address in use\\n")\n'
        "sys.exit(2)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(tmp_path / "fake")}
    done = subprocess.run(
        [sys.executable, "-m", "conformance", "run", "--profile", "apisix-v3",
         "--report-dir", str(tmp_path / "out")],
        capture_output=True, text=True, timeout=120, env=env, cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 2
    output = done.stdout + done.stderr
    assert (
        "ERROR: gwconform: the embedded reference gateway exited with code 2 while starting; "
        "its stderr: gwconform serve: error: can't listen: address in use"
    ) in output
    assert "Traceback" not in output
    assert not (tmp_path / "out" / "conformance-report.json").exists()


def test_a_run_is_reproducible_unless_asked_otherwise(monkeypatch):
    """The default seed is fixed; `random` draws one (each run prints the seed it used)."""
    assert build_run_options({}).seed == build_run_options({}).seed == DEFAULT_SEED
    assert build_run_options({"seed": "17"}).seed == 17
    monkeypatch.setattr("random.randrange", lambda _: 424242)
    assert build_run_options({"seed": "random"}).seed == 424242


def test_supplied_inputs_claim_and_require_their_features():
    given = build_run_options(
        {"admin_url": "http://127.0.0.1:9", "viewer_key": "v", "profiles": ["apisix-v3"]}
    )
    state = RunState(given)
    assert "admin-viewer-role" in state.claimed_features
    assert state.required_features == {"admin-viewer-role"}
    with_env = RunState(build_run_options({"admin_url": "http://127.0.0.1:9", "secret_env": "A=b"}))
    assert "dp-secret-refs-env" in with_env.required_features
    bare = RunState(build_run_options({"admin_url": "http://127.0.0.1:9"}))
    assert "admin-viewer-role" not in bare.claimed_features
    assert not bare.required_features


def test_unknown_feature_suggests_close_matches(tmp_path):
    outcome = CliRunner().invoke(
        main, ["run", "--report-dir", str(tmp_path), "--supported-features", "dp-corz"]
    )
    assert outcome.exit_code == 2
    assert "unknown feature(s): dp-corz (did you mean: dp-corz -> dp-cors?)" in outcome.output


def test_list_prints_profiles_features_and_tests():
    outcome = CliRunner().invoke(main, ["list"])
    assert outcome.exit_code == 0, outcome.output
    lines = outcome.output.splitlines()
    assert "apisix-v3: APISIX Admin API 3.x (certifies APISIX Admin API 3.5)" in lines
    assert "  core     admin-crud" in lines and "  extended dp-cors" in lines
    assert any(line.startswith("  test     admin-key-accepted [admin-auth]") for line in lines)
    bare = CliRunner().invoke(main, ["list", "--no-tests"])
    assert not [line for line in bare.output.splitlines() if line.startswith("  test ")]


def test_an_invalid_spec_is_exit_2_with_the_loader_message(tmp_path):
    spec = tmp_path / "spec.yaml"
    spec.write_text("title: not an OpenAPI document\n")
    outcome = CliRunner().invoke(
        main, ["run", "--report-dir", str(tmp_path / "out"), "--spec", str(spec)]
    )
    assert outcome.exit_code == 2
    assert outcome.output.strip() == (
        f"gwconform run: error: spec {spec} is neither OpenAPI 3 nor Swagger 2.0"
    )


def test_run_and_load_share_exit_code_2_for_usage_errors_and_say_so(tmp_path):
    for command in ("run", "load"):
        shown = CliRunner().invoke(main, [command, "--help"])
        assert "Exit codes: 0 passed" in " ".join(shown.output.split())
    unknown = CliRunner().invoke(main, ["load", "no-such-profile", "--report-dir", str(tmp_path)])
    assert unknown.exit_code == 2
    assert "unknown load profile 'no-such-profile'" in unknown.output
