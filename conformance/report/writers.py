"""Write the conformance report as JSON and YAML (machines), Markdown and HTML (people)."""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

import yaml

from .model import RESULT_TITLES

BASENAME = "conformance-report"
OUTCOME_MARKS = {"passed": "✅", "failed": "❌", "skipped": "⏭️", "untested": "—"}


def to_json(report: dict[str, Any]) -> str:
    return json.dumps(report, indent=2, ensure_ascii=False) + "\n"


def to_yaml(report: dict[str, Any]) -> str:
    return yaml.safe_dump(report, sort_keys=False, allow_unicode=True)


def _md_cell(text: str | None) -> str:
    return (text or "").replace("|", "\\|").replace("\n", " ")


def to_markdown(report: dict[str, Any]) -> str:
    target = report["target"]
    lines = [
        "# Conformance report",
        "",
        f"- Target: **{target['name']} {target['version']}** ({target['provider']})",
        *(f"- {kind} URL: `{url}`" for kind, url in target["urls"].items()),
        f"- Suite: gwconform {report['suite']['version']}",
        f"- Date: {report['date']}",
        f"- Seed: {report['seed']}",
        "",
        "| Profile | Result | Passed | Failed | Skipped |",
        "|---|---|---:|---:|---:|",
    ]
    for profile in report["profiles"]:
        s = profile["summary"]
        lines.append(
            f"| {profile['name']} | {RESULT_TITLES[profile['result']]} "
            f"| {s['passed']} | {s['failed']} | {s['skipped']} |"
        )
    for profile in report["profiles"]:
        lines += ["", f"## {profile['name']}: {RESULT_TITLES[profile['result']]}", ""]
        if profile["failed_tests"]:
            lines.append(f"Failed: {', '.join(profile['failed_tests'])}")
            lines.append("")
        if profile["untested_core_features"]:
            lines.append(
                f"Core features not exercised: {', '.join(profile['untested_core_features'])}"
            )
            lines.append("")
        lines += ["| Feature | Support | Claimed | Result | Tests |", "|---|---|---|---|---:|"]
        for feature in profile["features"]:
            lines.append(
                f"| {feature['name']} | {feature['support']} | "
                f"{'yes' if feature['claimed'] else 'no'} | "
                f"{OUTCOME_MARKS[feature['result']]} {feature['result']} | {len(feature['tests'])} |"
            )
        if profile["tests"]:
            lines += ["", "| Test | Features | Outcome | Message |", "|---|---|---|---|"]
            for test in profile["tests"]:
                lines.append(
                    f"| {test['name']} | {', '.join(test['features'])} | "
                    f"{OUTCOME_MARKS[test['outcome']]} {test['outcome']} | {_md_cell(test['message'])} |"
                )
    return "\n".join(lines) + "\n"


CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem auto;max-width:72rem;
color:#1f2328;padding:0 1rem}
h1{margin-bottom:.2rem}table{border-collapse:collapse;width:100%;margin:.8rem 0 1.6rem}
th,td{border:1px solid #d0d7de;padding:.35rem .6rem;text-align:left;vertical-align:top;font-size:.92rem}
th{background:#f6f8fa}.meta{color:#57606a}.badge{padding:.1rem .5rem;border-radius:1rem;
font-weight:600;white-space:nowrap}.conformant,.passed{background:#dafbe1;color:#116329}
.partial,.skipped{background:#fff8c5;color:#7d4e00}.failed{background:#ffebe9;color:#a40e26}
.untested{background:#eaeef2;color:#57606a}code{font-size:.85rem}td.msg{font-family:monospace;
font-size:.8rem;white-space:pre-wrap;max-width:40rem}
"""


def _badge(value: str, title: str | None = None) -> str:
    return f'<span class="badge {html.escape(value)}">{html.escape(title or value)}</span>'


def to_html(report: dict[str, Any]) -> str:
    e = html.escape
    target = report["target"]
    urls = "".join(f"<li>{e(k)}: <code>{e(v)}</code></li>" for k, v in target["urls"].items())
    rows = "".join(
        f"<tr><td><a href='#{e(p['name'])}'>{e(p['name'])}</a></td>"
        f"<td>{_badge(p['result'], RESULT_TITLES[p['result']])}</td>"
        f"<td>{p['summary']['passed']}</td><td>{p['summary']['failed']}</td>"
        f"<td>{p['summary']['skipped']}</td></tr>"
        for p in report["profiles"]
    )
    sections = []
    for p in report["profiles"]:
        feature_rows = "".join(
            f"<tr><td>{e(f['name'])}</td><td>{e(f['support'])}</td>"
            f"<td>{'yes' if f['claimed'] else 'no'}</td><td>{_badge(f['result'])}</td>"
            f"<td>{e(', '.join(f['tests']))}</td></tr>"
            for f in p["features"]
        )
        test_rows = "".join(
            f"<tr><td title='{e(t['description'])}'>{e(t['name'])}</td>"
            f"<td>{e(', '.join(t['features']))}</td><td>{_badge(t['outcome'])}</td>"
            f"<td class='msg'>{e(t['message'] or '')}</td></tr>"
            for t in p["tests"]
        )
        sections.append(
            f"<h2 id='{e(p['name'])}'>{e(p['name'])} "
            f"{_badge(p['result'], RESULT_TITLES[p['result']])}</h2>"
            f"<p class='meta'>{e(p['description'])}</p>"
            "<table><tr><th>Feature</th><th>Support</th><th>Claimed</th><th>Result</th>"
            f"<th>Tests</th></tr>{feature_rows}</table>"
            "<table><tr><th>Test</th><th>Features</th><th>Outcome</th><th>Message</th></tr>"
            f"{test_rows}</table>"
        )
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>Conformance report: {e(target['name'])}</title><style>{CSS}</style></head><body>"
        "<h1>Conformance report</h1>"
        f"<p class='meta'>{e(target['name'])} {e(target['version'])} ({e(target['provider'])}) "
        f"· gwconform {e(report['suite']['version'])} · {e(report['date'])} "
        f"· seed {report['seed']}</p><ul>{urls}</ul>"
        "<table><tr><th>Profile</th><th>Result</th><th>Passed</th><th>Failed</th>"
        f"<th>Skipped</th></tr>{rows}</table>{''.join(sections)}</body></html>\n"
    )


WRITERS = {"json": to_json, "yaml": to_yaml, "md": to_markdown, "html": to_html}


def write_reports(report: dict[str, Any], directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for suffix, render in WRITERS.items():
        path = directory / f"{BASENAME}.{suffix}"
        path.write_text(render(report), encoding="utf-8")
        written.append(path)
    return written
