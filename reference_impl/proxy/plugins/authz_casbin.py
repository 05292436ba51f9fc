"""authz-casbin (APISIX 3.5): a Casbin model and policy decide (user, path, method).

The user is the request header named by `username` ("anonymous" without it); the model and
policy come from the route's `model`/`policy` text or `model_path`/`policy_path` files, else
from the plugin metadata. Denied requests get 403 {"message": "Access Denied"}.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from typing import Any

import casbin
from casbin.persist.adapters.string_adapter import StringAdapter

from ..plugin_api import Ctx, Plugin, Response

log = logging.getLogger(__name__)


def enforcer_from_text(model: str, policy: str) -> casbin.Enforcer:
    return casbin.Enforcer(casbin.Enforcer.new_model(text=model), StringAdapter(policy))


@lru_cache(maxsize=4)
def _metadata_enforcer(model: str, policy: str) -> casbin.Enforcer:
    """The plugin metadata's enforcer, built once per metadata value (APISIX keys it by
    the metadata's modifiedIndex)."""
    return enforcer_from_text(model, policy)


class AuthzCasbin(Plugin):
    name = "authz-casbin"
    priority = 2560

    def __init__(self, conf: dict[str, Any], env: Any) -> None:
        super().__init__(conf, env)
        self._username: str = conf["username"].lower()
        self._enforcer: casbin.Enforcer | None = None
        self._broken: str | None = None
        try:
            if conf.get("model_path") and conf.get("policy_path"):
                self._enforcer = casbin.Enforcer(conf["model_path"], conf["policy_path"])
            elif conf.get("model") and conf.get("policy"):
                self._enforcer = enforcer_from_text(conf["model"], conf["policy"])
        except Exception as exc:  # a model or policy casbin cannot load, of any kind
            self._broken = f"failed to create the casbin enforcer: {exc}"

    def _metadata_enforcer(self) -> casbin.Enforcer | None:
        metadata = self.env.metadata(self.name) or {}
        if not (metadata.get("model") and metadata.get("policy")):
            return None
        return _metadata_enforcer(metadata["model"], metadata["policy"])

    async def rewrite(self, ctx: Ctx) -> Response | None:
        if self._broken is not None:
            log.error("%s", self._broken)
            return Response(500)
        try:
            enforcer = self._enforcer or self._metadata_enforcer()
        except Exception as exc:  # broken metadata, as above
            log.error("failed to create the casbin enforcer from the plugin metadata: %s", exc)
            return Response(500)
        if enforcer is None:
            log.error("not enough configuration to create enforcer")
            return Response(503)
        user = ctx.request.headers.get(self._username) or "anonymous"
        if not enforcer.enforce(user, ctx.var("uri"), ctx.request.method):
            return Response(403, {"message": "Access Denied"})
        return None
