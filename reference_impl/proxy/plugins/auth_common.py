"""What the authentication plugins share: attaching a consumer, anonymous consumers."""

from __future__ import annotations

from typing import Any

from ..plugin_api import Ctx, Response
from .env import PluginEnv


def attach_consumer(ctx: Ctx, consumer: dict[str, Any], auth_conf: dict[str, Any]) -> None:
    ctx.consumer = consumer
    ctx.consumer_name = consumer.get("username")
    ctx.state["consumer_auth_conf"] = auth_conf


def reject_or_anonymous(
    ctx: Ctx,
    env: PluginEnv,
    conf: dict[str, Any],
    message: str,
    challenge: tuple[str, str],
) -> Response | None:
    """401 with `message`, unless the route names an existing anonymous consumer.

    `challenge`: the WWW-Authenticate scheme and the default realm, e.g. ("Basic", "basic").
    """
    anonymous = conf.get("anonymous_consumer")
    scheme, default_realm = challenge
    headers = {"WWW-Authenticate": f'{scheme} realm="{conf.get("realm") or default_realm}"'}
    if not anonymous:
        return Response(401, {"message": message}, headers)
    consumer = env.consumer(anonymous)
    if consumer is None:
        return Response(401, {"message": "Invalid user authorization"}, headers)
    attach_consumer(ctx, consumer, {})
    return None
