"""Telegram updates in, dialog input out; dialog output in, Telegram markup out."""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.dialogs.types import ChatUser, Inbound
from bot.i18n import t

CHANNEL = "telegram"


def chat_user(update: Update) -> ChatUser | None:
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None or user.is_bot:
        return None
    return ChatUser(CHANNEL, str(user.id), str(chat.id), user.full_name)


def inbound(update: Update) -> Inbound | None:
    """What the person did; None for updates Sigap ignores (edits, channel posts, ...)."""
    if update.callback_query is not None:
        return Inbound("choice", choice=update.callback_query.data or "")
    message = update.message
    if message is None:
        return None
    if message.text is not None:
        return Inbound.from_text(message.text)
    if message.location is not None:
        return Inbound(
            "location", latitude=message.location.latitude, longitude=message.location.longitude
        )
    if message.photo:
        largest = max(message.photo, key=lambda size: size.width * size.height)
        return Inbound(
            "photo",
            text=message.caption or "",
            photo_ref=largest.file_id,
            file_size=largest.file_size,
            mime="image/jpeg",  # Telegram re-encodes every photo as JPEG
        )
    if message.document is not None:  # a file sent as a file: a document for IKU1
        document = message.document
        return Inbound(
            "document",
            text=message.caption or "",
            photo_ref=document.file_id,
            file_size=document.file_size,
            mime=(document.mime_type or "")[:100],
        )
    return Inbound("unsupported")


@lru_cache(maxsize=1024)
def keyboard(markup_json: str | None, language: str) -> InlineKeyboardMarkup | None:
    """Inline buttons for a stored markup. PTB's markup objects are immutable and the
    same prompts recur for every resident, so built keyboards are cached."""
    if not markup_json:
        return None
    markup: dict[str, Any] = json.loads(markup_json)
    choices = markup.get("choices") or []
    if not choices:
        return None
    columns = max(1, int(markup.get("columns", 1)))
    buttons = [
        InlineKeyboardButton(
            choice.get("label") or t(language, choice["label_key"]),
            callback_data=choice["value"],
        )
        for choice in choices
    ]
    return InlineKeyboardMarkup([buttons[i : i + columns] for i in range(0, len(buttons), columns)])
