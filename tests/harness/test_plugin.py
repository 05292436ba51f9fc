"""The pytest plugin in a separate pytest process: selection, skips, fixtures, reports."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

from .http_servers import fake_gateway, serve

SYNTHETIC_TESTS = '''
from conformance.registry import conformance_test


@conformance_test(name="synthetic-crud", description="d", profile="apisix-v3", features=["admin-crud"])
def test_crud(admin, gw_target, gw_options):
    assert gw_options.seed == 99 and gw_options.max_examples == 4
    assert gw_target.name == "FakeGW" and gw_target.version == "2.5"
    assert admin.put("/routes/r1", json={"uri": "/x"}).status_code == 201
    assert admin.put("/upstreams/u1", json={}).status_code == 201


@conformance_test(name="synthetic-patch", description="d", profile="apisix-v3", features=["admin-patch"])
def test_patch(admin):
    assert admin.get("/routes").status_code == 418, "expected a teapot"


@conformance_test(name="synthetic-ttl", description="d", profile="apisix-v3", features=["admin-ttl"])
def test_ttl():
    raise AssertionError("an unclaimed Extended feature must not run")


@conformance_test(name="synthetic-viewer", description="d", profile="apisix-v3", features=["admin-viewer-role"])
def test_viewer(viewer):
    raise AssertionError("there is no viewer key: the fixture skips")


@conformance_test(name="synthetic-dp", description="d", profile="dataplane", features=["dp-routing"])
def test_dp():
    raise AssertionError("the dataplane profile is not selected")


@conformance_test(name="synthetic-v2", description="d", profile="apisix-v2", features=["admin-v2-bodies"])
def test_v2(gw_target, gw_profile):
    assert gw_profile == "apisix-v2"
    assert gw_target.admin_url == V2_URL and gw_target.admin_api_version == "v2"


def test_plain():
    """Not a conformance test: runs, and is not in the report."""
'''


def run_pytest(directory: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", *args],
        cwd=directory,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_selection_skips_and_report(tmp_path):
    requests: list[tuple[str, str]] = []
    handler = fake_gateway("FakeGW/2.5", requests)
    with serve(handler) as admin_url, serve(handler) as v2_url:
        (tmp_path / "test_synthetic.py").write_text(
            f"V2_URL = {v2_url!r}\n" + textwrap.dedent(SYNTHETIC_TESTS)
        )
        done = run_pytest(
            tmp_path,
            "--gw-admin-url", admin_url,
            "--gw-admin-v2-url", v2_url,
            "--gw-admin-key", "k",
            "--gw-profile", "apisix-v3",
            "--gw-profile", "apisix-v2",
            "--gw-seed", "99",
            "--gw-max-examples", "4",
            "--gw-supported-features", "admin-viewer-role",
            "--gw-report-dir", "out",
            # the identity comes from the options, never from the Server header
            "--gw-project", "FakeGW",
            "--gw-implementation-version", "2.5",
            "--gw-organization", "Fake Org",
        )  # fmt: skip
    assert done.returncode == 1, done.stdout + done.stderr
    assert "1 deselected" in done.stdout
    report = json.loads((tmp_path / "out" / "conformance-report.json").read_text())
    assert report["seed"] == 99
    assert report["target"]["name"] == "FakeGW" and report["target"]["version"] == "2.5"
    assert report["target"]["provider"] == "url"
    assert report["implementation"]["organization"] == "Fake Org"
    v3, v2 = report["profiles"]
    assert (v3["name"], v3["result"], v2["name"], v2["result"]) == (
        "apisix-v3",
        "failed",
        "apisix-v2",
        "partial",  # admin-spec-v2 was not exercised
    )
    tests = {t["name"]: t for t in v3["tests"]}
    assert set(tests) == {"synthetic-crud", "synthetic-patch", "synthetic-ttl", "synthetic-viewer"}
    assert tests["synthetic-crud"]["outcome"] == "passed"
    assert tests["synthetic-patch"]["outcome"] == "failed"
    assert "expected a teapot" in tests["synthetic-patch"]["message"]
    assert tests["synthetic-ttl"]["outcome"] == "skipped"
    assert "unclaimed Extended feature(s) admin-ttl" in tests["synthetic-ttl"]["message"]
    assert "viewer key" in tests["synthetic-viewer"]["message"]
    assert v3["failed_tests"] == ["synthetic-patch"]
    assert [t["outcome"] for t in v2["tests"]] == ["passed"]
    # what synthetic-crud created was force-deleted afterwards, newest first
    deletes = [path for method, path in requests if method == "DELETE"]
    assert deletes == [
        "/apisix/admin/upstreams/u1?force=true",
        "/apisix/admin/routes/r1?force=true",
    ]
    for suffix in ("json", "yaml", "md", "html"):
        assert (tmp_path / "out" / f"conformance-report.{suffix}").is_file()


def test_unknown_feature_is_a_collection_error(tmp_path):
    (tmp_path / "test_typo.py").write_text(
        textwrap.dedent(
            """
            from conformance.registry import conformance_test

            @conformance_test(name="typo", description="d", profile="dataplane", features=["dp-routng"])
            def test_typo():
                pass
            """
        )
    )
    done = run_pytest(tmp_path, "--gw-report-dir", "out")
    assert done.returncode == 2  # interrupted: errors during collection
    assert "unknown feature(s): dp-routng" in done.stdout
    assert not (tmp_path / "out").exists()


def test_plugin_is_inert_without_conformance_tests(tmp_path):
    (tmp_path / "test_plain.py").write_text("def test_plain():\n    assert True\n")
    # even an unreachable target is never contacted when no conformance test is collected
    done = run_pytest(tmp_path, "--gw-admin-url", "http://127.0.0.1:9")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "gwconform" not in done.stdout
    assert not (tmp_path / "reports").exists()


def test_unreachable_target_is_one_clear_line(tmp_path):
    (tmp_path / "test_one.py").write_text(
        textwrap.dedent(
            """
            from conformance.registry import conformance_test

            @conformance_test(name="one", description="d", profile="apisix-v3", features=["admin-crud"])
            def test_one(admin):
                pass
            """
        )
    )
    done = run_pytest(tmp_path, "--gw-admin-url", "http://127.0.0.1:9", "--gw-report-dir", "out")
    assert done.returncode == 4  # pytest's usage error
    assert "ERROR: gwconform: admin API http://127.0.0.1:9/apisix/admin/routes is unreachable" in (
        done.stderr
    )
    assert "Traceback" not in done.stdout + done.stderr
    assert not (tmp_path / "out").exists()


def test_junit_names_the_suite_and_carries_properties(tmp_path):
    import xml.etree.ElementTree as ET

    requests: list[tuple[str, str]] = []
    with serve(fake_gateway("FakeGW/2.5", requests)) as admin_url:
        (tmp_path / "test_one.py").write_text(
            textwrap.dedent(
                """
                from conformance.registry import conformance_test

                @conformance_test(name="one", description="d", profile="apisix-v3", features=["admin-crud"])
                def test_one(admin):
                    pass
                """
            )
        )
        done = run_pytest(
            tmp_path, "--gw-admin-url", admin_url, "--gw-admin-key", "k",
            "--gw-profile", "apisix-v3", "--gw-seed", "42", "--gw-report-dir", "out",
            "--junitxml", "out/junit.xml",
        )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    suite = ET.parse(tmp_path / "out" / "junit.xml").getroot().find("testsuite")
    assert suite is not None and suite.get("name") == "gwconform"
    case = suite.find("testcase")
    assert case is not None
    properties = {p.get("name"): p.get("value") for p in case.iter("property")}
    assert properties == {
        "conformance_test": "one",
        "profile": "apisix-v3",
        "features": "admin-crud",
        "seed": "42",
    }


SKIPPABLE_TESTS = """
from conformance.registry import conformance_test


@conformance_test(name="skip-me", description="d", profile="apisix-v3", features=["admin-crud"])
def test_skip_me():
    raise AssertionError("--skip-test must keep this from running")


@conformance_test(name="exempt-me", description="d", profile="apisix-v3", features=["admin-patch"])
def test_exempt_me():
    raise AssertionError("--exempt-feature must keep this from running")


@conformance_test(name="run-me", description="d", profile="apisix-v3", features=["admin-filters"])
def test_run_me():
    pass
"""


def test_skip_test_and_exempt_feature_show_in_the_report(tmp_path):
    (tmp_path / "test_skippable.py").write_text(textwrap.dedent(SKIPPABLE_TESTS))
    with serve(fake_gateway("FakeGW/2.5", [])) as admin_url:
        common = ("--gw-admin-url", admin_url, "--gw-admin-key", "k", "--gw-report-dir", "out")
        done = run_pytest(
            tmp_path, *common, "--gw-skip-test", "skip-me", "--gw-exempt-feature", "admin-patch"
        )
        typo = run_pytest(tmp_path, *common, "--gw-skip-test", "skip-mi")
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads((tmp_path / "out" / "conformance-report.json").read_text())
    assert report["skip_tests"] == ["skip-me"] and report["exempt_features"] == ["admin-patch"]
    tests = {t["name"]: t for t in report["profiles"][0]["tests"]}
    assert tests["skip-me"]["outcome"] == "skipped"
    assert tests["skip-me"]["message"] == "skipped with --skip-test"
    assert tests["exempt-me"]["message"] == "exempted feature(s) admin-patch (--exempt-feature)"
    assert tests["run-me"]["outcome"] == "passed"
    assert report["profiles"][0]["result"] == "partial"  # skipped Core is not exercised
    md = (tmp_path / "out" / "conformance-report.md").read_text()
    assert "- Skipped tests (--skip-test): skip-me" in md
    assert typo.returncode == 4
    assert "--skip-test skip-mi: no such conformance test (did you mean skip-me?)" in typo.stderr


ALLURE_TESTS = """
from conformance.registry import conformance_test
from conformance.report.exchange import Exchange, ExchangeFailure


@conformance_test(name="allure-one", description="what it checks", profile="apisix-v3",
                  features=["admin-crud"])
def test_one():
    exchange = Exchange(request="GET http://gw/x", status=500, curl="curl -X GET http://gw/x")
    raise ExchangeFailure("answered 500", exchange)
"""


def test_allure_results_carry_labels_description_and_the_curl(tmp_path):
    (tmp_path / "test_allure.py").write_text(textwrap.dedent(ALLURE_TESTS))
    with serve(fake_gateway("FakeGW/2.5", [])) as admin_url:
        done = run_pytest(
            tmp_path, "--gw-admin-url", admin_url, "--gw-admin-key", "k",
            "--gw-report-dir", "out", "--alluredir", "allure",
        )  # fmt: skip
    assert done.returncode == 1, done.stdout + done.stderr
    (result_file,) = (tmp_path / "allure").glob("*-result.json")
    result = json.loads(result_file.read_text())
    assert result["status"] == "failed"
    labels = {(label["name"], label["value"]) for label in result["labels"]}
    assert {
        ("epic", "apisix-v3"),
        ("feature", "admin-crud"),
        ("story", "allure-one"),
        ("severity", "critical"),
    } <= labels
    assert result["description"] == "what it checks"
    attachments = {a["name"]: a["source"] for a in result["attachments"]}
    curl = (tmp_path / "allure" / attachments["curl"]).read_text()
    assert curl == "curl -X GET http://gw/x"
    report = json.loads((tmp_path / "out" / "conformance-report.json").read_text())
    (case,) = report["profiles"][0]["tests"][0]["failed_cases"]
    assert case["message"] == "answered 500" and case["exchange"]["status"] == 500


def test_pytest_xdist_is_refused_with_one_line(tmp_path):
    done = run_pytest(
        tmp_path, "--pyargs", "conformance.tests", "-n", "2", "--gw-report-dir", "out"
    )
    assert done.returncode == 4, done.stdout + done.stderr
    assert "gwconform: the conformance suite runs in one process; leave out -n/--dist" in (
        done.stderr
    )
    assert not (tmp_path / "out").exists()
