"""Secure defaults: no built-in password or token is accepted unless the configuration names
it, APISIX's published admin key is refused where other hosts could use it, and
`allow_admin` holds for every API the admin port serves."""

from __future__ import annotations

import base64
import contextlib
import re
import socket
import subprocess
import sys
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from tests.admin.configs import merged

with warnings.catch_warnings():  # starlette suggests httpx2; httpx is what the project uses
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

from conformance.providers.embedded import EmbeddedGateway, free_port
from reference_impl.admin_port import create_admin_port
from reference_impl.config import ConfigError, build_config, check_published_admin_key
from reference_impl.store import MemoryStore

CUSTOM_KEY = "reliability-custom-admin-key-5c2e"
PUBLISHED_KEY = "edd1c9f034335f136f87ad84b625c8f1"  # APISIX's example key, as APISIX spells it
FORMER_CLOUD_TOKEN = "a7c-gwconform-cloud-token-7f3d9b2e41c6"  # built in until this change
CLOUD_TOKEN = "reliability-cloud-token-91d4"
ROUTE = {"uri": "/r", "upstream": {"type": "roundrobin", "nodes": {"127.0.0.1:1980": 1}}}
GENERATED = re.compile(r'IAM user "admin" created with the generated password (\S+)')
START_TIMEOUT = 30.0


def basic(username: str, password: str) -> dict[str, str]:
    raw = base64.b64encode(f"{username}:{password}".encode()).decode()
    return {"Authorization": f"Basic {raw}"}


def in_process_config(**gwconform: Any) -> dict[str, Any]:
    """A customised admin key, and only the `gwconform` settings given."""
    return {
        "apisix": {"node_listen": [{"ip": "127.0.0.1", "port": 9080}]},
        "deployment": {
            "admin": {
                "admin_key": [{"name": "admin", "key": CUSTOM_KEY, "role": "admin"}],
                "allow_admin": ["127.0.0.0/8"],
            }
        },
        "gwconform": {"iam": {"bcrypt_rounds": 4}, **gwconform},
    }


@contextlib.contextmanager
def admin_port(raw: dict[str, Any], client_ip: str = "127.0.0.1") -> Iterator[TestClient]:
    """The admin port exactly as the gateway serves it, called from `client_ip`."""
    app, _ = create_admin_port(build_config(raw), MemoryStore(), launch_data_planes=False)
    with TestClient(app, client=(client_ip, 50000)) as client:
        yield client


# -- built-in passwords and tokens ------------------------------------------------------------


def test_admin_admin_is_refused_when_no_password_is_configured() -> None:
    with admin_port(in_process_config()) as port:
        put = port.put("/apisix/admin/routes/x", json=ROUTE, headers=basic("admin", "admin"))
        api = port.get("/api/gateway_groups", headers=basic("admin", "admin"))
        login = port.post("/api/login", json={"username": "admin", "password": "admin"})
        stored = port.get("/apisix/admin/routes/x", headers={"X-API-KEY": CUSTOM_KEY})
    print(
        f"admin:admin -> PUT /apisix/admin/routes/x {put.status_code}, "
        f"GET /api/gateway_groups {api.status_code}, POST /api/login {login.status_code}"
    )
    assert (put.status_code, api.status_code, login.status_code) == (401, 401, 401)
    assert stored.status_code == 404, "the refused PUT wrote nothing"


def test_a_configured_admin_password_works() -> None:
    password = "Configured-Pw-of-this-test-7"
    raw = in_process_config(iam={"bcrypt_rounds": 4, "admin_password": password})
    with admin_port(raw) as port:
        put = port.put("/apisix/admin/routes/x", json=ROUTE, headers=basic("admin", password))
        api = port.get("/api/gateway_groups", headers=basic("admin", password))
        login = port.post("/api/login", json={"username": "admin", "password": password})
        old = port.put("/apisix/admin/routes/y", json=ROUTE, headers=basic("admin", "admin"))
    print(
        f"configured password -> PUT /apisix/admin/routes/x {put.status_code}, "
        f"GET /api/gateway_groups {api.status_code}, POST /api/login {login.status_code}; "
        f"admin:admin -> {old.status_code}"
    )
    assert (put.status_code, api.status_code, login.status_code) == (201, 200, 200)
    assert old.status_code == 401


def test_the_former_admin_password_of_a_stored_admin_user_is_replaced(
    capfd: pytest.CaptureFixture[str],
) -> None:
    """A store an earlier version bootstrapped still holds `admin` with password `admin`."""
    from reference_impl.iam import secrets as iam_secrets
    from reference_impl.iam.records import iam_records

    store = MemoryStore()
    records = iam_records(store)
    create_admin_port(build_config(in_process_config()), store, launch_data_planes=False)
    user = records.get("users", "admin")
    assert user is not None
    records.put("users", {**user, "password_hash": iam_secrets.hash_password("admin", 4)})
    capfd.readouterr()
    app, _ = create_admin_port(build_config(in_process_config()), store, launch_data_planes=False)
    announced = capfd.readouterr().err
    with TestClient(app, client=("127.0.0.1", 50000)) as port:
        old = port.get("/api/gateway_groups", headers=basic("admin", "admin"))
    print(f"stored admin:admin after a restart -> {old.status_code}; announced: {announced!r}")
    assert old.status_code == 401
    assert announced.count('IAM user "admin" had the former built-in password') == 1


def test_the_formerly_built_in_cloud_token_is_refused_without_configured_tokens() -> None:
    with admin_port(in_process_config()) as port:
        answers = {
            token: port.get("/api/v1/user/me", headers={"Authorization": f"Bearer {token}"})
            for token in (FORMER_CLOUD_TOKEN, CUSTOM_KEY, PUBLISHED_KEY)
        }
    print({token[:12]: reply.status_code for token, reply in answers.items()})
    for reply in answers.values():
        assert reply.status_code == 401
        assert reply.json()["status"]["code"] == 16  # UNAUTHENTICATED, in the Cloud envelope
    with admin_port(in_process_config(cloud={"tokens": [CLOUD_TOKEN]})) as port:
        named = port.get("/api/v1/user/me", headers={"Authorization": f"Bearer {CLOUD_TOKEN}"})
        former = port.get(
            "/api/v1/user/me", headers={"Authorization": f"Bearer {FORMER_CLOUD_TOKEN}"}
        )
    print(f"configured token -> {named.status_code}, former token -> {former.status_code}")
    assert (named.status_code, former.status_code) == (200, 401)


# -- a real gateway process --------------------------------------------------------------------


def serve_config(admin_ip: str, admin_port_number: int, admin_key: str) -> dict[str, Any]:
    """Every listener but the admin port on loopback; no TLS, Control API or etcd."""
    return {
        "apisix": {
            "node_listen": [{"ip": "127.0.0.1", "port": free_port()}],
            "ssl": {"enable": False},
            "enable_control": False,
        },
        "plugin_attr": {"prometheus": {"export_addr": {"ip": "127.0.0.1", "port": free_port()}}},
        "deployment": {
            "admin": {
                "admin_key": [{"name": "admin", "key": admin_key, "role": "admin"}],
                "allow_admin": ["127.0.0.0/8"],
                "admin_listen": {"ip": admin_ip, "port": admin_port_number},
            }
        },
        "gwconform": {"iam": {"bcrypt_rounds": 4}},
    }


def serve_command(config_path: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "reference_impl", "serve", "--config", str(config_path), *extra]


@contextlib.contextmanager
def running_gateway(command: list[str], stderr_path: Path, admin_url: str) -> Iterator[None]:
    """The gateway until the block ends; it must answer its admin key within START_TIMEOUT."""
    with stderr_path.open("wb") as stderr:
        process = subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=stderr
        )
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            assert process.poll() is None, stderr_path.read_text()
            with contextlib.suppress(httpx.HTTPError):
                reply = httpx.get(
                    f"{admin_url}/apisix/admin/routes", headers={"X-API-KEY": CUSTOM_KEY}
                )
                if reply.status_code == 200:
                    break
            assert time.monotonic() < deadline, "the gateway did not start"
            time.sleep(0.1)
        yield
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)


def test_a_generated_password_is_printed_once_and_works(tmp_path: Path) -> None:
    port = free_port()
    admin_url = f"http://127.0.0.1:{port}"
    config_path = tmp_path / "config.yaml"
    config_path.write_text(yaml.safe_dump(serve_config("127.0.0.1", port, CUSTOM_KEY)))
    command = serve_command(config_path, "--data-dir", str(tmp_path / "data"))
    first = tmp_path / "first.stderr"
    with running_gateway(command, first, admin_url):
        lines = first.read_text().splitlines()
        announced = [line for line in lines if 'IAM user "admin"' in line]
        assert len(announced) == 1, lines
        match = GENERATED.search(announced[0])
        assert match, announced
        password = match.group(1)
        ok = httpx.put(
            f"{admin_url}/apisix/admin/routes/x", json=ROUTE, headers=basic("admin", password)
        )
        api = httpx.get(f"{admin_url}/api/gateway_groups", headers=basic("admin", password))
        old = httpx.get(f"{admin_url}/api/gateway_groups", headers=basic("admin", "admin"))
    print(
        f"announced {len(announced)} line(s) naming the user; generated password -> "
        f"PUT /apisix/admin {ok.status_code}, GET /api {api.status_code}; admin:admin -> "
        f"{old.status_code}"
    )
    assert (ok.status_code, api.status_code, old.status_code) == (201, 200, 401)
    assert sum('IAM user "admin"' in line for line in first.read_text().splitlines()) == 1
    # the user is stored: a restart on the same data does not generate or print another
    second = tmp_path / "second.stderr"
    with running_gateway(command, second, admin_url):
        again = httpx.get(f"{admin_url}/api/gateway_groups", headers=basic("admin", password))
    printed_again = sum('IAM user "admin"' in line for line in second.read_text().splitlines())
    print(f"after a restart: {printed_again} line(s); the same password -> {again.status_code}")
    assert (printed_again, again.status_code) == (0, 200)


def test_the_embedded_target_names_its_dashboard_password(tmp_path: Path) -> None:
    gateway = EmbeddedGateway(tmp_path)
    try:
        gateway.start()
        login = httpx.post(
            f"{gateway.admin_url}/api/login",
            json={"username": "admin", "password": gateway.admin_password},
        )
        old = httpx.post(
            f"{gateway.admin_url}/api/login", json={"username": "admin", "password": "admin"}
        )
    finally:
        gateway.stop()
    generated = "generated password" in gateway.stderr_path.read_text()
    print(f"configured password -> {login.status_code}, admin:admin -> {old.status_code}")
    assert (login.status_code, old.status_code, generated) == (200, 401, False)


@pytest.mark.parametrize("allow_admin", [["0.0.0.0/0"], []], ids=["0.0.0.0/0", "everyone"])
def test_the_published_key_on_a_non_loopback_admin_listen_refuses_to_start(
    tmp_path: Path, allow_admin: list[str]
) -> None:
    config = serve_config("0.0.0.0", free_port(), PUBLISHED_KEY)
    config["deployment"]["admin"]["allow_admin"] = allow_admin
    port = config["deployment"]["admin"]["admin_listen"]["port"]
    config_path = tmp_path / "config.yaml"
    config_path.write_text(yaml.safe_dump(config))
    # hold the admin port on loopback: a gateway that tried to bind 0.0.0.0 before checking
    # would fail with "address in use" instead of the refusal (and nothing else listens)
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as holder:
        holder.bind(("127.0.0.1", port))
        holder.listen()
        started = time.monotonic()
        result = subprocess.run(
            serve_command(config_path),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=30,
        )
        elapsed = time.monotonic() - started
    lines = result.stderr.strip().splitlines()
    print(f"exit {result.returncode} after {elapsed:.2f}s: {lines}")
    assert result.returncode != 0
    assert len(lines) == 1 and "Traceback" not in result.stderr
    assert "using fixed Admin API token has security risk" in lines[0]
    assert 'Please modify "admin_key" in conf/config.yaml' in lines[0]
    assert elapsed < 5.0


def test_when_the_published_key_is_refused() -> None:
    def refused(admin: dict[str, Any]) -> bool:
        try:
            check_published_admin_key(build_config({"deployment": {"admin": admin}}))
        except ConfigError:
            return True
        return False

    published = [{"name": "admin", "key": PUBLISHED_KEY, "role": "admin"}]
    custom = [{"name": "admin", "key": CUSTOM_KEY, "role": "admin"}]
    anywhere = {"ip": "0.0.0.0", "port": 9180}
    cases = {
        # APISIX's defaults: 0.0.0.0 but allow_admin 127.0.0.0/24, which APISIX exempts
        "defaults": ({}, False),
        "0.0.0.0, 10.0.0.0/8": ({"allow_admin": ["10.0.0.0/8"]}, True),
        "0.0.0.0, everyone": ({"allow_admin": []}, True),
        "0.0.0.0, ::/0": ({"allow_admin": ["::/0"]}, True),
        "0.0.0.0, loopback only": ({"allow_admin": ["127.0.0.0/8", "::1"]}, False),
        "127.0.0.1, everyone": (
            {"allow_admin": [], "admin_listen": {"ip": "127.0.0.1", "port": 9180}},
            False,
        ),
        "custom key": ({"allow_admin": [], "admin_key": custom}, False),
        "keys not required": ({"allow_admin": [], "admin_key_required": False}, False),
    }
    measured = {
        name: refused({"admin_key": published, "admin_listen": anywhere, **admin})
        for name, (admin, _) in cases.items()
    }
    print(measured)
    assert measured == {name: expected for name, (_, expected) in cases.items()}


# -- allow_admin, once for the whole admin port --------------------------------------------------


def test_allow_admin_refuses_every_api_on_the_admin_port() -> None:
    password = "Configured-Pw-of-this-test-7"
    raw = merged(
        in_process_config(
            iam={"bcrypt_rounds": 4, "admin_password": password},
            cloud={"tokens": [CLOUD_TOKEN]},
        ),
        {"deployment": {"admin": {"allow_admin": ["10.0.0.0/8"]}}},
    )
    key = {"X-API-KEY": CUSTOM_KEY}
    bearer = {"Authorization": f"Bearer {CLOUD_TOKEN}"}
    requests: list[tuple[str, str, dict[str, str], Any]] = [
        ("GET", "/apisix/admin/routes", key, None),
        ("PUT", "/apisix/admin/routes/x", key, ROUTE),
        ("PUT", "/apisix/admin/routes/y", basic("admin", password), ROUTE),
        ("GET", "/api/gateway_groups", key, None),
        ("POST", "/api/gateway_groups", key, {"name": "outsider"}),
        ("POST", "/api/login", {}, {"username": "admin", "password": password}),
        ("GET", "/api/v1/user/me", bearer, None),
        ("POST", "/api/v1/orgs", bearer, {"name": "outsider"}),
        ("GET", "/anything/else", key, None),
    ]
    app, _ = create_admin_port(build_config(raw), MemoryStore(), launch_data_planes=False)
    with TestClient(app, client=("127.0.0.1", 50000)) as loopback:
        answers = {
            f"{method} {path}": loopback.request(method, path, headers=headers, json=body)
            for method, path, headers, body in requests
        }
    print({name: reply.status_code for name, reply in answers.items()})
    for name, reply in answers.items():
        assert reply.status_code == 403, name
        assert "127.0.0.1 is not allowed" in reply.json()["error_msg"], name
    # the same port from inside 10.0.0.0/8: the writes above never happened
    with TestClient(app, client=("10.1.2.3", 50000)) as inside:
        routes = inside.get("/apisix/admin/routes", headers=key)
        groups = inside.get("/api/gateway_groups", headers=key)
        me = inside.get("/api/v1/user/me", headers=bearer)
    print(f"from 10.1.2.3: {routes.status_code}, {groups.status_code}, {me.status_code}")
    assert routes.status_code == 200 and routes.json()["total"] == 0
    assert groups.status_code == 200
    assert "outsider" not in {g["name"] for g in groups.json()["list"]}
    assert me.status_code == 200
    assert len(me.json()["payload"]["org_ids"]) == 1, "only the default organization"
