"""Uploads: kinds by content, storage by hash, the budget enforced while streaming."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from portal.adapters.storage import (
    BlobStore,
    EmptyFile,
    FileKind,
    UnsupportedFile,
    UploadTooLarge,
    sniff,
)
from portal.errors import InvalidInput

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(50)
SAMPLES = {
    FileKind.PDF: b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n%%EOF",
    FileKind.RTF: b"{\\rtf1\\ansi Hello}",
    FileKind.JPEG: b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(40),
    FileKind.PNG: PNG,
    FileKind.TXT: "Жалоба на дорогу\r\nстрока 2\n".encode(),
}


async def chunks_of(data: bytes, size: int = 7) -> AsyncIterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


@pytest.mark.parametrize("kind", list(FileKind))
async def test_each_accepted_kind_is_recognised_and_stored_by_hash(
    tmp_path: Path, kind: FileKind
) -> None:
    store = BlobStore(tmp_path)
    data = SAMPLES[kind]
    blob = await store.put_stream(chunks_of(data), budget=1000)
    assert blob.kind is kind
    assert blob.sha256 == hashlib.sha256(data).hexdigest()
    assert blob.size == len(data)
    path = store.path(blob.sha256)
    assert path.read_bytes() == data
    assert path.name == blob.sha256
    assert not list((tmp_path / ".incoming").iterdir())


async def test_cp1251_text_is_text_too(tmp_path: Path) -> None:
    blob = await BlobStore(tmp_path).put_bytes("Прошу рассмотреть".encode("cp1251"))
    assert blob.kind is FileKind.TXT


@pytest.mark.parametrize(
    "data",
    [
        b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + bytes(100),  # a Windows .exe
        b"\x7fELF\x02\x01\x01\x00" + bytes(100),  # a Linux executable
        b"PK\x03\x04\x14\x00" + bytes(30),  # a zip (and so a .docx)
        "текст с нулем\x00".encode(),
    ],
)
async def test_executables_and_binaries_are_refused_whatever_their_name(
    tmp_path: Path, data: bytes
) -> None:
    store = BlobStore(tmp_path)
    with pytest.raises(UnsupportedFile, match="PDF, RTF, JPG, JPEG, PNG"):
        await store.put_stream(chunks_of(data), budget=1000)
    assert not [p for p in tmp_path.rglob("*") if p.is_file()]


async def test_empty_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(EmptyFile):
        await BlobStore(tmp_path).put_stream(chunks_of(b""), budget=10)


async def test_oversized_stream_is_cut_off_at_the_budget(tmp_path: Path) -> None:
    consumed = 0

    async def endless() -> AsyncIterator[bytes]:
        nonlocal consumed
        yield b"%PDF-1.4\n"
        while True:
            consumed += 65536
            yield b"x" * 65536

    with pytest.raises(UploadTooLarge) as caught:
        await BlobStore(tmp_path).put_stream(endless(), budget=1024 * 1024)
    assert caught.value.status == 413
    assert consumed <= 1024 * 1024 + 65536
    assert not [p for p in tmp_path.rglob("*") if p.is_file()]


async def test_same_content_is_one_file(tmp_path: Path) -> None:
    store = BlobStore(tmp_path)
    first = await store.put_bytes(SAMPLES[FileKind.PDF])
    second = await store.put_bytes(SAMPLES[FileKind.PDF])
    assert first == second
    assert len([p for p in tmp_path.rglob("*") if p.is_file()]) == 1


def test_paths_come_only_from_hashes(tmp_path: Path) -> None:
    store = BlobStore(tmp_path)
    with pytest.raises(InvalidInput, match="file reference"):
        store.path("../../etc/passwd")


def test_sniff_reads_signatures_only() -> None:
    assert sniff(b"%PDF-1.4") is FileKind.PDF
    assert sniff(b"hello") is None
