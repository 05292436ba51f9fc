"""Feeding a worker from the config store: list, then watch, in a background thread.

Events update a mirror of the store's objects; the event loop rebuilds the data plane's
snapshot a few milliseconds after the last change (debounced) and swaps it in atomically,
so requests in flight finish on the generation they started with. When the store is
unreachable the last snapshot keeps serving; the thread retries and, on `Compacted` or
after an outage, lists again.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable
from typing import Any

from ..store.base import Compacted, Store, StoreError, Watch
from .snapshot import KINDS

log = logging.getLogger(__name__)

DEBOUNCE = 0.005
RETRY_DELAYS = (0.1, 0.2, 0.5, 1.0)


class ConfigMirror:
    """The store's objects by kind and id, and credentials by consumer."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix.rstrip("/") + "/"
        self.objects: dict[str, dict[str, Any]] = {kind: {} for kind in KINDS}
        self.credentials: dict[str, dict[str, Any]] = {}

    def reset(self) -> None:
        self.objects = {kind: {} for kind in KINDS}
        self.credentials = {}

    def apply(self, key: str, value: Any) -> bool:
        """Record a put (value) or delete (None); False if the key is not data plane config.
        A value that is not a JSON object (text that did not parse as strict JSON, say) is
        logged and holds no object, as a delete."""
        if not key.startswith(self.prefix):
            return False
        parts = key[len(self.prefix) :].split("/")
        kind = parts[0]
        if kind == "consumers" and len(parts) == 4 and parts[2] == "credentials":
            table = self.credentials.setdefault(parts[1], {})
            ident = parts[3]
        elif kind in self.objects and len(parts) == 2 and parts[1]:
            table = self.objects[kind]
            ident = parts[1]
        elif kind == "secrets" and len(parts) == 3 and parts[1] and parts[2]:
            table = self.objects[kind]
            ident = f"{parts[1]}/{parts[2]}"  # manager/id, as `$secret://` names it
        else:
            return False
        if isinstance(value, dict):
            table[ident] = value
            return True
        if value is not None:
            log.warning("%s left out of the data plane config: not a JSON object", key)
        return table.pop(ident, None) is not None

    def copy(self) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, Any]]]:
        return (
            {kind: dict(table) for kind, table in self.objects.items()},
            {user: dict(creds) for user, creds in self.credentials.items()},
        )


class ConfigFeed:
    """Lists and watches `store` under `prefix`; calls `on_change(objects, credentials)` in the
    event loop after each settled batch of changes."""

    def __init__(
        self,
        store: Store,
        prefix: str,
        on_change: Callable[[dict[str, dict[str, Any]], dict[str, dict[str, Any]]], None],
        loop: asyncio.AbstractEventLoop,
    ) -> None:
        self.store = store
        self.mirror = ConfigMirror(prefix)
        self.on_change = on_change
        self.loop = loop
        self.loaded = asyncio.Event()  # set after the first successful list is applied
        self.connected = True
        self.revision = 0  # the store revision the current snapshot was built from
        self._seen_revision = 0
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._watch: Watch | None = None
        self._pending: asyncio.TimerHandle | None = None
        self._thread = threading.Thread(target=self._run, name="config-feed", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        watch = self._watch
        if watch is not None:
            watch.cancel()
        if self._pending is not None:
            self._pending.cancel()

    # --- background thread --------------------------------------------------------------
    def _run(self) -> None:
        failures = 0
        while not self._stopping.is_set():
            try:
                revision = self._list()
                failures = 0
                self.connected = True
                self._follow(revision)
            except Compacted:
                continue  # list again
            except (StoreError, OSError) as exc:
                if self.connected:
                    log.warning("config store unavailable, serving the last config: %s", exc)
                self.connected = False
            except Exception:  # a bug must not end the feed: the worker would freeze its config
                log.exception("config feed failed")
                self.connected = False
            if self._stopping.wait(RETRY_DELAYS[min(failures, len(RETRY_DELAYS) - 1)]):
                return
            failures += 1

    def _list(self) -> int:
        kvs, revision = self.store.range(self.mirror.prefix)
        with self._lock:
            self.mirror.reset()
            for kv in kvs:
                self.mirror.apply(kv.key, kv.value)
            self._seen_revision = revision
        self._notify()
        return revision

    def _follow(self, revision: int) -> None:
        watch = self.store.watch(self.mirror.prefix, revision + 1)
        self._watch = watch
        try:
            for event in watch:
                with self._lock:
                    changed = self.mirror.apply(
                        event.key, event.value if event.type == "put" else None
                    )
                    self._seen_revision = max(self._seen_revision, event.revision)
                if changed:
                    self._notify()
                elif self._pending is None:  # nothing to rebuild: already up to date
                    self.revision = self._seen_revision
                if self._stopping.is_set():
                    return
        finally:
            self._watch = None
            watch.cancel()
        if not self._stopping.is_set():
            raise StoreError("the watch ended")

    def _notify(self) -> None:
        try:
            self.loop.call_soon_threadsafe(self._schedule)
        except RuntimeError:  # the loop is closed: the worker is stopping
            self._stopping.set()

    # --- event loop -----------------------------------------------------------------------
    def _schedule(self) -> None:
        if self._pending is None:
            self._pending = self.loop.call_later(DEBOUNCE, self._rebuild)

    def _rebuild(self) -> None:
        self._pending = None
        with self._lock:
            objects, credentials = self.mirror.copy()
            revision = self._seen_revision
        try:
            self.on_change(objects, credentials)
        except Exception:
            log.exception("building the data plane config failed; keeping the previous one")
        self.revision = revision
        self.loaded.set()
