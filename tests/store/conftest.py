"""Store backends under test: every contract test runs against each of them."""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest

from reference_impl.store import MemoryStore, Store
from reference_impl.store.etcd import EtcdStore
from reference_impl.store.http_api import start_store_api
from reference_impl.store.persistent import PersistentMemoryStore
from reference_impl.store.remote import RemoteStore

from .background import run_in

HISTORY = 32  # small, so tests can push old revisions out of a memory store's history


@dataclass
class Backend:
    name: str
    writer: Store  # where the test writes
    reader: Store  # what the test reads and watches (the writer, or a RemoteStore on it)
    forget_history: Callable[[], None]  # make revisions up to now unavailable to watches


@pytest.fixture(scope="session")
def event_loop_thread() -> Iterator[asyncio.AbstractEventLoop]:
    """An asyncio loop in a thread, where store APIs run as they do in the control process."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="test-loop", daemon=True)
    thread.start()
    yield loop
    loop.call_soon_threadsafe(loop.stop)
    thread.join(timeout=5)
    loop.close()


@pytest.fixture
def prefix() -> str:
    """A key prefix of this test's own, so tests sharing one etcd do not see each other."""
    return f"/t-{uuid.uuid4().hex[:8]}"


def _memory_forgetting(store: MemoryStore) -> Callable[[], None]:
    def forget() -> None:
        for i in range(HISTORY):
            store.put("/filler", i)

    return forget


def _open_backend(name: str, request: pytest.FixtureRequest, tmp_path) -> Iterator[Backend]:
    if name == "memory":
        store = MemoryStore(history=HISTORY)
        yield Backend(name, store, store, _memory_forgetting(store))
        store.close()
    elif name == "persistent":
        store = PersistentMemoryStore(tmp_path / "data", history=HISTORY)
        yield Backend(name, store, store, _memory_forgetting(store))
        store.close()
    elif name == "etcd":
        server = request.getfixturevalue("shared_etcd")
        store = EtcdStore([server.client_url], timeout=5)
        yield Backend(name, store, store, lambda: store.compact(store.revision))
        store.close()
    elif name == "remote":
        loop = request.getfixturevalue("event_loop_thread")
        store = MemoryStore(history=HISTORY)
        api = run_in(loop, start_store_api(store, heartbeat=0.5))
        remote = RemoteStore(api.url, api.token, timeout=5)
        yield Backend(name, store, remote, _memory_forgetting(store))
        remote.close()
        run_in(loop, api.stop())
        store.close()
    else:
        raise ValueError(name)


@pytest.fixture(params=["memory", "persistent", "etcd"])
def writable(request: pytest.FixtureRequest, tmp_path) -> Iterator[Backend]:
    """Backends with the whole contract."""
    yield from _open_backend(request.param, request, tmp_path)


@pytest.fixture(params=["memory", "persistent", "etcd", "remote"])
def readable(request: pytest.FixtureRequest, tmp_path) -> Iterator[Backend]:
    """Backends with the read half of the contract (the remote store is read-only)."""
    yield from _open_backend(request.param, request, tmp_path)
