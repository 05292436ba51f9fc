from __future__ import annotations

from reference_impl.proxy.plugin_api import Plugin
from reference_impl.proxy.plugins import PLUGIN_CLASSES, PluginEnv

OBSERVABILITY = {
    "datadog": 495,
    "file-logger": 399,
    "http-logger": 410,
    "opentelemetry": 12009,
    "syslog": 401,
    "tcp-logger": 405,
    "udp-logger": 400,
    "zipkin": 12011,
}


def test_plugin_classes_follow_the_contract():
    expected = {
        "basic-auth": 2520,
        "brotli": 996,
        "consumer-restriction": 2400,
        "cors": 4000,
        "csrf": 2980,
        "echo": 412,
        "fault-injection": 11000,
        "gzip": 995,
        "ip-restriction": 3000,
        "jwt-auth": 2510,
        "key-auth": 2500,
        "limit-conn": 1003,
        "limit-count": 1002,
        "limit-req": 1001,
        "mocking": 10900,
        "prometheus": 500,
        "proxy-rewrite": 1008,
        "real-ip": 23000,
        "redirect": 900,
        "referer-restriction": 2990,
        "request-id": 12015,
        "request-validation": 2800,
        "response-rewrite": 899,
        "traffic-split": 966,
        "ua-restriction": 2999,
        "uri-blocker": 2900,
        # Authentication and authorization plugins (issue 17)
        "forward-auth": 2002,
        "hmac-auth": 2530,
        "authz-casbin": 2560,
        "ldap-auth": 2540,
        "openid-connect": 2599,
        # traffic
        "api-breaker": 1005,
        "workflow": 1006,
        "proxy-cache": 1085,
        "proxy-mirror": 1010,
        "client-control": 22000,
        "body-transformer": 1080,
        # Lua (issue 16)
        "serverless-pre-function": 10000,
        "serverless-post-function": -2000,
        # gRPC
        "grpc-transcode": 506,
        "grpc-web": 505,
    }
    assert {name: cls.priority for name, cls in PLUGIN_CLASSES.items()} == expected | OBSERVABILITY
    assert all(issubclass(cls, Plugin) for cls in PLUGIN_CLASSES.values())
    auth = {name for name, cls in PLUGIN_CLASSES.items() if cls.kind == "auth"}
    assert auth == {"basic-auth", "jwt-auth", "key-auth", "hmac-auth", "ldap-auth"}


def test_consumer_lookup_and_group_plugins():
    consumers = [
        {
            "username": "jack",
            "group_id": "gold",
            "plugins": {"key-auth": {"key": "k1"}, "limit-count": {"count": 5}},
        },
        {"username": "rose", "credentials": {"c": {"plugins": {"basic-auth": {"username": "r"}}}}},
    ]
    groups = {"gold": {"id": "gold", "plugins": {"limit-count": {"count": 100}, "cors": {}}}}
    env = PluginEnv(consumers, groups, {"cors": {"allow_origins": {}}})
    consumer, conf = env.find_consumer("key-auth", "key", "k1")
    assert consumer["username"] == "jack" and conf == {"key": "k1"}
    assert env.find_consumer("basic-auth", "username", "r")[0]["username"] == "rose"
    assert env.find_consumer("key-auth", "key", "nope") is None
    assert env.has_consumers_with("basic-auth") and not env.has_consumers_with("jwt-auth")
    assert env.consumer_plugins(consumer) == {
        "limit-count": {"count": 5},
        "cors": {},
        "key-auth": {"key": "k1"},
    }
    assert env.metadata("cors") == {"allow_origins": {}}
    assert env.metadata("prometheus") is None


def test_a_credential_still_a_secret_reference_never_matches():
    # apisix/consumer.lua: fail closed, never authenticate with a reference's own text
    consumers = [{"username": "jack", "plugins": {"key-auth": {"key": "$env://GWC_UNSET"}}}]
    env = PluginEnv(consumers, {}, {})
    assert env.find_consumer("key-auth", "key", "$env://GWC_UNSET") is None
