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
"""

from __future__ import annotations

import logging
import traceback

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


def configure_logging(level: int = logging.INFO) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(PrivateFormatter(FORMAT))
    logging.basicConfig(level=level, handlers=[handler])
    for name in QUIET:
        logging.getLogger(name).setLevel(logging.WARNING)
