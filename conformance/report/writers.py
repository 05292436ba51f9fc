"""Write the conformance report as JSON and YAML (machines), Markdown and HTML (people).

Both pages open with who and what was certified and the verdicts, then every failing case
with its request, the answer and the curl that reproduces it; passing tests come last
(collapsed in the HTML).
"""

from __future__ import annotations

import html
import json
from pathlib import Path

import yaml

from .model import ConformanceReport, FailedCase, Outcome, ProfileReport, Statistics, TestReport

BASENAME = "conformance-report"
OUTCOME_MARKS = {
    Outcome.PASSED: "✅",
    Outcome.FAILED: "❌",
    Outcome.SKIPPED: "⏭️",
    Outcome.UNTESTED: "—",
}


def to_json(report: ConformanceReport) -> str:
    return json.dumps(report.as_json(), indent=2, ensure_ascii=False) + "\n"


def to_yaml(report: ConformanceReport) -> str:
    return yaml.safe_dump(report.as_json(), sort_keys=False, allow_unicode=True)


def _stats(s: Statistics) -> str:
    return f"{s.passed} passed, {s.failed} failed, {s.skipped} skipped"


def identity_lines(report: ConformanceReport) -> list[tuple[str, str]]:
    """(label, value) of who and what was certified, how, and by which suite."""
    impl = report.implementation
    rows = [
        (
            "Implementation",
            " ".join(p for p in (impl.project or report.target.name, impl.version) if p),
        ),
        ("Organization", impl.organization or ""),
        ("Project URL", impl.url or ""),
        ("Contact", ", ".join(impl.contact)),
        ("Mode", report.mode),
        ("Skipped tests (--skip-test)", ", ".join(report.skip_tests)),
        ("Exempt features (--exempt-feature)", ", ".join(report.exempt_features)),
        ("Target", f"{report.target.name} {report.target.version} ({report.target.provider})"),
        *((f"{kind} URL", url) for kind, url in report.target.urls.items()),
        ("Suite", f"gwconform {report.suite.version}"),
        ("Date", report.date),
        ("Seed", str(report.seed)),
    ]
    return [(label, value) for label, value in rows if value]


def _failures(profile: ProfileReport) -> list[tuple[TestReport, FailedCase]]:
    return [(t, case) for t in profile.tests for case in t.failed_cases]


def _md_cell(text: str | None) -> str:
    return (text or "").replace("|", "\\|").replace("\n", " ")


def _md_block(text: str, lang: str = "") -> list[str]:
    fence = "````" if "```" in text else "```"
    return [f"{fence}{lang}", text, fence]


def _md_failure(test: TestReport, case: FailedCase) -> list[str]:
    title = test.name if test.cases == 1 else f"{test.name} [{case.case}]"
    lines = [f"#### ❌ {title} ({test.support.value})", "", *_md_block(case.message or "")]
    exchange = case.exchange
    if exchange is not None:
        lines += ["", f"Request: `{exchange.request}`"]
        if exchange.request_body:
            lines += _md_block(exchange.request_body, "json")
        answer = "no answer" if exchange.status is None else f"{exchange.status}"
        lines += ["", f"Response: {answer}"]
        if exchange.response_body:
            lines += _md_block(exchange.response_body)
        if exchange.curl:
            lines += ["", "Reproduce with:", *_md_block(exchange.curl, "sh")]
    return [*lines, ""]


def to_markdown(report: ConformanceReport) -> str:
    lines = ["# Conformance report", "", report.summary, ""]
    lines += [f"- {label}: {value}" for label, value in identity_lines(report)]
    lines += [
        "",
        "| Profile | Certifies | Result | Core | Extended | Skipped |",
        "|---|---|---|---|---|---:|",
    ]
    for p in report.profiles:
        lines.append(
            f"| {p.name} | {p.api_version} | {p.result.label} "
            f"| {p.core.statistics.passed} passed, {p.core.statistics.failed} failed "
            f"| {p.extended.statistics.passed} passed, {p.extended.statistics.failed} failed "
            f"| {p.summary.skipped} |"
        )
    failing = [(p, _failures(p)) for p in report.profiles if _failures(p)]
    if failing:
        lines += ["", "## Failures", ""]
        for p, failures in failing:
            lines += [f"### {p.name}", ""]
            for test, case in failures:
                lines += _md_failure(test, case)
    for p in report.profiles:
        lines += ["", f"## {p.name}: {p.result.label}", "", f"Certifies {p.api_version}.", ""]
        lines.append(f"- Core: {p.core.result.value} ({_stats(p.core.statistics)})")
        lines.append(f"- Extended: {p.extended.result.value} ({_stats(p.extended.statistics)})")
        if p.extended.supported_features:
            lines.append(f"- Supported features: {', '.join(p.extended.supported_features)}")
        if p.extended.unsupported_features:
            lines.append(f"- Unsupported features: {', '.join(p.extended.unsupported_features)}")
        if p.failed_tests:
            lines.append(f"- Failed: {', '.join(p.failed_tests)}")
        if p.untested_core_features:
            lines.append(f"- Core features not exercised: {', '.join(p.untested_core_features)}")
        lines += ["", "| Feature | Support | Claimed | Result | Tests |", "|---|---|---|---|---:|"]
        for f in p.features:
            lines.append(
                f"| {f.name} | {f.support.value} | {'yes' if f.claimed else 'no'} | "
                f"{OUTCOME_MARKS[f.result]} {f.result.value} | {len(f.tests)} |"
            )
        if p.tests:
            lines += ["", "| Test | Features | Outcome | Message |", "|---|---|---|---|"]
            for t in p.tests:
                lines.append(
                    f"| {t.name} | {', '.join(t.features)} | "
                    f"{OUTCOME_MARKS[t.outcome]} {t.outcome.value} | {_md_cell(t.message)} |"
                )
    return "\n".join(lines) + "\n"


CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem auto;max-width:72rem;
color:#1f2328;padding:0 1rem}
h1{margin-bottom:.2rem}table{border-collapse:collapse;width:100%;margin:.8rem 0 1.6rem}
th,td{border:1px solid #d0d7de;padding:.35rem .6rem;text-align:left;vertical-align:top;font-size:.92rem}
th{background:#f6f8fa}.meta{color:#57606a}.badge{padding:.1rem .5rem;border-radius:1rem;
font-weight:600;white-space:nowrap}.conformant,.passed{background:#dafbe1;color:#116329}
.partial,.skipped{background:#fff8c5;color:#7d4e00}.failed,.aborted{background:#ffebe9;color:#a40e26}
.untested{background:#eaeef2;color:#57606a}code{font-size:.85rem}td.msg{font-family:monospace;
font-size:.8rem;white-space:pre-wrap;max-width:40rem}
pre{background:#f6f8fa;padding:.5rem;white-space:pre-wrap;word-break:break-all;font-size:.8rem}
.failure{border-left:4px solid #a40e26;padding:.2rem 1rem;margin:1rem 0}
dl.id{display:grid;grid-template-columns:max-content auto;gap:.2rem 1rem}dl.id dt{font-weight:600}
dl.id dd{margin:0}details{margin:.5rem 0 1.5rem}summary{cursor:pointer;font-weight:600}
"""


def _badge(value: str, title: str | None = None) -> str:
    return f'<span class="badge {html.escape(value)}">{html.escape(title or value)}</span>'


def _pre(text: str) -> str:
    return f"<pre>{html.escape(text)}</pre>"


def _html_failure(profile: str, test: TestReport, case: FailedCase) -> str:
    e = html.escape
    title = test.name if test.cases == 1 else f"{test.name} [{case.case}]"
    parts = [
        f"<div class='failure'><h3>{e(profile)} · {e(title)} "
        f"<span class='meta'>({e(test.support.value)})</span></h3>",
        _pre(case.message or ""),
    ]
    exchange = case.exchange
    if exchange is not None:
        parts.append(f"<p>Request: <code>{e(exchange.request)}</code></p>")
        if exchange.request_body:
            parts.append(_pre(exchange.request_body))
        answer = "no answer" if exchange.status is None else str(exchange.status)
        parts.append(f"<p>Response: <code>{e(answer)}</code></p>")
        if exchange.response_body:
            parts.append(_pre(exchange.response_body))
        if exchange.curl:
            parts.append(f"<p>Reproduce with:</p>{_pre(exchange.curl)}")
    parts.append("</div>")
    return "".join(parts)


def _html_profile(p: ProfileReport) -> str:
    e = html.escape
    feature_rows = "".join(
        f"<tr><td>{e(f.name)}</td><td>{e(f.support.value)}</td>"
        f"<td>{'yes' if f.claimed else 'no'}</td><td>{_badge(f.result.value)}</td>"
        f"<td>{e(', '.join(f.tests))}</td></tr>"
        for f in p.features
    )

    def rows(tests: list[TestReport]) -> str:
        return "".join(
            f"<tr><td title='{e(t.description)}'>{e(t.name)}</td>"
            f"<td>{e(', '.join(t.features))}</td><td>{_badge(t.outcome.value)}</td>"
            f"<td class='msg'>{e(t.message or '')}</td></tr>"
            for t in tests
        )

    header = "<tr><th>Test</th><th>Features</th><th>Outcome</th><th>Message</th></tr>"
    not_passed = [t for t in p.tests if t.outcome is not Outcome.PASSED]
    passed = [t for t in p.tests if t.outcome is Outcome.PASSED]
    supported = ", ".join(p.extended.supported_features) or "none"
    unsupported = ", ".join(p.extended.unsupported_features) or "none"
    return (
        f"<h2 id='{e(p.name)}'>{e(p.name)} {_badge(p.result.value, p.result.label)}</h2>"
        f"<p class='meta'>{e(p.description)}; certifies {e(p.api_version)}</p>"
        f"<p>Core: {_badge(p.core.result.value)} {e(_stats(p.core.statistics))} · "
        f"Extended: {_badge(p.extended.result.value)} {e(_stats(p.extended.statistics))}</p>"
        f"<p class='meta'>Supported features: {e(supported)}<br>"
        f"Unsupported features: {e(unsupported)}</p>"
        + (f"<table>{header}{rows(not_passed)}</table>" if not_passed else "")
        + (
            f"<details><summary>{len(passed)} passing tests</summary>"
            f"<table>{header}{rows(passed)}</table></details>"
            if passed
            else ""
        )
        + "<details><summary>Features</summary><table><tr><th>Feature</th><th>Support</th>"
        f"<th>Claimed</th><th>Result</th><th>Tests</th></tr>{feature_rows}</table></details>"
    )


def to_html(report: ConformanceReport) -> str:
    e = html.escape
    identity = "".join(
        f"<dt>{e(label)}</dt><dd>{e(value)}</dd>" for label, value in identity_lines(report)
    )
    rows = "".join(
        f"<tr><td><a href='#{e(p.name)}'>{e(p.name)}</a></td><td>{e(p.api_version)}</td>"
        f"<td>{_badge(p.result.value, p.result.label)}</td>"
        f"<td>{e(_stats(p.core.statistics))}</td><td>{e(_stats(p.extended.statistics))}</td></tr>"
        for p in report.profiles
    )
    failures = "".join(
        _html_failure(p.name, test, case) for p in report.profiles for test, case in _failures(p)
    )
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>Conformance report: {e(report.target.name)}</title><style>{CSS}</style></head>"
        f"<body><h1>Conformance report</h1><p>{e(report.summary)}</p>"
        "<table><tr><th>Profile</th><th>Certifies</th><th>Result</th><th>Core</th>"
        f"<th>Extended</th></tr>{rows}</table>"
        + (f"<h2 id='failures'>Failures</h2>{failures}" if failures else "")
        + f"<details open><summary>Implementation and run</summary><dl class='id'>{identity}"
        "</dl></details>" + "".join(_html_profile(p) for p in report.profiles) + "</body></html>\n"
    )


WRITERS = {"json": to_json, "yaml": to_yaml, "md": to_markdown, "html": to_html}


def write_reports(report: ConformanceReport, directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for suffix, render in WRITERS.items():
        path = directory / f"{BASENAME}.{suffix}"
        path.write_text(render(report), encoding="utf-8")
        written.append(path)
    return written
