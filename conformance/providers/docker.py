"""The docker target: a gateway image (apache/apisix or one shaped like it) started next to
an etcd in containers on the host's network, configured for free loopback ports, and
removed after the run.

Every container of a run is labelled `gwconform.run=<the run's id>` and
`gwconform.pid=<the pid of the process that started it>`; clean-up removes exactly the
containers with the run's id (and their anonymous volumes), also after a failure or Ctrl-C.
The engine is the one DOCKER_HOST names (else the local socket); as the containers use the
host's network, it must run on this machine.
"""

from __future__ import annotations

import contextlib
import io
import os
import random
import secrets
import socket
import sys
import tarfile
import time
from typing import TYPE_CHECKING, Any

import yaml

from ..features import get_profile
from ..mappings import leaf_paths, merged
from ..target import (
    DEFAULT_ETCD_IMAGE,
    Target,
    TargetError,
    TargetSettings,
    read_yaml_mapping,
)
from .embedded import (
    SECRET_ENV_NAME,
    etcd_prefix_of,
    loopback_gateway_config,
    loopback_target,
    wait_until_serving,
)
from .etcd_process import etcd_arguments, etcd_healthy

if TYPE_CHECKING:
    from docker import DockerClient
    from docker.models.containers import Container

CONFIG_DIR = "/usr/local/apisix/conf"  # where APISIX's image reads conf/config.yaml
ETCD_LABEL = "gwconform.etcd"  # on an image: it has etcd on its PATH
RUN_LABEL = "gwconform.run"
PID_LABEL = "gwconform.pid"
ETCD_DATA = "/gwconform-etcd"  # a tmpfs in the etcd container: a throw-away store
START_TIMEOUT = 60.0  # APISIX's init and first etcd sync take longer than the reference
LOG_LINES = 5
ENGINE_TIMEOUT = 60  # seconds for one call to the engine


def _one_line(text: object) -> str:
    return " ".join(str(text).split())


def connect() -> DockerClient:
    """The Docker engine of the environment, or TargetError saying why there is none."""
    try:
        import docker
    except ImportError:
        raise TargetError(
            "the docker provider needs the docker package: pip install 'gwconform[docker]'"
        ) from None
    where = os.environ.get("DOCKER_HOST") or "the local socket"
    try:
        client = docker.from_env(timeout=ENGINE_TIMEOUT)
        client.ping()
    except docker.errors.DockerException as exc:
        raise TargetError(f"no Docker engine answers at {where}: {_one_line(exc)}") from None
    return client


def ensure_image(client: DockerClient, image: str) -> None:
    """The image is present, or pulled now; TargetError when neither."""
    from docker.errors import APIError, ImageNotFound

    try:
        client.images.get(image)
        return
    except ImageNotFound:
        pass
    try:
        client.images.pull(image)
    except APIError as exc:
        reason = _one_line(exc.explanation or exc)
        raise TargetError(f"image {image} is not present and can't be pulled: {reason}") from None


def etcd_image_for(client: DockerClient, settings: TargetSettings, gateway_image: str) -> str:
    """The etcd image of a run, present or pulled: the one given, else the gateway image
    when its label ETCD_LABEL says it carries an etcd (as the reference image does), else
    etcd's own image."""
    image = settings.etcd_image
    if image is None:
        carries_etcd = ETCD_LABEL in (client.images.get(gateway_image).labels or {})
        image = gateway_image if carries_etcd else DEFAULT_ETCD_IMAGE
    ensure_image(client, image)
    return image


def preflight(settings: TargetSettings) -> None:
    """Before a run starts: an engine answers and every image is there (or pulled)."""
    client = connect()
    try:
        for image in settings.images:
            ensure_image(client, image)
            etcd_image_for(client, settings, image)
    finally:
        client.close()


def merge_user_config(user: dict[str, Any], generated: dict[str, Any], path: str) -> dict[str, Any]:
    """The user's config.yaml with the generated keys (listeners, admin keys, etcd) added.
    A key both set is refused: the run must reach the gateway where it configured it."""
    mine, theirs = leaf_paths(generated), leaf_paths(user)
    clashes = sorted(
        t
        for t in theirs
        if any(m == t or m.startswith(t + ".") or t.startswith(m + ".") for m in mine)
    )
    if clashes:
        raise TargetError(
            f"gateway config {path} sets {', '.join(clashes)}, which --provider docker sets "
            f"(use --admin-port, --data-plane-port, --admin-key, --viewer-key)"
        )
    return merged(user, generated)


def _config_archive(text: str) -> bytes:
    """A tar holding config.yaml, for put_archive (works with any engine, unlike a mount)."""
    data = text.encode("utf-8")
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        info = tarfile.TarInfo("config.yaml")
        info.size, info.mode, info.mtime = len(data), 0o644, int(time.time())
        archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def _ephemeral_floor() -> int:
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range", encoding="ascii") as ranges:
            return int(ranges.read().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768  # Linux's default


_taken: set[int] = set()  # ports this process handed out: never twice


def listen_port(kind: socket.SocketKind = socket.SOCK_STREAM) -> int:
    """A free 127.0.0.1 port (of UDP with `kind` SOCK_DGRAM) below the ephemeral range. A
    container binds it seconds after it is chosen; an ephemeral port (bind to port 0) could
    meanwhile become the source port of any outgoing connection on this host, and the
    gateway would fail to start."""
    floor = _ephemeral_floor()
    low = max(1024, floor - 12000)
    while True:
        port = random.SystemRandom().randrange(low, floor)
        if port not in _taken and not _port_in_use(port, kind):
            _taken.add(port)
            return port


def _port_in_use(port: int, kind: socket.SocketKind = socket.SOCK_STREAM) -> bool:
    with socket.socket(socket.AF_INET, kind) as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return True
    return False


def _fixed_or_free(port: int | None, what: str) -> int:
    if port is None:
        return listen_port()
    if _port_in_use(port):
        raise TargetError(f"the {what} port {port} is in use on 127.0.0.1")
    return port


class GatewayContainer:
    """The ports of one gateway container (the LoopbackGateway of `loopback_target`)."""

    def __init__(self, admin_api_version: str, admin_port: int, node_port: int) -> None:
        self.admin_api_version = admin_api_version
        self.admin_port, self.node_port = admin_port, node_port
        self.stream_port, self.metrics_port = listen_port(), listen_port()
        self.stream_tls_port, self.stream_udp_port = listen_port(), listen_port(socket.SOCK_DGRAM)
        self.otel_port = listen_port()
        self.tls_port, self.control_port = listen_port(), listen_port()
        self.secret_env_value = secrets.token_hex(12)


class DockerProvider:
    """Starts etcd and one gateway container per Admin API version; removes them all."""

    name = "docker"

    def __init__(
        self,
        settings: TargetSettings,
        profiles: tuple[str, ...],
        claimed: frozenset[str],
        start_timeout: float = START_TIMEOUT,
    ) -> None:
        if len(settings.images) != 1:
            raise TargetError(
                f"a pytest run tests one gateway image ({len(settings.images)} given); "
                "gwconform run tests several --image in turn"
            )
        self.settings = settings
        self.image = settings.images[0]
        self.profiles = profiles
        self.claimed = claimed
        self.start_timeout = start_timeout
        self._user_config = (
            read_yaml_mapping(settings.gateway_config, "gateway config")
            if settings.gateway_config
            else {}
        )
        self.client = connect()
        ensure_image(self.client, self.image)
        self.etcd_image = etcd_image_for(self.client, settings, self.image)
        self.run_id = secrets.token_hex(6)
        self.labels = {RUN_LABEL: self.run_id, PID_LABEL: str(os.getpid())}
        # the run's own credentials unless the user gave some
        self.admin_key = settings.admin_key or secrets.token_hex(16)
        self.viewer_key = settings.viewer_key or secrets.token_hex(16)
        self.admin_password = secrets.token_urlsafe(18)
        self._etcd_url: str | None = None
        self._gateways: dict[str, GatewayContainer] = {}

    def _name(self, role: str) -> str:
        return f"gwconform-{self.run_id}-{role}"

    def _check_alive(self, container: Container, what: str) -> None:
        """TargetError with the container's last log lines when it has stopped."""
        container.reload()
        if container.status not in ("exited", "dead"):
            return
        code = container.attrs.get("State", {}).get("ExitCode")
        logs = container.logs(tail=LOG_LINES).decode("utf-8", "replace").splitlines()
        tail = " | ".join(line.strip() for line in logs if line.strip()) or "(no output)"
        raise TargetError(
            f"the {what} container exited with code {code} at start; its last log lines: {tail}"
        )

    def _etcd(self) -> str:
        if self._etcd_url is not None:
            return self._etcd_url
        from docker.errors import APIError

        client_port, peer_port = listen_port(), listen_port()
        image = self.etcd_image
        try:
            container = self.client.containers.run(
                image,
                entrypoint=["etcd"],
                command=etcd_arguments(f"{ETCD_DATA}/data", client_port, peer_port, fsync=False),
                tmpfs={ETCD_DATA: ""},
                name=self._name("etcd"),
                labels=self.labels,
                network_mode="host",
                detach=True,
            )
        except APIError as exc:
            reason = _one_line(exc.explanation or exc)
            raise TargetError(f"can't start the etcd container ({image}): {reason}") from None
        url = f"http://127.0.0.1:{client_port}"
        deadline = time.monotonic() + self.start_timeout
        while not etcd_healthy(url):
            self._check_alive(container, f"etcd ({image})")
            if time.monotonic() > deadline:
                raise TargetError(
                    f"the etcd container ({image}) did not become healthy within "
                    f"{self.start_timeout:.0f}s"
                )
            time.sleep(0.1)
        self._etcd_url = url
        return url

    def gateway(self, admin_api_version: str) -> GatewayContainer:
        gateway = self._gateways.get(admin_api_version)
        if gateway is not None:
            return gateway
        first = not self._gateways  # the first gateway takes the ports the user fixed
        gateway = GatewayContainer(
            admin_api_version,
            _fixed_or_free(self.settings.admin_port if first else None, "admin"),
            _fixed_or_free(self.settings.data_plane_port if first else None, "data plane"),
        )
        config = loopback_gateway_config(
            gateway,
            self._etcd(),
            etcd_prefix_of(admin_api_version),
            self.admin_password,
            self.admin_key,
            self.viewer_key,
        )
        if self.settings.gateway_config:
            config = merge_user_config(self._user_config, config, self.settings.gateway_config)
        self._start_gateway(gateway, yaml.safe_dump(config, sort_keys=False))
        self._gateways[admin_api_version] = gateway
        return gateway

    def _start_gateway(self, gateway: GatewayContainer, config: str) -> None:
        from docker.errors import APIError

        what = f"gateway ({self.image})"
        container = self.client.containers.create(
            self.image,
            name=self._name(f"gateway-{gateway.admin_api_version}"),
            labels=self.labels,
            network_mode="host",
            environment={SECRET_ENV_NAME: gateway.secret_env_value},
        )
        try:
            if not container.put_archive(CONFIG_DIR, _config_archive(config)):
                raise TargetError(f"can't write {CONFIG_DIR}/config.yaml into {self.image}")
            container.start()
        except APIError as exc:
            reason = _one_line(exc.explanation or exc)
            raise TargetError(f"can't start the {what} container: {reason}") from None
        admin_url = f"http://127.0.0.1:{gateway.admin_port}"
        waiting_for = wait_until_serving(
            admin_url,
            gateway.node_port,
            self.admin_key,
            self.start_timeout,
            lambda: self._check_alive(container, what),
        )
        if waiting_for is not None:
            raise TargetError(
                f"the {what} container did not become healthy within "
                f"{self.start_timeout:.0f}s (waiting for its {waiting_for})"
            )

    def _identify(self) -> tuple[str, str]:
        """The name and version the user gave (--name, --project, --implementation-version),
        else the image's repository and tag: never guessed from a Server header."""
        identity = self.settings.implementation
        repository, _, tag = self.image.rpartition(":")
        tagged = bool(repository) and "/" not in tag  # not a registry's port
        image_name, image_version = (repository, tag) if tagged else (self.image, "latest")
        name = self.settings.name or identity.project or image_name
        return name, identity.version or image_version

    def target(self, profile: str) -> Target:
        gateway = self.gateway("v2" if profile == "apisix-v2" else "v3")
        name, version = self._identify()
        core = {f for p in self.profiles for f in get_profile(p).core}
        return loopback_target(
            gateway,
            self.admin_key,
            self.viewer_key,
            name=name,
            version=version,
            profiles=self.profiles,
            features=frozenset(core | self.claimed),
            timeouts=self.settings.timeouts,
        )

    def containers(self) -> list[Container]:
        """The containers this run created, running or not."""
        return self.client.containers.list(
            all=True, filters={"label": f"{RUN_LABEL}={self.run_id}"}
        )

    def close(self) -> None:
        from docker.errors import DockerException, NotFound

        try:
            containers = self.containers()
            if self.settings.keep_containers:
                if containers:
                    names = ", ".join(sorted(c.name for c in containers))
                    print(f"gwconform: kept the containers {names}", file=sys.stderr)
                return
            for container in containers:
                with contextlib.suppress(NotFound):
                    container.remove(force=True, v=True)
        except DockerException as exc:
            print(
                f"gwconform: can't remove the containers labelled {RUN_LABEL}={self.run_id}: "
                f"{_one_line(exc)}",
                file=sys.stderr,
            )
        finally:
            self._gateways.clear()
            self._etcd_url = None
            self.client.close()
