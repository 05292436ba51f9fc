"""file-logger: each log entry as one JSON line appended to `path`, in the log phase (APISIX
has no batch here); `match` rules (any of them holding) choose the requests logged."""

from __future__ import annotations

import json
import logging
from typing import Any

from ..plugin_api import Ctx
from ..router.expr import Expr
from .log_entry import BodyCollector, LogPlugin

log = logging.getLogger(__name__)


class FileLogger(LogPlugin):
    name = "file-logger"
    priority = 399

    def __init__(self, conf: dict[str, Any], env: Any) -> None:
        super().__init__(conf, env)
        self.match = [Expr(rule) for rule in conf.get("match") or ()]

    def log(self, ctx: Ctx, status: int) -> None:
        if self.match and not any(rule.evaluate(ctx.var) for rule in self.match):
            return
        line = json.dumps(self.entry(ctx, status), separators=(",", ":"), ensure_ascii=False)
        path = self.conf["path"]
        try:
            with open(path, "a", encoding="utf-8") as file:
                file.write(line + "\n")  # one write: lines of concurrent workers never mix
        except OSError as exc:
            log.error("failed to open file: %s, error info: %s", path, exc)


class FileLoggerWithBody(FileLogger, BodyCollector):
    pass


FileLogger.with_body = FileLoggerWithBody
