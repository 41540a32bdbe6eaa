"""Logging for a running Sigap: informative, and never a secret or a person.

httpx logs every request URL at INFO, and a Bot API URL contains the bot token, so the
HTTP client loggers (httpx for WhatsApp, aiohttp for Telegram) are held at WARNING.

Sigap's own lines name an outbox id, an update id or an error class, never a chat id, a
phone number, a name or a message's text (tests/security/test_log_privacy.py). An
exception's own words may hold them all the same: a database error quotes the row it
failed on (PostgreSQL: ``DETAIL: Key (channel, external_id)=(whatsapp, 62...) already
exists``), an HTTP client error its URL with the bot token. So at INFO and above a
traceback is written with its frames and exception classes only; its messages appear
only in DEBUG records.

With ``SIGAP_LOG_FORMAT=json`` each record is one JSON object on one line (time in UTC,
level, logger, message, and for a failure its exception class and that same traceback),
for journald or a log shipper to parse; the same rule withholds exception messages.
"""

from __future__ import annotations

import json
import logging
import traceback
from datetime import UTC, datetime

QUIET = ("httpx", "httpcore", "aiohttp", "apscheduler.executors")
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
CAUSE = "\nThe above exception was the direct cause of the following exception:\n\n"
CONTEXT = "\nDuring handling of the above exception, another exception occurred:\n\n"


def _class_of(error: BaseException) -> str:
    kind = type(error)
    module = "" if kind.__module__ == "builtins" else f"{kind.__module__}."
    return module + kind.__qualname__


def withheld_traceback(error: BaseException) -> str:
    """The traceback Python would print, chained exceptions included, with each
    exception's message left out: where it failed and what failed, not on what."""
    chain: list[tuple[BaseException, str]] = []
    seen: set[int] = set()
    current: BaseException | None = error
    link = ""
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        chain.append((current, link))
        if current.__cause__ is not None:
            current, link = current.__cause__, CAUSE
        elif not current.__suppress_context__:
            current, link = current.__context__, CONTEXT
        else:
            current = None
    parts = []
    for failure, link_after in reversed(chain):
        frames = "".join(traceback.format_list(traceback.extract_tb(failure.__traceback__)))
        parts.append(
            f"Traceback (most recent call last):\n{frames}{_class_of(failure)} (message withheld)"
            + (f"\n{link_after}" if link_after else "")
        )
    return "".join(parts).rstrip("\n")


class PrivateFormatter(logging.Formatter):
    """The standard format, with tracebacks of INFO and higher records withheld."""

    def format(self, record: logging.LogRecord) -> str:
        cached = record.exc_text  # another handler's rendering, maybe in full: not used
        error = record.exc_info[1] if record.exc_info else None
        record.exc_text = None
        if error is not None and record.levelno >= logging.INFO:
            record.exc_text = withheld_traceback(error)
        try:
            return super().format(record)
        finally:
            record.exc_text = cached


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ``time`` (UTC, ISO 8601), ``level``, ``logger``,
    ``message``; with an exception also ``exception`` (its class) and ``traceback``,
    withheld at INFO and higher exactly as in the text format."""

    def format(self, record: logging.LogRecord) -> str:
        moment = datetime.fromtimestamp(record.created, UTC)
        entry: dict[str, str] = {
            "time": moment.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        error = record.exc_info[1] if record.exc_info else None
        if error is not None:
            entry["exception"] = _class_of(error)
            entry["traceback"] = (
                withheld_traceback(error)
                if record.levelno >= logging.INFO
                else "".join(traceback.format_exception(error)).rstrip("\n")
            )
        if record.stack_info:
            entry["stack"] = record.stack_info
        return json.dumps(entry, ensure_ascii=False)


def formatter_for(log_format: str) -> logging.Formatter:
    """``text`` (the default) or ``json`` (SIGAP_LOG_FORMAT)."""
    return JsonFormatter() if log_format == "json" else PrivateFormatter(FORMAT)


def configure_logging(level: int = logging.INFO, log_format: str = "text") -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(formatter_for(log_format))
    logging.basicConfig(level=level, handlers=[handler])
    for name in QUIET:
        logging.getLogger(name).setLevel(logging.WARNING)
