"""The persistent store's files hold vault tokens and password hashes: its directory is 0700
and every file in it 0600, whatever the umask, and an older store's are tightened on open."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from reference_impl.store.persistent import LOG_NAME, SNAPSHOT_NAME, PersistentMemoryStore

SECRET = {"uri": "http://127.0.0.1:8200", "prefix": "kv", "token": "hvs.secret-vault-token"}


def _modes(data_dir: Path) -> dict[str, str]:
    modes = {".": oct(stat.S_IMODE(data_dir.stat().st_mode))}
    for path in sorted(data_dir.iterdir()):
        modes[path.name] = oct(stat.S_IMODE(path.stat().st_mode))
    return modes


@pytest.fixture
def lax_umask():
    """A umask that takes nothing away: the modes are the store's own choice."""
    old = os.umask(0)
    try:
        yield
    finally:
        os.umask(old)


def test_data_dir_0700_and_every_file_0600(tmp_path, lax_umask) -> None:
    data_dir = tmp_path / "data"
    store = PersistentMemoryStore(data_dir, snapshot_every=2)
    store.put("/apisix/secrets/vault/1", SECRET)
    store.put("/apisix/secrets/vault/2", SECRET)  # the second write takes a snapshot
    store.put("/apisix/secrets/vault/3", SECRET)  # and this one is in the log after it
    modes = _modes(data_dir)
    store.close()
    assert {LOG_NAME, SNAPSHOT_NAME} <= set(modes)
    assert modes == {".": "0o700", **{name: "0o600" for name in modes if name != "."}}, modes
    assert _modes(data_dir) == modes  # closing (a last snapshot) keeps them
    print(f"persistent store under umask 000: {modes}")


def test_an_older_stores_files_are_tightened_on_open(tmp_path, lax_umask) -> None:
    data_dir = tmp_path / "data"
    store = PersistentMemoryStore(data_dir, snapshot_every=1)
    store.put("/apisix/secrets/vault/1", SECRET)
    store.put("/apisix/secrets/vault/2", SECRET)
    store.close()
    # as an older version left them (os.open's default mode, open()'s)
    os.chmod(data_dir, 0o755)
    for name, mode in ((LOG_NAME, 0o755), (SNAPSHOT_NAME, 0o644), ("LOCK", 0o644)):
        os.chmod(data_dir / name, mode)
    (data_dir / (SNAPSHOT_NAME + ".tmp")).write_text("{}")  # a crash mid-snapshot
    os.chmod(data_dir / (SNAPSHOT_NAME + ".tmp"), 0o644)

    store = PersistentMemoryStore(data_dir, snapshot_every=1)
    try:
        assert store.get("/apisix/secrets/vault/2").value == SECRET
        store.put("/apisix/secrets/vault/3", SECRET)  # writes the snapshot again
        modes = _modes(data_dir)
    finally:
        store.close()
    assert modes == {".": "0o700", **{name: "0o600" for name in modes if name != "."}}, modes
    print(f"older store reopened: {modes}")
