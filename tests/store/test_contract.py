"""The store contract (etcd v3 semantics), run against every backend.

`writable` backends: memory, persistent, etcd. `readable` adds the remote store, which
reads and watches another process's store; there the test writes through `writer`.
"""

from __future__ import annotations

import random
import threading
import time

import pytest

from reference_impl.store import Compacted, Delete, Event, Put, RevisionConflict, StoreError

from .background import Collector


def test_revision_increases_by_one_per_write(writable, prefix):
    store = writable.writer
    start = store.revision
    assert store.put(f"{prefix}/a", 1).mod_revision == start + 1
    assert store.put(f"{prefix}/b", 2).mod_revision == start + 2
    assert store.put(f"{prefix}/a", 3).mod_revision == start + 3
    store.delete(f"{prefix}/b")
    assert store.revision == start + 4
    assert store.delete(f"{prefix}/missing") is None
    assert store.revision == start + 4, "deleting nothing is not a write"


def test_create_and_mod_revision_and_version(writable, prefix):
    store, key = writable.writer, f"{prefix}/routes/1"
    first = store.put(key, {"uri": "/a"})
    assert (first.create_revision, first.version) == (first.mod_revision, 1)
    second = store.put(key, {"uri": "/b"})
    assert second.create_revision == first.create_revision
    assert second.mod_revision == first.mod_revision + 1
    assert second.version == 2
    assert store.get(key) == second
    store.delete(key)
    again = store.put(key, {"uri": "/c"})
    assert again.create_revision == again.mod_revision > second.mod_revision
    assert again.version == 1


def test_values_round_trip_as_json(writable, prefix):
    value = {"uri": "/ü", "nested": {"list": [1, 2.5, None, True]}, "empty": {}}
    writable.writer.put(f"{prefix}/v", value)
    assert writable.writer.get(f"{prefix}/v").value == value


def test_create_only_put_conflicts_when_the_key_exists(writable, prefix):
    store, key = writable.writer, f"{prefix}/routes/1"
    created = store.put(key, "first", expect_mod_revision=0)
    with pytest.raises(RevisionConflict) as info:
        store.put(key, "second", expect_mod_revision=0)
    assert (info.value.expected, info.value.actual) == (0, created.mod_revision)
    assert store.get(key).value == "first"


def test_compare_and_swap_on_mod_revision(writable, prefix):
    store, key = writable.writer, f"{prefix}/routes/1"
    first = store.put(key, 1)
    second = store.put(key, 2, expect_mod_revision=first.mod_revision)
    assert second.value == 2
    with pytest.raises(RevisionConflict) as info:
        store.put(key, 3, expect_mod_revision=first.mod_revision)
    assert info.value.actual == second.mod_revision
    with pytest.raises(RevisionConflict):
        store.delete(key, expect_mod_revision=first.mod_revision)
    with pytest.raises(RevisionConflict):
        store.put(f"{prefix}/routes/absent", 1, expect_mod_revision=second.mod_revision)
    assert store.get(key).value == 2
    assert store.delete(key, expect_mod_revision=second.mod_revision).value == 2
    assert store.get(key) is None


def test_delete_returns_the_previous_value(writable, prefix):
    store, key = writable.writer, f"{prefix}/upstreams/1"
    written = store.put(key, {"type": "roundrobin"})
    old = store.delete(key)
    assert old.value == {"type": "roundrobin"}
    assert old.mod_revision == written.mod_revision
    assert store.delete(key) is None


def test_concurrent_compare_and_swap_increments_lose_no_update(writable, prefix):
    store, key = writable.writer, f"{prefix}/counter"
    store.put(key, 0)
    threads, increments = 4, 10

    def increment() -> None:
        for _ in range(increments):
            for _attempt in range(500):
                current = store.get(key)
                try:
                    store.put(key, current.value + 1, expect_mod_revision=current.mod_revision)
                    break
                except RevisionConflict:
                    continue
            else:
                raise AssertionError("no increment got through in 500 attempts")

    workers = [threading.Thread(target=increment) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    final = store.get(key)
    assert final.value == threads * increments
    assert final.version == threads * increments + 1


def test_commit_applies_every_write_together(writable, prefix):
    store = writable.writer
    old = store.put(f"{prefix}/old", "gone soon")
    start = store.revision
    collector = Collector(store.watch(f"{prefix}/", start + 1))
    try:
        revision = store.commit(
            [
                Put(f"{prefix}/users/1", {"name": "ann"}, expect_mod_revision=0),
                Put(f"{prefix}/names/ann", "1", expect_mod_revision=0),
                Delete(f"{prefix}/old", expect_mod_revision=old.mod_revision),
            ]
        )
        events = collector.wait_for(3)
    finally:
        collector.watch.cancel()
    assert revision == store.revision > start
    assert store.get(f"{prefix}/users/1").value == {"name": "ann"}
    assert store.get(f"{prefix}/names/ann").value == "1"
    assert store.get(f"{prefix}/old") is None
    assert [(e.type, e.key) for e in events] == [
        ("put", f"{prefix}/users/1"),
        ("put", f"{prefix}/names/ann"),
        ("delete", f"{prefix}/old"),
    ]
    assert all(start < e.revision <= revision for e in events)


def test_commit_with_one_failed_expectation_writes_nothing(writable, prefix):
    store = writable.writer
    taken = store.put(f"{prefix}/names/ann", "1")
    start = store.revision
    with pytest.raises(RevisionConflict) as info:
        store.commit(
            [
                Put(f"{prefix}/users/2", {"name": "ann"}, expect_mod_revision=0),
                Put(f"{prefix}/names/ann", "2", expect_mod_revision=0),
            ]
        )
    assert (info.value.key, info.value.expected) == (f"{prefix}/names/ann", 0)
    assert info.value.actual == taken.mod_revision
    assert store.get(f"{prefix}/users/2") is None
    assert store.get(f"{prefix}/names/ann").value == "1"
    assert store.revision == start


def test_commit_refuses_a_key_twice_and_a_value_that_is_not_json(writable, prefix):
    store = writable.writer
    start = store.revision
    with pytest.raises(StoreError, match="once"):
        store.commit([Put(f"{prefix}/a", 1), Delete(f"{prefix}/a")])
    with pytest.raises(StoreError, match="strict JSON"):
        store.commit([Put(f"{prefix}/a", 1), Put(f"{prefix}/b", float("nan"))])
    assert store.get(f"{prefix}/a") is None
    assert store.revision == start


def test_racing_commits_for_one_name_have_one_winner(writable, prefix):
    """What keeps a name unique across processes: its index key is created only if absent,
    in the same commit as the object."""
    store, rounds, racers = writable.writer, 10, 4

    def claim(round_: int, racer: int, barrier: threading.Barrier, winners: list[int]) -> None:
        barrier.wait()
        try:
            store.commit(
                [
                    Put(f"{prefix}/users/{round_}-{racer}", {"name": f"n{round_}"}),
                    Put(f"{prefix}/names/n{round_}", racer, expect_mod_revision=0),
                ]
            )
        except RevisionConflict:
            return
        winners.append(racer)

    for round_ in range(rounds):
        winners: list[int] = []
        barrier = threading.Barrier(racers)
        threads = [
            threading.Thread(target=claim, args=(round_, racer, barrier, winners))
            for racer in range(racers)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert len(winners) == 1, f"round {round_}: {len(winners)} commits claimed the name"
        users = store.range(f"{prefix}/users/{round_}-")[0]
        assert [kv.key for kv in users] == [f"{prefix}/users/{round_}-{winners[0]}"]
        assert store.get(f"{prefix}/names/n{round_}").value == winners[0]


def test_ttl_expiry_deletes_the_key_and_notifies_watchers(writable, prefix):
    store = writable.writer
    expiring, kept = f"{prefix}/expiring", f"{prefix}/kept"
    store.put(kept, "with ttl", ttl=1)
    store.put(kept, "rewritten without ttl")  # detaches the key from its expiry
    written = store.put(expiring, "soon gone", ttl=1)
    collector = Collector(store.watch(prefix, written.mod_revision + 1))
    try:
        (event,) = collector.wait_for(1, timeout=8)
    finally:
        collector.stop()
    assert (event.type, event.key) == ("delete", expiring)
    assert store.get(expiring) is None
    assert store.get(kept).value == "rewritten without ttl"


def test_ttl_must_be_positive(writable, prefix):
    with pytest.raises(StoreError):
        writable.writer.put(f"{prefix}/k", 1, ttl=0)
    assert writable.writer.get(f"{prefix}/k") is None


def test_range_is_sorted_and_isolated_by_prefix(readable, prefix):
    keys = [f"{prefix}/apisix/routes/{i}" for i in ("2", "10", "1")]
    others = [f"{prefix}/apisix/routes10", f"{prefix}/apisix/routes", f"{prefix}/apisix/service/1"]
    for key in random.sample(keys + others, len(keys + others)):
        written = readable.writer.put(key, {"id": key})
    kvs, revision = readable.reader.range(f"{prefix}/apisix/routes/")
    assert [kv.key for kv in kvs] == sorted(keys)
    assert [kv.value for kv in kvs] == [{"id": key} for key in sorted(keys)]
    assert revision >= written.mod_revision
    assert readable.reader.revision >= revision
    kvs, _ = readable.reader.range(f"{prefix}/apisix/routes")
    assert [kv.key for kv in kvs] == sorted([*keys, others[0], others[1]])
    assert readable.reader.range(f"{prefix}/nothing/")[0] == []


def test_get_returns_the_key_or_none(readable, prefix):
    written = readable.writer.put(f"{prefix}/consumers/jack", {"username": "jack"})
    assert readable.reader.get(f"{prefix}/consumers/jack") == written
    assert readable.reader.get(f"{prefix}/consumers/jac") is None
    assert readable.reader.get(f"{prefix}/consumers/jack/credentials") is None


def test_watch_replays_history_then_follows_live_writes(readable, prefix):
    writer = readable.writer
    first = writer.put(f"{prefix}/routes/1", {"v": 1})
    writer.put(f"{prefix}/routes/2", {"v": 2})
    writer.put(f"{prefix}/routes/1", {"v": 3})
    collector = Collector(readable.reader.watch(prefix, first.mod_revision + 1))
    try:
        past = collector.wait_for(2)
        live = writer.put(f"{prefix}/routes/3", {"v": 4})
        events = collector.wait_for(3)
    finally:
        collector.stop()
    revision = first.mod_revision
    assert past == [
        Event("put", f"{prefix}/routes/2", {"v": 2}, revision + 1, revision + 1),
        Event("put", f"{prefix}/routes/1", {"v": 3}, revision + 2, revision),
    ]
    assert events[2] == Event(
        "put", f"{prefix}/routes/3", {"v": 4}, live.mod_revision, live.mod_revision
    )
    assert len(collector.events) == 3


def test_watch_reports_deletes_and_only_its_prefix(readable, prefix):
    writer = readable.writer
    start = writer.put(f"{prefix}/routes/1", 1).mod_revision + 1
    collector = Collector(readable.reader.watch(f"{prefix}/routes/", start))
    try:
        writer.put(f"{prefix}/routes10", "not under the prefix")
        writer.put(f"{prefix}/services/1", "nor this")
        writer.delete(f"{prefix}/routes/1")
        delete_revision = writer.revision
        writer.put(f"{prefix}/routes/2", 2)
        events = collector.wait_for(2)
    finally:
        collector.stop()
    assert events[0] == Event("delete", f"{prefix}/routes/1", None, delete_revision)
    assert (events[1].type, events[1].key, events[1].value) == ("put", f"{prefix}/routes/2", 2)
    assert len(collector.events) == 2


def test_watch_cancel_ends_iteration_promptly(readable, prefix):
    collector = Collector(readable.reader.watch(prefix, readable.reader.revision + 1))
    time.sleep(0.2)  # let the collector block waiting for events
    assert collector.running
    started = time.monotonic()
    collector.watch.cancel()
    collector.wait_ended(timeout=3)
    assert time.monotonic() - started < 3
    assert collector.error is None
    assert collector.events == []


def test_watch_from_a_compacted_revision_raises(readable, prefix):
    writer = readable.writer
    old = writer.put(f"{prefix}/routes/1", 1)
    writer.put(f"{prefix}/routes/1", 2)
    readable.forget_history()
    with pytest.raises(Compacted) as info:
        for _event in readable.reader.watch(prefix, old.mod_revision):
            pass
    assert info.value.compact_revision >= old.mod_revision
    # after re-listing, a watch from the listed revision works again
    _, revision = readable.reader.range(prefix)
    collector = Collector(readable.reader.watch(prefix, revision + 1))
    try:
        writer.put(f"{prefix}/routes/2", 3)
        (event,) = collector.wait_for(1)
    finally:
        collector.stop()
    assert event.key == f"{prefix}/routes/2"
