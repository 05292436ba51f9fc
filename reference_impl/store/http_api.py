"""Read access to a store over loopback HTTP, for data plane workers in other processes.

The control process owns the store and serves, on 127.0.0.1 and a free port:

    GET /get?key=K                            {"kv": KV | null}
    GET /revision                             {"revision": N}
    GET /range?prefix=P                       {"kvs": [KV, ...], "revision": N}
    GET /watch?prefix=P&start_revision=N      NDJSON stream, one object a line:
        {"type": "put", "key", "value", "revision", "create_revision"}
        {"type": "delete", "key", "revision"}
        {"type": "heartbeat"}                 every `heartbeat` seconds without events
        {"type": "compacted", "compact_revision": N}    then the stream ends
        {"type": "unavailable", "error_msg": "..."}     then the stream ends

where KV is {"key", "value", "create_revision", "mod_revision", "version"}. Every request
needs `Authorization: Bearer <token>`, a random token made at start. Errors are JSON
`{"error_msg": "..."}`: 400 bad parameters, 401 bad token, 503 store unavailable.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import secrets
import socket
import threading
from collections.abc import AsyncIterator
from dataclasses import asdict, dataclass, field
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from .. import strict_json
from ..quiet_uvicorn import QuietServer
from .base import Compacted, Event, Store, StoreError, StoreUnavailable, Watch

HEARTBEAT = 5.0  # seconds between heartbeats on an idle watch stream
_BATCH = 512  # events sent in one chunk at most
_STOP_TIMEOUT = 5.0


class _Watches:
    """The watch streams being served, so stopping can end them."""

    def __init__(self) -> None:
        self.active: set[Watch] = set()
        self.stopping = False

    def cancel_all(self) -> None:
        self.stopping = True
        for watch in list(self.active):
            watch.cancel()


@dataclass
class StoreApi:
    """A running store API; `stop()` ends its watch streams and the server."""

    url: str
    token: str
    _server: uvicorn.Server = field(repr=False)
    _task: asyncio.Task[None] = field(repr=False)
    _watches: _Watches = field(repr=False)

    async def stop(self) -> None:
        self._server.should_exit = True
        self._watches.cancel_all()
        try:
            await asyncio.wait_for(asyncio.shield(self._task), _STOP_TIMEOUT * 2)
        except TimeoutError:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task


async def start_store_api(
    store: Store, *, host: str = "127.0.0.1", heartbeat: float = HEARTBEAT
) -> StoreApi:
    """Serve `store` read-only in the running event loop, on `host` and a free port."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, 0))
    port = sock.getsockname()[1]
    token = secrets.token_urlsafe(32)
    watches = _Watches()
    server = QuietServer(
        uvicorn.Config(
            _create_app(store, token, heartbeat, watches),
            log_level="warning",
            access_log=False,
            lifespan="off",
            timeout_graceful_shutdown=int(_STOP_TIMEOUT),
        )
    )
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:
        if task.done():
            sock.close()
            task.result()  # re-raise why it could not start
            raise StoreError("the store API stopped while starting")
        await asyncio.sleep(0.01)
    return StoreApi(f"http://{host}:{port}", token, server, task, watches)


def _create_app(store: Store, token: str, heartbeat: float, watches: _Watches) -> Starlette:
    expected = f"Bearer {token}".encode()

    def authorized(request: Request) -> bool:
        given = request.headers.get("authorization", "").encode()
        return hmac.compare_digest(given, expected)

    async def get(request: Request) -> Response:
        if not authorized(request):
            return _error(401, "missing or invalid bearer token")
        key = request.query_params.get("key")
        if not key:
            return _error(400, "query parameter key is required")
        try:
            kv = await asyncio.to_thread(store.get, key)
        except StoreError as exc:
            return _store_error(exc)
        return JSONResponse({"kv": None if kv is None else asdict(kv)})

    async def revision(request: Request) -> Response:
        if not authorized(request):
            return _error(401, "missing or invalid bearer token")
        try:
            current = await asyncio.to_thread(lambda: store.revision)
        except StoreError as exc:
            return _store_error(exc)
        return JSONResponse({"revision": current})

    async def range_(request: Request) -> Response:
        if not authorized(request):
            return _error(401, "missing or invalid bearer token")
        prefix = request.query_params.get("prefix", "")
        try:
            kvs, revision = await asyncio.to_thread(store.range, prefix)
        except StoreError as exc:
            return _store_error(exc)
        return JSONResponse({"kvs": [asdict(kv) for kv in kvs], "revision": revision})

    async def watch(request: Request) -> Response:
        if not authorized(request):
            return _error(401, "missing or invalid bearer token")
        prefix = request.query_params.get("prefix", "")
        try:
            start_revision = int(request.query_params.get("start_revision", ""))
        except ValueError:
            return _error(400, "query parameter start_revision must be an integer")
        if watches.stopping:
            return _error(503, "the store API is stopping")
        try:
            store_watch = await asyncio.to_thread(store.watch, prefix, start_revision)
        except Compacted as exc:
            return _ndjson(_single({"type": "compacted", "compact_revision": exc.compact_revision}))
        except StoreError as exc:
            return _store_error(exc)
        return _ndjson(_stream(store_watch, watches, heartbeat))

    return Starlette(
        routes=[
            Route("/get", get),
            Route("/range", range_),
            Route("/revision", revision),
            Route("/watch", watch),
        ]
    )


async def _stream(store_watch: Watch, watches: _Watches, heartbeat: float) -> AsyncIterator[bytes]:
    """Events of `store_watch` as NDJSON; a thread iterates the blocking store watch."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue()

    def deliver(item: dict[str, Any] | None) -> None:
        with contextlib.suppress(RuntimeError):  # the loop is gone: nobody is listening
            loop.call_soon_threadsafe(queue.put_nowait, item)

    def pump() -> None:
        try:
            for event in store_watch:
                deliver(_event_json(event))
            deliver(None)
        except Compacted as exc:
            deliver({"type": "compacted", "compact_revision": exc.compact_revision})
        except StoreError as exc:
            deliver({"type": "unavailable", "error_msg": str(exc)})

    watches.active.add(store_watch)
    if watches.stopping:  # stop() ran while this watch was being created
        store_watch.cancel()
    threading.Thread(target=pump, name="store-api-watch", daemon=True).start()
    try:
        while True:
            try:
                item = await asyncio.wait_for(queue.get(), heartbeat)
            except TimeoutError:
                yield b'{"type":"heartbeat"}\n'
                continue
            batch = [item]
            while item is not None and item["type"] in ("put", "delete") and len(batch) < _BATCH:
                try:
                    item = queue.get_nowait()
                except asyncio.QueueEmpty:
                    break
                batch.append(item)
            lines = [item for item in batch if item is not None]
            if lines:
                yield "".join(strict_json.dumps(line) + "\n" for line in lines).encode()
            if batch[-1] is None or batch[-1]["type"] not in ("put", "delete"):
                return  # the watch ended: cancelled (stopping), compacted or unavailable
    finally:
        store_watch.cancel()
        watches.active.discard(store_watch)


async def _single(line: dict[str, Any]) -> AsyncIterator[bytes]:
    yield strict_json.encode(line) + b"\n"


def _ndjson(body: AsyncIterator[bytes]) -> StreamingResponse:
    return StreamingResponse(body, media_type="application/x-ndjson")


def _event_json(event: Event) -> dict[str, Any]:
    if event.type == "delete":
        return {"type": "delete", "key": event.key, "revision": event.revision}
    return {
        "type": "put",
        "key": event.key,
        "value": event.value,
        "revision": event.revision,
        "create_revision": event.create_revision,
    }


def _store_error(exc: StoreError) -> JSONResponse:
    return _error(503 if isinstance(exc, StoreUnavailable) else 400, str(exc))


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error_msg": message}, status_code=status)
