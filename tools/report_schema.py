"""`python -m tools.report_schema [--check]`: write the JSON Schema of the conformance report
(`conformance/data/conformance-report.schema.json`, shipped) from the report model, or
check that the shipped one is up to date."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from conformance.report.model import SCHEMA_FILE, ConformanceReport

SCHEMA_PATH = Path(__file__).resolve().parent.parent / "conformance" / "data" / SCHEMA_FILE


def render() -> str:
    schema = ConformanceReport.model_json_schema()
    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://gwconform.dev/schemas/conformance-report-v1.json",
        **schema,
    }
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.report_schema")
    parser.add_argument("--check", action="store_true", help="only check the shipped file")
    args = parser.parse_args(argv)
    text = render()
    current = SCHEMA_PATH.read_text(encoding="utf-8") if SCHEMA_PATH.is_file() else ""
    if current == text:
        return 0
    if args.check:
        print(f"out of date (run python -m tools.report_schema): {SCHEMA_PATH}")
        return 1
    SCHEMA_PATH.write_text(text, encoding="utf-8")
    print(f"wrote {SCHEMA_PATH}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
