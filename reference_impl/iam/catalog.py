"""The permission catalog: every action and the resource ARN template it is checked on.

Parsed from the published page "Permission Policy Actions and Resources" (a copy of its
text ships as `conformance/data/iam/api7-permission-policy-actions-and-resources.txt`). The
parse is saved as `catalog.json` beside this module:
`python -m reference_impl.iam.catalog SEED.txt > reference_impl/iam/catalog.json`.
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

CATALOG_FILE = Path(__file__).with_name("catalog.json")
_ROW = re.compile(r"^((?:gateway|iam|portal):[A-Za-z]+)(arn:api7:\S+)$")


@dataclass(frozen=True)
class CatalogEntry:
    action: str
    resource: str  # ARN template: `%s` where an id goes, `*` where there is no target yet
    section: str

    @property
    def slots(self) -> int:
        return self.resource.count("%s")


def parse_catalog(text: str) -> list[CatalogEntry]:
    """The (action, resource) rows of the page, in page order, with their section title."""
    entries: list[CatalogEntry] = []
    section = heading = ""
    for raw in text.splitlines():
        line = raw.strip()
        match = _ROW.match(line)
        if match:
            entries.append(CatalogEntry(match.group(1), match.group(2), section))
        elif line == "ActionResource":
            section = heading
        elif line and len(line) < 40 and not line.endswith("."):
            heading = line  # a section title; descriptions are sentences
    return entries


@lru_cache(maxsize=1)
def load_catalog() -> tuple[CatalogEntry, ...]:
    rows = json.loads(CATALOG_FILE.read_text(encoding="utf-8"))
    return tuple(CatalogEntry(r["action"], r["resource"], r["section"]) for r in rows)


def catalog_resources() -> dict[str, str]:
    return {entry.action: entry.resource for entry in load_catalog()}


def dump_catalog(entries: list[CatalogEntry]) -> str:
    rows = [{"action": e.action, "resource": e.resource, "section": e.section} for e in entries]
    return json.dumps(rows, indent=1) + "\n"


if __name__ == "__main__":
    sys.stdout.write(dump_catalog(parse_catalog(Path(sys.argv[1]).read_text(encoding="utf-8"))))
