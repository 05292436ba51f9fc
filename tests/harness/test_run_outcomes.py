"""Whole runs a vendor or a CI meets: a refused key, a target that dies mid-run, and a spec
whose operations fail, with every failing case actionable in the report."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import threading
import time

import jsonschema
import yaml

from conformance.report.model import schema_path

from .http_servers import _Quiet, fake_gateway, serve, serving
from .test_plugin import run_pytest

SPEC = {
    "openapi": "3.0.3",
    "info": {"title": "demo", "version": "1.0"},
    "paths": {
        path: {
            "get": {
                "responses": {
                    "200": {
                        "description": "one item",
                        "content": {
                            "application/json": {"schema": {"type": "object", "required": ["id"]}}
                        },
                    }
                }
            }
        }
        for path in ("/items", "/things")
    },
}


class _ListsInsteadOfObjects(_Quiet):
    """Answers every GET with a JSON list where the spec documents an object."""

    def do_GET(self) -> None:
        self._reply(200, b'["not", "an", "object"]', {"Content-Type": "application/json"})


class _RefusesTheKey(_Quiet):
    def do_GET(self) -> None:
        self._reply(401, b'{"message": "Invalid API key in request"}')


def gwconform(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "conformance", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_a_refused_admin_key_is_one_line_and_exit_2_within_5_seconds(tmp_path):
    with serve(_RefusesTheKey) as url:
        start = time.monotonic()
        done = gwconform(
            "run", "--admin-url", url, "--admin-key", "wrong", "--profile", "apisix-v3",
            "--report-dir", str(tmp_path / "out"),
        )  # fmt: skip
        elapsed = time.monotonic() - start
    assert done.returncode == 2, done.stdout + done.stderr
    output = (done.stdout + done.stderr).strip()
    assert output.count("\n") == 0, output
    assert "answered 401 to the key given with --admin-key" in output
    assert elapsed < 5
    assert not (tmp_path / "out" / "conformance-report.json").exists()


def test_the_admin_key_can_come_from_the_environment(tmp_path):
    with serve(_RefusesTheKey) as url:
        done = subprocess.run(
            [sys.executable, "-m", "conformance", "run", "--profile", "apisix-v3"],
            capture_output=True,
            text=True,
            timeout=120,
            env={
                **os.environ,
                "GWCONFORM_ADMIN_URL": url,
                "GWCONFORM_ADMIN_KEY": "from-env",
                "GWCONFORM_REPORT_DIR": str(tmp_path),
            },
        )
    assert done.returncode == 2
    assert "answered 401 to the key given with --admin-key" in done.stderr


def test_every_failing_case_of_a_spec_test_with_its_curl(tmp_path):
    spec = tmp_path / "spec.yaml"
    spec.write_text(yaml.safe_dump(SPEC))
    out = tmp_path / "out"
    with serve(_ListsInsteadOfObjects) as url:
        done = gwconform(
            "run", "--spec", str(spec), "--target", url, "--max-examples", "2",
            "--project", "Demo", "--implementation-version", "1.0", "--organization", "Org",
            "--contact", "ops@example.org", "--report-dir", str(out),
        )  # fmt: skip
    assert done.returncode == 1, done.stdout[-2000:] + done.stderr[-2000:]
    data = json.loads((out / "conformance-report.json").read_text())
    jsonschema.validate(data, json.loads(schema_path().read_text(encoding="utf-8")))
    assert data["target"] == {
        "name": "Demo",
        "version": "1.0",
        "provider": "url",  # the spec's requests went to --target; nothing was started
        "urls": {"spec_target": url},
    }
    assert data["implementation"]["contact"] == ["ops@example.org"]
    (profile,) = data["profiles"]
    assert profile["name"] == "openapi" and profile["result"] == "failed"
    (test,) = profile["tests"]
    cases = {case["case"]: case for case in test["failed_cases"]}
    assert set(cases) == {"GET /items [positive]", "GET /things [positive]"}
    page = (out / "conformance-report.html").read_text()
    for path in ("/items", "/things"):
        case = cases[f"GET {path} [positive]"]
        exchange = case["exchange"]
        assert exchange["request"] == f"GET {url}{path}"
        assert exchange["status"] == 200
        assert exchange["response_body"] == '["not", "an", "object"]'
        assert exchange["curl"].startswith("curl -X GET") and path in exchange["curl"]
        assert "\\n" not in case["message"] and "Failure(" not in case["message"]
        assert exchange["curl"].replace("'", "&#x27;") in page
    assert page.index("Failures") < page.index("Implementation and run")
    exported = gwconform("report", "--format", "gateway-api", str(out / "conformance-report.json"))
    assert exported.returncode == 0, exported.stderr
    shaped = yaml.safe_load(exported.stdout)
    assert shaped["implementation"]["project"] == "Demo"
    assert shaped["profiles"][0]["core"]["result"] == "failure"
    assert shaped["profiles"][0]["core"]["failedTests"] == ["any-spec-operations"]


DYING_TESTS = """
from conformance.registry import conformance_test


@conformance_test(name="dying-first", description="d", profile="apisix-v3", features=["admin-crud"])
def test_first(admin):
    assert admin.get("/routes").status_code == 200


@conformance_test(name="dying-kill", description="d", profile="apisix-v3", features=["admin-patch"])
def test_kill(admin):
    from pathlib import Path
    Path(STOP_FILE).write_text("stop")
    import time
    time.sleep(0.5)
    assert admin.get("/routes").status_code == 200


@conformance_test(name="dying-after", description="d", profile="apisix-v3", features=["admin-filters"])
def test_after(admin):
    assert admin.get("/routes").status_code == 200
"""


def test_a_target_that_dies_mid_run_ends_it_aborted(tmp_path):
    stop_file = tmp_path / "stop"
    (tmp_path / "test_dying.py").write_text(
        f"STOP_FILE = {str(stop_file)!r}\n" + textwrap.dedent(DYING_TESTS)
    )
    with serving(fake_gateway("FakeGW/1", [])) as gateway:

        def kill_when_asked() -> None:
            while not stop_file.exists():
                time.sleep(0.05)
            gateway.stop()

        threading.Thread(target=kill_when_asked, daemon=True).start()
        done = run_pytest(
            tmp_path, "--gw-admin-url", gateway.url, "--gw-admin-key", "k",
            "--gw-profile", "apisix-v3", "--gw-report-dir", "out",
        )  # fmt: skip
    assert done.returncode == 2, done.stdout + done.stderr  # interrupted
    assert "gwconform: the target stopped answering: admin API" in done.stdout
    report = json.loads((tmp_path / "out" / "conformance-report.json").read_text())
    assert report["aborted"].startswith("the target stopped answering")
    assert [p["result"] for p in report["profiles"]] == ["aborted"]
    outcomes = {t["name"]: t["outcome"] for t in report["profiles"][0]["tests"]}
    assert outcomes["dying-first"] == "passed" and outcomes["dying-kill"] == "failed"
    assert outcomes["dying-after"] == "skipped"  # never ran
    assert "aborted" in report["summary"]


def test_gwconform_run_against_a_target_killed_mid_run_is_aborted_exit_2(tmp_path):
    requests: list[tuple[str, str]] = []
    enough = threading.Event()

    class DiesAfterAWhile(fake_gateway("FakeGW/1", requests)):
        def _answer(self) -> None:
            super()._answer()
            if len(requests) >= 40:
                enough.set()

        do_GET = do_PUT = do_DELETE = do_POST = do_PATCH = _answer

    with serving(DiesAfterAWhile) as gateway:

        def kill() -> None:
            enough.wait(60)
            gateway.stop()

        threading.Thread(target=kill, daemon=True).start()
        done = gwconform(
            "run", "--admin-url", gateway.url, "--admin-key", "k", "--profile", "apisix-v3",
            "--max-examples", "1", "--report-dir", str(tmp_path), timeout=300,
        )  # fmt: skip
    assert done.returncode == 2, done.stdout[-2000:] + done.stderr[-2000:]
    assert "gwconform run: aborted: the target stopped answering: admin API" in done.stderr
    report = json.loads((tmp_path / "conformance-report.json").read_text())
    assert [p["result"] for p in report["profiles"]] == ["aborted"]
    assert report["aborted"].startswith("the target stopped answering")
