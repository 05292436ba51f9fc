"""`python -m tools.apisix_specs [--check]`: rewrite the shipped APISIX Admin API specs, or
check that they are up to date."""

from __future__ import annotations

import argparse
import sys

from .openapi import VERSIONS, render, spec_path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.apisix_specs")
    parser.add_argument(
        "--check", action="store_true", help="only check that the shipped files are up to date"
    )
    args = parser.parse_args(argv)
    stale = []
    for version in VERSIONS:
        path = spec_path(version)
        text = render(version)
        if path.read_text(encoding="utf-8") == text:
            continue
        if args.check:
            stale.append(str(path))
        else:
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path}")
    if stale:
        print(f"out of date (run python -m tools.apisix_specs): {', '.join(stale)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
