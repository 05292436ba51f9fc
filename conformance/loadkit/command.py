"""The `gwconform load` command."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import click

from .. import exit_codes
from ..target import TargetError
from .profiles import PROFILES_FILE, ProfileError

# What the `load` extra brings (pyproject.toml): the modules the runner, its plots and Locust
# itself import. The command is always listed; without them it says which extra to install.
LOAD_EXTRA_MODULES = ("locust", "matplotlib", "psutil")


def missing_load_modules() -> list[str]:
    """The modules of the `load` extra that are not installed."""
    return [name for name in LOAD_EXTRA_MODULES if importlib.util.find_spec(name) is None]


@click.command("load", epilog=exit_codes.HELP)
@click.argument("profile")
@click.option(
    "--admin-url", help="Admin API of the gateway to load (default: the embedded reference)"
)
@click.option("--admin-key", default="edd1c9f034335f136f87ad84b625c8f1", show_default=True)
@click.option("--data-plane-url", help="data plane base URL of that gateway")
@click.option(
    "--upstream", help="host:port the routes should proxy to (default: the kit's own fast upstream)"
)
@click.option("--users", type=int, help="override the profile's number of users")
@click.option("--spawn-rate", type=float, help="override the profile's users started per second")
@click.option("--duration", type=float, help="override the profile's duration, in seconds")
@click.option(
    "--workers", type=click.IntRange(min=0), default=0, help="run a Locust master and N workers"
)
@click.option("--remote-workers", type=click.IntRange(min=0), default=0,
              help="also wait for N workers started on other machines")  # fmt: skip
@click.option("--master-bind-host", default="127.0.0.1", show_default=True,
              help="address the master listens on for workers (0.0.0.0 for remote ones)")  # fmt: skip
@click.option("--master-port", type=click.IntRange(1, 65535),
              help="port the master listens on (default: 5557 with remote workers, else free)")  # fmt: skip
@click.option(
    "--report-dir",
    type=click.Path(path_type=Path),
    help="where the reports go  [default: reports/load/PROFILE]",
)
@click.option(
    "--baseline", type=click.Path(path_type=Path), help="an earlier summary.json to compare with"
)
@click.option(
    "--tolerance",
    type=float,
    default=0.1,
    show_default=True,
    help="allowed regression, as a fraction",
)
@click.option("--profiles", "profiles_file", type=click.Path(path_type=Path), default=PROFILES_FILE,
              show_default=True, help="the profiles file; yours must have the same shape")  # fmt: skip
def load_command(profile: str, admin_url, admin_key, data_plane_url, upstream, users, spawn_rate,
                 duration, workers, remote_workers, master_bind_host, master_port, report_dir,
                 baseline, tolerance, profiles_file) -> None:  # fmt: skip
    """Run the load PROFILE (a name in the profiles file) and judge it against its SLOs."""
    missing = missing_load_modules()
    if missing:
        click.echo(
            f"gwconform load: error: the load kit needs the 'load' extra ({', '.join(missing)} "
            "not installed): pip install 'gwconform[load]'",
            err=True,
        )
        sys.exit(exit_codes.USAGE_ERROR)
    from .runner import Distribution, LoadError, run_load
    from .target_setup import SetupError
    from .targets import embedded_target, url_target

    if bool(admin_url) != bool(data_plane_url):
        raise click.UsageError("--admin-url and --data-plane-url go together")
    factory = url_target(admin_url, admin_key, data_plane_url) if admin_url else embedded_target
    distribution = Distribution(
        workers, remote_workers, master_bind_host, master_port or (5557 if remote_workers else None)
    )
    try:
        code = run_load(
            profile, factory, users=users, spawn_rate=spawn_rate, duration=duration,
            distribution=distribution, upstream=upstream, report_dir=report_dir, baseline=baseline,
            tolerance=tolerance, profiles_file=profiles_file,
        )  # fmt: skip
    except (ProfileError, LoadError, SetupError, TargetError) as exc:
        raise exit_codes.UsageError(str(exc)) from None
    raise SystemExit(code)
