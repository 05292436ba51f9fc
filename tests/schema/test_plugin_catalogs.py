"""Every plugin of the registry sits in exactly one of the dashboard's plugin catalogs."""

from __future__ import annotations

from reference_impl.schema.plugins import CATALOGS, PLUGINS


def test_every_plugin_is_in_one_catalog():
    placed = [name for names in CATALOGS.values() for name in names]
    assert sorted(placed) == sorted(PLUGINS)
