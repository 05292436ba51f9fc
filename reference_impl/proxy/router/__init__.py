"""Route matching for the data plane: HTTP routes (radix tree) and stream routes."""

from .expr import Expr, ExprError
from .http_router import Router
from .ip_match import IpMatcher
from .stream_router import StreamRouter

__all__ = ["Expr", "ExprError", "IpMatcher", "Router", "StreamRouter"]
