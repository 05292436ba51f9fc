"""The authentication and authorization plugins that talk to other services or libraries
(issue 17): forward-auth."""

from __future__ import annotations

from ..plugin_api import Plugin
from .forward_auth import ForwardAuth

AUTH_FAMILY: tuple[type[Plugin], ...] = (ForwardAuth,)
