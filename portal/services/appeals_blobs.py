"""Who may delete a stored file: nobody but the collector, and only what nothing uses.

Files are stored once per SHA-256 and shared between appeals, so "my upload was refused,
delete my file" is wrong: another upload of the same content may be in flight. Instead
every upload touches the content's row in `blobs` before its file is put in place
(`hold`), and attaching files touches the rows again and checks the files are there, in
the transaction that inserts the attachments (`claim`). The collector deletes a row and
its file together, in one transaction, only when no attachment uses the content and the
row has not been touched for `GRACE`; an upload that touches the row meanwhile waits for
that transaction (or makes the deletion match nothing), so a file is never deleted under
a live upload. Refused, dropped and failed uploads and deleted documents all end the same
way: unused, then collected.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Executable, delete, exists, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from portal.adapters.appeals_orm import Attachment, Blob
from portal.adapters.clock import Clock
from portal.adapters.db import Database
from portal.adapters.storage import BlobStore, StoredBlob
from portal.errors import Conflict

log = logging.getLogger(__name__)

GRACE = timedelta(hours=6)
"""How long an unused file is kept after its last upload: longer than any upload of the
largest allowed form on a slow line takes, so a live upload's files are never unused."""
PERIOD = timedelta(minutes=15)
"""How often the application runs the collector (and once at start-up)."""
_BATCH = 500


class UploadLost(Conflict):
    code = "upload_lost"


def _upsert(session: AsyncSession, hashes: Iterable[str], now: datetime) -> Executable:
    """Insert or touch the rows; sorted, so two claims lock shared rows in one order."""
    rows: list[dict[str, Any]] = [{"sha256": h, "touched_at": now} for h in sorted(set(hashes))]
    if session.get_bind().dialect.name == "postgresql":
        pg = postgresql.insert(Blob).values(rows)
        return pg.on_conflict_do_update(
            index_elements=[Blob.sha256], set_={"touched_at": pg.excluded.touched_at}
        )
    lite = sqlite.insert(Blob).values(rows)
    return lite.on_conflict_do_update(
        index_elements=[Blob.sha256], set_={"touched_at": lite.excluded.touched_at}
    )


def _adopt_rows(session: AsyncSession, hashes: list[str], now: datetime) -> Executable:
    rows: list[dict[str, Any]] = [{"sha256": h, "touched_at": now} for h in hashes]
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(Blob).values(rows).on_conflict_do_nothing()
    return sqlite.insert(Blob).values(rows).on_conflict_do_nothing()


async def hold(db: Database, sha256: str, now: datetime) -> None:
    """Claim content for an upload in flight, committed before its file is put in place."""
    async with db.session() as session, session.begin():
        await session.execute(_upsert(session, [sha256], now))


async def store_upload(
    db: Database, store: BlobStore, clock: Clock, chunks: AsyncIterator[bytes], budget: int
) -> StoredBlob:
    """Store one uploaded file, held against the collector."""

    async def held(blob: StoredBlob) -> None:
        await hold(db, blob.sha256, clock.now())

    return await store.put_stream(chunks, budget, held)


async def claim(
    session: AsyncSession, store: BlobStore, hashes: Iterable[str], now: datetime
) -> None:
    """In the transaction that attaches files: touch their rows (locking them against the
    collector) and make sure each file is in place, so no attachment ever points at
    nothing. A file can be missing only if its upload outlived `GRACE`."""
    wanted = sorted(set(hashes))
    if not wanted:
        return
    await session.execute(_upsert(session, wanted, now))
    for sha256 in wanted:
        if not await asyncio.to_thread(store.exists, sha256):
            raise UploadLost(
                "Файл не сохранился, выберите его еще раз.",
                en="A file was not kept; choose it again.",
            )


def _unused(cutoff: datetime) -> Any:
    return (Blob.touched_at < cutoff) & ~exists().where(Attachment.sha256 == Blob.sha256)


async def _adopt(db: Database, store: BlobStore, now: datetime) -> int:
    """Give files on disk without a row (older versions, crashes) a row, so they are
    collected like any other after a grace period."""
    on_disk = await asyncio.to_thread(lambda: list(store.stored()))
    adopted = 0
    for start in range(0, len(on_disk), _BATCH):
        batch = on_disk[start : start + _BATCH]
        async with db.session() as session, session.begin():
            known = set(
                (await session.execute(select(Blob.sha256).where(Blob.sha256.in_(batch))))
                .scalars()
                .all()
            )
            new = [h for h in batch if h not in known]
            if new:
                await session.execute(_adopt_rows(session, new, now))
                adopted += len(new)
    return adopted


async def collect(db: Database, store: BlobStore, now: datetime, grace: timedelta = GRACE) -> int:
    """Delete every stored file nothing uses and nobody has touched for `grace`, and
    temporary parts as old; returns how many files went."""
    cutoff = now - grace
    adopted = await _adopt(db, store, now)
    async with db.session() as session:
        candidates = list(
            (await session.execute(select(Blob.sha256).where(_unused(cutoff)))).scalars()
        )
    removed = 0
    for sha256 in candidates:
        async with db.session() as session, session.begin():
            gone = await session.execute(delete(Blob).where(Blob.sha256 == sha256, _unused(cutoff)))
            if gone.rowcount:  # type: ignore[attr-defined]
                # Still inside the transaction: a claim of this content waits until the
                # file is gone, then finds it missing instead of attaching nothing.
                await asyncio.to_thread(store.remove, sha256)
                removed += 1
    parts = await asyncio.to_thread(store.drop_stale_parts, grace.total_seconds())
    if removed or adopted or parts:
        log.info(
            "stored files collected",
            extra={"removed": removed, "adopted": adopted, "stale_parts": parts},
        )
    return removed
