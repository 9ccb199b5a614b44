"""The live receptions hosted by this node, and the join rules of SPEC §4.

Join checks run in a fixed, documented order (docs/protocol.md): token, ban, reception
state, moderator joined, identity for staff roles, node, moderator present, capacity.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable

from prometheus_client import CollectorRegistry, Counter

from signaling.channel import Channel
from signaling.conference import Conference
from signaling.directory import ReceptionDirectory
from signaling.media import MediaRouter, RouterFactory
from signaling.options import SignalingOptions
from signaling.protocol.errors import CloseReason, ErrorCode, SignalingError
from signaling.protocol.events import EventKind
from signaling.protocol.receptions import OPEN, Reception, ReceptionState
from signaling.protocol.roles import Permission, Role, can
from signaling.protocol.tokens import JoinClaims
from signaling.reporting import EventReporter
from signaling.room import Participant
from signaling.state_store import InMemoryRoomStore, RoomStore
from signaling.tasks import TaskSet

log = logging.getLogger(__name__)

ReceptionLoader = Callable[[str], Awaitable[Reception | None]]
"""The portal's record of a reception this side has not been fed (after a restart, or a
Redis that lost it)."""
KEPT_WARNING_EVERY_S = 10.0
"""A node asking for a reception, or refusing to hand one over (hosted too briefly), says so
at most this often per reception: the asking node asks again at every refused join."""


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
        metrics: CollectorRegistry | None = None,
    ) -> None:
        """`metrics`: the node's /metrics registry (a private one when there is none)."""
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
        self._opened_at: dict[str, float] = {}
        """When this node opened each conference it hosts (`time.monotonic`)."""
        self._kept_warned: dict[str, float] = {}
        self._asked_logged: dict[str, float] = {}
        self._tasks = TaskSet()
        self._handovers = Counter(
            "signaling_handovers",
            "Receptions asked of another node (asked), let go to the node that asked "
            "(handed_over), or kept because hosted for less than handover_after_s (kept).",
            ["outcome"],
            registry=metrics or CollectorRegistry(),
        )
        for outcome in ("asked", "handed_over", "kept"):
            self._handovers.labels(outcome)
        directory.watch(self._reception_changed)
        directory.on_handover(self._handover_asked)

    def get(self, reception_id: str) -> Conference | None:
        return self._conferences.get(reception_id)

    def routers(self) -> list[MediaRouter]:
        """The media routers of the receptions live on this node (for /metrics)."""
        return [c.router for c in self._conferences.values() if c.router is not None]

    async def admit(
        self, claims: JoinClaims, browser: str, device: str, *, routed: bool = False
    ) -> tuple[Conference, Participant]:
        """`routed`: the connection named this reception in its query, so the balancer
        sent it here by the reception: only such a join asks the host for a handover, or a
        client connecting around the balancer could move a reception at will."""
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
        conference = await self._conference(reception, ask_handover=routed)
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

    async def _conference(self, reception: Reception, *, ask_handover: bool) -> Conference:
        rid = reception.reception_id
        async with self._opening:
            conference = self._conferences.get(rid)
            if conference is not None and not conference.closed:
                return conference
            owner = await self.directory.claim(rid, self.options.node_id)
            if owner != self.options.node_id:
                if ask_handover:
                    await self._ask_handover(rid, owner)
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
            self._opened_at[rid] = time.monotonic()
            self._asked_logged.pop(rid, None)
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

    # -- handing a reception over to the node the balancer picks --------------------------

    async def _ask_handover(self, reception_id: str, holder: str) -> None:
        """The balancer sent someone of the reception here while `holder` hosts it: ask
        the holder to let it go (a dead holder hears nothing; its claim expires)."""
        try:
            await self.directory.ask_handover(reception_id, holder, self.options.node_id)
        except Exception as exc:
            log.warning("could not ask for a handover: %r", exc, extra={"reception": reception_id})
            return
        self._handovers.labels("asked").inc()
        now = time.monotonic()
        last = self._asked_logged.get(reception_id)
        if last is None or now - last >= KEPT_WARNING_EVERY_S:  # every page asks every second
            self._asked_logged[reception_id] = now
            log.info(
                "asked the node hosting the reception to hand it over",
                extra={"reception": reception_id, "holder": holder},
            )

    async def _handover_asked(self, reception_id: str, holder: str, asker: str) -> None:
        if holder != self.options.node_id or asker == holder:
            return
        # Off the directory's listener, which would hear nothing else meanwhile.
        self._tasks.spawn(self._hand_over(reception_id, asker))

    async def _hand_over(self, reception_id: str, asker: str) -> None:
        try:
            await self.let_go(reception_id, asker)
        except Exception:
            log.exception("the handover failed", extra={"reception": reception_id})

    async def let_go(self, reception_id: str, asker: str) -> None:
        """Let the reception go to `asker`: its room is kept in the store, the conference
        closes without ending the reception, the claim is released, and every connection
        of the reception here is told to connect again (`closed {reason: "moved"}`); the
        balancer sends the pages to `asker`, which claims the reception and restores it."""
        rid = reception_id
        async with self._opening:
            conference = self._conferences.get(rid)
            if conference is None or conference.closed:
                # A claim naming this node with no conference (left by the process before
                # a restart): nobody is here to lose it.
                await self.directory.release(rid, self.options.node_id)
                return
            hosted_s = time.monotonic() - self._opened_at.get(rid, 0.0)
            if hosted_s < self.options.handover_after_s:
                self._handovers.labels("kept").inc()
                self._warn_kept(rid, asker, hosted_s)
                return
            self._unlist(rid)
            await self._keep_room(conference)
            await conference.close()
            await self.directory.release(rid, self.options.node_id)
        participants = list(conference.room.participants)
        for participant_id in participants:
            await self._channel.evict(rid, participant_id, CloseReason.MOVED)
        # Left here, a page waiting for the moderator would join here when told the
        # reception is live, and ask for it back.
        await self._channel.reconnect_waiting(rid)
        self._handovers.labels("handed_over").inc()
        log.info(
            "reception handed over to the node its participants reach",
            extra={"reception": rid, "to": asker, "participants": len(participants)},
        )

    async def _keep_room(self, conference: Conference) -> None:
        """Write the whole room once more: a write still queued (a layout choice) would be
        cancelled with the conference's tasks, and the next node reads only the store."""
        rid = conference.reception_id
        try:
            for participant in list(conference.room.participants.values()):
                await self._store.keep_participant(rid, participant)
            await self._store.keep_room(rid, conference.room.default_layout)
        except Exception as exc:
            log.warning("room not kept for the handover: %r", exc, extra={"reception": rid})

    def _warn_kept(self, reception_id: str, asker: str, hosted_s: float) -> None:
        now = time.monotonic()
        last = self._kept_warned.get(reception_id)
        if last is not None and now - last < KEPT_WARNING_EVERY_S:
            return
        self._kept_warned[reception_id] = now
        log.warning(
            "not handing the reception over: hosted for %.1f s, less than handover_after_s "
            "(%.1f s); do the balancers agree on where it goes?",
            hosted_s,
            self.options.handover_after_s,
            extra={"reception": reception_id, "asker": asker},
        )

    async def end(self, conference: Conference) -> None:
        await conference.end()
        await self.forget(conference)

    async def forget(self, conference: Conference) -> None:
        rid = conference.reception_id
        if self._conferences.get(rid) is conference:
            self._unlist(rid)
            await self.directory.release(rid, self.options.node_id)

    def _unlist(self, reception_id: str) -> None:
        """This node hosts the reception no more (its claim is released by the caller)."""
        del self._conferences[reception_id]
        self._opened_at.pop(reception_id, None)
        self._kept_warned.pop(reception_id, None)

    async def close(self) -> None:
        if self._renewing is not None:
            self._renewing.cancel()
            await asyncio.gather(self._renewing, return_exceptions=True)
        await self._tasks.cancel_all()
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
