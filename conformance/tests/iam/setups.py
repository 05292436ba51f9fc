"""Building blocks of the action cases' setups: a chain of administrator requests, each making
one object and naming its id, so a case can say what it needs in one line."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from conformance.support.ids import unique_id

from .action_case import Prepared
from .conftest import expect

GROUP_PATH = "/api/gateway_groups/{group}"
GROUP_ARN = "arn:api7:gateway:gatewaygroup/{group}"
IN_GROUP = {"gateway_group_id": "{group}"}
_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


@dataclass(frozen=True)
class Make:
    """One request of a setup: its answer's `value.<id_field>` becomes `values[name]` (with an
    `id_field` of None, the request only has to succeed); `cleanup`, filled like the path, is
    what the administrator deletes afterwards."""

    name: str
    method: str
    path: str
    body: Any = None
    params: dict[str, str] = field(default_factory=dict)
    id_field: str | None = "id"
    cleanup: str = ""


def fill(value: Any, values: dict[str, str]) -> Any:
    """`value` with each `{name}` in its strings replaced from `values`."""
    if isinstance(value, str):
        return _PLACEHOLDER.sub(lambda m: values.get(m[1], m[0]), value)
    if isinstance(value, dict):
        return {key: fill(item, values) for key, item in value.items()}
    if isinstance(value, list):
        return [fill(item, values) for item in value]
    return value


def made_id(answer: Any, id_field: str = "id") -> str:
    """The id of what a request made: `value.<id_field>` of an API7 answer, where `id_field` may
    be a dotted path (`list.0.id`, for an item of a list answer)."""
    value = answer["value"] if isinstance(answer, dict) and "value" in answer else answer
    for part in id_field.split("."):
        value = value[int(part)] if isinstance(value, list) else value[part]
    return str(value)


Setup = Callable[[httpx.Client], Prepared]


def made(*steps: Make) -> Setup:
    """A setup running `steps` in order; `{unique}` is a fresh name in each run."""

    def setup(admin: httpx.Client) -> Prepared:
        prepared = Prepared(values={"unique": unique_id("gwc")})
        try:
            for step in steps:
                answer = expect(
                    admin.request(
                        step.method,
                        fill(step.path, prepared.values),
                        json=fill(step.body, prepared.values),
                        params=fill(step.params, prepared.values),
                    ),
                    200,
                    201,
                )
                if step.id_field is not None:
                    prepared.values[step.name] = made_id(answer, step.id_field)
                if step.cleanup:
                    prepared.cleanup.append(fill(step.cleanup, prepared.values))
        except BaseException:
            for path in reversed(prepared.cleanup):
                admin.delete(path)
            raise
        return prepared

    return setup


def group_step() -> Make:
    """A new gateway group; deleting it at the end deletes what the case made inside it."""
    return Make("group", "POST", "/api/gateway_groups", {"name": "{unique}"}, cleanup=GROUP_PATH)
