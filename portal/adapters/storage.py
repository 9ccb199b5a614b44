"""Uploaded files: recognised by content, stored by SHA-256, limited while streaming.

A file never lands under the name its sender chose: the name on disk is the hash of the
bytes, so two uploads of one document share one file and no name can escape the folder.
The type comes from the first bytes (and, for text, from every byte), never from the name,
so an executable renamed `.pdf` is refused. The size budget is checked per chunk, so an
oversized upload is cut off after `budget` bytes instead of being buffered.

Because content is shared, this adapter never decides that a file may go: the caller's
`hold` claims the content before the file is put in place, and only the collector
(portal.services.appeals_blobs) removes files, under that claim's rules.
"""

from __future__ import annotations

import asyncio
import codecs
import enum
import hashlib
import os
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from portal.errors import InvalidInput, PortalError

CHUNK = 64 * 1024
_HEAD = 16


class FileKind(enum.StrEnum):
    PDF = "pdf"
    RTF = "rtf"
    JPEG = "jpeg"
    PNG = "png"
    TXT = "txt"


CONTENT_TYPES: dict[FileKind, str] = {
    FileKind.PDF: "application/pdf",
    FileKind.RTF: "application/rtf",
    FileKind.JPEG: "image/jpeg",
    FileKind.PNG: "image/png",
    FileKind.TXT: "text/plain",
}
"""Text has no charset here: it is told from the bytes when served (`content_type`)."""

EXTENSIONS: dict[FileKind, str] = {
    FileKind.PDF: ".pdf",
    FileKind.RTF: ".rtf",
    FileKind.JPEG: ".jpg",
    FileKind.PNG: ".png",
    FileKind.TXT: ".txt",
}

_SIGNATURES: tuple[tuple[bytes, FileKind], ...] = (
    (b"%PDF-", FileKind.PDF),
    (b"{\\rtf", FileKind.RTF),
    (b"\xff\xd8\xff", FileKind.JPEG),
    (b"\x89PNG\r\n\x1a\n", FileKind.PNG),
)

# Bytes that never occur in a plain-text document (NUL and the C0 controls but tab, LF, FF, CR).
_BINARY = bytes(b for b in range(32) if b not in (9, 10, 12, 13))


class UploadTooLarge(PortalError):
    code = "upload_too_large"
    status = 413


class UnsupportedFile(InvalidInput):
    code = "unsupported_file"


class EmptyFile(InvalidInput):
    code = "empty_file"


@dataclass(frozen=True, slots=True)
class StoredBlob:
    sha256: str
    size: int
    kind: FileKind

    @property
    def content_type(self) -> str:
        return CONTENT_TYPES[self.kind]


class _TextProbe:
    """Watches every chunk: text is UTF-8 or CP1251 without binary control bytes."""

    def __init__(self) -> None:
        self._utf8 = codecs.getincrementaldecoder("utf-8")()
        self.binary = False
        self.utf8 = True

    def feed(self, chunk: bytes, final: bool = False) -> None:
        if self.binary:
            return
        if chunk != chunk.translate(None, _BINARY):
            self.binary = True
            return
        if self.utf8:
            try:
                self._utf8.decode(chunk, final)
            except UnicodeDecodeError:
                # CP1251 maps every byte but 0x98: a document in it is text too.
                self.utf8 = False
        if not self.utf8 and b"\x98" in chunk:
            self.binary = True


def text_charset(data: bytes) -> str:
    """Text documents are accepted in UTF-8 or CP1251 (Windows Notepad in Russia)."""
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return "windows-1251"
    return "utf-8"


def content_type(kind: FileKind, data: bytes) -> str:
    """The Content-Type to serve a stored file with: text says its real charset, so a
    CP1251 document is never shown as garbled UTF-8."""
    if kind is FileKind.TXT:
        return f"{CONTENT_TYPES[kind]}; charset={text_charset(data)}"
    return CONTENT_TYPES[kind]


Hold = Callable[[StoredBlob], Awaitable[None]]
"""Claims a blob's content before its file is put in place (see BlobStore.put_stream)."""


def sniff(head: bytes) -> FileKind | None:
    """The binary kind its first bytes announce, or None (maybe text, maybe junk)."""
    for signature, kind in _SIGNATURES:
        if head.startswith(signature):
            return kind
    return None


class BlobStore:
    """Files under `root/ab/cd/<sha256>`; temporary parts under `root/.incoming`."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._incoming = root / ".incoming"

    def path(self, sha256: str) -> Path:
        if len(sha256) != 64 or not all(c in "0123456789abcdef" for c in sha256):
            raise InvalidInput("Неверная ссылка на файл.", en="Malformed file reference.")
        return self.root / sha256[:2] / sha256[2:4] / sha256

    async def put_stream(
        self, chunks: AsyncIterator[bytes], budget: int, hold: Hold | None = None
    ) -> StoredBlob:
        """Store one upload; refuse it (leaving nothing behind) when it is empty,
        not of an accepted kind, or larger than `budget` bytes.

        `hold` runs once the hash is known and before the file is put in place: a file
        that already exists may be collected at any moment unless claimed first."""
        await asyncio.to_thread(self._incoming.mkdir, parents=True, exist_ok=True)
        temp = self._incoming / uuid.uuid4().hex
        digest = hashlib.sha256()
        probe = _TextProbe()
        head = b""
        size = 0
        handle: BinaryIO = await asyncio.to_thread(temp.open, "wb")
        try:
            async for chunk in chunks:
                if not chunk:
                    continue
                size += len(chunk)
                if size > budget:
                    raise UploadTooLarge(
                        f"Файлы больше {_mb(budget)} МБ в сумме.",
                        en=f"The files exceed {_mb(budget)} MB in total.",
                    )
                if len(head) < _HEAD:
                    head += chunk[: _HEAD - len(head)]
                digest.update(chunk)
                probe.feed(chunk)
                await asyncio.to_thread(handle.write, chunk)
            probe.feed(b"", final=True)
            await asyncio.to_thread(handle.close)
            if size == 0:
                raise EmptyFile("Файл пустой.", en="The file is empty.")
            kind = sniff(head) or (None if probe.binary else FileKind.TXT)
            if kind is None:
                raise UnsupportedFile(
                    "Допустимы только файлы PDF, RTF, JPG, JPEG, PNG и TXT.",
                    en="Only PDF, RTF, JPG, JPEG, PNG and TXT files are accepted.",
                )
            blob = StoredBlob(digest.hexdigest(), size, kind)
            if hold is not None:
                await hold(blob)
            await asyncio.to_thread(self._settle, temp, self.path(blob.sha256))
            return blob
        finally:
            await asyncio.to_thread(_discard, handle, temp)

    async def put_bytes(
        self, data: bytes, budget: int | None = None, hold: Hold | None = None
    ) -> StoredBlob:
        async def one() -> AsyncIterator[bytes]:
            yield data

        return await self.put_stream(one(), len(data) if budget is None else budget, hold)

    def remove(self, sha256: str) -> None:
        """Blocking, on purpose: the collector calls it inside the transaction that
        deletes the blob's row, so nobody can claim the content in between."""
        self.path(sha256).unlink(missing_ok=True)

    def exists(self, sha256: str) -> bool:
        return self.path(sha256).is_file()

    async def read(self, sha256: str) -> bytes:
        return await asyncio.to_thread(self.path(sha256).read_bytes)

    def stored(self) -> Iterator[str]:
        """Blocking: the hash of every file in place."""
        for path in self.root.glob("??/??/*"):
            name = path.name
            prefix = path.parent.parent.name + path.parent.name
            if len(name) == 64 and name.startswith(prefix) and path.is_file():
                yield name

    def drop_stale_parts(self, older_than: float) -> int:
        """Blocking: delete temporary parts not written to for `older_than` seconds (left
        by a process that stopped mid-upload; a live upload removes its own)."""
        if not self._incoming.is_dir():
            return 0
        cutoff = time.time() - older_than
        dropped = 0
        for temp in self._incoming.iterdir():
            try:
                if temp.stat().st_mtime < cutoff:
                    temp.unlink()
                    dropped += 1
            except FileNotFoundError:
                continue
        return dropped

    @staticmethod
    def _settle(temp: Path, final: Path) -> None:
        final.parent.mkdir(parents=True, exist_ok=True)
        if final.exists():
            return
        os.replace(temp, final)


def _discard(handle: BinaryIO, temp: Path) -> None:
    handle.close()
    temp.unlink(missing_ok=True)


def _mb(size: int) -> str:
    return f"{size / 1024 / 1024:.3g}"
