"""The `gwconform` command line.

Each command imports what it needs when it runs: `--help`, `serve` and `report` do not load
the suite, and `load` names the `load` extra when that is not installed.
"""

from __future__ import annotations

import sys

import click

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


@main.command()
@click_options
@click.option("-v", "--verbose", is_flag=True, help="one line per test")
def run(verbose: bool, **cli: object) -> None:
    """Run the conformance suite (default: every profile, against the embedded reference)."""
    from . import run_command

    sys.exit(run_command.run(dict(cli), verbose=verbose))


@main.command()
@click.option("--baseline", required=True, type=click.Path(), help="the saved report (JSON)")
@click.argument("new_report", type=click.Path())
def report(baseline: str, new_report: str) -> None:
    """Compare NEW_REPORT with a baseline: regressions exit non-zero."""
    from .report.baseline import ReportFileError, diff_reports, load_report

    try:
        diff = diff_reports(load_report(baseline), load_report(new_report))
    except ReportFileError as exc:
        click.echo(f"gwconform report: error: {exc}", err=True)
        sys.exit(2)
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


main.add_command(load_command)
