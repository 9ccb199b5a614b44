"""Structured logging: one JSON object per line, with the request id and bound context."""

from __future__ import annotations

import contextvars
import json
import logging
import sys
import time
from collections.abc import Mapping
from typing import Any

from config.settings import LoggingSettings

request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)
"""Set per HTTP request (and per socket.io event) so every log line of it can be joined."""

_STANDARD = set(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        rid = request_id.get()
        if rid:
            entry["request_id"] = rid
        for key, value in record.__dict__.items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        base = super().format(record)
        extras = {
            k: v for k, v in record.__dict__.items() if k not in _STANDARD and not k.startswith("_")
        }
        rid = request_id.get()
        if rid:
            extras["request_id"] = rid
        if extras:
            base += " " + " ".join(f"{k}={v}" for k, v in extras.items())
        return base


class ContextAdapter(logging.LoggerAdapter[logging.Logger]):
    """A logger with context (reception, participant, track) bound once per object."""

    def process(self, msg: Any, kwargs: Any) -> tuple[Any, Any]:
        extra: Mapping[str, object] = self.extra or {}
        kwargs["extra"] = {**extra, **kwargs.get("extra", {})}
        return msg, kwargs


def bind(logger: logging.Logger, **context: object) -> ContextAdapter:
    return ContextAdapter(logger, context)


def setup_logging(settings: LoggingSettings) -> None:
    """Install one stderr handler on the root logger (idempotent)."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_reception", False):
            root.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    handler._reception = True  # type: ignore[attr-defined]
    if settings.format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(TextFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
    root.setLevel(settings.level)
    for noisy in ("aioice", "aiortc", "engineio", "socketio", "aiohttp.access"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
