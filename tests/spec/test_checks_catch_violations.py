"""A fake Admin API that breaks the spec in one way at a time: the spec run must catch each."""

from __future__ import annotations

import pytest
from schemathesis import GenerationMode

from conformance.specs.checks import APISIX_ADMIN
from conformance.specs.hooks import install_apisix
from conformance.specs.loader import load_spec
from conformance.specs.runner import Budget, CreatedResources, SpecTarget, run_operation
from conformance.specs.suite import APISIX_V3_SPEC

from .fake_admin import fake_admin, json_answer

LIST = ("GET", "/apisix/admin/upstreams")
PUT = ("PUT", "/apisix/admin/upstreams/{id}")
BUDGET = Budget(max_examples=5, seed=1)


def _spec(faithful: bool = False):
    spec = load_spec(APISIX_V3_SPEC, faithful=faithful)
    install_apisix(spec.schema)
    return spec


def stored(body, id_="1"):
    return {
        "id": id_,
        "create_time": 1,
        "update_time": 1,
        "type": "roundrobin",
        "scheme": "http",
        "pass_host": "pass",
        "hash_on": "vars",
        **body,
    }


def conformant(method, path, body):
    if method == "GET":
        return json_answer(200, {"total": 0, "list": []})
    if not isinstance(body, dict) or "nodes" not in body or not isinstance(body["nodes"], list):
        return json_answer(400, {"error_msg": "invalid configuration"})
    id_ = path.rsplit("/", 1)[-1]
    return json_answer(201, {"key": f"/apisix/upstreams/{id_}", "value": stored(body, id_)})


def run(handler, operation, mode=GenerationMode.POSITIVE, created=None):
    spec = _spec(faithful=mode.is_negative)
    with fake_admin(handler) as url:
        target = SpecTarget(url, {"X-API-KEY": "k"})
        try:
            return run_operation(
                spec.schema[operation[1]][operation[0]], mode, target, APISIX_ADMIN, BUDGET, created
            )
        finally:
            target.close()


def test_a_conformant_answer_passes_and_creations_are_recorded():
    created = CreatedResources()
    listed = run(conformant, LIST)
    assert listed.cases == listed.successes == BUDGET.max_examples
    put = run(conformant, PUT, created=created)
    assert put.cases == put.successes == BUDGET.max_examples
    assert created.paths and all(p.startswith("/upstreams/") for p in created.paths)


@pytest.mark.parametrize(
    ("answer", "operation", "mode", "caught"),
    [
        (
            lambda m, p, b: json_answer(500, {"error_msg": "boom"}),
            LIST,
            GenerationMode.POSITIVE,
            "Server error",
        ),
        (
            lambda m, p, b: json_answer(200, {"count": 0, "list": []}),
            LIST,
            GenerationMode.POSITIVE,
            "Response violates schema",
        ),
        (
            lambda m, p, b: (200, "text/plain", b"ok"),
            LIST,
            GenerationMode.POSITIVE,
            "Undocumented Content-Type",
        ),
        (
            lambda m, p, b: json_answer(202, {}),
            PUT,
            GenerationMode.POSITIVE,
            "Undocumented status code",
        ),
        (
            lambda m, p, b: json_answer(400, {"error_msg": "no"}),
            PUT,
            GenerationMode.POSITIVE,
            "Schema-valid request rejected",
        ),
        (
            lambda m, p, b: json_answer(400, {"message": "bad"}),
            PUT,
            GenerationMode.NEGATIVE,
            "apisix_error_body",
        ),
        (
            lambda m, p, b: conformant(m, p, {"nodes": []}),
            PUT,
            GenerationMode.NEGATIVE,
            "Schema-violating request accepted",
        ),
    ],
    ids=[
        "5xx",
        "wrong-list-body",
        "content-type",
        "status",
        "valid-refused",
        "error-body",
        "invalid-accepted",
    ],
)
def test_each_violation_is_caught_with_a_curl_reproducer(answer, operation, mode, caught):
    with pytest.raises(BaseException) as failure:  # schemathesis raises an exception group
        run(answer, operation, mode)
    message = str(failure.value)
    assert caught in message
    assert "curl -X" in message
