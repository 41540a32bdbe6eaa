"""The chat channels Sigap knows. Adding one: its package under ``bot/`` and one line here."""

from __future__ import annotations

from sqlalchemy import Engine

from bot import terminal
from bot.channel import ChannelKind, ChatChannel
from bot.dialogs.desk import Desk
from bot.telegram.app import KIND as TELEGRAM
from bot.whatsapp.channel import KIND as WHATSAPP
from core.config import Settings

CHANNEL_KINDS: tuple[ChannelKind, ...] = (TELEGRAM, WHATSAPP, terminal.KIND)


def enabled_kinds(settings: Settings) -> list[ChannelKind]:
    return [kind for kind in CHANNEL_KINDS if kind.enabled(settings)]


def build_channels(settings: Settings, engine: Engine, desk: Desk) -> list[ChatChannel]:
    """Every channel the settings enable, built (not started) for this process."""
    return [kind.build(settings, engine, desk) for kind in enabled_kinds(settings)]


def kind_named(name: str) -> ChannelKind:
    for kind in CHANNEL_KINDS:
        if kind.name == name:
            return kind
    known = ", ".join(kind.name for kind in CHANNEL_KINDS)
    raise ValueError(f"kanal tidak dikenal / unknown channel {name!r} ({known})")
