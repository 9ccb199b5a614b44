"""The live receptions hosted by this node, and the join rules of SPEC §4.

Join checks run in a fixed, documented order (docs/protocol.md): token, ban, reception
state, moderator joined, identity for staff roles, node, moderator present, capacity.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from signaling.channel import Channel
from signaling.conference import Conference
from signaling.directory import ReceptionDirectory
from signaling.media import MediaRouter, RouterFactory
from signaling.options import SignalingOptions
from signaling.protocol.errors import ErrorCode, SignalingError
from signaling.protocol.events import EventKind
from signaling.protocol.receptions import OPEN, Reception, ReceptionState
from signaling.protocol.roles import Permission, Role, can
from signaling.protocol.tokens import JoinClaims
from signaling.reporting import EventReporter
from signaling.room import Participant
from signaling.state_store import InMemoryRoomStore, RoomStore

log = logging.getLogger(__name__)

ReceptionLoader = Callable[[str], Awaitable[Reception | None]]
"""The portal's record of a reception this side has not been fed (after a restart, or a
Redis that lost it)."""


class ConferenceRegistry:
    def __init__(
        self,
        directory: ReceptionDirectory,
        channel: Channel,
        router_factory: RouterFactory | None,
        options: SignalingOptions,
        *,
        reporter: EventReporter | None = None,
        loader: ReceptionLoader | None = None,
        store: RoomStore | None = None,
    ) -> None:
        self.directory = directory
        self._channel = channel
        self._router_factory = router_factory
        self.options = options
        self.reporter = reporter or EventReporter()
        self._loader = loader
        self._store = store or InMemoryRoomStore()
        self._conferences: dict[str, Conference] = {}
        self._opening = asyncio.Lock()
        self._renewing: asyncio.Task[None] | None = None
        directory.watch(self._reception_changed)

    def get(self, reception_id: str) -> Conference | None:
        return self._conferences.get(reception_id)

    def routers(self) -> list[MediaRouter]:
        """The media routers of the receptions live on this node (for /metrics)."""
        return [c.router for c in self._conferences.values() if c.router is not None]

    async def admit(
        self, claims: JoinClaims, browser: str, device: str
    ) -> tuple[Conference, Participant]:
        rid = claims.reception_id
        reception = await self._reception(rid)
        if await self.directory.is_banned(rid, claims.user_id) or (
            reception is not None and claims.user_id in reception.banned
        ):
            raise SignalingError(ErrorCode.BANNED, "you were removed from this reception")
        if reception is None or reception.state not in OPEN:
            raise SignalingError(ErrorCode.RECEPTION_NOT_LIVE, "the reception is not live")
        if (
            can(claims.role, Permission.NEEDS_MODERATOR)
            and reception.state is not ReceptionState.LIVE
        ):
            raise SignalingError(ErrorCode.MODERATOR_ABSENT, "the moderator has not joined yet")
        _check_identity(reception, claims)
        conference = await self._conference(reception)
        moderated_before = bool(conference.room.moderators())
        participant = await conference.admit(claims, browser, device)
        self.reporter.report(
            EventKind.JOINED,
            rid,
            user_id=participant.id,
            role=claims.role.value,
            detail={"name": claims.display_name}
            | ({"appeal_id": claims.appeal_id} if claims.appeal_id else {}),
        )
        if can(claims.role, Permission.MODERATE) and reception.state is ReceptionState.STARTED:
            conference.reception = await self.directory.move(rid, ReceptionState.LIVE)
            self.reporter.report(EventKind.LIVE, rid)
            await self._channel.announce(rid, ReceptionState.LIVE.value)
        elif can(claims.role, Permission.MODERATE) and not moderated_before:
            # A moderator is back after the last one left: those who waited may come in.
            await self._channel.announce(rid, ReceptionState.LIVE.value)
        return conference, participant

    async def _reception(self, reception_id: str) -> Reception | None:
        reception = await self.directory.get(reception_id)
        if reception is None and self._loader is not None:
            loaded = await self._loader(reception_id)
            if loaded is not None:
                await self.directory.put(loaded)
                reception = await self.directory.get(reception_id)
        return reception

    async def _reception_changed(self, reception_id: str) -> None:
        """The portal changed a reception: a conference hosted here follows it (ended or
        cancelled: everyone out; otherwise the new host, moderator or capacity)."""
        conference = self._conferences.get(reception_id)
        if conference is None or conference.closed:
            return
        reception = await self.directory.get(reception_id)
        if reception is None:
            return
        if reception.state in (ReceptionState.ENDED, ReceptionState.CANCELLED):
            log.info("the portal ended the reception", extra={"reception": reception_id})
            await self.end(conference)
        else:
            conference.reception = reception

    async def _conference(self, reception: Reception) -> Conference:
        rid = reception.reception_id
        async with self._opening:
            conference = self._conferences.get(rid)
            if conference is not None and not conference.closed:
                return conference
            owner = await self.directory.claim(rid, self.options.node_id)
            if owner != self.options.node_id:
                raise SignalingError(
                    ErrorCode.WRONG_NODE, "the reception is hosted by another node", node=owner
                )
            router = self._router_factory(rid) if self._router_factory else None
            conference = Conference(
                reception,
                self.directory,
                self._channel,
                router,
                self.options,
                self.reporter,
                self._store,
            )
            # This node's claim is fresh: the reception's last node (this one before a
            # restart, or another that died) may have left a room to take back.
            await conference.restore()
            self._conferences[rid] = conference
            if self._renewing is None:
                self._renewing = asyncio.get_running_loop().create_task(self._renew_claims())
            log.info("conference opened", extra={"reception": rid})
            return conference

    async def _renew_claims(self) -> None:
        """Keep this node the host of its receptions; a node that dies lets them go."""
        while True:
            await asyncio.sleep(self.options.claim_ttl_s / 3)
            for rid in list(self._conferences):
                if not await self.directory.renew(rid, self.options.node_id):
                    log.error("lost the claim on a hosted reception", extra={"reception": rid})

    async def end(self, conference: Conference) -> None:
        await conference.end()
        await self.forget(conference)

    async def forget(self, conference: Conference) -> None:
        rid = conference.reception_id
        if self._conferences.get(rid) is conference:
            del self._conferences[rid]
            await self.directory.release(rid, self.options.node_id)

    async def close(self) -> None:
        if self._renewing is not None:
            self._renewing.cancel()
            await asyncio.gather(self._renewing, return_exceptions=True)
        for conference in list(self._conferences.values()):
            await conference.close()
            await self.forget(conference)
        await self.reporter.close()
        await self.directory.close()
        await self._store.close()


def _check_identity(reception: Reception, claims: JoinClaims) -> None:
    """A host or moderator token only for the reception's own host or moderator."""
    expected = {
        Role.HOST: reception.host_user_id,
        Role.MODERATOR: reception.moderator_user_id,
    }.get(claims.role)
    if expected is not None and expected != claims.user_id:
        raise SignalingError(
            ErrorCode.FORBIDDEN, f"you are not the {claims.role.value} of this reception"
        )
