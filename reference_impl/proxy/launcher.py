"""Starting a data plane: a supervisor and its workers, listening where they are told and
reading one key prefix of the gateway's store.

The gateway's own data plane (`server.py`) and each API7 gateway group's
(`api7ee/dataplanes.py`) start here. Workers read an etcd store directly, and the memory
store through the store API, which a launcher starts once, on first use, for all it starts.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..config import ConfigError, GatewayConfig, plugin_attr_of
from ..store import Store
from ..store.http_api import StoreApi, start_store_api
from .plugins.disk_cache import disk_zones
from .secret_refs import cache_times
from .supervisor import Supervisor
from .upstream_tls import SYSTEM_TRUST
from .worker import WorkerSettings

Address = tuple[str, int]


@dataclass(frozen=True)
class Listeners:
    http: list[Address]
    stream: list[Address] = field(default_factory=list)
    tls: list[Address] = field(default_factory=list)  # HTTPS (when `apisix.ssl` is enabled)
    stream_tls: list[Address] = field(default_factory=list)  # TLS over TCP (`tls: true`)
    udp: list[Address] = field(default_factory=list)  # `stream_proxy.udp`


class DataPlaneLauncher:
    def __init__(self, config: GatewayConfig, store: Store) -> None:
        self.config = config
        self.store = store
        self._store_api: StoreApi | None = None

    async def launch(
        self,
        listen: Listeners,
        prefix: str,
        workers: int,
        *,
        metrics_addr: Address | None = None,
        control_addr: Address | None = None,
        grace_period: float | None = None,
    ) -> Supervisor:
        """A started supervisor (`metrics_addr`, `control_addr`: see `Supervisor`;
        `grace_period`: the workers' own when None)."""
        config = self.config
        apisix = config.raw.get("apisix") or {}
        try:
            secret_ttl, secret_neg_ttl = cache_times(apisix)
            disk_zones(apisix.get("proxy_cache") or {})  # a zone it cannot serve stops the start
        except ValueError as exc:
            raise ConfigError(str(exc)) from None
        settings = WorkerSettings(
            node_listen=listen.http,
            stream_listen=listen.stream,
            tls_listen=listen.tls,
            stream_tls_listen=listen.stream_tls,
            udp_listen=listen.udp,
            ssl_protocols=config.ssl.protocols,
            fallback_sni=config.ssl.fallback_sni,
            enable_http2=config.enable_http2,
            data_encryption=apisix.get("data_encryption") or {},
            prefix=prefix,
            limits=config.limits,
            plugin_attr=plugin_attr_of(config.raw),
            proxy_cache=apisix.get("proxy_cache"),
            secret_ttl=secret_ttl,
            secret_neg_ttl=secret_neg_ttl,
            trusted_certificate=str(
                (apisix.get("ssl") or {}).get("ssl_trusted_certificate") or SYSTEM_TRUST
            ),
            dns_servers=config.dns_servers,
        )
        if grace_period is not None:
            settings.grace_period = grace_period
        if config.store == "etcd":
            settings.store = "etcd"
            settings.etcd_hosts = list(config.etcd_hosts)
            settings.etcd_timeout = config.etcd_timeout
        else:
            if self._store_api is None:
                self._store_api = await start_store_api(self.store)
            settings.store_url, settings.store_token = self._store_api.url, self._store_api.token
        supervisor = Supervisor(settings, workers, metrics_addr, control_addr)
        await supervisor.start()
        return supervisor

    async def stop(self) -> None:
        """Stop the store API (the supervisors launched are stopped by their owners)."""
        if self._store_api is not None:
            await self._store_api.stop()
            self._store_api = None
