"""The read half of a store owned by another process, through its store API (`http_api`).

Data plane workers range and watch the control process's store with it. Writes raise
`StoreError("read-only")`. When the control process is unreachable, or a watch stream ends
without the store saying why (the process went away), calls raise `StoreUnavailable`: the
worker keeps its last configuration and retries.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator, Sequence
from typing import Any

import httpx

from .. import strict_json
from .base import (
    Compacted,
    Event,
    KeyValue,
    Op,
    Store,
    StoreError,
    StoreUnavailable,
    Watch,
)
from .http_api import HEARTBEAT

# A watch stream silent for this long (no event, no heartbeat) belongs to a dead peer.
WATCH_SILENCE_LIMIT = 3 * HEARTBEAT


class RemoteStore(Store):
    def __init__(
        self,
        url: str,
        token: str,
        *,
        timeout: float = 10.0,
        silence_limit: float = WATCH_SILENCE_LIMIT,
    ) -> None:
        self._url = url.rstrip("/")
        self._headers = {"Authorization": f"Bearer {token}"}
        self._timeout = timeout
        self._silence_limit = silence_limit
        self._client = httpx.Client(base_url=self._url, headers=self._headers, timeout=timeout)

    def _get(self, path: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        try:
            response = self._client.get(path, params=params)
        except httpx.HTTPError as exc:
            raise StoreUnavailable(
                f"store API at {self._url} unreachable: {_reason(exc)}"
            ) from None
        return _json_or_raise(response)

    @property
    def revision(self) -> int:
        return int(self._get("/revision")["revision"])

    def get(self, key: str) -> KeyValue | None:
        kv = self._get("/get", {"key": key})["kv"]
        return None if kv is None else KeyValue(**kv)

    def range(self, prefix: str) -> tuple[list[KeyValue], int]:
        body = self._get("/range", {"prefix": prefix})
        return [KeyValue(**kv) for kv in body["kvs"]], int(body["revision"])

    def put(
        self,
        key: str,
        value: Any,
        *,
        expect_mod_revision: int | None = None,
        ttl: int | None = None,
    ) -> KeyValue:
        raise StoreError("read-only")

    def delete(self, key: str, *, expect_mod_revision: int | None = None) -> KeyValue | None:
        raise StoreError("read-only")

    def commit(self, ops: Sequence[Op]) -> int:
        raise StoreError("read-only")

    def watch(self, prefix: str, start_revision: int) -> Watch:
        return _RemoteWatch(self, prefix, start_revision)

    def close(self) -> None:
        self._client.close()


class _RemoteWatch(Watch):
    def __init__(self, store: RemoteStore, prefix: str, start_revision: int) -> None:
        self._cancelled = threading.Event()
        self._url = store._url
        timeout = httpx.Timeout(store._timeout, read=store._silence_limit)
        request = store._client.build_request(
            "GET",
            "/watch",
            params={"prefix": prefix, "start_revision": start_revision},
            timeout=timeout,
        )
        try:
            self._response = store._client.send(request, stream=True)
        except httpx.HTTPError as exc:
            raise StoreUnavailable(
                f"store API at {self._url} unreachable: {_reason(exc)}"
            ) from None
        if self._response.status_code != 200:
            self._response.read()
            self._response.close()
            _json_or_raise(self._response)

    def __iter__(self) -> Iterator[Event]:
        try:
            for line in self._response.iter_lines():
                if self._cancelled.is_set():
                    return
                if line:
                    event = _event(strict_json.loads(line))
                    if event is not None:
                        yield event
        except (httpx.HTTPError, OSError, ValueError) as exc:
            if self._cancelled.is_set():
                return
            raise StoreUnavailable(f"watch on {self._url} broke off: {_reason(exc)}") from None
        finally:
            self._response.close()
        if not self._cancelled.is_set():
            raise StoreUnavailable(f"watch on {self._url} ended: the store API went away")

    def cancel(self) -> None:
        self._cancelled.set()
        stream = self._response.extensions.get("network_stream")
        sock = stream.get_extra_info("socket") if stream is not None else None
        if isinstance(sock, socket.socket):
            with contextlib.suppress(OSError):  # wakes the thread blocked reading the stream
                sock.shutdown(socket.SHUT_RDWR)


def _event(line: dict[str, Any]) -> Event | None:
    kind = line["type"]
    if kind == "put":
        return Event("put", line["key"], line["value"], line["revision"], line["create_revision"])
    if kind == "delete":
        return Event("delete", line["key"], None, line["revision"])
    if kind == "compacted":
        raise Compacted(line["compact_revision"])
    if kind == "unavailable":
        raise StoreUnavailable(line["error_msg"])
    return None  # heartbeat


def _json_or_raise(response: httpx.Response) -> dict[str, Any]:
    try:
        body = strict_json.loads(response.content)
    except (ValueError, RecursionError):
        body = {}
    if response.status_code == 200:
        return body
    message = body.get("error_msg") if isinstance(body, dict) else None
    message = message or f"store API answered {response.status_code}"
    if response.status_code == 503:
        raise StoreUnavailable(message)
    raise StoreError(message)


def _reason(exc: Exception) -> str:
    return str(exc) or exc.__class__.__name__
