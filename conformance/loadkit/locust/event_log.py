"""The request events a Locust process records, written for the runner to read back.

Beside the locustfile, and only the standard library: a remote worker needs this folder and
Locust, not gwconform.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

TRAFFIC = "traffic"
CONFIG = "config"  # config-propagation samples (config-churn)
FIELDS = ("start", "latency_ms", "ok", "kind", "name", "intended_ms")


@dataclass(frozen=True)
class Event:
    start: float  # epoch seconds the request was sent
    latency_ms: float
    ok: bool
    kind: str  # traffic | config
    name: str
    intended_ms: float | None = None  # from the intended send time (fixed arrival rate)

    @property
    def end(self) -> float:
        return self.start + self.latency_ms / 1000


def write_events(path: Path, events: Iterable[Event]) -> None:
    with path.open("w", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(FIELDS)
        for e in events:
            intended = "" if e.intended_ms is None else f"{e.intended_ms:.4f}"
            out.writerow(
                [f"{e.start:.6f}", f"{e.latency_ms:.4f}", int(e.ok), e.kind, e.name, intended]
            )


def read_events(paths: Iterable[Path]) -> list[Event]:
    events = []
    for path in paths:
        with path.open(newline="") as fh:
            for row in csv.DictReader(fh):
                events.append(
                    Event(
                        start=float(row["start"]),
                        latency_ms=float(row["latency_ms"]),
                        ok=row["ok"] == "1",
                        kind=row["kind"],
                        name=row["name"],
                        intended_ms=float(row["intended_ms"]) if row["intended_ms"] else None,
                    )
                )
    return sorted(events, key=lambda e: e.start)
