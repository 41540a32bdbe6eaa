"""python-telegram-bot's networking on aiohttp instead of its default httpx.

Every Bot API call Sigap makes passes through here, and in `bench/telegram_bot.py` the
httpx client alone was a third of the bot's CPU time: ~0.9 ms per call against ~0.5 ms
on aiohttp, for the same PTB call on the same fake server; the whole bot went from ~290
to ~410 updates/s. PTB documents ``BaseRequest`` as the place for another HTTP library;
its contrib repository carries an aiohttp one too.

Timeouts keep PTB's meaning: ``pool`` is waiting for a free connection, ``connect``
opening one, ``read`` waiting for the answer (PTB adds the long-poll time for
getUpdates). aiohttp has no socket write timeout, so ``write`` bounds the whole request
instead, together with the others. ``pool`` defaults to 30 s, not PTB's 1 s: handlers
and the outbox sender share the pool, and a reply that waits a little for a connection
is better than one that fails.

Proxies come from the environment (``HTTPS_PROXY``, ``NO_PROXY``), as they did with
httpx, but are looked up once per host: aiohttp's own ``trust_env`` reads the
environment and ``~/.netrc`` in a worker thread on every request, which cost more than
the switch from httpx saved (measured: a quarter of the bot's samples in those threads).
"""

from __future__ import annotations

import re
import urllib.request
from urllib.parse import urlsplit

import aiohttp
from telegram._utils.defaultvalue import DefaultValue
from telegram._utils.types import ODVInput
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

TOKEN_IN_URL = re.compile(r"/(file/)?bot[^/\s]+")


def _redacted(error: BaseException) -> str:
    """An aiohttp error may quote the URL, and a Bot API URL holds the token."""
    return TOKEN_IN_URL.sub(r"/\1bot<token>", f"aiohttp.{type(error).__name__}: {error}")


class AiohttpRequest(BaseRequest):
    __slots__ = ("_defaults", "_media_write_timeout", "_pool_size", "_proxies", "_session")

    def __init__(
        self,
        connection_pool_size: int = 1,
        *,
        read_timeout: float | None = 5.0,
        write_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 30.0,
        media_write_timeout: float | None = 20.0,
    ) -> None:
        self._pool_size = connection_pool_size
        self._defaults = {
            "read": read_timeout,
            "write": write_timeout,
            "connect": connect_timeout,
            "pool": pool_timeout,
        }
        self._media_write_timeout = media_write_timeout
        self._session: aiohttp.ClientSession | None = None
        self._proxies: dict[tuple[str, str], str | None] = {}

    @property
    def read_timeout(self) -> float | None:
        return self._defaults["read"]

    async def initialize(self) -> None:
        """The session belongs to the running event loop, so it is made here."""
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._pool_size),
                headers={"User-Agent": self.USER_AGENT},
            )
            self._proxies.clear()  # a restart sees a changed environment

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        has_files = request_data is not None and request_data.contains_files
        timeout = self._timeout(
            self._pick(read_timeout, "read"),
            self._media_write_timeout if has_files else self._pick(write_timeout, "write"),
            self._pick(connect_timeout, "connect"),
            self._pick(pool_timeout, "pool"),
        )
        try:
            async with self._session.request(
                method,
                url,
                data=_body(request_data),
                timeout=timeout,
                proxy=self._proxy_for(url),
            ) as response:
                return response.status, await response.read()
        except TimeoutError as exc:
            if isinstance(exc, aiohttp.ConnectionTimeoutError):
                raise TimedOut(
                    "Pool or connect timeout: the request was not sent to Telegram."
                ) from exc
            raise TimedOut(_redacted(exc)) from exc
        except aiohttp.ClientError as exc:
            raise NetworkError(_redacted(exc)) from exc

    def _proxy_for(self, url: str) -> str | None:
        parts = urlsplit(url)
        origin = (parts.scheme, parts.hostname or "")
        if origin not in self._proxies:
            self._proxies[origin] = _environment_proxy(*origin)
        return self._proxies[origin]

    def _pick(self, given: ODVInput[float], name: str) -> float | None:
        return self._defaults[name] if isinstance(given, DefaultValue) else given

    @staticmethod
    def _timeout(
        read: float | None, write: float | None, connect: float | None, pool: float | None
    ) -> aiohttp.ClientTimeout:
        parts = (read, write, connect, pool)
        return aiohttp.ClientTimeout(
            total=None if None in parts else sum(p for p in parts if p is not None),
            connect=None if pool is None or connect is None else pool + connect,
            sock_connect=connect,
            sock_read=read,
        )


def _environment_proxy(scheme: str, host: str) -> str | None:
    if host and urllib.request.proxy_bypass(host):
        return None
    return urllib.request.getproxies().get(scheme)


def _body(request_data: RequestData | None) -> aiohttp.FormData | dict[str, str] | None:
    """A form, as PTB sends it: url-encoded, or multipart when there are files."""
    if request_data is None:
        return None
    fields = request_data.json_parameters
    if not request_data.contains_files:
        return fields
    form = aiohttp.FormData(fields)
    for name, (filename, content, mimetype) in request_data.multipart_data.items():
        form.add_field(name, content, filename=filename, content_type=mimetype)
    return form
