"""Uploaded files (seed: File): raw content up to 10 MiB, stored compressed, downloaded as
uploaded. A developer attaches them to a subscription request; the approval lists them."""

from __future__ import annotations

import base64
import zlib
from typing import Any
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ...api.errors import ApiError
from ..context import Api, Call
from ..web import value
from .kinds import FILES

MAX_SIZE = 10 * 1024 * 1024


async def read_raw(request: Request) -> bytes:
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_SIZE:
            raise ApiError(413, f"file larger than {MAX_SIZE} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def store_file(api: Api, name: str | None, raw: bytes) -> dict[str, Any]:
    if not name or len(name) > 256 or "/" in name:
        raise ApiError(400, "invalid query parameter name: the file name (1..256, no /)")
    if not raw:
        raise ApiError(400, "invalid request body: the file is empty")
    record = {
        "id": api.cp.new_id(),
        "name": name,
        "size": len(raw),
        "content": base64.b64encode(zlib.compress(raw)).decode(),
        "created_at": api.cp.clock(),
    }
    api.cp.put(FILES, record)
    return shown(record)


def shown(record: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if k != "content"}


def check_files(api: Api, ids: Any) -> list[str]:
    if ids is None:
        return []
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
        raise ApiError(400, "invalid request body: file_ids must be an array of file ids")
    for file_id in ids:
        if api.cp.get(FILES, file_id) is None:
            raise ApiError(400, f"invalid request body: file {file_id} not found")
    return ids


def upload(api: Api, call: Call, raw: bytes) -> Response:
    return JSONResponse(value(store_file(api, call.args.get("name"), raw)))


def download(api: Api, call: Call, raw: bytes) -> Response:
    file_id = call.params["file_id"]
    record = api.cp.get(FILES, file_id)
    if record is None:
        raise ApiError(404, f"file {file_id} not found")
    content = zlib.decompress(base64.b64decode(record["content"]))
    disposition = f"attachment; filename*=UTF-8''{quote(record['name'])}"
    return Response(
        content,
        media_type="application/octet-stream",
        headers={"Content-Disposition": disposition},
    )


RAW_ROUTES = [("POST", "/files", upload), ("GET", "/files/{file_id}", download)]
