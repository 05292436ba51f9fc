"""Proof that an operation exists: one documented 2xx for a request naming real resources.

A documented 404 is the right answer to a request whose resource does not exist, so a
gateway that lacks an operation altogether would pass on generated requests alone: a
missing endpoint and a missing resource look the same. An operation whose generated
requests got no 2xx therefore gets witness requests: its path parameters (and body fields
that must name something) come from a documented example, from resources created first
through the spec's links (recursively: the creating operation's own inputs are found the
same way), or from the test's fixtures, and one of them must be answered with a documented
2xx that passes the checks (or, for the rare operation that declares it, its documented
refusal of an existing resource). Anything else fails the operation, naming it. What the
witness created, it deletes through the spec's DELETE links.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import hypothesis
from hypothesis import HealthCheck, Phase
from hypothesis.strategies import SearchStrategy
from schemathesis import CheckFunction, GenerationMode, Response
from schemathesis.core.transforms import Unresolvable
from schemathesis.generation.case import Case
from schemathesis.generation.stateful.state_machine import StepOutput
from schemathesis.schemas import APIOperation
from schemathesis.specs.openapi.checks import positive_data_acceptance
from schemathesis.specs.openapi.examples import get_strategies_from_examples
from schemathesis.specs.openapi.expressions import evaluate

from .runner import validate

SUCCESS = frozenset(range(200, 300))
# An operation no black-box client can bring to its 2xx (deleting a gateway instance, which
# must first be Offline) lists here the documented refusal it gives a resource that exists;
# that answer, to a witness request naming a real resource, proves the operation exists.
EXISTENCE_STATUSES = "x-gwconform-existence-statuses"
# Links only the witness follows: a creation that schemathesis' sequences must not repeat,
# because a second one in the same sequence collides on a unique field.
WITNESS_LINKS = "x-gwconform-links"
ATTEMPTS = 8  # generated requests per operation before it counts as never answering 2xx
MAX_DEPTH = 5  # creating operations chained through links
VARIANTS = 2  # ways a source is made anew when what it answered gives the target nothing


class OperationNotProven(AssertionError):
    """No request to the operation was answered with a documented 2xx."""


@dataclass(frozen=True)
class Link:
    """A link from `source` (its 2xx answer) to `target`: expressions for the target's path
    parameters and for fields of its request body."""

    source: APIOperation
    target: APIOperation
    parameters: dict[str, Any]
    body: dict[str, Any]

    def resolve(self, created: tuple[Case, Response]) -> tuple[dict[str, Any], dict[str, Any]]:
        """The path parameters and body fields this link gives, from the source's exchange."""
        output = StepOutput(response=created[1], case=created[0])
        parameters = {}
        for name, expression in self.parameters.items():
            value = evaluate(expression, output)
            if value is not None and not isinstance(value, Unresolvable):
                parameters[name] = value
        body = evaluate(self.body, output, evaluate_nested=True) if self.body else {}
        return parameters, body


@dataclass(frozen=True)
class Links:
    """The links of a spec, by the operation they lead to and by the one they start at."""

    all: tuple[Link, ...]

    def to(self, operation: APIOperation) -> list[Link]:
        return [link for link in self.all if link.target.label == operation.label]

    def deleting(self, operation: APIOperation) -> list[Link]:
        return [
            link
            for link in self.all
            if link.source.label == operation.label and link.target.method.upper() == "DELETE"
        ]


@dataclass
class Inputs:
    """What a witness request must carry to name existing resources."""

    parameters: dict[str, Any]
    body: dict[str, Any]
    sources: list[str]  # where the inputs came from, or why a link gave none

    def describe(self) -> str:
        return "inputs: " + "; ".join(self.sources) if self.sources else "generated inputs"


@dataclass
class Witness:
    """Where witness requests go and what they must pass."""

    links: Links
    send: Callable[[Case], Response]
    checks: Sequence[CheckFunction]
    headers: dict[str, str]
    seed: int
    on_created: Callable[[Case, Response], None] | None = None
    # path parameter values of resources the test's fixtures made, where no link can
    # (something created through another API, a registry that must really answer), by
    # parameter name, or as "operationId.name" for one operation only
    known: dict[str, Any] = field(default_factory=dict)

    def prove(self, operation: APIOperation) -> None:
        """Send witness requests to `operation` until one answers a documented 2xx (and
        passes the checks); raise OperationNotProven naming it otherwise. What the witness
        created on the way is deleted again, through the spec's links to DELETE operations."""
        created: list[tuple[APIOperation, tuple[Case, Response]]] = []
        proof = SUCCESS | {int(s) for s in operation.definition.raw.get(EXISTENCE_STATUSES, ())}
        try:
            inputs = self._inputs(operation, operation, 0, created)
            found = self._first_success(operation, inputs, operation, proof=proof)
            if not isinstance(found, str):
                created.append((operation, found))
                case, response = found
                checks = [
                    check
                    for check in self.checks
                    # a documented refusal proves existence; it is no valid request refused
                    if response.status_code in SUCCESS or check is not positive_data_acceptance
                ]
                validate(case, response, checks=checks, headers=self.headers)
        finally:
            self._delete(created, operation)
        if isinstance(found, str):
            raise OperationNotProven(
                f"{operation.label} never answered a documented 2xx ({inputs.describe()}); "
                f"last answer: {found}"
            )

    def _inputs(
        self,
        operation: APIOperation,
        proving: APIOperation,
        depth: int,
        created: list[tuple[APIOperation, tuple[Case, Response]]],
        variant: int = 0,
    ) -> Inputs:
        """Documented examples, then the answers of the operations linking here, then the
        values of the test's fixtures. `variant`
        rotates which of the links is tried first, so that a source reached by several
        links (a service published from an HTTP or a stream template) can be made anew the
        other way when the first way gave nothing the target can use."""
        needed = [p.name for p in operation.path_parameters]
        inputs = Inputs({}, {}, [])
        for name in needed:
            example = documented_example(operation, name)
            if example is not None:
                inputs.parameters[name] = example
                inputs.sources.append(f"the example of {name}")
        if depth >= MAX_DEPTH:
            return inputs
        links = self.links.to(operation)
        if links:
            shift = variant % len(links)
            links = links[shift:] + links[:shift]
        for link in links:
            missing = {name for name in needed if name not in inputs.parameters}
            wanted = missing & set(link.parameters)
            if not wanted and not (link.body and not inputs.body):
                continue
            for attempt in range(VARIANTS):
                source_inputs = self._inputs(
                    link.source, proving, depth + 1, created, variant + attempt
                )
                exchange = self._first_success(link.source, source_inputs, proving)
                if isinstance(exchange, str):
                    inputs.sources.append(
                        f"{link.source.label} answered {exchange} ({source_inputs.describe()})"
                    )
                    continue
                created.append((link.source, exchange))
                parameters, body = link.resolve(exchange)
                if not wanted <= set(parameters):
                    lacking = ", ".join(sorted(wanted - set(parameters)))
                    inputs.sources.append(f"{link.source.label} gave no {lacking}")
                    continue
                inputs.parameters.update({k: v for k, v in parameters.items() if k in missing})
                inputs.body.update(body)
                inputs.sources.append(link.source.label)
                break
        operation_id = operation.definition.raw.get("operationId")
        for name in needed:
            key = next((k for k in (f"{operation_id}.{name}", name) if k in self.known), None)
            if name not in inputs.parameters and key is not None:
                inputs.parameters[name] = self.known[key]
                inputs.sources.append(f"the fixture's {key}")
        return inputs

    def _delete(
        self, created: list[tuple[APIOperation, tuple[Case, Response]]], proving: APIOperation
    ) -> None:
        """Delete what was created, newest first, where the spec links its creation to a
        DELETE; a failed delete leaves the resource to the test's own clean-up."""
        for source, exchange in reversed(created):
            for link in self.links.deleting(source):
                parameters, _ = link.resolve(exchange)
                inputs = Inputs(parameters, {}, [])
                if {p.name for p in link.target.path_parameters} <= set(parameters):
                    self._first_success(link.target, inputs, proving, attempts=1)
                    break

    def _first_success(
        self,
        operation: APIOperation,
        inputs: Inputs,
        proving: APIOperation,
        attempts: int = ATTEMPTS,
        proof: frozenset[int] = SUCCESS,
    ) -> tuple[Case, Response] | str:
        """The first request (with these inputs) answered with a status of `proof` (2xx),
        or the last answer seen, as text: the spec's documented examples first, then generated requests. Hypothesis only
        draws the requests: a request is never sent twice. The draws depend on the operation
        being proved, so that the resources created for two operations differ (a name must
        often be unique)."""
        answers: list[tuple[Case, Response]] = []
        parameters = inputs.parameters or None
        strategies = [
            *(
                (strategy, 1)
                for strategy in get_strategies_from_examples(operation, path_parameters=parameters)
            ),
            (
                operation.as_strategy(
                    generation_mode=GenerationMode.POSITIVE, path_parameters=parameters
                ),
                attempts,
            ),
        ]
        seed = self.seed ^ zlib.crc32(f"{proving.label} {operation.label}".encode())
        for strategy, attempts in strategies:
            self._draw(strategy, attempts, seed, inputs, answers, proof)
            if answers and answers[-1][1].status_code in proof:
                return answers[-1]
        if not answers:
            return "no request could be generated"
        response = answers[-1][1]
        return f"{response.status_code} {response.content[:200]!r}"

    def _draw(
        self,
        strategy: SearchStrategy[Case],
        attempts: int,
        seed: int,
        inputs: Inputs,
        answers: list[tuple[Case, Response]],
        proof: frozenset[int],
    ) -> None:
        """Send up to `attempts` requests drawn from `strategy`, until one is answered with
        a status of `proof`."""
        tried = len(answers)

        @hypothesis.given(case=strategy)
        @hypothesis.settings(
            max_examples=attempts,
            deadline=None,
            database=None,
            phases=(Phase.generate,),
            suppress_health_check=list(HealthCheck),
        )
        @hypothesis.seed(seed)
        def attempt(case: Case) -> None:
            if len(answers) > tried and answers[-1][1].status_code in proof:
                return
            if inputs.body and isinstance(case.body, dict):
                case.body = {**case.body, **inputs.body}
            response = self.send(case)
            answers.append((case, response))
            if response.status_code in SUCCESS and self.on_created is not None:
                self.on_created(case, response)

        attempt()


def documented_example(operation: APIOperation, name: str) -> Any:
    """A path parameter's documented example (the parameter's or its schema's), if any."""
    for parameter in operation.path_parameters:
        if parameter.name != name:
            continue
        definition = parameter.definition
        if "example" in definition:
            return definition["example"]
        schema = definition.get("schema") or {}
        if "example" in schema:
            return schema["example"]
        examples = schema.get("examples")
        if isinstance(examples, list) and examples:
            return examples[0]
    return None


def collect_links(operations: Sequence[APIOperation]) -> Links:
    """Every link of the operations' 2xx answers."""
    by_key = {(op.method.upper(), op.path): op for op in operations}
    by_id = {
        op.definition.raw["operationId"]: key
        for key, op in by_key.items()
        if "operationId" in op.definition.raw
    }
    found: list[Link] = []
    for operation in operations:
        for status, answer in (operation.definition.raw.get("responses") or {}).items():
            if not str(status).startswith("2") or not isinstance(answer, dict):
                continue
            declared = {**(answer.get("links") or {}), **(answer.get(WITNESS_LINKS) or {})}
            for link in declared.values():
                target = by_id.get(link.get("operationId")) or _by_ref(link.get("operationRef"))
                body = link.get("requestBody")
                if target in by_key and (link.get("parameters") or isinstance(body, dict)):
                    parameters = {
                        name.split(".")[-1]: expr
                        for name, expr in (link.get("parameters") or {}).items()
                    }
                    found.append(
                        Link(
                            operation,
                            by_key[target],
                            parameters,
                            body if isinstance(body, dict) else {},
                        )
                    )
    return Links(tuple(found))


def _by_ref(ref: Any) -> tuple[str, str] | None:
    """`#/paths/~1routes~1{id}/get` -> ("GET", "/routes/{id}")."""
    if not isinstance(ref, str) or not ref.startswith("#/paths/"):
        return None
    path, _, method = ref.removeprefix("#/paths/").rpartition("/")
    return method.upper(), path.replace("~1", "/").replace("~0", "~")
