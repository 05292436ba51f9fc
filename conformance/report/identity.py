"""Who and what a conformance report certifies (light: `gwconform` options load it)."""

from __future__ import annotations

from pydantic import BaseModel

from .exchange import MODEL_CONFIG


class Implementation(BaseModel):
    """Who and what was certified, as the vendor says (options or target file), as in the
    Gateway API's ConformanceReport."""

    model_config = MODEL_CONFIG

    organization: str | None = None
    project: str | None = None
    url: str | None = None
    version: str | None = None
    contact: list[str] = []
