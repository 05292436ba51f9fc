"""A plugin's configuration-error test: each case PUT on a route must be a 400 whose
error_msg is APISIX's `failed to check the configuration of plugin <name> err: <message>`;
on a consumer, the Admin API prefixes it "invalid plugins configuration: "
(apisix/admin/consumers.lua)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from conformance.registry import conformance_test

from .admin_api import error_msg, expect, route

# (case id, conf, message after the prefix)
Case = tuple[str, dict[str, Any], str]


def wrong_type(field: str, expected: str, got: str) -> str:
    return f'property "{field}" validation failed: wrong type: expected {expected}, got {got}'


def conf_errors_test(
    plugin: str, cases: list[Case], *, on_consumer: bool = False, feature: str | None = None
) -> Callable[..., None]:
    """The conformance test of `plugin`'s cases (on a route, or a consumer), under the
    feature `dp-plugin-<feature>` (default: the plugin's name)."""
    where = "consumer-" if on_consumer else ""

    @conformance_test(
        name=f"{feature or plugin}-{where}conf-errors",
        description=f"{plugin}: a missing or mistyped field is a 400 with APISIX's message",
        profile="dataplane",
        features=[f"dp-plugin-{feature or plugin}"],
    )
    @pytest.mark.parametrize(("conf", "message"), [c[1:] for c in cases], ids=[c[0] for c in cases])
    def test(admin, tag, conf, message):
        prefix = f"failed to check the configuration of plugin {plugin} err: "
        if on_consumer:
            consumer = {"username": tag.replace("-", "_"), "plugins": {plugin: conf}}
            response = admin.put("/consumers", json=consumer)
            prefix = "invalid plugins configuration: " + prefix
        else:
            response = admin.put(f"/routes/{tag}", json=route(f"/{tag}", plugins={plugin: conf}))
        expect(response, 400)
        assert error_msg(response) == prefix + message

    return test
