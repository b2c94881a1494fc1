"""Structured logs: one JSON object per line on standard error, for the webhook and uvicorn.

Each answered request is one line (``"msg": "admission"``) with the uid, operation, kind,
namespace/name, user, mode, verdict, findings and duration; the server's own messages
(startup, reloads, shutdown) are lines of the same shape.
"""

from __future__ import annotations

import logging
import time

import orjson

LOGGER = "kubevet.serve"


class JsonFormatter(logging.Formatter):
    """A log record as one JSON line: time, level, logger, message, and the record's ``fields``."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            line.update(fields)
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return orjson.dumps(line, default=str).decode()


def config(level: str = "info") -> dict:
    """A logging configuration (dictConfig) for kubevet and uvicorn: JSON lines on stderr."""
    handler = {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "kubevet.serve.logs.JsonFormatter"}},
        "handlers": {"stderr": handler},
        "loggers": {
            LOGGER: {"handlers": ["stderr"], "level": level.upper(), "propagate": False},
            "uvicorn": {"handlers": ["stderr"], "level": level.upper(), "propagate": False},
            "uvicorn.error": {"handlers": ["stderr"], "level": level.upper(), "propagate": False},
            "uvicorn.access": {"handlers": [], "level": "WARNING", "propagate": False},
        },
    }


def log(message: str, level: int = logging.INFO, **fields) -> None:
    logging.getLogger(LOGGER).log(level, message, extra={"fields": fields})
