"""Fixtures shared by the proxy routing and plugin tests."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from reference_impl.proxy.plugin_api import Ctx, Request
from reference_impl.proxy.variables import Variables

CtxFactory = Callable[..., Ctx]


@pytest.fixture
def make_ctx() -> CtxFactory:
    """A Ctx for a request: make_ctx("GET", "/path?q=1", headers={...}, remote="10.0.0.1")."""
    variables = Variables()

    def build(
        method: str = "GET",
        target: str = "/",
        headers: dict[str, str] | None = None,
        remote: str = "127.0.0.1",
        server_port: int = 9080,
    ) -> Ctx:
        path, _, query = target.partition("?")
        lowered = {k.lower(): v for k, v in (headers or {}).items()}
        lowered.setdefault("host", "localhost")
        request = Request(method, path, query, lowered, remote, 40000, "127.0.0.1", server_port)
        return Ctx(request, variables)

    return build
