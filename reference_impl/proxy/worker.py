"""A data plane worker: listens (SO_REUSEPORT, shared with its sibling workers), follows the
config store and serves HTTP and stream (TCP, TLS over TCP, UDP) traffic until told to stop.

Run by the supervisor as `python -m reference_impl.proxy.worker` with its settings as JSON in
the `GWCONFORM_WORKER` environment variable (the store token stays out of the process list).
"""

from __future__ import annotations

import asyncio
import gc
import json
import logging
import os
import signal
import socket
import sys
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from functools import partial
from typing import Any

from ..admin.ssl_crypto import Keyring
from ..client_limits import ClientLimits
from ..store.base import Store
from . import shared_dir as shared_dirs
from .client_timeouts import ClientTimeouts
from .config_feed import ConfigFeed
from .dns_discovery import DnsClient
from .handler import DataPlane
from .health_report import HealthPublisher
from .http_server import ClientConnection
from .left_out import LeftOut
from .lifeline import ORPHAN_EXIT, ORPHAN_GRACE, ParentWatch, die_with_parent
from .plugins import ServerCounters, SharedState
from .secret_refs import DEFAULT_NEG_TTL, DEFAULT_TTL, SecretValues
from .snapshot import UpstreamCache, build_snapshot
from .stream import StreamClient
from .stream_udp import UdpListener
from .tls import HANDSHAKE_TIMEOUT, TlsClientConnection, TlsListener
from .upstream import UpstreamEnv
from .upstream_tls import SYSTEM_TRUST, UpstreamTlsEnv
from .variables import Variables

log = logging.getLogger(__name__)

ENV_VAR = "GWCONFORM_WORKER"
GC_SETTLE = 1.0  # seconds after a config change before the heap is collected and frozen
FIRST_LOAD_WAIT = 10.0  # start serving with an empty config if the store stays silent
GRACE_PERIOD = 10.0  # for requests in flight when asked to stop
BACKLOG = 4096


@dataclass
class WorkerSettings:
    node_listen: list[tuple[str, int]]
    stream_listen: list[tuple[str, int]] = field(default_factory=list)
    tls_listen: list[tuple[str, int]] = field(default_factory=list)  # HTTPS, SNI certificates
    stream_tls_listen: list[tuple[str, int]] = field(default_factory=list)  # TLS over TCP
    udp_listen: list[tuple[str, int]] = field(default_factory=list)  # UDP stream proxy
    ssl_protocols: str = "TLSv1.2 TLSv1.3"
    fallback_sni: str | None = None
    enable_http2: bool = True  # apisix.enable_http2
    data_encryption: dict[str, Any] = field(default_factory=dict)  # apisix.data_encryption
    store: str = "remote"  # "remote" (the control process's store API) or "etcd"
    store_url: str = ""
    store_token: str = ""
    etcd_hosts: list[str] = field(default_factory=list)
    etcd_timeout: float = 30.0
    prefix: str = "/apisix"
    shared_dir: str | None = None
    worker_id: int = 0
    grace_period: float = GRACE_PERIOD
    parent_pid: int = 0  # the process the worker dies with (0: whichever started it)
    plugin_attr: dict[str, Any] = field(default_factory=dict)  # config.yaml's plugin_attr
    # apisix.ssl.ssl_trusted_certificate: what upstreams with `tls.verify` are checked against
    trusted_certificate: str = SYSTEM_TRUST
    dns_servers: list[str] = field(default_factory=list)  # config.yaml's discovery.dns.servers
    proxy_cache: dict[str, Any] | None = None  # config.yaml's apisix.proxy_cache
    limits: ClientLimits = field(default_factory=ClientLimits)
    secret_ttl: float = DEFAULT_TTL  # apisix.lru.secret: how long fetched secrets are kept
    secret_neg_ttl: float = DEFAULT_NEG_TTL

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> WorkerSettings:
        data = json.loads(text)
        data["node_listen"] = [tuple(x) for x in data["node_listen"]]
        data["stream_listen"] = [tuple(x) for x in data.get("stream_listen", [])]
        for key in ("tls_listen", "stream_tls_listen", "udp_listen"):
            data[key] = [tuple(x) for x in data.get(key, [])]
        data["limits"] = ClientLimits(**data.get("limits", {}))
        return cls(**data)

    def open_store(self) -> Store:
        if self.store == "etcd":
            from ..store.etcd import EtcdStore

            return EtcdStore(self.etcd_hosts, timeout=self.etcd_timeout)
        from ..store.remote import RemoteStore

        return RemoteStore(self.store_url, self.store_token)


def listening_socket(ip: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in ip else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((ip, port))
    sock.listen(BACKLOG)
    sock.setblocking(False)
    return sock


def datagram_socket(ip: str, port: int) -> socket.socket:
    """A UDP socket shared with the sibling workers (the kernel keeps a client's datagrams
    on one of them, so each session lives in one worker)."""
    family = socket.AF_INET6 if ":" in ip else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((ip, port))
    sock.setblocking(False)
    return sock


class Worker:
    """The data plane of one process; `run()` serves until `stop()`."""

    def __init__(self, settings: WorkerSettings, store: Store) -> None:
        self.settings = settings
        self.store = store
        self.plane = DataPlane(settings.limits)
        self.plane.http2 = settings.enable_http2
        self.client_timeouts = ClientTimeouts(self.plane.connections, settings.limits)
        self.variables = Variables()
        self.shared = SharedState(
            settings.shared_dir,
            settings.worker_id,
            plugin_attr=settings.plugin_attr,
            proxy_cache=settings.proxy_cache,
        )
        self.plane.metrics = ServerCounters(self.shared.metrics)
        self.health: HealthPublisher | None = None
        if settings.shared_dir is not None:
            self.health = HealthPublisher(settings.shared_dir, settings.worker_id, settings.prefix)
        keyring = Keyring.from_config({"apisix": {"data_encryption": settings.data_encryption}})
        self.cache = UpstreamCache(
            UpstreamEnv(
                UpstreamTlsEnv(keyring, trusted_certificate=settings.trusted_certificate),
                DnsClient(settings.dns_servers) if settings.dns_servers else None,
            )
        )
        self.secrets = SecretValues(settings.secret_ttl, settings.secret_neg_ttl)
        self._generation: tuple[dict[str, dict[str, Any]], dict[str, dict[str, Any]]] | None = None
        self._secret_fetch: asyncio.Future[bool] | None = None
        self._secret_timer: asyncio.TimerHandle | None = None
        self.servers: list[asyncio.base_events.Server] = []
        self.tls: TlsListener | None = None
        self.udp: list[UdpListener] = []
        if settings.tls_listen or settings.stream_tls_listen:
            self.tls = TlsListener(
                settings.ssl_protocols, keyring, settings.fallback_sni, settings.enable_http2
            )
        self.feed: ConfigFeed | None = None
        self.ready = asyncio.Event()
        self._stop = asyncio.Event()
        self._grace = settings.grace_period
        self._gc_timer: asyncio.TimerHandle | None = None

    def _on_change(
        self, objects: dict[str, dict[str, Any]], credentials: dict[str, dict[str, Any]]
    ) -> None:
        """Serve a new generation: every object that compiles, the others left out (logged
        once, not again by later generations while they stay as they are)."""
        self._generation = (objects, credentials)
        previous = self.plane.snapshot
        left_out = LeftOut(previous.left_out if previous is not None else None)
        self.secrets.begin(objects["secrets"])
        if self.tls is not None:
            self.tls.update(self.secrets.resolve(objects["ssls"]), left_out)
        self.plane.snapshot = build_snapshot(
            objects, credentials, self.cache, self.shared, self.variables, left_out, self.secrets
        )
        self.secrets.commit()
        self._follow_secrets()
        if self.health is not None:
            self.health.update(objects, self.plane.snapshot)
        if self._gc_timer is not None:
            self._gc_timer.cancel()
        self._gc_timer = asyncio.get_running_loop().call_later(GC_SETTLE, self._freeze_heap)

    def _follow_secrets(self) -> None:
        """Fetch the Vault values the generation wants (off the event loop), or wait until
        the first cached one is due again; build again when a value changed."""
        if self._secret_fetch is not None:  # under way: it looks again when it is done
            return
        if self._secret_timer is not None:
            self._secret_timer.cancel()
            self._secret_timer = None
        loop = asyncio.get_running_loop()
        if self.secrets.wanted:
            self._secret_fetch = loop.run_in_executor(None, self.secrets.fetch_wanted)
            self._secret_fetch.add_done_callback(self._secrets_fetched)
            return
        due = self.secrets.next_expiry()
        if due is not None:
            self._secret_timer = loop.call_later(due, self._secrets_due)

    def _secrets_due(self) -> None:
        self._secret_timer = None
        self._secret_fetch = asyncio.get_running_loop().run_in_executor(
            None, self.secrets.fetch_wanted
        )
        self._secret_fetch.add_done_callback(self._secrets_fetched)

    def _secrets_fetched(self, fetch: asyncio.Future[bool]) -> None:
        self._secret_fetch = None
        if self._stop.is_set() or fetch.cancelled():
            return
        error = fetch.exception()
        if error is not None:
            log.error("fetching secrets failed: %r", error)
        if error is None and fetch.result() and self._generation is not None:
            self._on_change(*self._generation)
        else:
            self._follow_secrets()

    def _freeze_heap(self) -> None:
        """Keep the collector off the config: with 10,000 routes every full collection would
        walk all of it while requests wait. Garbage of older generations is collected first."""
        self._gc_timer = None
        gc.unfreeze()
        gc.collect()
        gc.freeze()

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        self.feed = ConfigFeed(self.store, self.settings.prefix, self._on_change, loop)
        self.feed.start()
        loaded = asyncio.ensure_future(self.feed.loaded.wait())
        stopped = asyncio.ensure_future(self._stop.wait())
        await asyncio.wait(
            {loaded, stopped}, timeout=FIRST_LOAD_WAIT, return_when=asyncio.FIRST_COMPLETED
        )
        loaded.cancel()
        stopped.cancel()
        if self._stop.is_set():  # told to stop before serving: never take the port
            await self._shutdown()
            return
        if self.plane.snapshot is None:
            self._on_change({k: {} for k in self.feed.mirror.objects}, {})
        plane = self.plane
        try:
            await self._listen(lambda: ClientConnection(plane), self.settings.node_listen)
            await self._listen(lambda: StreamClient(plane), self.settings.stream_listen)
            if self.tls is not None:
                tls_connection = partial(TlsClientConnection, plane, self.tls)
                await self._listen(tls_connection, self.settings.tls_listen, self.tls)
                stream_tls = self.settings.stream_tls_listen
                await self._listen(lambda: StreamClient(plane), stream_tls, self.tls)
            for ip, port in self.settings.udp_listen:
                _, udp = await loop.create_datagram_endpoint(
                    lambda: UdpListener(plane), sock=datagram_socket(ip, port)
                )
                self.udp.append(udp)
            if self.health is not None:
                self.health.start()
            self.client_timeouts.start()
            self.ready.set()
            await self._stop.wait()
        finally:
            await self._shutdown()

    async def _listen(
        self,
        factory: Callable[[], asyncio.BaseProtocol],
        addresses: list[tuple[str, int]],
        tls: TlsListener | None = None,
    ) -> None:
        """Serve TCP connections on `addresses` (TLS with certificates by SNI, with `tls`)."""
        loop = asyncio.get_running_loop()
        handshake: dict[str, Any] = {}
        if tls is not None:
            handshake = {"ssl": tls.context, "ssl_handshake_timeout": HANDSHAKE_TIMEOUT}
        for ip, port in addresses:
            server = await loop.create_server(
                factory, sock=listening_socket(ip, port), backlog=BACKLOG, **handshake
            )
            self.servers.append(server)

    def stop(self, grace: float | None = None) -> None:
        """Stop accepting and end once the requests in flight are done, or after the grace
        period (or `grace` seconds from when stopping began, if that is shorter)."""
        if grace is not None:
            self._grace = min(self._grace, grace)
        self._stop.set()

    async def _shutdown(self) -> None:
        if self._gc_timer is not None:
            self._gc_timer.cancel()
        if self._secret_timer is not None:
            self._secret_timer.cancel()
        self.client_timeouts.stop()
        for server in self.servers:
            server.close()
        for udp in self.udp:
            udp.close()
        for conn in list(self.plane.connections):
            conn.shutdown()
        loop = asyncio.get_running_loop()
        began = loop.time()
        while self.plane.connections and loop.time() < began + self._grace:
            await asyncio.sleep(0.02)
        for conn in list(self.plane.connections):
            if conn.transport is not None:
                conn.transport.abort()
        if self.feed is not None:
            self.feed.stop()
        self.cache.stop_all()
        self.plane.close()
        self.plane.metrics = None
        self.shared.close()
        if self.health is not None:
            self.health.stop()


async def _main(settings: WorkerSettings, parent_pid: int) -> int:
    store = settings.open_store()
    worker = Worker(settings, store)
    loop = asyncio.get_running_loop()

    # an orphan (see lifeline.py) stops at once, with a short grace period
    def on_orphaned() -> None:  # called from the watch's thread
        loop.call_soon_threadsafe(worker.stop, ORPHAN_GRACE)

    watch = ParentWatch(parent_pid, on_orphaned)

    def on_signal() -> None:  # SIGTERM: the supervisor's, or the kernel's when it died
        worker.stop(ORPHAN_GRACE if watch.dying() else None)

    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, on_signal)
    hold = shared_dirs.hold(settings.shared_dir) if settings.shared_dir else None
    watch.start()
    try:
        await worker.run()
    finally:
        store.close()
        if settings.shared_dir:
            # the supervisor removes it; when it is gone, the last worker to leave does
            if watch.dying():
                watch.wait_gone(ORPHAN_GRACE)  # until its hold on the folder is dropped
            shared_dirs.release(settings.shared_dir, hold, remove_unused=True)
    return 0


def main() -> int:
    logging.basicConfig(level=logging.WARNING, format="gwconform worker: %(levelname)s %(message)s")
    text = os.environ.get(ENV_VAR)
    if not text:
        print(f"gwconform worker: error: {ENV_VAR} is not set", file=sys.stderr)
        return 2
    settings = WorkerSettings.from_json(text)
    parent_pid = settings.parent_pid or os.getppid()
    die_with_parent(signal.SIGTERM)
    if os.getppid() != parent_pid:  # it died before the kernel was asked to tell
        print("gwconform worker: error: the gateway process is gone", file=sys.stderr)
        return ORPHAN_EXIT
    try:
        import uvloop
    except ImportError:  # the standard loop works, only slower
        return asyncio.run(_main(settings, parent_pid))
    try:
        return uvloop.run(_main(settings, parent_pid))
    except OSError as exc:
        print(f"gwconform worker: error: can't listen: {exc.strerror or exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
