"""How many messages one chat account may send per minute.

A token bucket per account, in memory: a flood from one phone (or a script) gets one polite
notice and then silence until it slows down, and costs the desk no dialog work meanwhile.
Counted after the update's id was recorded, so a redelivery of a message already handled
is never counted twice. Per process: with several processes each one allows the rate.
"""

from __future__ import annotations

import enum
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

MAX_TRACKED = 50_000  # accounts remembered at once; the longest idle ones are forgotten


class Verdict(enum.Enum):
    ADMIT = "admit"
    NOTICE = "notice"  # the first message over the rate: say so, do nothing else
    DROP = "drop"  # later ones while still over: nothing at all


@dataclass
class _Bucket:
    tokens: float
    stamp: float
    noticed: bool = False


class ChatThrottle:
    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.capacity = float(per_minute)
        self.refill = per_minute / 60.0  # tokens per second
        self.clock = clock
        self._buckets: OrderedDict[tuple[str, str], _Bucket] = OrderedDict()

    def admit(self, channel: str, user_id: str) -> Verdict:
        now, key = self.clock(), (channel, user_id)
        bucket = self._buckets.pop(key, None)
        if bucket is None:
            bucket = _Bucket(self.capacity, now)
        else:
            elapsed = max(0.0, now - bucket.stamp)
            bucket.tokens = min(self.capacity, bucket.tokens + elapsed * self.refill)
            bucket.stamp = now
        self._buckets[key] = bucket  # most recently seen last
        if len(self._buckets) > MAX_TRACKED:
            self._buckets.popitem(last=False)
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            bucket.noticed = False
            return Verdict.ADMIT
        if bucket.noticed:
            return Verdict.DROP
        bucket.noticed = True
        return Verdict.NOTICE
