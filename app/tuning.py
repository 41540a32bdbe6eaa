"""Process tuning for a long-running Sigap, in one place with its reasons."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator

# A chat update or webhook allocates thousands of short-lived objects, freed by reference
# counting anyway; the cyclic collector is asked to look less often.
SERVICE_GC_THRESHOLDS = (10_000, 50, 50)


@contextlib.contextmanager
def tuned_for_service() -> Iterator[None]:
    """Call once everything long-lived is loaded (modules, mappers, compiled statements,
    channels): it is kept out of the cyclic collector's sweeps, which otherwise walk it
    again and again under load, and the collector runs less often. Measured: ~10% of the
    throughput in bench/telegram_bot.py; bench/whatsapp.py at 8 webhooks in flight, p99
    70 -> 31 ms with the freeze and 42-55 -> 33-39 ms with the thresholds, for +4 MB.
    The thresholds are restored on the way out."""
    thresholds = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(*SERVICE_GC_THRESHOLDS)
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()
