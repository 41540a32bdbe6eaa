"""The chat channels Sigap knows. Adding one: its package under ``bot/`` and one line here."""

from __future__ import annotations

from sqlalchemy import Engine

from bot import terminal
from bot.channel import ChannelKind, ChatChannel
from bot.dialogs.desk import Desk
from bot.telegram.app import KIND as TELEGRAM
from bot.whatsapp.channel import KIND as WHATSAPP
from core.config import Settings
from core.services.operations.system_figures import ChannelSetup

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


def channel_setups(settings: Settings) -> tuple[ChannelSetup, ...]:
    """The channels `sigap run` can serve, each enabled or not, and how updates reach it
    (for the admin page "Sistem"). The terminal is `sigap chat`'s alone: not listed."""
    telegram_hook = settings.telegram_webhook_url if settings.telegram_mode == "webhook" else None
    modes: dict[str, tuple[str, str | None]] = {
        TELEGRAM.name: (settings.telegram_mode, telegram_hook),
        WHATSAPP.name: ("webhook", f"{settings.web_address}/whatsapp/webhook"),
    }
    return tuple(
        ChannelSetup(kind.name, kind.enabled(settings), *modes[kind.name])
        for kind in CHANNEL_KINDS
        if kind.name in modes
    )
