"""The vendor extensions the shipped APISIX Admin API specs carry, read by the spec loader."""

from __future__ import annotations

# on an operation: the Extended feature it belongs to (absent: Core)
FEATURE = "x-gwconform-feature"
# on a schema narrowed for generating valid documents: the documented schema it narrows,
# used for generating invalid ones
FAITHFUL = "x-gwconform-faithful"
