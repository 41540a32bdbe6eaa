"""What a chat channel is to the rest of Sigap: one small interface, one package each.

A channel converts what its platform sends into ``Inbound`` messages for the desk (its
own business, inside its package), sends what the outbox holds for it, may need HTTP
routes on Sigap's server (webhooks), and knows what a person's address looks like on it.
The composition root (``app.channels``) lists the channels and starts those enabled.

Adding a channel: a package under ``bot/`` with a ``KIND = ChannelKind(...)`` and one
line in ``app.channels.CHANNEL_KINDS``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import Engine
from starlette.routing import BaseRoute

from bot.dialogs.desk import Desk
from core.config import Settings


class ChatChannel(Protocol):
    """A channel built for one process, started and stopped by the composition root."""

    name: str

    def routes(self) -> Sequence[BaseRoute]:
        """HTTP routes this channel needs on Sigap's server (none for polling)."""
        ...

    async def start(self) -> None:
        """Begin receiving and sending; returns once running."""
        ...

    async def stop(self) -> None:
        """Finish what is in hand, record what was delivered, release connections."""
        ...

    async def deliver_pending(self, timeout: float) -> int:
        """Outside `sigap run`: send what waits for this channel; how many still wait."""
        ...


@dataclass(frozen=True)
class ChannelKind:
    """A channel as the composition root sees it before building it."""

    name: str
    enabled: Callable[[Settings], bool]
    build: Callable[[Settings, Engine, Desk], ChatChannel]
    # What a person's id looks like here (e.g. a Telegram user id is an integer): the
    # check an operator's typed id gets before it is stored as a chat account.
    is_address: Callable[[str], bool]
    describe_address: str = ""
