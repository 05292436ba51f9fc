"""`open_store(config)` picks the backend the gateway's configuration names."""

from __future__ import annotations

from reference_impl.config import build_config
from reference_impl.store import MemoryStore, open_store
from reference_impl.store.etcd import EtcdStore
from reference_impl.store.persistent import PersistentMemoryStore


def test_memory_by_default():
    store = open_store(build_config({}))
    assert type(store) is MemoryStore
    store.close()


def test_memory_persisted_in_the_data_dir(tmp_path):
    config = build_config({"gwconform": {"data_dir": str(tmp_path)}})
    store = open_store(config)
    assert isinstance(store, PersistentMemoryStore)
    store.put("/apisix/routes/1", 1)
    store.close()
    again = open_store(config)
    assert again.get("/apisix/routes/1").value == 1
    again.close()


def test_etcd_with_the_configured_hosts(shared_etcd):
    config = build_config(
        {"gwconform": {"store": "etcd"}, "deployment": {"etcd": {"host": [shared_etcd.client_url]}}}
    )
    store = open_store(config)
    assert isinstance(store, EtcdStore)
    store.put("/open-store/k", 1)
    assert store.get("/open-store/k").value == 1
    store.close()
