"""A coroutine run at once, in the caller, until it finishes or first waits for something.

Most plugin phases never wait (key-auth, a local limit-count): run eagerly, they cost what
they do, without a task, a loop iteration or a future. One that does wait (a Redis counter,
an auth service) is awaited from where it stopped, by whichever task awaits the `Eager`
(Python 3.12's eager tasks do the same for a whole task).
"""

from __future__ import annotations

from collections.abc import Coroutine, Generator
from typing import Any, Generic, TypeVar

T = TypeVar("T")

_PENDING: Any = object()


class Eager(Generic[T]):
    """`coro` run up to its first wait; `done` when it finished (with a result or an error)."""

    __slots__ = ("_coro", "_error", "_result", "_waiting_on")

    def __init__(self, coro: Coroutine[Any, Any, T]) -> None:
        self._coro = coro
        self._result: T = _PENDING
        self._error: Exception | None = None
        self._waiting_on: Any = None
        try:
            self._waiting_on = coro.send(None)
        except StopIteration as stop:
            self._result = stop.value
        except Exception as exc:
            self._error = exc

    @property
    def done(self) -> bool:
        return self._result is not _PENDING or self._error is not None

    @property
    def passed(self) -> bool:
        """It finished without an error, returning None."""
        return self._result is None and self._error is None

    def result(self) -> T:
        """The result of a finished coroutine (its exception, raised)."""
        if self._error is not None:
            raise self._error
        if self._result is _PENDING:
            raise RuntimeError("the coroutine is waiting: await it")
        return self._result

    def __await__(self) -> Generator[Any, Any, T]:
        if self.done:
            return self.result()
        # hand what the coroutine waits on to the awaiting task, and the task's answers
        # (a value, or an exception such as a cancellation) back to the coroutine
        coro, waiting_on = self._coro, self._waiting_on
        while True:
            try:
                sent = yield waiting_on
            except GeneratorExit:
                coro.close()
                raise
            except BaseException as exc:
                try:
                    waiting_on = coro.throw(exc)
                except StopIteration as stop:
                    return stop.value
            else:
                try:
                    waiting_on = coro.send(sent)
                except StopIteration as stop:
                    return stop.value

    def close(self) -> None:
        """Never awaited after all: the coroutine is closed where it stopped."""
        if not self.done:
            self._coro.close()
