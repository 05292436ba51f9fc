"""The tracing and metrics plugins' schemas (APISIX 3.5): zipkin and datadog."""

from __future__ import annotations

from reference_impl.schema.plugins.loggers import with_batch
from reference_impl.schema.plugins.spec import PluginSpec

ZIPKIN = PluginSpec(
    name="zipkin",
    priority=12011,
    version=0.1,
    schema={
        "type": "object",
        "properties": {
            "endpoint": {"type": "string"},
            "sample_ratio": {"type": "number", "minimum": 0.00001, "maximum": 1},
            "service_name": {
                "type": "string",
                "description": "service name for zipkin reporter",
                "default": "APISIX",
            },
            "server_addr": {
                "type": "string",
                "description": "default is $server_addr, you can specify your external ip address",
                "pattern": "^[0-9]{1,3}.[0-9]{1,3}.[0-9]{1,3}.[0-9]{1,3}$",
            },
            "span_version": {"enum": [1, 2], "default": 2},
        },
        "required": ["endpoint", "sample_ratio"],
    },
)

DATADOG = PluginSpec(
    name="datadog",
    priority=495,
    version=0.1,
    schema=with_batch(
        {"type": "object", "properties": {"prefer_name": {"type": "boolean", "default": True}}},
        "datadog",
    ),
    metadata_schema={
        "type": "object",
        "properties": {
            "host": {"type": "string", "default": "127.0.0.1"},
            "port": {"type": "integer", "minimum": 0, "default": 8125},
            "namespace": {"type": "string", "default": "apisix"},
            "constant_tags": {
                "type": "array",
                "items": {"type": "string"},
                "default": ["source:apisix"],
            },
        },
    },
)

SPECS = (ZIPKIN, DATADOG)
