"""Run the reference gateway: the config store, the Admin API and the data plane."""

from __future__ import annotations

import asyncio
import resource
import signal
import socket
import sys
from collections.abc import Coroutine
from typing import Any

import uvicorn

from .admin_http import admin_protocol
from .admin_port import create_admin_port
from .config import ConfigError, GatewayConfig, check_published_admin_key, plugin_attr_of
from .proxy.launcher import DataPlaneLauncher, Listeners
from .proxy.plugins import parse_export_addr
from .proxy.supervisor import Supervisor
from .quiet_uvicorn import QuietServer
from .store import open_store


def serve(config: GatewayConfig) -> int:
    """Serve until SIGINT or SIGTERM; returns the process exit code. A configuration that
    must not be served (ConfigError) is refused before anything is opened or bound."""
    check_published_admin_key(config)
    raise_descriptor_limit(config.limits.worker_rlimit_nofile)
    admin_socket = bind_admin_port(config.admin_listen.ip, config.admin_listen.port)
    store = open_store(config)
    try:
        # uvloop, as the workers: past the descriptor limit, it accepts and closes a new
        # connection at once (libuv keeps a spare descriptor for that) where asyncio's loop
        # stops accepting for a second and leaves the connection waiting
        return _run(_serve(config, store, admin_socket))
    except OSError as exc:  # a port already taken, mostly
        raise ConfigError(f"can't listen: {exc.strerror or exc}") from None
    finally:
        store.close()
        admin_socket.close()


def _run(main: Coroutine[Any, Any, int]) -> int:
    try:
        import uvloop
    except ImportError:  # the standard loop works, only without that
        return asyncio.run(main)
    return uvloop.run(main)


def raise_descriptor_limit(wanted: int) -> None:
    """As nginx's `worker_rlimit_nofile`: the soft limit of open descriptors up to `wanted`,
    or to the hard limit when that is lower (this process and the workers it starts)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if target > soft:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))


def bind_admin_port(ip: str, port: int) -> socket.socket:
    """The admin port's socket, bound before anything else starts: a taken port is one line
    and exit code 2 at once (uvicorn, left to bind it, logs the error and then waits)."""
    family = socket.AF_INET6 if ":" in ip else socket.AF_INET
    # IPPROTO_TCP, not 0: asyncio sets TCP_NODELAY only on sockets that say they are TCP, and
    # without it every keep-alive answer waits ~40 ms for the client's delayed ACK
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((ip, port))
        sock.listen(2048)
    except OSError as exc:
        sock.close()
        raise ConfigError(f"can't listen on {ip}:{port}: {exc.strerror or exc}") from None
    sock.set_inheritable(False)
    return sock


async def _serve(config: GatewayConfig, store, admin_socket: socket.socket) -> int:
    app, group_data_planes = create_admin_port(config, store)
    admin = QuietServer(
        uvicorn.Config(
            app,
            host=config.admin_listen.ip,
            port=config.admin_listen.port,
            log_level="warning",
            access_log=False,
            lifespan="off",
            http=admin_protocol(config.limits),
            timeout_keep_alive=config.limits.keepalive_timeout,  # type: ignore[arg-type]
        )
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    admin_task = asyncio.create_task(admin.serve(sockets=[admin_socket]))
    launcher = DataPlaneLauncher(config, store)
    supervisor = await start_data_plane(config, launcher)
    group_data_planes.default_control = supervisor.control_address  # None if it can't listen
    await group_data_planes.sync()  # one per stored gateway group besides the default
    listens = ", ".join(f"{x.ip}:{x.port}" for x in config.node_listen)
    if config.ssl.listen:
        listens += ", HTTPS " + ", ".join(f"{x.ip}:{x.port}" for x in config.ssl.listen)
    print(
        f"gwconform reference gateway: admin on {config.admin_listen.ip}:{config.admin_listen.port}"
        f", data plane on {listens} ({config.workers} workers, {config.store} store)",
        file=sys.stderr,
        flush=True,
    )
    try:
        await asyncio.wait(
            [
                admin_task,
                asyncio.create_task(stop.wait()),
                asyncio.create_task(supervisor.failed.wait()),
            ],
            return_when=asyncio.FIRST_COMPLETED,
        )
    finally:
        await group_data_planes.stop_all()
        await supervisor.stop()
        await launcher.stop()
        admin.should_exit = True
        await admin_task
    if supervisor.failed.is_set():
        raise ConfigError(supervisor.failure)
    return 0


async def start_data_plane(config: GatewayConfig, launcher: DataPlaneLauncher) -> Supervisor:
    """The gateway's own data plane: the configured ports, the configured key prefix."""
    control = config.control_listen
    return await launcher.launch(
        Listeners(
            http=[(x.ip, x.port) for x in config.node_listen],
            stream=[(x.ip, x.port) for x in config.stream_listen if not x.tls],
            tls=[(x.ip, x.port) for x in config.ssl.listen],
            stream_tls=[(x.ip, x.port) for x in config.stream_listen if x.tls],
            udp=[(x.ip, x.port) for x in config.stream_udp_listen],
        ),
        config.etcd_prefix,
        config.workers,
        metrics_addr=metrics_export_addr(config.raw),
        control_addr=(control.ip, control.port) if control is not None else None,
    )


def metrics_export_addr(raw: dict[str, Any]) -> tuple[str, int] | None:
    """Where the Prometheus metrics are served: `plugin_attr.prometheus.export_addr`
    (127.0.0.1:9091 by default); None when `enable_export_server` is false."""
    plugin_attr = plugin_attr_of(raw)
    prometheus = plugin_attr.get("prometheus")
    if isinstance(prometheus, dict) and prometheus.get("enable_export_server") is False:
        return None
    try:
        return parse_export_addr(plugin_attr)
    except (TypeError, ValueError, AttributeError):
        raise ConfigError(
            "invalid plugin_attr.prometheus.export_addr (expected {ip, port})"
        ) from None
