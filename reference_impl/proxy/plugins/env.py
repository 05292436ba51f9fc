"""`PluginEnv`: what plugins of one config generation see of the worker's configuration."""

from __future__ import annotations

import logging
from typing import Any

from ..secret_refs import has_secret_ref
from .shared_state import SharedState

log = logging.getLogger(__name__)


class PluginEnv:
    """Consumers (with their credentials merged in), consumer groups, plugin metadata, protos,
    and the worker's `SharedState`. Rebuilt by the engine on every config change."""

    def __init__(
        self,
        consumers: list[dict[str, Any]],
        consumer_groups: dict[str, dict[str, Any]],
        plugin_metadata: dict[str, dict[str, Any]],
        shared: SharedState | None = None,
        protos: dict[str, dict[str, Any]] | None = None,
    ) -> None:
        self.consumers = {c["username"]: c for c in consumers if c.get("username")}
        self.consumer_groups = consumer_groups
        self.plugin_metadata = plugin_metadata
        self.shared = shared if shared is not None else SharedState()
        self.protos = protos or {}  # /apisix/admin/protos by id (grpc-transcode)
        # (plugin, field, value) -> (consumer, that plugin's conf on the consumer/credential)
        self._credentials: dict[tuple[str, str, str], tuple[dict[str, Any], dict[str, Any]]] = {}
        self._plugins_in_use: set[str] = set()
        for consumer in self.consumers.values():
            for plugin_name, conf in self.credential_entries(consumer):
                self._plugins_in_use.add(plugin_name)
                if has_secret_ref(conf):
                    # fail closed, as APISIX: never match a credential on a reference's text
                    log.error(
                        "consumer %s: %s left out: a secret reference is unresolved",
                        consumer["username"],
                        plugin_name,
                    )
                    continue
                for field, value in conf.items():
                    if isinstance(value, str):
                        key = (plugin_name, field, value)
                        self._credentials.setdefault(key, (consumer, conf))

    @classmethod
    def credential_entries(cls, consumer: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
        """(plugin name, conf) of every plugin on the consumer and its credentials."""
        return [
            (plugin_name, conf)
            for conf_source in cls._credential_sources(consumer)
            for plugin_name, conf in (conf_source.get("plugins") or {}).items()
            if isinstance(conf, dict)
        ]

    @staticmethod
    def _credential_sources(consumer: dict[str, Any]) -> list[dict[str, Any]]:
        credentials = consumer.get("credentials") or []
        if isinstance(credentials, dict):
            credentials = list(credentials.values())
        return [consumer, *[c for c in credentials if isinstance(c, dict)]]

    def find_consumer(
        self, plugin_name: str, field: str, value: str
    ) -> tuple[dict[str, Any], dict[str, Any]] | None:
        """The consumer whose `plugin_name` credential has `field == value`, with that conf."""
        return self._credentials.get((plugin_name, field, value))

    def has_consumers_with(self, plugin_name: str) -> bool:
        return plugin_name in self._plugins_in_use

    def consumer(self, username: str) -> dict[str, Any] | None:
        return self.consumers.get(username)

    def consumer_plugins(self, consumer: dict[str, Any]) -> dict[str, Any]:
        """The consumer's plugins over its consumer group's (the consumer's own win)."""
        plugins: dict[str, Any] = {}
        group = self.consumer_groups.get(str(consumer.get("group_id") or ""))
        if group:
            plugins.update(group.get("plugins") or {})
        plugins.update(consumer.get("plugins") or {})
        return plugins

    def metadata(self, plugin_name: str) -> dict[str, Any] | None:
        return self.plugin_metadata.get(plugin_name)
