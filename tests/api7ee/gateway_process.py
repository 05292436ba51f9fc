"""`python -m tests.api7ee.gateway_process CONFIG`: the reference gateway with the API7
control plane mounted on its admin port, as `reference_impl.server` runs it once the
mount is applied there (admin port app, `data_planes.sync()` after the data plane starts,
`data_planes.stop_all()` at shutdown). Used by the end-to-end tests."""

from __future__ import annotations

import asyncio
import signal
import sys

import uvicorn

from reference_impl.admin_port import create_admin_port
from reference_impl.config import load_config
from reference_impl.proxy.launcher import DataPlaneLauncher
from reference_impl.quiet_uvicorn import QuietServer
from reference_impl.server import start_data_plane
from reference_impl.store import open_store


async def run(config_path: str) -> int:
    config = load_config(config_path)
    store = open_store(config)
    app, data_planes = create_admin_port(config, store)
    server = QuietServer(
        uvicorn.Config(
            app,
            host=config.admin_listen.ip,
            port=config.admin_listen.port,
            log_level="warning",
            lifespan="off",
        )
    )
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        asyncio.get_running_loop().add_signal_handler(sig, stop.set)
    admin_task = asyncio.create_task(server.serve())
    launcher = DataPlaneLauncher(config, store)
    supervisor = await start_data_plane(config, launcher)
    await data_planes.sync()
    try:
        await asyncio.wait(
            [admin_task, asyncio.create_task(stop.wait())], return_when=asyncio.FIRST_COMPLETED
        )
    finally:
        await data_planes.stop_all()
        await supervisor.stop()
        await launcher.stop()
        server.should_exit = True
        await admin_task
        store.close()
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(run(sys.argv[1])))
