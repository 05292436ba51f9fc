"""How much of the API7 Enterprise Admin API the reference answers and the suite exercises.

    python tools/api7ee_coverage.py [--shared ../shared]

The 3.9.9 seed is the text of the documentation page without its method and path badges:
an operation there is its title and parameters. So the script counts
- seed operations: entries (title before `Authorizations:`), unique by title and parameters,
  and how many of them an operation of the shipped API7 specs cites (`x-gwconform-source`);
- 3.2.14 operations (method and path): how many the reference answers (anything but 404
  `not found`/`Unsupported resource type` or 405, for an unknown path or method), probed
  in-process over a memory store, and how many the shipped specs exercise (same method, same
  path with any parameter names), in their documented form (source not `inferred`).
"""

from __future__ import annotations

import argparse
import json
import re
import warnings
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
SPECS = {"api7ee-admin.yaml": "/api", "api7ee-apisix-compat.yaml": "/apisix/admin"}
METHODS = ("get", "put", "post", "patch", "delete")
PARAM = re.compile(r"\{[^}]+\}")
UNKNOWN_PATH = ("not found", "Unsupported resource type")


def seed_operations(seed: Path) -> dict[tuple[str, ...], int]:
    """(title, parameter names...) -> first line, for every operation entry of the seed."""
    lines = seed.read_text(encoding="utf-8").splitlines()
    found: dict[tuple[str, ...], int] = {}
    for at, line in enumerate(lines):
        if line != "Authorizations:":
            continue
        back = at - 1
        texts: list[int] = []
        while len(texts) < 3 and back > 0:  # title, then IAM line or description
            if lines[back].strip():
                texts.append(back)
            back -= 1
        title_at = texts[1]
        if "IAM" in lines[title_at] or len(lines[title_at]) > 110:
            title_at = texts[2]
        params = []
        for follow in range(at + 1, min(at + 80, len(lines) - 1)):
            if lines[follow].startswith(("Responses", "Request Body")):
                break
            if lines[follow - 1] in ("path Parameters", "query Parameters"):
                params.append(lines[follow])
        key = (lines[title_at].strip(), *params)
        found.setdefault(key, title_at + 1)
    return found


def shipped_operations() -> list[tuple[str, str, dict[str, Any]]]:
    out = []
    for name, prefix in SPECS.items():
        spec = yaml.safe_load((ROOT / "conformance" / "data" / "specs" / name).read_text())
        for path, item in spec["paths"].items():
            for method in METHODS:
                if method in item:
                    out.append((method.upper(), prefix + path, item[method]))
    return out


def shape(path: str) -> str:
    return PARAM.sub("{}", path)


def reference_answers(operations: list[tuple[str, str]]) -> set[tuple[str, str]]:
    """The operations the in-process reference serves (its own tree on PYTHONPATH)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from starlette.testclient import TestClient

    from reference_impl.admin_port import create_admin_port
    from reference_impl.config import build_config
    from reference_impl.store import MemoryStore

    key = "edd1c9f034335f136f87ad84b625c8f1"
    config = {
        "gwconform": {"iam": {"admin_password": "coverage-probe-password"}},
        "deployment": {
            "admin": {
                "admin_key": [{"name": "admin", "key": key, "role": "admin"}],
                "allow_admin": ["127.0.0.0/8"],
            }
        },
    }
    app, _ = create_admin_port(build_config(config), MemoryStore(), launch_data_planes=False)
    served = set()
    with TestClient(app, headers={"X-API-KEY": key}, client=("127.0.0.1", 50000)) as client:
        for method, path in operations:
            concrete = path.replace("{gateway_group_id}", "default")
            concrete = PARAM.sub("gwconform-probe", concrete)
            params = {"gateway_group_id": "default"} if path.startswith("/apisix/") else {}
            body: dict[str, object] | None = None if method in ("GET", "DELETE") else {}
            answer = client.request(method, concrete, params=params, json=body)
            try:
                message = str(answer.json().get("error_msg") or answer.json().get("message"))
            except (ValueError, AttributeError):
                message = ""
            unknown = answer.status_code == 404 and message.startswith(UNKNOWN_PATH)
            if not unknown and answer.status_code != 405:
                served.add((method, path))
    return served


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    parser.add_argument("--list", action="store_true", help="list what is not answered/tested")
    args = parser.parse_args()
    seed = seed_operations(args.shared / "seeds" / "api7-enterprise-admin-api-3.9.9.txt")
    reference = json.loads(
        (args.shared / "reference" / "api7ee-admin-api-3.2.14.openapi.json").read_text()
    )
    spec_ops = shipped_operations()
    documented = [op for op in spec_ops if op[2].get("x-gwconform-source", {}).get("document")
                  not in (None, "inferred")]  # fmt: skip
    cited_lines = {
        int(op[2]["x-gwconform-source"]["location"].split(":")[0].removeprefix("line "))
        for op in documented
        if op[2]["x-gwconform-source"]["document"] == "api7ee-3.9.9-seed"
    }
    cited = {key for key, line in seed.items() if line in cited_lines}
    print(f"seed 3.9.9: {len(seed)} unique operations (title + parameters)")
    print(f"  cited by a documented operation of the shipped specs: {len(cited)}")
    ops32 = [(m.upper(), p) for p, item in reference["paths"].items() for m in item if m in METHODS]
    served = reference_answers(ops32)
    exercised = {(m, shape(p)) for m, p, _ in documented}
    tested = [op for op in ops32 if (op[0], shape(op[1])) in exercised]
    print(f"3.2.14 spec: {len(ops32)} operations (method + path)")
    print(f"  answered by the reference: {len(served)}")
    print(f"  exercised by the shipped specs in their documented form: {len(tested)}")
    print(f"shipped spec operations: {len(spec_ops)}, documented: {len(documented)}")
    if args.list:
        for method, path in ops32:
            marks = ("" if (method, path) in served else " unanswered") + (
                "" if (method, path) in tested else " untested"
            )
            if marks:
                print(f"  {method} {path}:{marks}")


if __name__ == "__main__":
    main()
