"""What CI tools read besides the conformance report: JUnit properties and suite name,
Allure labels, descriptions and attachments."""

from __future__ import annotations

import pytest

from .registry import ConformanceTest
from .report.exchange import ExchangeFailure
from .selection import support_of


def add_junit_properties(item: pytest.Item, test: ConformanceTest, seed: int) -> None:
    """JUnit `<property>` elements of a conformance test: its name, profile, features and
    the run's seed, so CI tools can group and repeat it."""
    item.user_properties += [
        ("conformance_test", test.name),
        ("profile", test.profile),
        ("features", ",".join(test.features)),
        ("seed", seed),
    ]


def name_the_junit_suite(config: pytest.Config) -> None:
    """The JUnit suite is gwconform's, unless the user named it (`junit_suite_name`)."""
    from _pytest.junitxml import xml_key

    xml = config.stash.get(xml_key, None)
    if xml is not None and xml.suite_name == "pytest":
        xml.suite_name = "gwconform"


def attach_for_allure(item: pytest.Item, failure: ExchangeFailure) -> None:
    """The failing exchange and its curl, on the Allure test result."""
    if not item.config.pluginmanager.has_plugin("allure_pytest"):
        return
    import allure

    exchange = failure.exchange
    if exchange.curl:
        allure.attach(exchange.curl, "curl", allure.attachment_type.TEXT)
    allure.attach(exchange.model_dump_json(indent=2), "exchange", allure.attachment_type.JSON)


def label_for_allure(item: pytest.Item, test: ConformanceTest, required: frozenset[str]) -> None:
    """Allure's behaviours view: epic the profile, feature the conformance features, story
    the test; Core tests are critical, Extended ones normal; the declaration describes it."""
    import allure

    core = support_of(test, required) == "core"
    item.add_marker(allure.epic(test.profile))
    item.add_marker(allure.feature(*test.features))
    item.add_marker(allure.story(test.name))
    item.add_marker(allure.severity("critical" if core else "normal"))
    item.add_marker(allure.description(test.description))
