"""Unique names kept by the record store: taken in the same commit as the record, given up
when the record changes its name or is deleted, refused while another record holds them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from reference_impl.api.records import Records
from reference_impl.store import MemoryStore


class Taken(Exception):
    pass


def _name(record: dict[str, Any]) -> Mapping[str, Exception]:
    return {f"things/{record['name']}": Taken(record["name"])}


@pytest.fixture
def records() -> Records:
    return Records(MemoryStore(), "/t", unique={"things": _name})


def test_a_taken_name_is_refused_and_nothing_is_written(records: Records) -> None:
    records.put("things", {"id": "1", "name": "ann"})
    with pytest.raises(Taken):
        records.put("things", {"id": "2", "name": "ann"})
    assert records.get("things", "2") is None


def test_a_renamed_record_gives_its_old_name_up(records: Records) -> None:
    records.put("things", {"id": "1", "name": "ann"})
    records.put("things", {"id": "1", "name": "bob"})  # the same record, renamed
    records.put("things", {"id": "2", "name": "ann"})
    with pytest.raises(Taken):
        records.put("things", {"id": "3", "name": "bob"})


def test_a_deleted_record_gives_its_name_up(records: Records) -> None:
    records.put("things", {"id": "1", "name": "ann"})
    assert records.delete("things", "1")
    assert not records.delete("things", "1")
    records.put("things", {"id": "2", "name": "ann"})
    assert records.store.get("/t/unique/things/ann").value == "/t/things/2"


def test_kinds_without_unique_names_are_plain_writes(records: Records) -> None:
    records.put("others", {"id": "1", "name": "ann"})
    records.put("others", {"id": "2", "name": "ann"})
    assert len(records.all("others")) == 2
    assert records.store.range("/t/unique/")[0] == []
