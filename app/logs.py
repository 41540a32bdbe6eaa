"""Logging for a running Sigap: informative, and never a secret.

httpx logs every request URL at INFO, and a Bot API URL contains the bot token, so the
HTTP client loggers (httpx for WhatsApp, aiohttp for Telegram) are held at WARNING.
"""

from __future__ import annotations

import logging

QUIET = ("httpx", "httpcore", "aiohttp", "apscheduler.executors")


def configure_logging(level: int = logging.INFO) -> None:
    logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s", level=level)
    for name in QUIET:
        logging.getLogger(name).setLevel(logging.WARNING)
