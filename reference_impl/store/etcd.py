"""A real etcd v3 server as the store, through etcd's JSON gRPC gateway (the `etcd3gw` client).

This is the protocol APISIX itself speaks (lua-resty-etcd). Values are stored as strict JSON
(`strict_json`); a stored value that is not strict JSON reads back as its text.
Conditional writes are single transactions: compare the key's MOD revision (or, for
"must not exist", its CREATE revision against 0), put or delete on success, read the key
on failure to report what it holds. With several hosts, a request that cannot connect is
tried on the next one. Connection failures raise `StoreUnavailable`; no `requests` or
`etcd3gw` exception leaves this module.

The watch stream is read here rather than with etcd3gw's `watch_prefix`, whose reader
thread drops compaction notices and stream failures silently (its iterator would block
forever on a dead etcd); it still goes through the client's session and URLs.
"""

from __future__ import annotations

import base64
import json
import socket
import threading
from collections.abc import Callable, Iterator
from typing import Any, TypeVar
from urllib.parse import urlsplit

import etcd3gw
import requests
from etcd3gw import exceptions as etcd_errors
from etcd3gw.types import TxnResponse

from .. import strict_json
from .base import (
    Compacted,
    Event,
    KeyValue,
    RevisionConflict,
    Store,
    StoreError,
    StoreUnavailable,
    Watch,
)

# An idle watch stream is re-established after this many seconds without data, from the
# next revision, so a silently vanished etcd is noticed without losing events.
WATCH_IDLE_RECONNECT = 10.0

T = TypeVar("T")


class EtcdStore(Store):
    def __init__(self, hosts: list[str], timeout: float = 30) -> None:
        if not hosts:
            raise StoreError("the etcd store needs at least one host")
        self._clients = [_client(host, timeout) for host in hosts]
        self._current = 0  # index of the host that answered last
        self._timeout = timeout

    # -- requests with failover -------------------------------------------------------------

    def _call(self, request: Callable[[etcd3gw.Etcd3Client], T]) -> T:
        """Run `request` on the current host, moving on to the next ones if it is unreachable."""
        errors = []
        start = self._current
        for step in range(len(self._clients)):
            index = (start + step) % len(self._clients)
            client = self._clients[index]
            try:
                result = request(client)
            except etcd_errors.ConnectionFailedError:
                errors.append(f"{client.base_url}: can't connect")
                continue
            except etcd_errors.ConnectionTimeoutError:
                errors.append(f"{client.base_url}: timed out")
                continue
            except etcd_errors.Etcd3Exception as exc:
                raise _error_from(exc) from None
            except (requests.RequestException, ValueError) as exc:
                errors.append(f"{client.base_url}: {exc.__class__.__name__}")  # a broken reply
                continue
            self._current = index
            return result
        raise StoreUnavailable("etcd unavailable: " + "; ".join(errors))

    def _post(self, path: str, payload: dict[str, Any]) -> dict[str, Any]:
        return self._call(lambda client: client.post(client.get_url(path), json=payload))

    # -- reads ----------------------------------------------------------------------------

    @property
    def revision(self) -> int:
        # a count-only read of a single key is the cheapest request that returns the header
        result = self._post("/kv/range", {"key": _b64(b"\0"), "count_only": True})
        return int(result["header"]["revision"])

    def get(self, key: str) -> KeyValue | None:
        result = self._post("/kv/range", {"key": _b64(key)})
        kvs = result.get("kvs") or []
        return _kv(kvs[0]) if kvs else None

    def range(self, prefix: str) -> tuple[list[KeyValue], int]:
        start, end = _prefix_range(prefix)
        result = self._post(
            "/kv/range", {"key": _b64(start), "range_end": _b64(end), "sort_order": 1}
        )
        kvs = [_kv(item) for item in result.get("kvs") or []]
        return kvs, int(result["header"]["revision"])

    # -- writes ---------------------------------------------------------------------------

    def put(
        self,
        key: str,
        value: Any,
        *,
        expect_mod_revision: int | None = None,
        ttl: int | None = None,
    ) -> KeyValue:
        try:
            encoded = strict_json.encode(value)
        except (TypeError, ValueError) as exc:
            raise StoreError(f"{key}: value is not strict JSON: {exc}") from None
        request_put: dict[str, Any] = {"key": _b64(key), "value": _b64(encoded), "prev_kv": True}
        if ttl is not None:
            if not ttl > 0:
                raise StoreError(f"{key}: ttl must be a positive number of seconds, got {ttl!r}")
            # etcd leases count whole seconds; round up so a key never expires early
            seconds = int(-(-ttl // 1))
            lease = self._post("/lease/grant", {"TTL": seconds, "ID": 0})
            request_put["lease"] = lease["ID"]
        result = self._txn(key, expect_mod_revision, {"request_put": request_put})
        revision = int(result["header"]["revision"])
        prev = result["responses"][0]["response_put"].get("prev_kv")
        if prev is None:
            return KeyValue(key, value, revision, revision, 1)
        return KeyValue(
            key, value, int(prev["create_revision"]), revision, int(prev["version"]) + 1
        )

    def delete(self, key: str, *, expect_mod_revision: int | None = None) -> KeyValue | None:
        request = {"request_delete_range": {"key": _b64(key), "prev_kv": True}}
        result = self._txn(key, expect_mod_revision, request)
        prev_kvs = result["responses"][0]["response_delete_range"].get("prev_kvs") or []
        return _kv(prev_kvs[0]) if prev_kvs else None

    def _txn(self, key: str, expect_mod_revision: int | None, request: dict) -> TxnResponse:
        compare = []
        if expect_mod_revision == 0:
            compare.append(
                {"key": _b64(key), "result": "EQUAL", "target": "CREATE", "create_revision": 0}
            )
        elif expect_mod_revision is not None:
            compare.append(
                {
                    "key": _b64(key),
                    "result": "EQUAL",
                    "target": "MOD",
                    "mod_revision": expect_mod_revision,
                }
            )
        txn = {
            "compare": compare,
            "success": [request],
            "failure": [{"request_range": {"key": _b64(key)}}],
        }
        result = self._call(lambda client: client.transaction(txn))
        if not result.get("succeeded"):
            kvs = result["responses"][0]["response_range"].get("kvs") or []
            actual = int(kvs[0]["mod_revision"]) if kvs else 0
            raise RevisionConflict(key, expect_mod_revision or 0, actual)
        return result

    # -- watch ----------------------------------------------------------------------------

    def watch(self, prefix: str, start_revision: int) -> Watch:
        return _EtcdWatch(self, prefix, max(start_revision, 1))

    def compact(self, revision: int) -> None:
        """Drop history before `revision` (watches from earlier revisions raise Compacted)."""
        self._post("/kv/compaction", {"revision": revision, "physical": True})

    def close(self) -> None:
        for client in self._clients:
            client.session.close()


class _EtcdWatch(Watch):
    def __init__(self, store: EtcdStore, prefix: str, start_revision: int) -> None:
        self._store, self._next = store, start_revision
        start, end = _prefix_range(prefix)
        self._range = {"key": _b64(start), "range_end": _b64(end)}
        self._cancelled = threading.Event()
        self._lock = threading.Lock()
        self._response: requests.Response | None = None
        self._open()  # fail now, not on the first next(), if etcd is unreachable

    def _open(self) -> None:
        request = {"create_request": {**self._range, "start_revision": self._next}}
        timeout = (self._store._timeout, WATCH_IDLE_RECONNECT)
        response = self._store._call(
            lambda client: _checked(
                client.session.post(
                    client.get_url("/watch"), json=request, stream=True, timeout=timeout
                )
            )
        )
        with self._lock:
            self._response = response
        if self._cancelled.is_set():
            response.close()

    def __iter__(self) -> Iterator[Event]:
        silent_streams = 0  # consecutive streams that failed before sending anything
        try:
            while not self._cancelled.is_set():
                if self._response is None:
                    self._open()
                assert self._response is not None
                received = False
                try:
                    for line in self._response.iter_lines():
                        if line:
                            received = True
                            yield from self._events(json.loads(line))
                except (requests.RequestException, OSError, ValueError, AttributeError, _Broken):
                    # An idle timeout, a dropped connection, an error from the gateway, or
                    # cancel() shutting the socket down (AttributeError: urllib3 reading a
                    # connection cancel() released). Unless cancelled, reconnect from the
                    # next revision; if no host answers, _open() raises StoreUnavailable.
                    pass
                self._close_response()
                silent_streams = 0 if received else silent_streams + 1
                if silent_streams >= 3:
                    raise StoreUnavailable("etcd keeps closing the watch stream")
        finally:
            self._close_response()

    def _close_response(self) -> None:
        with self._lock:
            response, self._response = self._response, None
        if response is not None:
            response.close()

    def _events(self, message: dict[str, Any]) -> Iterator[Event]:
        if "error" in message:
            raise _Broken(message["error"])
        result = message.get("result", {})
        compact_revision = int(result.get("compact_revision", 0))
        if compact_revision:
            raise Compacted(compact_revision - 1)
        if result.get("canceled"):
            raise StoreError(f"etcd canceled the watch: {result.get('cancel_reason', '')}")
        for item in result.get("events") or []:
            kv = item["kv"]
            revision = int(kv["mod_revision"])
            self._next = revision + 1
            if self._cancelled.is_set():
                return
            key = _text(kv["key"])
            if item.get("type") == "DELETE":
                yield Event("delete", key, None, revision)
            else:
                yield Event("put", key, _value(kv), revision, int(kv["create_revision"]))

    def cancel(self) -> None:
        self._cancelled.set()
        with self._lock:
            response = self._response
        if response is not None:
            _shutdown(response)


class _Broken(Exception):
    """The gateway reported its stream to etcd failed (etcd stopping, leader lost)."""


def _shutdown(response: requests.Response) -> None:
    """Wake a thread blocked reading `response` (closing alone does not interrupt a recv)."""
    try:
        sock = socket.socket(fileno=response.raw._fp.fileno())  # type: ignore[union-attr]
    except (AttributeError, OSError, ValueError):
        return
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    finally:
        sock.detach()  # the fd still belongs to the response


def _checked(response: requests.Response) -> requests.Response:
    if response.status_code != 200:
        text = response.text
        response.close()
        raise etcd_errors.Etcd3Exception(text, response.reason)
    return response


def _client(host: str, timeout: float) -> etcd3gw.Etcd3Client:
    url = urlsplit(host if "://" in host else "http://" + host)
    if url.scheme not in ("http", "https") or not url.hostname:
        raise StoreError(f"invalid etcd host {host!r} (expected http://host:port)")
    try:
        port = url.port or 2379
    except ValueError:
        raise StoreError(f"invalid etcd host {host!r} (bad port)") from None
    return etcd3gw.client(host=url.hostname, port=port, protocol=url.scheme, timeout=timeout)


def _error_from(exc: etcd_errors.Etcd3Exception) -> StoreError:
    detail = exc.detail_text or ""
    try:
        body = json.loads(detail)
    except ValueError:
        body = {}
    message = body.get("message") if isinstance(body, dict) else None
    return StoreError(f"etcd error: {message or detail or exc.__class__.__name__}")


def _prefix_range(prefix: str) -> tuple[bytes, bytes]:
    """etcd's [key, range_end) for every key starting with `prefix`."""
    start = prefix.encode()
    if not start:
        return b"\0", b"\0"  # etcd: from the first key to the end
    end = bytearray(start)
    while end and end[-1] == 0xFF:
        end.pop()
    if not end:
        return start, b"\0"
    end[-1] += 1
    return start, bytes(end)


def _b64(data: str | bytes) -> str:
    raw = data.encode() if isinstance(data, str) else data
    return base64.b64encode(raw).decode("ascii")


def _text(data: str) -> str:
    return base64.b64decode(data).decode()


def _value(kv: dict[str, Any]) -> Any:
    raw = base64.b64decode(kv.get("value", ""))
    try:
        return strict_json.loads(raw)
    except (ValueError, RecursionError):
        # a key some other client wrote as plain text, or as JSON with NaN or Infinity
        return raw.decode(errors="replace")


def _kv(item: dict[str, Any]) -> KeyValue:
    return KeyValue(
        _text(item["key"]),
        _value(item),
        int(item["create_revision"]),
        int(item["mod_revision"]),
        int(item["version"]),
    )
