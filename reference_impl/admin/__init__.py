"""The APISIX-compatible Admin API: `create_app(config, store)`."""

from .app import create_app

__all__ = ["create_app"]
