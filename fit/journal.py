"""All-or-nothing updates of an HDF5 file: writes held in memory, a rollback journal on disk.

HDF5 updates a file in place: appending rows rewrites the last chunk of each
dataset, B-tree nodes, object headers and the superblock, wherever they lie.
A write that fails half-way (disk full, quota, I/O error) or a kill in the
middle of one leaves metadata pointing at data that was never written, and
the file no longer opens. So HDF5 is never let near the file itself:

1. h5py opens a `Transaction` (a file object) instead of the path. HDF5 reads
   the committed file through it; every write lands in a page in memory.
2. Once h5py has closed the file without error, `Transaction.commit` knows
   every byte that changes. It checks the free space first; then writes the
   original content of each page it will overwrite, with the old length and a
   checksum, to ``<file>-journal`` and syncs it; then writes the new pages,
   sets the new length and syncs the file; then deletes the journal. Deleting
   the journal is the commit.
3. A commit that fails puts the original pages back and cuts the file to its
   old length. A process killed in the middle leaves the journal behind:
   `recover` (writers, under the run lock) rolls the file back to its last
   commit, `committed_view` (readers, who must not write) shows that state
   without touching the file.

A failed or killed update therefore costs the update, never what was there.
"""

from __future__ import annotations

import contextlib
import errno
import io
import os
import struct
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import h5py

PAGE = 4096
#: free space kept beyond what a commit needs [bytes]
RESERVE = 1 << 20
_HEADER = struct.Struct("<16sQQQQ")   # magic, old length, st_dev, st_ino, number of pages
_RECORD = struct.Struct("<QI")        # page index, bytes of original content
_TRAILER = struct.Struct("<8sI")      # end marker, CRC-32 of everything before it
_MAGIC, _END = b"fit-journal-v1\n\0", b"complete"


class CommitFailed(Exception):  # noqa: N818 - reads as "the commit failed"
    """An update was not written. ``rolled_back``: the file holds its last commit; if not,
    the journal is still there and the next `recover` or `committed_view` undoes the rest.
    ``needed``/``free``: bytes, when the free-space check refused the commit."""

    def __init__(self, message: str, *, errno: int | None = None, rolled_back: bool = True,
                 needed: int | None = None, free: int | None = None):
        super().__init__(message)
        self.errno, self.rolled_back, self.needed, self.free = errno, rolled_back, needed, free


class JournalMismatch(Exception):  # noqa: N818 - a state, not an action
    """A complete journal lies next to a file it was not written for (the file was copied or
    replaced while an update was under way): applying it would damage the file."""


def journal_path(path: Path) -> Path:
    return path.with_name(path.name + "-journal")


class _PagedFile(io.RawIOBase):
    """A file as HDF5 sees it: the bytes on disk with ``pages`` laid over them, cut at
    ``size``. Bytes beyond the file on disk and outside every page read as zeros."""

    def __init__(self, fd: int, size: int, pages: dict[int, bytearray]):
        super().__init__()
        self._fd, self.size, self.pages, self._pos = fd, size, pages, 0
        self.disk_size = os.fstat(fd).st_size

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self.size}[whence]
        self._pos = base + offset
        return self._pos

    def tell(self) -> int:
        return self._pos

    def close(self) -> None:
        if not self.closed:
            os.close(self._fd)
        super().close()

    def _disk(self, offset: int, n: int) -> bytes:
        """``n`` bytes of the file on disk from ``offset``, zero-padded past its end."""
        data = os.pread(self._fd, n, offset) if offset < self.disk_size else b""
        return data + bytes(n - len(data))

    def readinto(self, buffer: memoryview) -> int:
        view = memoryview(buffer).cast("B")
        n = max(0, min(len(view), self.size - self._pos))
        done = 0
        while done < n:
            offset = self._pos + done
            index, start = divmod(offset, PAGE)
            take = min(PAGE - start, n - done)
            page = self.pages.get(index)
            if page is None:   # untouched: read the whole run of untouched pages at once
                run_end = offset + take
                while run_end < self._pos + n and run_end // PAGE not in self.pages:
                    run_end = min(run_end + PAGE, self._pos + n)
                take = run_end - offset
                view[done:done + take] = self._disk(offset, take)
            else:
                view[done:done + take] = page[start:start + take]
            done += take
        self._pos += n
        return n


class Transaction(_PagedFile):
    """The run file opened for one update; `commit` writes it, all or nothing."""

    def __init__(self, path: Path):
        self.path = Path(path)
        fd = os.open(self.path, os.O_RDWR | os.O_CLOEXEC)
        stat = os.fstat(fd)
        super().__init__(fd, stat.st_size, {})
        self.old_size = stat.st_size
        self._identity = (stat.st_dev, stat.st_ino)
        self._originals: dict[int, bytes] = {}   # pages below old_size, before the update

    def writable(self) -> bool:
        return True

    def _page(self, index: int) -> bytearray:
        page = self.pages.get(index)
        if page is None:
            page = bytearray(self._disk(index * PAGE, PAGE))
            if index * PAGE < self.old_size:
                self._originals[index] = bytes(page[:self.old_size - index * PAGE])
            self.pages[index] = page
        return page

    def write(self, data: bytes) -> int:
        view = memoryview(data).cast("B")
        done = 0
        while done < len(view):
            index, start = divmod(self._pos + done, PAGE)
            take = min(PAGE - start, len(view) - done)
            self._page(index)[start:start + take] = view[done:done + take]
            done += take
        self._pos += done
        self.size = max(self.size, self._pos)
        return done

    def truncate(self, size: int | None = None) -> int:
        size = self._pos if size is None else size
        if size < self.size:   # what lies beyond reads as zeros if the file grows again
            for index in range(size // PAGE, (self.size - 1) // PAGE + 1):
                keep = max(0, size - index * PAGE)
                if keep == 0 and index * PAGE >= self.old_size:
                    self.pages.pop(index, None)
                else:
                    page = self._page(index)
                    page[keep:] = bytes(PAGE - keep)
        self.size = size
        return size

    def flush(self) -> None:
        """Nothing reaches the disk before `commit`."""

    # -- commit ---------------------------------------------------------------------

    def _journal(self) -> bytes:
        body = [_HEADER.pack(_MAGIC, self.old_size, *self._identity, len(self._originals))]
        for index, original in sorted(self._originals.items()):
            body += [_RECORD.pack(index, len(original)), original]
        data = b"".join(body)
        return data + _TRAILER.pack(_END, zlib.crc32(data))

    def _drop_unchanged(self) -> None:
        """Forget pages that HDF5 rewrote with the bytes they held (it rewrites whole chunks
        to append a few rows): they need neither a journal entry nor a write."""
        for index, original in list(self._originals.items()):
            if self.pages[index][:len(original)] == original:
                del self._originals[index]
                if len(original) == PAGE:
                    del self.pages[index]

    def needed_bytes(self) -> int:
        """Disk space the commit takes at most: the journal and the file's growth [bytes]."""
        journal = _HEADER.size + _TRAILER.size + sum(_RECORD.size + len(o)
                                                     for o in self._originals.values())
        return journal + max(0, self.size - self.old_size)

    def commit(self) -> None:
        """Write the update: free-space check, journal, pages, length, journal deleted.

        Raises `CommitFailed`; the file then holds its last commit (or, if even the
        rollback failed, a journal that restores it)."""
        self._drop_unchanged()
        if not self.pages and self.size == self.old_size:
            return
        needed = self.needed_bytes()
        free = free_bytes(self.path.parent)
        if free < needed + RESERVE:
            raise CommitFailed(f"{needed} bytes needed, {free} free", errno=errno.ENOSPC,
                               needed=needed, free=free)
        journal = journal_path(self.path)
        try:
            _write_synced(journal, self._journal())
        except OSError as exc:
            with contextlib.suppress(OSError):
                journal.unlink()
            raise CommitFailed(exc.strerror or str(exc), errno=exc.errno) from None
        try:
            for index, page in sorted(self.pages.items()):
                end = min(PAGE, self.size - index * PAGE)
                if end > 0:
                    _pwrite_all(self._fd, memoryview(page)[:end], index * PAGE)
            os.ftruncate(self._fd, self.size)
            _sync(self._fd)
        except OSError as exc:
            rolled_back = self._roll_back()
            raise CommitFailed(exc.strerror or str(exc), errno=exc.errno,
                               rolled_back=rolled_back) from None
        try:
            journal.unlink()
        except OSError as exc:   # written, but the journal would undo it at the next opening
            raise CommitFailed(exc.strerror or str(exc), errno=exc.errno,
                               rolled_back=False) from None
        # the deletion is not synced: should the machine fail before the directory reaches
        # the disk, the journal reappears and undoes this update, and no more than that
        self.old_size, self._originals = self.size, {}
        self.pages.clear()
        self.disk_size = self.size

    def _roll_back(self) -> bool:
        """Put the original pages back after a failed commit; False if that failed too
        (the journal stays for `recover`)."""
        try:
            _restore(self._fd, self.old_size, self._originals.items())
        except OSError:
            return False
        with contextlib.suppress(OSError):
            journal_path(self.path).unlink()
            _sync_directory(self.path.parent)
        return True


@dataclass
class _Journal:
    old_size: int
    identity: tuple[int, int]
    originals: list[tuple[int, bytes]]


def _read_journal(path: Path) -> _Journal | None:
    """The journal's content, or None if it is incomplete (the update never touched the
    file: its pages are written only after the journal is complete and synced)."""
    try:
        data = journal_path(path).read_bytes()
    except FileNotFoundError:
        return None
    if len(data) < _HEADER.size + _TRAILER.size:
        return None
    end, crc = _TRAILER.unpack_from(data, len(data) - _TRAILER.size)
    body = data[:-_TRAILER.size]
    magic, old_size, dev, ino, count = _HEADER.unpack_from(body)
    if end != _END or magic != _MAGIC or zlib.crc32(body) != crc:
        return None
    originals, offset = [], _HEADER.size
    for _ in range(count):
        index, length = _RECORD.unpack_from(body, offset)
        offset += _RECORD.size
        originals.append((index, body[offset:offset + length]))
        offset += length
    return _Journal(old_size, (dev, ino), originals)


def _matches(path: Path, journal: _Journal) -> bool:
    stat = os.stat(path)
    return (stat.st_dev, stat.st_ino) == journal.identity


def recover(path: Path) -> bool:
    """Roll ``path`` back to its last commit if an update was cut short (call it holding the
    run lock, before opening the file). Returns whether anything was undone.

    Raises `JournalMismatch` for a journal written for another file, and ``OSError``."""
    path = Path(path)
    journal = _read_journal(path)
    if journal is None:
        with contextlib.suppress(FileNotFoundError):
            journal_path(path).unlink()   # incomplete: the file was not touched
        return False
    if not path.exists() or not _matches(path, journal):
        raise JournalMismatch(f"{journal_path(path)} was written for another file than "
                              f"{path} (copied or replaced during an update)")
    fd = os.open(path, os.O_RDWR | os.O_CLOEXEC)
    try:
        _restore(fd, journal.old_size, journal.originals)
    finally:
        os.close(fd)
    journal_path(path).unlink()
    _sync_directory(path.parent)
    return True


def committed_view(path: Path) -> _PagedFile | None:
    """A read-only file object showing ``path`` as of its last commit when an update is
    under way or was cut short (None when the file on disk is that state). For readers,
    who may not write: it leaves the file and the journal as they are."""
    journal = _read_journal(Path(path))
    if journal is None or not _matches(path, journal):
        return None
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    pages: dict[int, bytearray] = {}
    for index, original in journal.originals:
        page = bytearray(PAGE)
        page[:len(original)] = original
        pages[index] = page
    return _PagedFile(fd, journal.old_size, pages)


@contextlib.contextmanager
def update(path: Path) -> Iterator[h5py.File]:
    """``with update(path) as f:`` changes the HDF5 file ``f`` and writes the changes
    when the block ends without an exception (`Transaction.commit`); an exception in the
    block leaves the file untouched. Raises `CommitFailed`."""
    transaction = Transaction(path)
    try:
        with h5py.File(transaction, "r+") as f:
            yield f
        transaction.commit()
    finally:
        transaction.close()


def create(path: Path, build: Callable[[h5py.File], None]) -> None:
    """Write a new HDF5 file whose content ``build(f)`` makes, atomically: built in memory,
    written under a temporary name, synced, then renamed over ``path``. Raises
    `CommitFailed`."""
    path = Path(path)
    memory = io.BytesIO()
    with h5py.File(memory, "w") as f:
        build(f)
    data = memory.getvalue()
    free = free_bytes(path.parent)
    if free < len(data) + RESERVE:
        raise CommitFailed(f"{len(data)} bytes needed, {free} free", errno=errno.ENOSPC,
                           needed=len(data), free=free)
    temporary = path.with_name(f".{path.name}.new-{os.getpid()}")
    try:
        _write_synced(temporary, data)
        os.replace(temporary, path)
        _sync_directory(path.parent)
    except OSError as exc:
        with contextlib.suppress(OSError):
            temporary.unlink()
        raise CommitFailed(exc.strerror or str(exc), errno=exc.errno) from None


def free_bytes(directory: Path) -> int:
    """Bytes an unprivileged process may still write on the file system of ``directory``."""
    stat = os.statvfs(directory)
    return stat.f_bavail * stat.f_frsize


def _restore(fd: int, old_size: int, originals: Iterable[tuple[int, bytes]]) -> None:
    for index, original in originals:
        _pwrite_all(fd, original, index * PAGE)
    os.ftruncate(fd, old_size)
    _sync(fd)


def _pwrite_all(fd: int, data: bytes | memoryview, offset: int) -> None:
    view = memoryview(data)
    while view:
        written = os.pwrite(fd, view, offset)
        view, offset = view[written:], offset + written


def _write_synced(path: Path, data: bytes) -> None:
    """Create ``path`` holding ``data``, synced to disk with its directory entry."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o644)
    try:
        _pwrite_all(fd, data, 0)
        _sync(fd)
    finally:
        os.close(fd)
    _sync_directory(path.parent)


def _sync(fd: int) -> None:
    """Data and length of a file on disk (not its times: fdatasync where there is one)."""
    getattr(os, "fdatasync", os.fsync)(fd)


def _sync_directory(directory: Path) -> None:
    """Make a created, renamed or deleted name durable (a no-op where unsupported)."""
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY | os.O_CLOEXEC)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
