from __future__ import annotations

from collections.abc import Iterator

import pytest

from conformance.providers.embedded import EmbeddedGateway


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> Iterator[str]:
    """The admin URL of an embedded reference gateway, for the runs behind faulty proxies."""
    gateway = EmbeddedGateway(tmp_path_factory.mktemp("reference"))
    gateway.start()
    yield gateway.admin_url
    gateway.stop()
