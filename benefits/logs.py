"""The service's one logging set-up: structured lines (key=value, or JSON) carrying the request id.

Everything logs through the standard library (`logging.getLogger(__name__)`, with fields as `extra`), so the
server's, SQLAlchemy's and the service's own records all come out of one handler in one format. The request
being served is bound with `request_context`; every line logged inside it carries its `request_id`.
"""

import logging
import logging.config
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Literal

import structlog
from structlog.typing import EventDict, Processor

LogFormat = Literal["text", "json"]

# The fields a reader looks for first, in this order; the rest follow as they came.
LEADING_KEYS = ["timestamp", "level", "logger", "event", "request_id"]

# uvicorn adds a coloured copy of each message for its own formatter; this set-up has no use for it.
_DROPPED = ("color_message",)


def _drop_unused(_logger: Any, _name: str, event: EventDict) -> EventDict:
    for key in _DROPPED:
        event.pop(key, None)
    return event


def _traceback_below(_logger: Any, _name: str, event: EventDict) -> EventDict:
    """Keep a traceback out of the key=value line; `_KeyValueLines` prints it on the lines beneath."""
    if "exception" in event:
        event["_traceback"] = event.pop("exception")
    return event


class _KeyValueLines:
    """One `key=value` line a person can read, with any traceback on the lines beneath it as Python prints it."""

    def __init__(self) -> None:
        self._line = structlog.processors.LogfmtRenderer(key_order=LEADING_KEYS, drop_missing=True, bool_as_flag=False)

    def __call__(self, logger: Any, name: str, event: EventDict) -> str:
        traceback = event.pop("_traceback", None)
        line = self._line(logger, name, event)
        return f"{line}\n{traceback}" if traceback else line


def _pre_chain() -> list[Processor]:
    """What every record goes through, the standard library's and structlog's alike."""
    return [
        structlog.contextvars.merge_contextvars,  # the request id bound by `request_context`
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.stdlib.ExtraAdder(),  # fields passed as `extra`
        _drop_unused,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]


def structured_formatter(log_format: LogFormat = "text") -> logging.Formatter:
    """The formatter of every line the service writes: JSON objects, or key=value lines."""
    renderer: list[Processor]
    if log_format == "json":
        renderer = [structlog.processors.format_exc_info, structlog.processors.JSONRenderer()]
    else:
        renderer = [structlog.processors.format_exc_info, _traceback_below, _KeyValueLines()]
    return structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=_pre_chain(),
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, *renderer],
    )


def logging_config(*, log_format: LogFormat = "text", level: str = "INFO", sql_echo: bool = False) -> dict[str, Any]:
    """A `logging.config.dictConfig` set-up: one handler on standard error, used by every logger.

    `benefits serve` hands it to uvicorn (`log_config`), so each worker process configures itself the same way.
    """
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"structured": {"()": "benefits.logs.structured_formatter", "log_format": log_format}},
        "handlers": {
            "stderr": {"class": "logging.StreamHandler", "formatter": "structured", "stream": "ext://sys.stderr"},
            "none": {"class": "logging.NullHandler"},
        },
        "root": {"handlers": ["stderr"], "level": level},
        "loggers": {
            # The server's loggers hand their records to the root's handler instead of their own.
            "uvicorn": {"handlers": [], "propagate": True, "level": level},
            "uvicorn.error": {"handlers": [], "propagate": True, "level": level},
            # The service writes its own access line (with duration and request id); the server's would repeat it.
            "uvicorn.access": {"handlers": [], "propagate": False, "level": "WARNING"},
            # Statements only when asked for (BENEFITS_SQL_ECHO), in the same format.
            "sqlalchemy.engine": {"handlers": [], "propagate": True, "level": "INFO" if sql_echo else "WARNING"},
            # A handler of its own stops SQLAlchemy's echo adding a second one that prints in its own format.
            "sqlalchemy.engine.Engine": {"handlers": ["none"], "propagate": True},
            # A replaced X-Request-ID is no news: the access line gives the new id. Anyone can send a bad one, so a
            # warning each time would let any client fill the log.
            "asgi_correlation_id": {"handlers": [], "propagate": True, "level": "ERROR"},
        },
    }


def configure_logging(*, log_format: LogFormat = "text", level: str = "INFO", sql_echo: bool = False) -> None:
    """Set up logging for this process (the command line, or a server started without `benefits serve`)."""
    logging.config.dictConfig(logging_config(log_format=log_format, level=level, sql_echo=sql_echo))


@contextmanager
def request_context(request_id: str) -> Iterator[None]:
    """Every line logged inside the block, in this task and the threads it hands work to, carries `request_id`."""
    with structlog.contextvars.bound_contextvars(request_id=request_id):
        yield
