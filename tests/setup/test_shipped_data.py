"""The data the suite ships is found inside the installed package, through importlib.resources."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import conformance
from conformance.loadkit.profiles import LOAD_DIR, PROFILES_FILE
from conformance.resources import shipped_path
from conformance.specs.suite import APISIX_V2_SPEC, APISIX_V3_SPEC, FIXTURE_SPECS, TLS_DIR
from tools.apisix_specs import SPEC_DIR

PACKAGE = Path(conformance.__file__).parent


def test_public_names_point_into_the_package():
    assert FIXTURE_SPECS == SPEC_DIR == PACKAGE / "data" / "specs"
    assert TLS_DIR == FIXTURE_SPECS / "tls"
    assert LOAD_DIR == PACKAGE / "loadkit" / "locust"
    for path in (APISIX_V3_SPEC, APISIX_V2_SPEC, TLS_DIR / "spec-test.crt", PROFILES_FILE):
        assert path.is_file(), path
    assert (LOAD_DIR / "locustfile.py").is_file()
    assert shipped_path("conformance", "data", "iam", "catalog.json").is_file()


def test_a_package_on_disk_is_used_in_place():
    assert shipped_path("conformance", "data") == PACKAGE / "data"


def test_a_package_in_a_zip_is_copied_out_until_exit(tmp_path):
    archive = tmp_path / "packed.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("gwzipped/__init__.py", "")
        zf.writestr("gwzipped/data/a.txt", "first")
        zf.writestr("gwzipped/data/nested/b.txt", "second")
    script = f"""
import sys
sys.path.insert(0, {str(archive)!r})
from conformance.resources import shipped_path
folder = shipped_path("gwzipped", "data")
assert shipped_path("gwzipped", "data") == folder  # copied once
assert shipped_path("gwzipped", "data", "a.txt").read_text() == "first"
try:
    shipped_path("gwzipped", "nothing")
except FileNotFoundError as exc:
    print(exc)
print(folder)
print((folder / "nested" / "b.txt").read_text())
"""
    run = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False
    )
    assert run.returncode == 0, run.stderr
    missing, folder, nested = run.stdout.splitlines()
    assert missing == "gwzipped ships no nothing"
    assert nested == "second"
    assert not Path(folder).exists()  # removed when the process exited


def test_the_spec_generator_is_a_developer_tool_not_shipped():
    import tomllib

    from setuptools import find_packages

    config = tomllib.loads((PACKAGE.parent / "pyproject.toml").read_text(encoding="utf-8"))
    include = config["tool"]["setuptools"]["packages"]["find"]["include"]
    shipped = find_packages(str(PACKAGE.parent), include=include)
    assert "conformance.specs" in shipped
    assert not [name for name in shipped if name.startswith("tools")]
    assert not list((PACKAGE / "specs").glob("*openapi*")), "the generator moved to tools/"
