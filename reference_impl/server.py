"""Run the reference gateway: the config store, the Admin API and the data plane."""

from __future__ import annotations

import asyncio
import signal
import sys

import uvicorn

from .admin.app import create_app
from .config import ConfigError, GatewayConfig
from .store import open_store


def serve(config: GatewayConfig) -> int:
    """Serve until SIGINT or SIGTERM; returns the process exit code."""
    store = open_store(config)
    try:
        return asyncio.run(_serve(config, store))
    except OSError as exc:  # a port already taken, mostly
        raise ConfigError(f"can't listen: {exc.strerror or exc}") from None
    finally:
        store.close()


async def _serve(config: GatewayConfig, store) -> int:
    app = create_app(config, store)
    admin = uvicorn.Server(
        uvicorn.Config(
            app,
            host=config.admin_listen.ip,
            port=config.admin_listen.port,
            log_level="warning",
            access_log=False,
            lifespan="off",
        )
    )
    admin.install_signal_handlers = lambda: None
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    admin_task = asyncio.create_task(admin.serve())
    print(
        f"gwconform reference gateway: admin on {config.admin_listen.ip}:{config.admin_listen.port}"
        f" ({config.store} store)",
        file=sys.stderr,
        flush=True,
    )
    await asyncio.wait(
        [admin_task, asyncio.create_task(stop.wait())], return_when=asyncio.FIRST_COMPLETED
    )
    admin.should_exit = True
    await admin_task
    return 0
