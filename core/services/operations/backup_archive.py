"""The backup archive as a stream: a tar (readable by any ``tar``, unless encrypted)
written and read a chunk at a time, every member's SHA-256 taken on the way.

Members, in order: ``sigap-backup.json`` (what the archive holds, read first so a wrong
target is refused before any work), the database (``database.sqlite3`` or
``database.pgdump``), the stored files under ``media/`` and ``reports/``, and
``manifest.json`` last (row counts, and the size and checksum of every member, known
only once they are written).

The database is the bulk of an archive, so its bytes are moved by the kernel
(``copy_file_range``) while a second thread reads and hashes the same bytes; elsewhere
each chunk is hashed in that thread while it is written. The kernel is asked to start
writing the archive out as it grows, so the final fsync does not wait for all of it.
The reader is a small tar reader of its own: plain files and PAX long names only, which
is all Sigap writes, and nothing else is accepted.
"""

from __future__ import annotations

import ctypes
import hashlib
import os
import sys
import tarfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import BinaryIO, Protocol

from core.services.operations.backup_crypto import CORRUPT, CorruptArchive

CHUNK = 1 << 20
FLUSH_EVERY = 32 * CHUNK
BLOCK = tarfile.BLOCKSIZE
HEADER_MEMBER = "sigap-backup.json"
MANIFEST_MEMBER = "manifest.json"
DATABASE_MEMBERS = ("database.sqlite3", "database.pgdump")
FILE_FOLDERS = ("media", "reports")
PAX_LIMIT = 64 * 1024  # a long name or two; Sigap writes nothing longer


class Sink(Protocol):
    def write(self, data: bytes | bytearray | memoryview, /) -> int: ...


class Source(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


@dataclass(frozen=True)
class Stored:
    size: int
    sha256: str


class ArchiveFile:
    """The archive file on disk (unbuffered): writeback started every 32 MiB."""

    def __init__(self, handle: BinaryIO) -> None:
        self.handle = handle
        self.fd = handle.fileno()
        self._since_flush = 0

    def write(self, data: bytes | bytearray | memoryview) -> int:
        view = memoryview(data)
        while view:
            view = view[os.write(self.fd, view) :]
        self.wrote(len(data))
        return len(data)

    def wrote(self, size: int) -> None:
        self._since_flush += size
        if self._since_flush >= FLUSH_EVERY and hasattr(os, "posix_fadvise"):
            # starts writing the dirty pages out now (and drops them from the cache once
            # written: a backup is not read back), so fsync at the end has little left
            os.posix_fadvise(self.fd, 0, 0, os.POSIX_FADV_DONTNEED)
            self._since_flush = 0


def hash_range(fd: int, offset: int, size: int) -> str:
    """SHA-256 of ``size`` bytes of ``fd`` from ``offset`` (positional reads)."""
    digest = hashlib.sha256()
    end = offset + size
    while offset < end:
        data = os.pread(fd, min(CHUNK, end - offset), offset)
        if not data:
            raise CorruptArchive(CORRUPT)
        digest.update(data)
        offset += len(data)
    return digest.hexdigest()


def kernel_copy(
    source: int, offset: int, target: int, size: int, pool: ThreadPoolExecutor
) -> str | None:
    """Copy ``size`` bytes in the kernel while ``pool`` hashes them; their SHA-256, or
    None where the kernel cannot (then nothing was written: copy another way)."""
    if not hasattr(os, "copy_file_range") or size == 0:
        return None
    digest = pool.submit(hash_range, source, offset, size)
    copied = 0
    try:
        while copied < size:
            done = os.copy_file_range(source, target, size - copied, offset + copied)
            if done == 0:
                raise CorruptArchive(CORRUPT)
            copied += done
    except OSError:
        digest.result()
        if copied:
            raise
        return None
    return digest.result()


FALLOC_FL_INSERT_RANGE = 0x20
SYNC_FILE_RANGE_WRITE = 2


def _libc(name: str, *argtypes: type) -> Callable[..., int] | None:
    """A Linux system call the os module lacks, or None elsewhere."""
    if not sys.platform.startswith("linux"):
        return None
    libc = ctypes.CDLL(None, use_errno=True)  # the process's own C library
    function = getattr(libc, f"{name}64", None) or getattr(libc, name, None)
    if function is None:
        return None
    function.argtypes = list(argtypes)
    function.restype = ctypes.c_int
    return function  # type: ignore[no-any-return]


def start_writeback(fd: int) -> None:
    """Have the kernel start writing the file's dirty pages out, keeping them cached
    (they are read again at once); the later fsync then waits for little."""
    call = _libc("sync_file_range", ctypes.c_int, ctypes.c_int64, ctypes.c_int64, ctypes.c_uint)
    if call is not None:
        call(fd, 0, 0, SYNC_FILE_RANGE_WRITE)


def lead_in(header: bytes, member: str, size: int, mtime: float, block: int) -> bytes:
    """The archive's first bytes when the database is already in the file: the header
    member (its JSON padded with spaces) and the database member's tar header, filling
    a whole number of filesystem blocks so the database's bytes can stay where they are."""
    info = tarfile.TarInfo(member)
    info.size, info.mtime, info.mode = size, int(mtime), 0o600
    database = info.tobuf(tarfile.PAX_FORMAT, "utf-8", "surrogateescape")
    total = block
    while total < BLOCK + len(header) + (-len(header) % BLOCK) + len(database):
        total += block
    padded = header + b" " * (total - BLOCK - len(database) - len(header))
    first = tarfile.TarInfo(HEADER_MEMBER)
    first.size, first.mtime, first.mode = len(padded), int(mtime), 0o600
    return first.tobuf(tarfile.PAX_FORMAT, "utf-8", "surrogateescape") + padded + database


def insert_at_start(fd: int, head: bytes) -> bool:
    """Put ``head`` before the file's bytes without moving them (ext4, XFS: the file
    system shifts its extents); False where it cannot, the file then unchanged."""
    fallocate = _libc("fallocate", ctypes.c_int, ctypes.c_int, ctypes.c_int64, ctypes.c_int64)
    if fallocate is None or len(head) % os.fstatvfs(fd).f_bsize:
        return False
    if fallocate(fd, FALLOC_FL_INSERT_RANGE, 0, len(head)) != 0:
        return False
    os.pwrite(fd, head, 0)
    return True


class ArchiveWriter:
    """Members appended one after the other; ``close`` ends the tar."""

    def __init__(self, sink: Sink) -> None:
        self._sink = sink
        self._hasher = ThreadPoolExecutor(max_workers=1, thread_name_prefix="backup-hash")

    def _header(self, name: str, size: int, mtime: float) -> None:
        info = tarfile.TarInfo(name)
        info.size, info.mtime, info.mode = size, int(mtime), 0o600
        self._sink.write(info.tobuf(tarfile.PAX_FORMAT, "utf-8", "surrogateescape"))

    def pad(self, size: int) -> None:
        """The zeros after a member's ``size`` bytes, to the next tar block."""
        if size % BLOCK:
            self._sink.write(bytes(BLOCK - size % BLOCK))

    def add_bytes(self, name: str, data: bytes) -> Stored:
        self._header(name, len(data), time.time())
        self._sink.write(data)
        self.pad(len(data))
        return Stored(len(data), hashlib.sha256(data).hexdigest())

    def add_file(
        self, name: str, handle: BinaryIO, size: int, mtime: float, settled: bool = False
    ) -> Stored:
        """``size`` bytes of the open file (its size when opened: a file still growing
        is taken as it was; one cut short meanwhile is padded, and its checksum is of
        what the archive holds). A ``settled`` file (one nobody writes, the database
        snapshot) is copied by the kernel when the archive is a plain file."""
        self._header(name, size, mtime)
        digest = None
        if settled and isinstance(self._sink, ArchiveFile):
            digest = kernel_copy(handle.fileno(), 0, self._sink.fd, size, self._hasher)
            if digest is not None:
                self._sink.wrote(size)
        if digest is None:
            digest = copy_hashing(handle.readinto, self._sink.write, size, self._hasher)  # type: ignore[attr-defined]
        self.pad(size)
        return Stored(size, digest)

    def close(self) -> None:
        self._sink.write(bytes(BLOCK * 2))
        self._hasher.shutdown()


def copy_hashing(
    read_into: Callable[[memoryview], int | None],
    write: Callable[[memoryview], object],
    size: int,
    hasher: ThreadPoolExecutor | None = None,
) -> str:
    """Copy exactly ``size`` bytes (zeros where the source ends early); their SHA-256.
    Two buffers: chunk n is hashed in ``hasher`` while it is written and chunk n+1 read."""
    digest = hashlib.sha256()
    buffers = [bytearray(min(CHUNK, max(size, 1))) for _ in range(2)]
    pending: Future[None] | None = None
    left, turn = size, 0
    while left > 0:
        view = memoryview(buffers[turn])[: min(left, CHUNK)]
        got = _fill(read_into, view)
        if got < len(view):
            view[got:] = bytes(len(view) - got)
        if pending is not None:
            pending.result()
        if hasher is not None and len(view) > 65536:
            pending = hasher.submit(digest.update, view)
        else:
            digest.update(view)
            pending = None
        write(view)
        left -= len(view)
        turn ^= 1
    if pending is not None:
        pending.result()
    return digest.hexdigest()


def _fill(read_into: Callable[[memoryview], int | None], view: memoryview) -> int:
    filled = 0
    while filled < len(view):
        got = read_into(view[filled:])
        if not got:
            break
        filled += got
    return filled


def safe_name(name: str) -> bool:
    """A member this restore knows where to put: nothing outside its folder."""
    if name in (HEADER_MEMBER, MANIFEST_MEMBER, *DATABASE_MEMBERS):
        return True
    path = PurePosixPath(name)
    return (
        len(path.parts) >= 2
        and path.parts[0] in FILE_FOLDERS
        and not path.is_absolute()
        and all(part not in ("", ".", "..") for part in path.parts)
        and "\\" not in name
        and "\x00" not in name
    )


class Member:
    """One file in the archive, read once, in order."""

    def __init__(self, reader: TarReader, name: str, size: int) -> None:
        self.name, self.size = name, size
        self.left = size
        self._reader = reader
        self.offset = reader.offset  # where its bytes start (a plain archive's file)

    def readinto(self, view: memoryview) -> int:
        if self.left <= 0:
            return 0
        got = self._reader.readinto(view[: self.left])
        if got == 0:
            raise CorruptArchive(CORRUPT)
        self.left -= got
        return got

    def read(self) -> bytes:
        buffer = bytearray(self.size)
        if _fill(self.readinto, memoryview(buffer)) != self.size:
            raise CorruptArchive(CORRUPT)
        return bytes(buffer)

    def copy_to(self, fd: int, pool: ThreadPoolExecutor) -> str | None:
        """All of it into ``fd`` by the kernel (a plain archive file only); None if not."""
        if self._reader.fd is None or self.left != self.size:
            return None
        digest = kernel_copy(self._reader.fd, self.offset, fd, self.size, pool)
        if digest is not None:
            self._reader.skip(self.size)
            self.left = 0
        return digest


class TarReader:
    """The members of a tar Sigap wrote, from a plain file or a decrypting stream."""

    def __init__(self, source: Source, fd: int | None) -> None:
        self._source = source
        self.fd = fd  # a plain archive's descriptor: positional reads, kernel copies
        self.offset = 0
        self._length = os.fstat(fd).st_size if fd is not None else None

    def readinto(self, view: memoryview) -> int:
        if self.fd is not None:
            got = os.preadv(self.fd, [view], self.offset)
        else:
            data = self._source.read(len(view))
            got = len(data)
            view[:got] = data
        self.offset += got
        return got

    def _exact(self, size: int) -> bytes:
        buffer = bytearray(size)
        if _fill(self.readinto, memoryview(buffer)) != size:
            raise CorruptArchive(CORRUPT)
        return bytes(buffer)

    def skip(self, size: int) -> None:
        if self.fd is not None:
            self.offset += size
            return
        while size > 0:
            size -= len(self._exact(min(size, CHUNK)))

    def _header(self) -> tarfile.TarInfo | None:
        block = self._exact(BLOCK)
        if block == bytes(BLOCK):
            return None
        try:
            return tarfile.TarInfo.frombuf(block, "utf-8", "surrogateescape")
        except tarfile.HeaderError:
            raise CorruptArchive(CORRUPT) from None

    def __iter__(self) -> Iterator[Member]:
        while (info := self._header()) is not None:
            name, size = info.name, info.size
            if info.type == tarfile.XHDTYPE:  # a PAX header: the next member's long name
                if not 0 <= info.size <= PAX_LIMIT:
                    raise CorruptArchive(CORRUPT)
                extended = _pax(self._exact(info.size))
                self.skip(-info.size % BLOCK)
                info = self._header()
                if info is None:
                    raise CorruptArchive(CORRUPT)
                name = extended.get("path", info.name)
                size = _size(extended.get("size", str(info.size)))
            if info.type not in tarfile.REGULAR_TYPES or not safe_name(name):
                raise CorruptArchive(CORRUPT)
            self._check_fits(size)
            member = Member(self, name, size)
            yield member
            self.skip(member.left + (-size % BLOCK))

    def _check_fits(self, size: int) -> None:
        """A size the archive cannot hold is damage, refused before any byte is read
        or any buffer allocated for it."""
        if size < 0 or (self._length is not None and size > self._length - self.offset):
            raise CorruptArchive(CORRUPT)


def _size(text: str) -> int:
    if not text.isascii() or not text.isdigit():
        raise CorruptArchive(CORRUPT)
    return int(text)


def _pax(data: bytes) -> dict[str, str]:
    """PAX records, ``"<length> <key>=<value>\\n"`` each."""
    records: dict[str, str] = {}
    while data:
        length = data.partition(b" ")[0]
        if not length.isdigit() or int(length) > len(data) or int(length) <= len(length):
            raise CorruptArchive(CORRUPT)
        record, data = data[len(length) + 1 : int(length)], data[int(length) :]
        key, equals, value = record.rstrip(b"\n").partition(b"=")
        if not equals:
            raise CorruptArchive(CORRUPT)
        records[key.decode("utf-8", "surrogateescape")] = value.decode("utf-8", "surrogateescape")
    return records
