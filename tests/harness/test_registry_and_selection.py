"""Declarations, selection by profile, and skipping of unclaimed Extended features."""

from __future__ import annotations

import pytest

from conformance.features import (
    OBSERVABILITY_PLUGIN_FEATURES,
    PROFILES,
    UnknownFeatureError,
    parse_feature_list,
)
from conformance.registry import REGISTRY, ConformanceTest, DeclarationError, conformance_test
from conformance.selection import decide, support_of


def make(name: str, profile: str = "dataplane", features: tuple[str, ...] = ("dp-routing",)):
    return ConformanceTest(name, "a test", profile, features, f"tests.{name}")


def test_decorator_registers_and_marks():
    @conformance_test(
        name="harness-sample-declared",
        description="declared for the registry test",
        profile="apisix-v3",
        features=["admin-crud"],
    )
    def sample():
        """Only declared, never run."""

    marker = sample.pytestmark[0]
    assert marker.name == "conformance"
    declared = marker.args[0]
    assert declared.name == "harness-sample-declared"
    assert declared.features == ("admin-crud",)
    assert REGISTRY["harness-sample-declared"] is declared


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"features": ["admin-crud", "admin-crd"]}, "unknown feature(s): admin-crd"),
        ({"profile": "apisix-v4"}, "unknown profile 'apisix-v4'"),
        ({"features": []}, "at least one feature"),
        ({"name": "Not Kebab"}, "kebab-case"),
        ({"description": "  "}, "description"),
    ],
)
def test_bad_declarations_raise(kwargs, message):
    declaration = {
        "name": "harness-bad-declaration",
        "description": "d",
        "profile": "apisix-v3",
        "features": ["admin-crud"],
        **kwargs,
    }
    with pytest.raises(DeclarationError) as caught:
        conformance_test(**declaration)(lambda: None)
    assert message in str(caught.value)


def test_same_name_twice_is_an_error():
    def first():
        """First owner of the name."""

    def second():
        """Second owner of the name."""

    declare = conformance_test(
        name="harness-duplicate", description="d", profile="dataplane", features=["dp-routing"]
    )
    declare(first)
    declare(first)  # the same function again (a re-import) is fine
    with pytest.raises(DeclarationError, match="used twice"):
        declare(second)


def test_unselected_profile_is_deselected():
    decision = decide(make("t"), ("apisix-v3",), frozenset())
    assert decision.run is False


def test_core_test_runs_without_claims():
    decision = decide(make("t"), ("dataplane",), frozenset())
    assert decision.run and decision.skip_reason is None


def test_unclaimed_extended_feature_is_skipped_with_reason():
    test = make("t", features=("dp-routing", "dp-chash"))
    decision = decide(test, ("dataplane",), frozenset({"dp-routing"}))
    assert decision.run
    assert "dp-chash" in decision.skip_reason and "--supported-features" in decision.skip_reason
    assert decide(test, ("dataplane",), frozenset({"dp-chash"})).skip_reason is None


def test_feature_and_name_filters():
    test = make("route-x", features=("dp-routing",))
    assert (
        decide(test, ("dataplane",), frozenset(), only_features=frozenset({"dp-cors"})).run is False
    )
    assert decide(test, ("dataplane",), frozenset(), only_features=frozenset({"dp-routing"})).run
    assert decide(test, ("dataplane",), frozenset(), run_tests=("other",)).run is False
    assert decide(test, ("dataplane",), frozenset(), run_tests=("route-x",)).run


def test_support_is_extended_when_any_feature_is():
    assert support_of(make("a", features=("dp-routing",))) == "core"
    assert support_of(make("b", features=("dp-routing", "dp-cors"))) == "extended"


def test_feature_lists_parse_commas_and_all():
    assert parse_feature_list(["dp-cors,dp-chash", "dp-vars"]) == {"dp-cors", "dp-chash", "dp-vars"}
    everything = parse_feature_list(["all"])
    assert "admin-ttl" in everything and "dp-stream" in everything
    assert "admin-crud" not in everything  # Core is never "claimed", it is required
    with pytest.raises(UnknownFeatureError, match="dp-nope"):
        parse_feature_list(["dp-nope"])


def test_profiles_table_matches_the_brief():
    assert {"apisix-v3", "apisix-v2", "dataplane"} <= set(PROFILES)
    assert len(PROFILES["apisix-v3"].core) == 10 and len(PROFILES["apisix-v3"].extended) == 8
    assert PROFILES["apisix-v2"].core == ("admin-v2-bodies", "admin-spec-v2")
    dataplane = PROFILES["dataplane"]
    # issue 16: HTTP/2 over TLS, gRPC, pass_host and upstream TLS are Core; h2c, grpc-transcode,
    # grpc-web, UDP and SNI stream routes and stream plugins, secret references, filter_func,
    # serverless, ewma, keepalive_pool, tls.verify and dns discovery Extended; issue 17's
    # proxy-cache disk, openid-connect code flow, proxy-mirror, client-control, body-transformer
    assert len(dataplane.core) == 10
    assert {"dp-http2-tls", "dp-grpc", "dp-pass-host", "dp-upstream-tls"} <= set(dataplane.core)
    assert len(dataplane.extended) == 68 + len(OBSERVABILITY_PLUGIN_FEATURES)
