"""`python -m reference_impl serve ...`: the reference gateway in the foreground."""

from __future__ import annotations

import argparse
import sys

from .config import ConfigError, load_config
from .server import serve


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="gwconform serve", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("serve", help="run the reference gateway until interrupted")
    p.add_argument("--config", help="APISIX-style config.yaml (default: APISIX's defaults)")
    p.add_argument("--store", choices=["memory", "etcd"], help="config store backend")
    p.add_argument("--data-dir", help="persist the memory store in this directory")
    p.add_argument("--workers", type=int, help="data plane worker processes")
    args = parser.parse_args(argv)
    try:
        config = load_config(args.config)
        if args.store:
            config.store = args.store
        if args.data_dir:
            config.data_dir = args.data_dir
        if args.workers is not None:
            if args.workers < 1:
                raise ConfigError("--workers must be at least 1")
            config.workers = args.workers
        return serve(config)
    except ConfigError as exc:
        print(f"gwconform serve: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
