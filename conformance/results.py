"""Outcomes of conformance test items, gathered from pytest's reports during the run."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from .registry import ConformanceTest
from .report.exchange import Exchange, ExchangeFailure

# set on a pytest report by the plugin when the failure carries its HTTP exchange
FAILURE_ATTRIBUTE = "gwconform_failure"

MAX_MESSAGE = 2000
NOT_RUN = "not run (the session ended before it)"


@dataclass
class ItemResult:
    nodeid: str
    outcome: str | None = None  # passed | failed | skipped; None until pytest reports on it
    message: str | None = None
    duration: float = 0.0
    exchange: Exchange | None = None


@dataclass
class TestResult:
    """All items of one declared test (a parametrized test has several)."""

    test: ConformanceTest
    items: list[ItemResult] = field(default_factory=list)

    @property
    def outcome(self) -> str:
        outcomes = {item.outcome or "skipped" for item in self.items}
        if "failed" in outcomes:
            return "failed"
        if "passed" in outcomes:
            return "passed"
        return "skipped"

    @property
    def message(self) -> str | None:
        wanted = self.outcome
        for item in self.items:
            if item.outcome is None and wanted == "skipped":
                return NOT_RUN
            if item.outcome == wanted and item.message:
                return item.message
        return None


def _message(report: pytest.TestReport) -> str:
    if report.skipped and isinstance(report.longrepr, tuple):
        return str(report.longrepr[2]).removeprefix("Skipped: ")
    crash = getattr(report.longrepr, "reprcrash", None)
    text = crash.message if crash is not None else str(report.longrepr)
    return text[:MAX_MESSAGE]


class ResultCollector:
    def __init__(self) -> None:
        self.tests: dict[str, TestResult] = {}
        self._items: dict[str, ItemResult] = {}

    def register(self, nodeid: str, test: ConformanceTest) -> None:
        result = self.tests.setdefault(test.name, TestResult(test))
        item = ItemResult(nodeid)
        result.items.append(item)
        self._items[nodeid] = item

    def record(self, report: pytest.TestReport) -> bool:
        """Note what pytest reported on a conformance item; False for other items."""
        item = self._items.get(report.nodeid)
        if item is None:
            return False
        item.duration += report.duration
        if item.outcome == "failed":
            return True
        if report.failed:
            item.outcome = "failed"
            prefix = "" if report.when == "call" else f"error in {report.when}: "
            failure: ExchangeFailure | None = getattr(report, FAILURE_ATTRIBUTE, None)
            if failure is not None:
                item.message = prefix + failure.message[:MAX_MESSAGE]
                item.exchange = failure.exchange
            else:
                item.message = prefix + _message(report)
        elif report.passed:
            if report.when == "call":
                item.outcome = "passed"
        elif report.skipped:
            if hasattr(report, "wasxfail"):
                # an xfail marker must not turn a failing conformance test into a non-failure
                item.outcome = "failed" if report.when == "call" else "skipped"
                item.message = f"expected failure: {report.wasxfail}"
            else:
                item.outcome = "skipped"
                item.message = _message(report)
        return True
