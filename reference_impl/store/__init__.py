"""Config stores: one contract (`base.Store`), several backends."""

from .base import (
    Compacted,
    Delete,
    Event,
    KeyValue,
    Op,
    Put,
    RevisionConflict,
    Store,
    StoreError,
    StoreUnavailable,
    Watch,
)
from .memory import MemoryStore

__all__ = [
    "Compacted",
    "Delete",
    "Event",
    "KeyValue",
    "MemoryStore",
    "Op",
    "Put",
    "RevisionConflict",
    "Store",
    "StoreError",
    "StoreUnavailable",
    "Watch",
    "open_store",
]


def open_store(config) -> Store:
    """The backend the config names: memory (optionally persisted) or a real etcd."""
    if config.store == "etcd":
        from .etcd import EtcdStore

        return EtcdStore(config.etcd_hosts, timeout=config.etcd_timeout)
    if config.data_dir:
        from .persistent import PersistentMemoryStore

        return PersistentMemoryStore(config.data_dir)
    return MemoryStore()
