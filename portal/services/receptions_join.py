"""«Присоединиться к приему»: who may join a reception, in which role, and the signed
token that lets exactly that person into the conference (SPEC §4).

The role comes from the reception, never from the request: its host joins as host, its
moderator as moderator, its confirmed citizens as citizens, staff with a working role as
observers. Everyone else gets a refusal that says why.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from portal.adapters.appeals_orm import Appeal
from portal.adapters.orm import User
from portal.adapters.receptions_orm import Attendance, Reception, Seat
from portal.domain.appeals import full_name
from portal.domain.receptions import OBSERVER_ROLES, JoinRole, SeatState
from portal.domain.status import Status
from portal.errors import NotFound, PortalError
from portal.services.receptions import ReceptionsDeps, get_reception
from signaling.protocol.receptions import OPEN, ReceptionState
from signaling.protocol.tokens import mint_join_token

JOIN_TOKEN_TTL_S = 3600
"""Long enough for a citizen who joins early to wait for the moderator on the conference
page (the start is offered an hour ahead); the conference then issues its own session."""


class JoinRefused(PortalError):
    """Joining is not possible now, for a reason the person is told."""

    code = "join_refused"
    status = 409


@dataclass(frozen=True, slots=True)
class Ticket:
    reception_id: int
    role: JoinRole
    token: str

    @property
    def url(self) -> str:
        return f"/conference#token={self.token}"


def role_in(reception: Reception, user: User, seat: Seat | None) -> JoinRole | None:
    """The role `user` would have in `reception` (None: none at all)."""
    if user.id == reception.host_id:
        return JoinRole.HOST
    if user.id == reception.moderator_id:
        return JoinRole.MODERATOR
    if seat is not None and seat.state == SeatState.CONFIRMED:
        return JoinRole.CITIZEN
    if user.role_set & OBSERVER_ROLES:
        return JoinRole.OBSERVER
    return None


async def citizen_seat(deps: ReceptionsDeps, reception_id: int, user: User) -> Seat | None:
    """The seat of `user`'s appeal in the reception (the latest one, if they declined and
    were enrolled again)."""
    async with deps.db.session() as session:
        return (
            await session.execute(
                select(Seat)
                .join(Appeal, Appeal.id == Seat.appeal_id)
                .where(Seat.reception_id == reception_id, Appeal.citizen_id == user.id)
                .order_by(Seat.id.desc())
                .limit(1)
            )
        ).scalar_one_or_none()


async def ticket(deps: ReceptionsDeps, reception_id: int, user: User, token_key: str) -> Ticket:
    async with deps.db.session() as session:
        reception = await get_reception(session, reception_id)
        banned = (
            await session.execute(
                select(Attendance.banned).where(
                    Attendance.reception_id == reception_id, Attendance.user_id == user.id
                )
            )
        ).scalar_one_or_none()
    seat = await citizen_seat(deps, reception_id, user)
    role = role_in(reception, user, seat)
    if role is None and seat is None:
        # A citizen of another reception learns nothing about this one.
        raise NotFound("Прием не найден.", en=f"Reception {reception_id} not found.")
    state = ReceptionState(reception.state)
    if state is ReceptionState.ENDED:
        raise _refused("Прием завершен.", "The reception has ended.")
    if state is ReceptionState.CANCELLED:
        raise _refused("Прием отменен.", "The reception was cancelled.")
    if banned:
        raise _refused(
            "Модератор удалил вас из этого приема: присоединиться снова нельзя.",
            "The moderator removed you from this reception.",
        )
    if role is None:
        assert seat is not None
        raise _refused(*_seat_refusal(SeatState(seat.state)))
    if state not in OPEN:
        raise _refused(
            "Прием еще не начат. Присоединиться можно, когда ведущий или модератор нажмет "
            "«Начать прием» (за час до начала).",
            "The reception has not been started yet.",
        )
    token = mint_join_token(
        token_key,
        reception.id,
        user.id,
        full_name(user) or user.display_name,
        role.value,
        JOIN_TOKEN_TTL_S,
        appeal_id=seat.appeal_id if role is JoinRole.CITIZEN and seat is not None else None,
    )
    return Ticket(reception.id, role, token)


def _seat_refusal(state: SeatState) -> tuple[str, str]:
    return {
        SeatState.ENROLLED: (
            "Приглашение на этот прием вам еще не выслано.",
            "You have not been invited yet.",
        ),
        SeatState.INVITED: (
            "Сначала подтвердите участие в приеме на странице заявки.",
            "Confirm your participation first.",
        ),
        SeatState.DECLINED: (
            "Вы отказались от участия в этом приеме.",
            "You declined this reception.",
        ),
    }.get(state, ("Вы не участвуете в этом приеме.", "You are not in this reception."))


def _refused(text: str, en: str) -> JoinRefused:
    return JoinRefused(text, en=en)


async def joinable_appeal(deps: ReceptionsDeps, appeal: Appeal) -> int | None:
    """The open reception the appeal's citizen may join now (for «Присоединиться к
    приему» inside the appeal), or None."""
    if appeal.status not in (Status.CONFIRMED, Status.AT_RECEPTION):
        return None
    async with deps.db.session() as session:
        return (
            await session.execute(
                select(Reception.id)
                .join(Seat, Seat.reception_id == Reception.id)
                .where(
                    Seat.active_appeal_id == appeal.id,
                    Seat.state == SeatState.CONFIRMED.value,
                    Reception.state.in_(sorted(s.value for s in OPEN)),
                )
            )
        ).scalar_one_or_none()
