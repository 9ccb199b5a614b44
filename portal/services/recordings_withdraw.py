"""«Снять с публикации»: the reception's staff take its recording out of the archive.

The files are removed, not hidden: a recording shows citizens, and one nobody may watch
is personal data kept for no purpose (152-FZ). The composition's files stay in
«Доступные записи», so the staff can upload again. A conversion under way is cancelled.
The row stays (who uploaded it and when) in state `withdrawn`.
"""

from __future__ import annotations

from sqlalchemy import update

from portal.adapters.orm import User
from portal.adapters.recordings_orm import Recording
from portal.domain.recordings import RecordingState
from portal.errors import Conflict
from portal.services.recordings import RecordingsDeps, staff_reception
from portal.services.recordings_upload import replace_others


async def withdraw(deps: RecordingsDeps, reception_id: int, user: User) -> None:
    async with deps.db.session() as session, session.begin():
        await staff_reception(session, reception_id, user)
        done = await session.execute(
            update(Recording)
            .where(
                Recording.reception_id == reception_id,
                Recording.state != RecordingState.WITHDRAWN.value,
            )
            .values(
                state=RecordingState.WITHDRAWN.value,
                mp4_name=None,
                webm_name=None,
                published_at=None,
                error=None,
            )
        )
    if done.rowcount == 0:  # type: ignore[attr-defined]
        raise Conflict(
            "У приема нет записи, которую можно снять с публикации.",
            en="The reception has no recording to withdraw.",
        )
    await replace_others(deps, reception_id)
