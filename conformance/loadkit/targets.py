"""Where a load run sends its traffic: the embedded reference, or a gateway the user names."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psutil

from ..providers.embedded import ADMIN_KEY, EmbeddedGateway
from .runner import LoadTarget


@contextmanager
def embedded_target() -> Iterator[LoadTarget]:
    with tempfile.TemporaryDirectory(prefix="gwconform-load-") as workdir:
        gateway = EmbeddedGateway(Path(workdir))
        gateway.start()
        try:
            root = psutil.Process(gateway.pid)
            pids = [root.pid] + [child.pid for child in root.children(recursive=True)]
            yield LoadTarget(
                gateway.admin_url,
                ADMIN_KEY,
                gateway.data_plane_url,
                name="gwconform reference implementation",
                gateway_pids=pids,
            )
        finally:
            gateway.stop()


def url_target(admin_url: str, admin_key: str, data_plane_url: str):
    @contextmanager
    def factory() -> Iterator[LoadTarget]:
        yield LoadTarget(admin_url.rstrip("/"), admin_key, data_plane_url.rstrip("/"))

    return factory
