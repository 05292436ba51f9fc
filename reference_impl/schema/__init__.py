"""JSON Schema validation of APISIX Admin API resources and plugins.

Public API (used by the Admin API):

- ``check_resource(kind, conf)``: validated deep copy with APISIX's defaults filled in
- ``check_plugins(plugins, scope)``: the same for a ``plugins`` object
- ``PLUGINS``: name -> PluginSpec of every plugin the reference implementation knows
- ``plugin_schema(name, schema_type, subsystem)``: body of ``GET /apisix/admin/plugins/{name}``
- ``plugin_names(subsystem)``: body of ``GET /apisix/admin/plugins/list``
- ``SchemaError``: ``str(exc)`` is the ``error_msg`` APISIX answers with
"""

from reference_impl.schema.errors import SchemaError
from reference_impl.schema.plugins import (
    PLUGINS,
    PluginSpec,
    check_plugin,
    check_plugins,
    plugin_names,
    plugin_schema,
)
from reference_impl.schema.resource_checks import (
    RESOURCE_KINDS,
    check_resource,
    plugin_metadata_defaults,
)

__all__ = [
    "PLUGINS",
    "RESOURCE_KINDS",
    "PluginSpec",
    "SchemaError",
    "check_plugin",
    "check_plugins",
    "check_resource",
    "plugin_metadata_defaults",
    "plugin_names",
    "plugin_schema",
]
