"""Backup archives encrypted with a passphrase, streamed a chunk at a time.

A backup holds residents' names, numbers and photos, so when SIGAP_BACKUP_PASSPHRASE is
set the archive is sealed as it is written (nothing in plain text touches the
destination) and opened as it is read, in memory flat in the archive's size:

- the key is scrypt(passphrase, a random salt per archive), so no two archives share a
  key even with one passphrase; the header also keeps 16 more bytes of scrypt's output,
  which tells a wrong passphrase apart from a damaged archive before any work is done;
- the stream is cut in 1 MiB chunks, each sealed with AES-256-GCM under a nonce made of
  its position and a "last chunk" flag (the STREAM construction age and Tink use), with
  the header as associated data: a chunk changed, dropped, reordered, or an archive cut
  short, fails to open; nothing read before the failure is trusted by the caller.

Layout: ``SIGAPENC``, version, log2(N), r, p, 16-byte salt, 16-byte check, then the
sealed chunks (each 16 bytes longer than its plain text, the last one shorter or equal).
"""

from __future__ import annotations

import hmac
import os
from typing import BinaryIO, Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from core.errors import SigapError

MAGIC = b"SIGAPENC"
VERSION = 1
CHUNK = 1 << 20
TAG = 16
SALT = 16
CHECK = 16
HEADER = len(MAGIC) + 4 + SALT + CHECK
# scrypt's interactive cost (32 MiB, ~0.1 s): the passphrase carries the strength.
LOG2_N, R, P = 15, 8, 1


class BackupError(SigapError):
    """A backup or restore refused or failed; the message is the one line shown."""


class WrongPassphrase(BackupError):
    pass


class CorruptArchive(BackupError):
    pass


CORRUPT = "Arsip cadangan rusak atau terpotong / the backup archive is damaged or truncated"
WRONG = (
    "Kata sandi cadangan salah / wrong backup passphrase (SIGAP_BACKUP_PASSPHRASE "
    "must be the one set when the archive was made)"
)


def _derive(passphrase: str, salt: bytes, log2_n: int, r: int, p: int) -> tuple[bytes, bytes]:
    material = Scrypt(salt=salt, length=32 + CHECK, n=1 << log2_n, r=r, p=p).derive(
        passphrase.encode("utf-8")
    )
    return material[:32], material[32:]


def _nonce(counter: int, last: bool) -> bytes:
    return counter.to_bytes(11, "big") + (b"\x01" if last else b"\x00")


def is_encrypted(head: bytes) -> bool:
    return head.startswith(MAGIC)


class Writable(Protocol):
    def write(self, data: bytes, /) -> int: ...


class EncryptingWriter:
    """A write-only stream that seals what it is given into ``raw``."""

    def __init__(self, raw: Writable, passphrase: str) -> None:
        salt = os.urandom(SALT)
        key, check = _derive(passphrase, salt, LOG2_N, R, P)
        self._header = MAGIC + bytes((VERSION, LOG2_N, R, P)) + salt + check
        self._aead = AESGCM(key)
        self._raw = raw
        self._buffer = bytearray()
        self._counter = 0
        raw.write(self._header)

    def write(self, data: bytes | bytearray | memoryview) -> int:
        self._buffer += data
        # a full chunk goes out only once more follows: the last one is sealed as last
        while len(self._buffer) > CHUNK:
            self._seal(memoryview(self._buffer)[:CHUNK], last=False)
            del self._buffer[:CHUNK]
        return len(data)

    def _seal(self, plain: memoryview | bytearray, last: bool) -> None:
        nonce = _nonce(self._counter, last)
        self._raw.write(self._aead.encrypt(nonce, plain, self._header))
        self._counter += 1

    def close(self) -> None:
        """Seal what is left as the last chunk (empty for an empty stream)."""
        self._seal(self._buffer, last=True)
        self._buffer.clear()


class DecryptingReader:
    """A read-only stream of the plain text of an archive ``EncryptingWriter`` made.

    Raises WrongPassphrase at once when the passphrase is not the archive's, and
    CorruptArchive where a chunk fails to open or the stream ends early."""

    def __init__(self, raw: BinaryIO, passphrase: str) -> None:
        header = raw.read(HEADER)
        if len(header) < HEADER or not header.startswith(MAGIC) or header[8] != VERSION:
            raise CorruptArchive(CORRUPT)
        log2_n, r, p = header[9], header[10], header[11]
        if not (10 <= log2_n <= 20 and 1 <= r <= 16 and 1 <= p <= 4):
            raise CorruptArchive(CORRUPT)
        salt = header[12 : 12 + SALT]
        key, check = _derive(passphrase, salt, log2_n, r, p)
        if not hmac.compare_digest(check, header[12 + SALT :]):
            raise WrongPassphrase(WRONG)
        self._header = header
        self._aead = AESGCM(key)
        self._raw = raw
        self._counter = 0
        self._ahead = raw.read(CHUNK + TAG)  # one chunk ahead: is the current one last?
        self._plain = b""
        self._offset = 0
        self._done = False

    def _next_chunk(self) -> None:
        sealed = self._ahead
        if len(sealed) < TAG:
            raise CorruptArchive(CORRUPT)
        self._ahead = self._raw.read(CHUNK + TAG) if len(sealed) == CHUNK + TAG else b""
        last = not self._ahead
        try:
            self._plain = self._aead.decrypt(_nonce(self._counter, last), sealed, self._header)
        except InvalidTag:
            raise CorruptArchive(CORRUPT) from None
        self._offset = 0
        self._counter += 1
        self._done = last

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            size = 1 << 62
        parts: list[bytes] = []
        while size > 0:
            if self._offset >= len(self._plain):
                if self._done:
                    break
                self._next_chunk()
                continue
            piece = self._plain[self._offset : self._offset + size]
            self._offset += len(piece)
            size -= len(piece)
            parts.append(piece)
        return b"".join(parts)
