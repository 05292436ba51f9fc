"""The memory store made durable: a write-ahead log plus periodic snapshots in a directory.

Every mutation is appended to `wal.log` and fsynced before it is applied and acknowledged,
so neither a restart nor `kill -9` loses an acknowledged write. A log record is
`[length: u32][crc32: u32][JSON]`; a torn final record (a crash mid-append) is dropped on
open. A commit of several writes is one record, so it survives a crash whole or not at all. Every `snapshot_every` records the whole state goes to `snapshot.json` (written to a
temporary file, fsynced, atomically renamed) and the log is truncated; records a snapshot
already covers are skipped on replay, so a crash between the two steps is harmless.
Expiry times are stored as absolute times, so a key's TTL keeps running while the store is
closed.

The files hold secrets (vault tokens, password hashes): the directory is made 0700 and every
file in it 0600, whatever the umask, and those of an older store are tightened on open.
"""

from __future__ import annotations

import fcntl
import json
import os
import struct
import zlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .. import strict_json
from .base import KeyValue, Op, StoreError
from .memory import HISTORY, HISTORY_BYTES, MemoryStore

LOG_NAME = "wal.log"
SNAPSHOT_NAME = "snapshot.json"
LOCK_NAME = "LOCK"
SNAPSHOT_EVERY = 10_000
DIR_MODE = 0o700
FILE_MODE = 0o600
_HEADER = struct.Struct(">II")  # payload length, crc32 of the payload


class PersistentMemoryStore(MemoryStore):
    def __init__(
        self,
        data_dir: str | os.PathLike[str],
        *,
        snapshot_every: int = SNAPSHOT_EVERY,
        history: int = HISTORY,
        history_bytes: int = HISTORY_BYTES,
    ) -> None:
        super().__init__(history=history, history_bytes=history_bytes)
        self._dir = Path(data_dir)
        self._snapshot_every = snapshot_every
        try:
            self._dir.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
            _restrict(self._dir, DIR_MODE)
            lock_fd = os.open(self._dir / LOCK_NAME, os.O_WRONLY | os.O_CREAT, FILE_MODE)
            self._dir_lock = os.fdopen(lock_fd, "a")  # held while the store is open
            os.fchmod(lock_fd, FILE_MODE)
            for name in (LOG_NAME, SNAPSHOT_NAME):
                if (self._dir / name).exists():
                    _restrict(self._dir / name, FILE_MODE)
        except OSError as exc:
            raise StoreError(f"can't use data dir {self._dir}: {exc.strerror}") from None
        try:
            fcntl.flock(self._dir_lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            self._dir_lock.close()
            raise StoreError(f"data dir {self._dir} is in use by another process") from None
        self._log_fd = -1
        try:
            with self._lock:  # the TTL reaper must not log before the replay is done
                self._load_snapshot()
                self._records_since_snapshot, self._log_size = self._replay_log()
                self._log_fd = os.open(
                    self._dir / LOG_NAME, os.O_WRONLY | os.O_CREAT | os.O_APPEND, FILE_MODE
                )
                _fsync_dir(self._dir)
        except BaseException:
            self._dir_lock.close()
            raise

    # -- writing ---------------------------------------------------------------------------

    def _log_write(self, record: dict[str, Any]) -> None:
        if self._log_fd < 0:
            raise StoreError(f"store in {self._dir} is closed or its log is unusable")
        try:
            payload = strict_json.encode(record)
        except (TypeError, ValueError) as exc:
            what = record.get("key", "commit")
            raise StoreError(f"{what}: value is not strict JSON: {exc}") from None
        data = _HEADER.pack(len(payload), zlib.crc32(payload)) + payload
        try:
            _write_all(self._log_fd, data)
            os.fsync(self._log_fd)
        except OSError as exc:
            self._undo_partial_append()
            raise StoreError(f"can't write the store log in {self._dir}: {exc.strerror}") from None
        self._log_size += len(data)
        self._records_since_snapshot += 1

    def _undo_partial_append(self) -> None:
        """Cut the log back to its last complete record, so later appends stay readable."""
        try:
            os.ftruncate(self._log_fd, self._log_size)
            os.fsync(self._log_fd)
        except OSError:
            os.close(self._log_fd)
            self._log_fd = -1  # refuse further writes rather than log after garbage

    def put(
        self,
        key: str,
        value: Any,
        *,
        expect_mod_revision: int | None = None,
        ttl: int | None = None,
    ) -> KeyValue:
        kv = super().put(key, value, expect_mod_revision=expect_mod_revision, ttl=ttl)
        self._maybe_snapshot()
        return kv

    def delete(self, key: str, *, expect_mod_revision: int | None = None) -> KeyValue | None:
        old = super().delete(key, expect_mod_revision=expect_mod_revision)
        self._maybe_snapshot()
        return old

    def commit(self, ops: Sequence[Op]) -> int:
        revision = super().commit(ops)
        self._maybe_snapshot()
        return revision

    def _maybe_snapshot(self) -> None:
        with self._lock:
            if self._records_since_snapshot >= self._snapshot_every and self._log_fd >= 0:
                self._write_snapshot()

    def _write_snapshot(self) -> None:
        """Write the state to the snapshot file atomically, then empty the log (lock held)."""
        state = {
            "revision": self._revision,
            "kvs": [
                [kv.key, kv.value, kv.create_revision, kv.mod_revision, kv.version,
                 self._expiry.get(kv.key)]
                for kv in (self._data[key] for key in self._keys)
            ],
        }  # fmt: skip
        tmp = self._dir / (SNAPSHOT_NAME + ".tmp")
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
            with os.fdopen(fd, "wb") as f:
                os.fchmod(fd, FILE_MODE)  # a temporary file left by a crash may be older
                f.write(strict_json.encode(state))
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self._dir / SNAPSHOT_NAME)
            _fsync_dir(self._dir)
            os.ftruncate(self._log_fd, 0)
            os.fsync(self._log_fd)
        except OSError as exc:
            raise StoreError(f"can't write a snapshot in {self._dir}: {exc.strerror}") from None
        self._log_size = 0
        self._records_since_snapshot = 0

    # -- reading on open -------------------------------------------------------------------

    def _load_snapshot(self) -> None:
        path = self._dir / SNAPSHOT_NAME
        try:
            state = json.loads(path.read_bytes())
        except FileNotFoundError:
            return
        except (OSError, ValueError) as exc:
            raise StoreError(f"can't read the store snapshot {path}: {exc}") from None
        for key, value, create_revision, mod_revision, version, expires_at in state["kvs"]:
            kv = KeyValue(key, _as_stored(value), create_revision, mod_revision, version)
            self._restore(kv, expires_at)
        self._revision = state["revision"]

    def _replay_log(self) -> tuple[int, int]:
        """Apply the log's records newer than the snapshot; returns (records, valid bytes)."""
        path = self._dir / LOG_NAME
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return 0, 0
        except OSError as exc:
            raise StoreError(f"can't read the store log {path}: {exc.strerror}") from None
        pos = records = 0
        while pos < len(data):
            payload = _record_at(data, pos)
            if payload is None:
                if not _is_torn_tail(data, pos):
                    raise StoreError(f"store log {path} is corrupt at byte {pos}")
                break
            record = json.loads(payload)
            pos += _HEADER.size + len(payload)
            records += 1
            if record["rev"] <= self._revision:
                continue  # already in the snapshot
            for write in record["records"] if record["op"] == "commit" else [record]:
                self._replay(write)
        if pos < len(data):
            self._truncate_torn_tail(path, pos)
        return records, pos

    def _replay(self, record: dict[str, Any]) -> None:
        if record["op"] == "put":
            self._apply_put(
                record["key"],
                _as_stored(record["value"]),
                expires_at=record["expires"],
                revision=record["rev"],
            )
        elif record["key"] in self._data:
            self._apply_delete(record["key"], revision=record["rev"])

    def _truncate_torn_tail(self, path: Path, size: int) -> None:
        try:
            with open(path, "r+b") as f:
                f.truncate(size)
                os.fsync(f.fileno())
        except OSError as exc:
            raise StoreError(f"can't repair the store log {path}: {exc.strerror}") from None

    def close(self) -> None:
        with self._lock:
            if self._log_fd >= 0:
                if self._records_since_snapshot:
                    self._write_snapshot()
                os.close(self._log_fd)
                self._log_fd = -1
        super().close()
        self._dir_lock.close()


def _as_stored(value: Any) -> Any:
    """A value read back from the log or snapshot. Those files are read leniently: one
    written before every value had to be strict JSON may hold NaN, Infinity or a lone
    surrogate, and such a value reads back as its JSON text, as etcd's do."""
    try:
        strict_json.encode(value)
    except ValueError:
        return json.dumps(value, separators=(",", ":"))
    return value


def _record_at(data: bytes, pos: int) -> bytes | None:
    """The payload of the complete, intact record at `pos`, or None."""
    if len(data) - pos < _HEADER.size:
        return None
    length, crc = _HEADER.unpack_from(data, pos)
    start = pos + _HEADER.size
    payload = data[start : start + length]
    if length == 0 or len(payload) < length or zlib.crc32(payload) != crc:
        return None
    return payload


def _is_torn_tail(data: bytes, pos: int) -> bool:
    """Whether the bad record at `pos` is the last one: an append cut short by a crash."""
    if len(data) - pos < _HEADER.size or not any(data[pos:]):
        return True
    length, _ = _HEADER.unpack_from(data, pos)
    return pos + _HEADER.size + length >= len(data)


def _restrict(path: Path, mode: int) -> None:
    """Take away what `mode` does not grant (a file or directory made before, by hand or by
    an older version)."""
    if os.stat(path).st_mode & 0o777 & ~mode:
        os.chmod(path, mode)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
