"""Per-worker metric series in memory-mapped files, summed by the exporter.

Each worker is the only writer of its own file: a header (magic, series count), a region of
series names (`name{label="v",...}` as in the Prometheus text format, each prefixed by its
length), and an array of float64 values. A new series is written before the count that
publishes it, so a reader never sees a half-written name.
"""

from __future__ import annotations

import glob
import mmap
import os
import struct
from collections.abc import Iterable

_MAGIC = b"GWMETR01"
_HEADER = struct.Struct("<8sII")  # magic, series count, bytes of names used
_NAMES_OFFSET = _HEADER.size
_NAMES_SIZE = 4 * 1024 * 1024
_MAX_SERIES = 65536
_VALUES_OFFSET = _NAMES_OFFSET + _NAMES_SIZE
_FILE_SIZE = _VALUES_OFFSET + 8 * _MAX_SERIES
_LENGTH = struct.Struct("<H")
_VALUE = struct.Struct("<d")


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def series_key(name: str, labels: Iterable[tuple[str, str]] = ()) -> str:
    """`name{a="1",b="2"}` with label values escaped as the text format requires."""
    body = ",".join(f'{k}="{_escape(str(v))}"' for k, v in labels)
    return f"{name}{{{body}}}" if body else name


class MetricsRecorder:
    """This worker's series; in memory only when `path` is None."""

    def __init__(self, path: str | None) -> None:
        self._index: dict[str, int] = {}
        self._values: dict[str, float] = {}
        self._map: mmap.mmap | None = None
        self._names_used = 0
        if path is not None:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o600)
            try:
                os.ftruncate(fd, _FILE_SIZE)
                self._map = mmap.mmap(fd, _FILE_SIZE)
            finally:
                os.close(fd)
            _HEADER.pack_into(self._map, 0, _MAGIC, 0, 0)

    def close(self) -> None:
        if self._map is not None:
            self._map.close()
            self._map = None

    def _slot(self, series: str) -> int | None:
        index = self._index.get(series)
        if index is not None or self._map is None:
            return index
        encoded = series.encode()
        needed = _LENGTH.size + len(encoded)
        if len(self._index) >= _MAX_SERIES or self._names_used + needed > _NAMES_SIZE:
            return None  # full: the series stays in this process only
        index = len(self._index)
        offset = _NAMES_OFFSET + self._names_used
        _LENGTH.pack_into(self._map, offset, len(encoded))
        self._map[offset + _LENGTH.size : offset + needed] = encoded
        _VALUE.pack_into(self._map, _VALUES_OFFSET + 8 * index, 0.0)
        self._names_used += needed
        self._index[series] = index
        _HEADER.pack_into(self._map, 0, _MAGIC, len(self._index), self._names_used)
        return index

    def inc(self, series: str, amount: float = 1.0) -> None:
        value = self._values.get(series, 0.0) + amount
        self._values[series] = value
        if self._map is None:
            return
        slot = self._index.get(series)
        if slot is None:
            slot = self._slot(series)
        if slot is not None:
            _VALUE.pack_into(self._map, _VALUES_OFFSET + 8 * slot, value)

    def set(self, series: str, value: float) -> None:
        self._values[series] = value
        slot = self._slot(series)
        if slot is not None and self._map is not None:
            _VALUE.pack_into(self._map, _VALUES_OFFSET + 8 * slot, value)

    def snapshot(self) -> dict[str, float]:
        return dict(self._values)


def read_metrics_file(path: str) -> dict[str, float]:
    with open(path, "rb") as handle:
        data = handle.read()
    if len(data) < _FILE_SIZE:
        return {}
    magic, count, _ = _HEADER.unpack_from(data, 0)
    if magic != _MAGIC:
        return {}
    series: dict[str, float] = {}
    offset = _NAMES_OFFSET
    for index in range(count):
        (length,) = _LENGTH.unpack_from(data, offset)
        name = data[offset + _LENGTH.size : offset + _LENGTH.size + length].decode()
        offset += _LENGTH.size + length
        (series[name],) = _VALUE.unpack_from(data, _VALUES_OFFSET + 8 * index)
    return series


def read_metrics_directory(directory: str) -> dict[str, float]:
    """Every worker's series in `directory`, summed by series."""
    total: dict[str, float] = {}
    for path in sorted(glob.glob(os.path.join(directory, "metrics-*.shm"))):
        for name, value in read_metrics_file(path).items():
            total[name] = total.get(name, 0.0) + value
    return total
