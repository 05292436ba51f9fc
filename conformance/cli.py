"""The `gwconform` command line.

Each command imports what it needs when it runs: `--help`, `serve` and `report` do not load
the suite, and `load` names the `load` extra when that is not installed.
"""

from __future__ import annotations

import sys

import click

from . import exit_codes
from .loadkit.command import load_command
from .options import click_options


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="gwconform")
def main() -> None:
    """Conformance suite, test harness and load kit for APISIX-family API gateways."""


@main.command()
@click.option("--config", type=click.Path(), help="APISIX-style config.yaml")
@click.option("--store", type=click.Choice(["memory", "etcd"]), help="config store backend")
@click.option("--data-dir", type=click.Path(), help="persist the memory store here")
@click.option("--workers", type=int, help="data plane worker processes")
def serve(config: str | None, store: str | None, data_dir: str | None, workers: int | None) -> None:
    """Run the reference gateway in the foreground (Ctrl-C stops it)."""
    from .providers import embedded

    args: list[str] = []
    for flag, value in (("--config", config), ("--store", store), ("--data-dir", data_dir)):
        if value:
            args += [flag, value]
    if workers is not None:
        args += ["--workers", str(workers)]
    embedded.exec_serve(args)


@main.command(epilog=exit_codes.HELP)
@click_options
@click.option("-v", "--verbose", is_flag=True, help="one line per test")
def run(verbose: bool, **cli: object) -> None:
    """Run the conformance suite (default: every profile, against the embedded reference)."""
    from . import run_command

    sys.exit(run_command.run(dict(cli), verbose=verbose))


@main.command()
@click.option("--baseline", type=click.Path(), help="compare with this saved report (JSON)")
@click.option(
    "--allow-new-failures",
    is_flag=True,
    help="with --baseline: a test or profile the baseline lacks may fail",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["gateway-api"]),
    help="print REPORT in another shape: gateway-api is the Kubernetes Gateway API's "
    "ConformanceReport (YAML)",
)
@click.argument("new_report", metavar="REPORT", type=click.Path())
def report(
    baseline: str | None, allow_new_failures: bool, output_format: str | None, new_report: str
) -> None:
    """Check a conformance report (JSON) against its schema; compare it with a baseline
    (regressions exit 1) or print it in another format. Exit 2: a file that cannot be read
    or is not a report."""
    import yaml

    from .report.baseline import ReportFileError, diff_reports, load_report
    from .report.gateway_api import to_gateway_api

    if not baseline and not output_format:
        raise click.UsageError("give --baseline FILE or --format")
    try:
        old = load_report(baseline) if baseline else None
        new = load_report(new_report)
    except ReportFileError as exc:
        click.echo(f"gwconform report: error: {exc}", err=True)
        sys.exit(2)
    if output_format:
        click.echo(
            yaml.safe_dump(to_gateway_api(new), sort_keys=False, allow_unicode=True), nl=False
        )
    if old is None:
        return
    diff = diff_reports(old, new, allow_new_failures=allow_new_failures)
    for line in diff.warnings:
        click.echo(f"Warning: {line}", err=True)
    for title, lines in (
        ("Regressed", diff.regressions),
        ("Fixed", diff.fixes),
        ("Note", diff.notes),
    ):
        for line in lines:
            click.echo(f"{title}: {line}")
    if diff.regressions:
        click.echo(f"{len(diff.regressions)} regression(s) against {baseline}")
        sys.exit(1)
    click.echo(f"no regression against {baseline}")


@main.command(name="list")
@click.option("--tests/--no-tests", default=True, help="list the tests of each profile too")
def list_command(tests: bool) -> None:
    """List the profiles, their Core and Extended features, and the tests."""
    from .listing import listing

    for line in listing(with_tests=tests):
        click.echo(line)


main.add_command(load_command)
