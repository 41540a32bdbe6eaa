"""What stands between a login button and a session: a form token the server signed for
this browser, and a limit on presses per address.

Login CSRF (an attacker's page pressing *Masuk* in the victim's browser with the
attacker's own link) is stopped three ways: the form token is an HMAC over a random
nonce kept in an HttpOnly cookie and the time it was issued, so neither can be chosen
by anyone without the server's key; behind HTTPS the cookie is ``__Host-`` prefixed, so a
sibling subdomain cannot plant one; and a press whose ``Origin`` is another site is
refused before anything else.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass, field

FORM_LIFETIME = 15 * 60  # seconds a login page's button keeps working
_PROCESS_KEY = secrets.token_bytes(32)  # when SIGAP_SECRET_KEY is unset


@dataclass(frozen=True)
class FormSigner:
    key: bytes = _PROCESS_KEY

    @classmethod
    def from_secret(cls, secret: str | None) -> FormSigner:
        return cls(hashlib.sha256(secret.encode()).digest()) if secret else cls()

    def _mac(self, nonce: str, issued: int) -> str:
        message = f"login\x00{nonce}\x00{issued}".encode()
        return hmac.new(self.key, message, hashlib.sha256).hexdigest()

    def issue(self, now: float | None = None) -> tuple[str, str]:
        """(nonce for the cookie, token for the form)."""
        nonce = secrets.token_urlsafe(24)
        issued = int(time.time() if now is None else now)
        return nonce, f"{issued}.{self._mac(nonce, issued)}"

    def valid(self, nonce: str, token: str | None, now: float | None = None) -> bool:
        if not nonce or not token or len(token) > 100 or len(nonce) > 100:
            return False
        issued_text, _, mac = token.partition(".")
        if not (issued_text.isascii() and issued_text.isdigit()):
            return False
        issued = int(issued_text)
        age = (time.time() if now is None else now) - issued
        if not 0 <= age <= FORM_LIFETIME:
            return False
        return hmac.compare_digest(mac, self._mac(nonce, issued))


def same_origin(origin: str | None, expected: set[str]) -> bool:
    """A browser names the page a POST came from; no header (old clients, curl) passes,
    since the signed token still has to match."""
    return origin is None or origin in expected


@dataclass
class AttemptLimiter:
    """At most ``per_minute`` presses per address in any sliding minute. In memory: a
    login storm is stopped by each process on its own, and a restart forgets nothing
    worth keeping. Bounded: the oldest addresses are forgotten past ``max_addresses``."""

    per_minute: int
    max_addresses: int = 10_000
    _seen: dict[str, deque[float]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def allow(self, address: str, now: float | None = None) -> bool:
        at = time.monotonic() if now is None else now
        with self._lock:
            presses = self._seen.pop(address, None) or deque()
            while presses and presses[0] <= at - 60:
                presses.popleft()
            allowed = len(presses) < self.per_minute
            if allowed:
                presses.append(at)
            self._seen[address] = presses  # re-inserted: dict order is least recent first
            while len(self._seen) > self.max_addresses:
                del self._seen[next(iter(self._seen))]
            return allowed
