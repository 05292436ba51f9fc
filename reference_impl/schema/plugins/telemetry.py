"""The tracing and metrics plugins' schemas (APISIX 3.5): zipkin, opentelemetry and datadog."""

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

_SAMPLER_NAMES = ["always_on", "always_off", "trace_id_ratio", "parent_base"]

OPENTELEMETRY = PluginSpec(
    name="opentelemetry",
    priority=12009,
    version=0.1,
    schema={
        "type": "object",
        "properties": {
            "sampler": {
                "type": "object",
                "properties": {
                    "name": {
                        "type": "string",
                        "enum": _SAMPLER_NAMES,
                        "title": "sampling strategy",
                        "default": "always_off",
                    },
                    "options": {
                        "type": "object",
                        "properties": {
                            "fraction": {
                                "type": "number",
                                "title": "trace_id_ratio fraction",
                                "default": 0,
                            },
                            "root": {
                                "type": "object",
                                "title": "parent_base root sampler",
                                "properties": {
                                    "name": {
                                        "type": "string",
                                        "enum": _SAMPLER_NAMES[:3],
                                        "title": "sampling strategy",
                                        "default": "always_off",
                                    },
                                    "options": {
                                        "type": "object",
                                        "properties": {
                                            "fraction": {
                                                "type": "number",
                                                "title": "trace_id_ratio fraction parameter",
                                                "default": 0,
                                            }
                                        },
                                        "default": {"fraction": 0},
                                    },
                                },
                                "default": {"name": "always_off", "options": {"fraction": 0}},
                            },
                        },
                        "default": {"fraction": 0, "root": {"name": "always_off"}},
                    },
                },
                "default": {
                    "name": "always_off",
                    "options": {"fraction": 0, "root": {"name": "always_off"}},
                },
            },
            "additional_attributes": {"type": "array", "items": {"type": "string", "minLength": 1}},
            "additional_header_prefix_attributes": {
                "type": "array",
                "items": {"type": "string", "minLength": 1},
            },
        },
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

SPECS = (ZIPKIN, OPENTELEMETRY, DATADOG)
