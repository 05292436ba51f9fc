"""A failing case's HTTP exchange: what was sent, what came back, and the curl that repeats
it. A test that knows its exchange fails with `ExchangeFailure`; the run keeps the exchange
for the report."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

MODEL_CONFIG = ConfigDict(frozen=True, extra="forbid")
MAX_BODY = 2000


def truncated(text: str | None, limit: int = MAX_BODY) -> str | None:
    if text is None or len(text) <= limit:
        return text
    return f"{text[:limit]}… ({len(text) - limit} more characters)"


class Exchange(BaseModel):
    model_config = MODEL_CONFIG

    request: str  # METHOD URL
    request_body: str | None = None
    status: int | None = None  # None: no answer
    response_body: str | None = None  # truncated
    curl: str | None = None


class ExchangeFailure(AssertionError):
    """A failed assertion about one exchange: the message says what is wrong, the exchange
    what was sent and answered."""

    def __init__(self, message: str, exchange: Exchange) -> None:
        self.message = message
        self.exchange = exchange
        reproduce = f"\n\nReproduce with:\n  {exchange.curl}" if exchange.curl else ""
        super().__init__(f"{message}{reproduce}")


def failure_in(error: BaseException) -> ExchangeFailure | None:
    """The ExchangeFailure a test failure is or holds (Hypothesis reports several distinct
    failures together, as an exception group)."""
    if isinstance(error, ExchangeFailure):
        return error
    if isinstance(error, BaseExceptionGroup):
        for inner in error.exceptions:
            found = failure_in(inner)
            if found is not None:
                return found
    return None
