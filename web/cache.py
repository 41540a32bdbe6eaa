"""Figures computed once per state of the data: the dashboard's IKU and trend, keyed by
the period and the IKU inputs' stamp (``core.services.performance.iku_stamp``), so a change anywhere
is seen on the next page load and an unchanged year is not recomputed for every viewer.
An entry belongs to one office: the office is a required part of every key, so two
offices whose data stamps happen to agree (two new, empty ones) never share a page.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any


class FiguresCache:
    def __init__(self, size: int = 64) -> None:
        self._items: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()
        self.size = size

    def get(self, office: int, key: Hashable, compute: Callable[[], Any]) -> Any:
        key = (office, key)
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        value = compute()  # outside the lock: two viewers may compute the same, once each
        with self._lock:
            self._items[key] = value
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return value
