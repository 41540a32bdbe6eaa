"""Send slots shared by every `sigap run` process on one PostgreSQL database.

Each channel has one row (key ``telegram``) holding its next free slot, and each paced
chat one more (key ``telegram:12345``). Taking a slot is one statement: the channel's
next free slot, taken only if the chat is free by then, and both rows moved past it by
their own gap; a chat not free yet is waited for before asking again. Every process then
waits for its slot, so together they never send faster than the platform allows, overall
or to one chat. Times are the database server's clock (epoch seconds): one clock
for every process, whatever the hosts' clocks say.

PostgreSQL only: on SQLite one process sends, and paces in memory (bot/outbox_sender.py).
"""

from __future__ import annotations

from typing import NamedTuple

from sqlalchemy import Connection, text

NOW = "extract(epoch FROM clock_timestamp())::float8"
# Both rows locked, the channel's first (two processes never deadlock). The slot is the
# channel's next free time (or now); it is taken only when the chat is free by then, so a
# send that must wait for its chat never holds the channel's slots meanwhile (it waits
# outside and asks again): one busy chat never slows the others.
_TAKE = text(
    f"""
    WITH locked AS (
        SELECT key, next_at FROM sendpace
        WHERE key IN (:channel, :chat) ORDER BY key FOR UPDATE
    ), found AS (
        SELECT max(next_at) FILTER (WHERE key = :channel) AS channel_at,
               max(next_at) FILTER (WHERE key = :chat) AS chat_at,
               count(*) AS rows FROM locked
    ), slot AS (
        SELECT GREATEST({NOW}, channel_at) AS at, chat_at, rows FROM found
    ), moved AS (
        UPDATE sendpace
        SET next_at = slot.at + CASE WHEN sendpace.key = :channel THEN :gap ELSE :chat_gap END
        FROM slot
        WHERE sendpace.key IN (:channel, :chat) AND slot.rows = :needed
          AND slot.chat_at <= slot.at
        RETURNING sendpace.key
    )
    SELECT slot.at, slot.chat_at, {NOW}, slot.rows, (SELECT count(*) FROM moved) FROM slot
    """
)
_ADD = text(
    "INSERT INTO sendpace (key, next_at) VALUES (:channel, 0), (:chat, 0) "
    "ON CONFLICT (key) DO NOTHING"
)
_FORGET = text(f"DELETE FROM sendpace WHERE key LIKE '%:%' AND next_at < {NOW} - :idle")


class Slot(NamedTuple):
    at: float  # the database's clock, epoch seconds: the slot, or when the chat is free
    wait: float  # seconds from now until then (0 or more)
    taken: bool  # False: the chat is not free yet; wait, then ask again


def chat_key(channel: str, chat: str) -> str:
    return f"{channel}:{chat}"[:120]


def take_slot(
    connection: Connection, channel: str, gap: float, chat: str | None, chat_gap: float
) -> Slot:
    """Reserve the next send slot of ``channel`` if ``chat`` (when it is paced) is free by
    then; else say when the chat is free. Run it in autocommit: the rows stay locked only
    for this one statement."""
    paced_chat = chat_key(channel, chat) if chat is not None and chat_gap > 0 else channel
    needed = 1 if paced_chat == channel else 2
    values = {"channel": channel, "chat": paced_chat, "gap": gap, "chat_gap": chat_gap}
    values["needed"] = needed
    for _ in range(2):
        at, chat_at, now, rows, moved = connection.execute(_TAKE, values).one()
        if rows == needed:
            break
        connection.execute(_ADD, values)  # a channel or chat not seen yet (or forgotten)
    if moved:
        return Slot(float(at), max(0.0, float(at) - float(now)), True)
    return Slot(float(chat_at), max(0.0, float(chat_at) - float(now)), False)


def forget_idle_chats(connection: Connection, idle_seconds: float = 3600.0) -> int:
    """Drop the rows of chats nobody sent to for a while (a free slot needs no row)."""
    result = connection.execute(_FORGET, {"idle": idle_seconds})
    return int(getattr(result, "rowcount", 0) or 0)
