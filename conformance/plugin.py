"""The gwconform pytest plugin (entry point `pytest11: gwconform`).

Inert unless a session collects conformance tests: then it selects them by profile, skips
unclaimed Extended features, provides the target fixtures, and writes the reports.
"""

from __future__ import annotations

import functools
import os
import shutil
import tempfile
from collections.abc import Generator
from pathlib import Path

import pytest

from . import ci_reporting as ci
from .features import close_matches
from .fixtures import (
    STATE_KEY,
    admin,
    dataplane,
    gw_options,
    gw_profile,
    gw_target,
    viewer,
)
from .options import add_pytest_options, values_from_pytest
from .registry import MARKER, declaration_of
from .report.exchange import failure_in
from .report.model import ConformanceReport, Result, build_report
from .report.writers import write_reports
from .results import FAILURE_ATTRIBUTE
from .selection import decide
from .session import RunState
from .target import (
    DEFAULT_MAX_EXAMPLES,
    SPEC_PROFILE,
    RunOptions,
    TargetError,
    build_run_options,
)

__all__ = ["admin", "dataplane", "gw_options", "gw_profile", "gw_target", "viewer"]

TESTS_DIR = Path(__file__).parent / "tests"
REPORT_KEY = pytest.StashKey[ConformanceReport]()
# A run that broke off (collection errors, Ctrl-C, internal or usage error) gets no report:
# a report of half a suite would read as a verdict.
INCOMPLETE_RUN = (
    pytest.ExitCode.INTERRUPTED,
    pytest.ExitCode.INTERNAL_ERROR,
    pytest.ExitCode.USAGE_ERROR,
)

RECORDER_NAME = "gwconform-results"


class _ResultRecorder:
    """Feeds pytest's reports of conformance items to the run's collector, and ends the run
    when a failure turns out to be the target no longer answering."""

    def __init__(self, state: RunState, session: pytest.Session) -> None:
        self.state = state
        self.session = session

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if not self.state.results.record(report) or not report.failed:
            return
        if self.state.aborted is None:
            self.state.aborted = self.state.gone()
            if self.state.aborted is not None:
                self.session.shouldstop = f"gwconform: {self.state.aborted}"


def pytest_runtest_setup(item: pytest.Item) -> None:
    test = declaration_of(item)
    state = item.config.stash.get(STATE_KEY, None)
    if test is not None and state is not None:
        ci.add_junit_properties(item, test, state.options.seed)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """A failure that carries its HTTP exchange hands it to the report."""
    report = yield
    if call.excinfo is not None:
        failure = failure_in(call.excinfo.value)
        if failure is not None:
            setattr(report, FAILURE_ATTRIBUTE, failure)
            ci.attach_for_allure(item, failure)
    return report


def pytest_addoption(parser: pytest.Parser) -> None:
    add_pytest_options(parser.getgroup("gwconform", "gwconform conformance suite"))


class PresetRun:
    """The run `gwconform run` built, handed to pytest as a plugin object: the options are
    used as they are (not re-encoded as --gw-* arguments), and the report comes back here."""

    def __init__(self, options: RunOptions) -> None:
        self.options = options
        self.report: ConformanceReport | None = None


def _preset(config: pytest.Config) -> PresetRun | None:
    return next((p for p in config.pluginmanager.get_plugins() if isinstance(p, PresetRun)), None)


def options_from_config(config: pytest.Config) -> RunOptions:
    preset = _preset(config)
    if preset is not None:
        return preset.options
    return build_run_options(values_from_pytest(config))


def is_conformance_invocation(config: pytest.Config) -> bool:
    """True when the command line points at the suite's tests (`--pyargs conformance.tests`)."""
    for arg in config.args:
        name = arg.split("::")[0]
        if name == "conformance.tests" or name.startswith("conformance.tests."):
            return True
        path = Path(config.invocation_params.dir, name).resolve()
        if path == TESTS_DIR or TESTS_DIR in path.parents:
            return True
    return False


def _state(config: pytest.Config) -> RunState:
    state = config.stash.get(STATE_KEY, None)
    if state is None:
        try:
            state = RunState(options_from_config(config))
        except TargetError as exc:
            raise pytest.UsageError(f"gwconform: {exc}") from None
        config.stash[STATE_KEY] = state
        config.add_cleanup(state.close)
    return state


def _configure_hypothesis(config: pytest.Config, options: RunOptions) -> None:
    from hypothesis import HealthCheck, settings
    from hypothesis.configuration import set_hypothesis_home_dir

    # Hypothesis keeps caches in its home folder (./.hypothesis by default): a run leaves
    # nothing in the user's working folder, and nothing from an earlier run steers this one.
    home = tempfile.mkdtemp(prefix="gwconform-hypothesis-")
    set_hypothesis_home_dir(home)
    config.add_cleanup(functools.partial(shutil.rmtree, home, ignore_errors=True))

    settings.register_profile(
        "gwconform",
        max_examples=options.max_examples or DEFAULT_MAX_EXAMPLES,
        deadline=None,
        # replaying failures saved by an earlier run would make the verdict depend on history
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
    settings.load_profile("gwconform")
    if getattr(config.option, "hypothesis_seed", "absent") is None:
        config.option.hypothesis_seed = options.seed


def _refuse_distribution(config: pytest.Config) -> None:
    """The run's targets, cleanup and report live in one process: pytest-xdist workers would
    each start their own gateway and none would write the report."""
    if getattr(config.option, "numprocesses", None) or getattr(config.option, "dist", "no") != "no":
        raise pytest.UsageError(
            "gwconform: the conformance suite runs in one process; leave out -n/--dist "
            "(pytest-xdist)"
        )


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", f"{MARKER}(test): a gwconform conformance test (set by @conformance_test)"
    )
    if not is_conformance_invocation(config) or hasattr(config, "workerinput"):
        return
    _refuse_distribution(config)
    options = _state(config).options
    _configure_hypothesis(config, options)
    if config.option.tbstyle == "auto":
        # pytest's source-annotated tracebacks re-parse library sources, which trips a
        # CPython 3.11 AST bug ("recursion depth mismatch") and aborts the whole run.
        config.option.tbstyle = "native"
    if config.option.collectonly:
        return
    report_dir = options.report_dir
    if getattr(config.option, "xmlpath", "absent") is None:
        config.option.xmlpath = str(report_dir / "junit.xml")
    if getattr(config.option, "allure_report_dir", "absent") is None:
        config.option.allure_report_dir = str(report_dir / "allure-results")
        config.option.clean_alluredir = True


def pytest_report_header(config: pytest.Config) -> str | None:
    state = config.stash.get(STATE_KEY, None)
    if state is None:
        return None
    seed = state.options.seed
    return f"gwconform: seed {seed} (--seed {seed} repeats this run)"


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    marker = metafunc.definition.get_closest_marker(MARKER)
    declaration = marker.args[0] if marker and marker.args else None
    if (
        declaration is not None
        and declaration.profile == "apisix-v2"
        and "gw_profile" in metafunc.fixturenames
    ):
        metafunc.parametrize(
            "gw_profile", ["apisix-v2"], indirect=True, scope="session", ids=["apisix-v2"]
        )


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> None:
    declared = [(item, declaration_of(item)) for item in items]
    if not any(test for _, test in declared):
        return
    state = _state(config)
    ci.name_the_junit_suite(config)
    options = state.options
    claimed = state.claimed_features
    kept, deselected, needed = [], [], set()
    allure_active = config.pluginmanager.has_plugin("allure_pytest")
    for item, test in declared:
        if test is None:
            kept.append(item)
            continue
        decision = decide(
            test,
            state.profiles,
            claimed,
            options.only_features,
            options.run_tests,
            options.skip_tests,
            options.exempt_features,
        )
        if not decision.run:
            deselected.append(item)
            continue
        if allure_active:
            ci.label_for_allure(item, test, state.required_features)
        if decision.skip_reason:
            item.add_marker(pytest.mark.skip(reason=decision.skip_reason))
        else:
            needed.add(test.profile)
        state.results.register(item.nodeid, test)
        kept.append(item)
    collected = {test.name for _, test in declared if test}
    for name in sorted(options.skip_tests - collected):
        matches = close_matches(name, collected)
        hint = f" (did you mean {' or '.join(matches)}?)" if matches else ""
        raise pytest.UsageError(f"gwconform: --skip-test {name}: no such conformance test{hint}")
    if not config.pluginmanager.has_plugin(RECORDER_NAME):
        config.pluginmanager.register(_ResultRecorder(state, session), RECORDER_NAME)
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = kept
    if config.option.collectonly or (
        session.testsfailed and not config.option.continue_on_collection_errors
    ):
        return
    for profile in sorted(needed):
        if profile == SPEC_PROFILE and state.spec_target_only:
            continue  # the spec's requests go to --target: no gateway to start
        try:
            state.target(profile)
        except TargetError as exc:
            state.not_started = True
            raise pytest.UsageError(f"gwconform: {exc}") from None


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    config = session.config
    state = config.stash.get(STATE_KEY, None)
    if state is None or not state.results.tests or config.option.collectonly:
        return
    aborted = state.aborted
    if hasattr(config, "workerinput") or state.not_started:
        state.close()
        return
    if exitstatus in INCOMPLETE_RUN and aborted is None:
        state.close()
        return
    report = build_report(
        state.profiles, state.results.tests.values(), state.run_info(aborted=aborted)
    )
    config.stash[REPORT_KEY] = report
    write_reports(report, state.options.report_dir)
    preset = _preset(config)
    if preset is not None:
        preset.report = report
    state.close()


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, config: pytest.Config
) -> None:
    report = config.stash.get(REPORT_KEY, None)
    if report is None or _preset(config) is not None:  # gwconform run prints its own table
        return
    tr = terminalreporter
    tr.section("gwconform conformance")
    for profile in report.profiles:
        s = profile.summary
        line = (
            f"{profile.name:<12} {profile.result.label:<22} "
            f"passed {s.passed}, failed {s.failed}, skipped {s.skipped}"
        )
        tr.write_line(
            line,
            green=profile.result is Result.CONFORMANT,
            red=profile.result in (Result.FAILED, Result.ABORTED),
        )
    directory = config.stash[STATE_KEY].options.report_dir
    tr.write_line(f"reports: {os.path.join(directory, 'conformance-report')}.{{json,yaml,md,html}}")
    tr.write_line(report.summary, red=not report.all_conformant)
