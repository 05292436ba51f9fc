"""The `gwconform` command line."""

from __future__ import annotations

import click

from .providers import embedded


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
    args: list[str] = []
    for flag, value in (("--config", config), ("--store", store), ("--data-dir", data_dir)):
        if value:
            args += [flag, value]
    if workers is not None:
        args += ["--workers", str(workers)]
    embedded.exec_serve(args)
