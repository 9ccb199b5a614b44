"""One live reception on this node: its room, moderator service and media router.

The room is the working copy; after every change the router is made to follow the changed
participant (`_sync`), the change is written through to the room store (`state_store`, so
a node that takes the reception again after a crash restores it), and it goes out as a
delta to everyone.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any, TypeVar

import sfu
from sfu import ForwardingState, Negotiation, SfuError
from signaling.channel import Channel
from signaling.directory import ReceptionDirectory
from signaling.media import MediaRouter, PublisherLike, SubscriberLike
from signaling.moderation import ModerationRecord, ModeratorService, Outcome
from signaling.options import SignalingOptions
from signaling.protocol.errors import CloseReason, ErrorCode, SignalingError
from signaling.protocol.events import EventKind
from signaling.protocol.payloads import ClientReport, LayoutChoice, MediaKind, SelfMute, ServerEvent
from signaling.protocol.receptions import Reception, ReceptionState
from signaling.protocol.roles import Permission, can
from signaling.protocol.tokens import JoinClaims
from signaling.quality import quality_of
from signaling.received_video import tell_received_video
from signaling.reporting import EventReporter
from signaling.room import Participant, Presence, Room
from signaling.state_store import InMemoryRoomStore, RoomStore
from signaling.tasks import TaskSet

log = logging.getLogger(__name__)
T = TypeVar("T")


class Conference:
    def __init__(
        self,
        reception: Reception,
        directory: ReceptionDirectory,
        channel: Channel,
        router: MediaRouter | None,
        options: SignalingOptions,
        reporter: EventReporter | None = None,
        store: RoomStore | None = None,
    ) -> None:
        self.reception = reception
        self.room = Room(reception.reception_id)
        self._reporter = reporter or EventReporter()
        self.moderation = ModeratorService(self.room, directory, self._moderated)
        self._directory = directory
        self._channel = channel
        self._router = router
        self._options = options
        self._store = store or InMemoryRoomStore()
        self._publishers: dict[str, PublisherLike] = {}
        self._subscriptions: dict[str, SubscriberLike] = {}
        self._grace: dict[str, asyncio.Task[None]] = {}
        self._tasks = TaskSet()
        self._on_air: set[str] = set()
        """Who the portal was last told is on air."""
        self.closed = False
        if router is not None:
            router.on_active_speaker(self._on_active_speaker)
            router.on_connection_state(self._on_connection_state)
            tell_received_video(router, channel, reception.reception_id, self._spawn)

    @property
    def reception_id(self) -> str:
        return self.reception.reception_id

    @property
    def router(self) -> MediaRouter | None:
        return self._router

    # -- presence -------------------------------------------------------------------------

    async def restore(self) -> None:
        """Take back the room kept for this reception (its node died, this one took it):
        everyone is `reconnecting`, with the grace period to come back in."""
        kept = await self._store.load(self.reception_id)
        if kept is None:
            return
        self.room.default_layout = kept.default_layout
        for participant in kept.participants:
            self.room.participants[participant.id] = participant
            if participant.on_air:
                self._on_air.add(participant.id)  # the portal heard it from the last node
            self._grace[participant.id] = self._spawn(self._expire(participant.id))
        log.info(
            "room restored with %d participants",
            len(kept.participants),
            extra={"reception": self.reception_id},
        )

    async def admit(self, claims: JoinClaims, browser: str, device: str) -> Participant:
        """Add the person, or give a returning one back their place, floor and mutes."""
        participant = self.room.get(claims.user_id)
        if participant is None:
            if can(claims.role, Permission.NEEDS_MODERATOR) and not self.room.moderators():
                # Seed 002: citizens enter only while a moderator is there; one who left
                # without ending the reception lets nobody new in until a moderator is back.
                raise SignalingError(ErrorCode.MODERATOR_ABSENT, "no moderator is present")
            counts = can(claims.role, Permission.COUNTS_TOWARDS_CAPACITY)
            if counts and self.room.citizens() >= self.reception.max_citizens:
                raise SignalingError(ErrorCode.FULL, "the reception has no free places left")
            participant = Participant(claims.user_id, claims.display_name, claims.role)
            moderated_before = bool(self.room.moderators())
            self.room.participants[participant.id] = participant
            if can(participant.role, Permission.MODERATE) and not moderated_before:
                await self._room_changed()
        else:
            self._cancel_grace(participant.id)
            await self._drop_media(participant.id)
            self._set_presence(participant, Presence.CONNECTED)
        participant.browser, participant.device = browser, device
        # The session token a page comes back with names no appeal: keep the first one.
        participant.appeal_id = claims.appeal_id or participant.appeal_id
        await self._changed(participant)
        return participant

    async def drop(self, participant_id: str) -> None:
        """The connection vanished: keep the place for the grace period, show "reconnecting"."""
        participant = self.room.get(participant_id)
        if participant is None or self.closed:
            return
        self._set_presence(participant, Presence.RECONNECTING)
        await self._drop_media(participant_id)
        await self._changed(participant)
        self._cancel_grace(participant_id)
        self._grace[participant_id] = self._spawn(self._expire(participant_id))

    async def _expire(self, participant_id: str) -> None:
        await asyncio.sleep(self._options.reconnect_grace_s)
        self._grace.pop(participant_id, None)
        participant = self.room.get(participant_id)
        if participant is not None and participant.presence is Presence.RECONNECTING:
            await self.remove(participant_id, CloseReason.TIMED_OUT)

    async def remove(self, participant_id: str, reason: CloseReason) -> None:
        gone = self.room.participants.pop(participant_id, None)
        if gone is None:
            return
        self._cancel_grace(participant_id)
        await self._keep(self._store.drop_participant(self.reception_id, participant_id))
        for previewed_by, previewed in list(self.room.previews.items()):
            if previewed == participant_id:
                self.room.previews[previewed_by] = None
                self._sync_by_id(previewed_by)
        checked = self.room.get(self.room.previews.pop(participant_id, None) or "")
        if checked is not None:  # a moderator left in the middle of a check
            self._sync(checked)
            await self._changed(checked)
        await self._channel.evict(self.reception_id, participant_id, reason)
        await self._drop_media(participant_id)
        self._report_on_air(participant_id, False)
        self._reporter.report(
            EventKind.LEFT,
            self.reception_id,
            user_id=participant_id,
            detail={"reason": reason.value},
        )
        if self.room.active_speaker == participant_id or (
            can(gone.role, Permission.MODERATE) and not self.room.moderators()
        ):
            # The room tells everyone the last moderator is gone (`moderator_present`).
            if self.room.active_speaker == participant_id:
                self.room.active_speaker = None
            await self._room_changed()
        await self._channel.broadcast(
            self.reception_id,
            ServerEvent.PARTICIPANT_LEFT,
            {"id": participant_id, "reason": reason.value},
        )

    async def end(self) -> None:
        """Everyone out, the reception ended for good, the media released."""
        if self.closed:
            return
        for participant_id in list(self.room.participants):
            await self.remove(participant_id, CloseReason.RECEPTION_ENDED)
        current = await self._directory.get(self.reception_id)
        cancelled = current is not None and current.state is ReceptionState.CANCELLED
        if not cancelled:
            await self._directory.move(self.reception_id, ReceptionState.ENDED)
        await self._keep(self._store.forget(self.reception_id))
        await self._channel.announce(self.reception_id, ReceptionState.ENDED.value)
        await self.close()
        if not cancelled:
            # After the close: the router has written its recording out, so whoever hears
            # "ended" (the composer among them) finds every track complete.
            self._reporter.report(EventKind.ENDED, self.reception_id)

    async def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        await self._tasks.cancel_all()
        if self._router is not None:
            await self._router.close()

    # -- media negotiation ----------------------------------------------------------------

    async def publish(self, participant_id: str, offer_sdp: str) -> str:
        participant = self._present(participant_id)
        if not can(participant.role, Permission.PUBLISH):
            raise SignalingError(ErrorCode.FORBIDDEN, "this role does not send media")
        router = self._media()
        publisher = self._publishers.get(participant_id)
        if publisher is None:
            publisher = await self._media_call(router.add_publisher(participant_id))
            self._publishers[participant_id] = publisher
        answer = await self._media_call(publisher.accept_offer(offer_sdp))
        self._sync(participant)
        sends = sent_kinds(offer_sdp)
        if sends != participant.sends:
            participant.sends = sends
            await self._changed(participant)
        return answer

    async def subscribe(self, participant_id: str) -> dict[str, Any]:
        participant = self._present(participant_id)
        router = self._media()
        transport = self._subscriptions.get(participant_id)
        if transport is None:
            transport = await self._media_call(router.add_subscriber(participant_id))
            self._subscriptions[participant_id] = transport
            transport.on_negotiation_needed(lambda: self._renegotiate_soon(participant_id))
        elif transport.negotiation is not Negotiation.STABLE:
            raise SignalingError(
                ErrorCode.INVALID_STATE, "an offer is already waiting for an answer"
            )
        self._sync(participant)
        if not any(other != participant_id for other in self._publishers):
            # Nothing to receive yet. Browsers refuse an offer without media sections (its
            # BUNDLE group names no m-line), so the first offer waits for a publisher and
            # comes as a `subscriber_offer` event.
            return {"sdp": None, "tracks": []}
        return await self._offer(transport)

    async def subscribe_answer(self, participant_id: str, answer_sdp: str) -> None:
        """A rejected answer makes the transport offer afresh (`subscriber_offer`)."""
        self._present(participant_id)
        transport = self._subscriptions.get(participant_id)
        if transport is None:
            raise SignalingError(ErrorCode.INVALID_STATE, "no subscriber offer awaits an answer")
        await self._media_call(transport.accept_answer(answer_sdp))

    async def _offer(self, transport: SubscriberLike) -> dict[str, Any]:
        offer = await self._media_call(transport.create_offer())
        tracks = [
            {"mid": t.mid, "participant_id": t.participant_id, "kind": t.kind.value}
            for t in offer.tracks
        ]
        return {"sdp": offer.sdp, "tracks": tracks}

    def _renegotiate_soon(self, participant_id: str) -> None:
        """The transport has an offer due (producers came or went, an answer was refused)."""
        if participant_id in self._subscriptions and not self.closed:
            self._spawn(self._send_offer(participant_id))

    async def _send_offer(self, participant_id: str) -> None:
        transport = self._subscriptions.get(participant_id)
        if transport is None or transport.negotiation is not Negotiation.OFFER_DUE:
            return  # gone, or the client's own `subscribe` took the offer
        try:
            offer = await self._offer(transport)
        except (SignalingError, SfuError):
            log.warning("renegotiation failed", extra={"participant": participant_id})
            return
        await self._channel.send(
            self.reception_id, participant_id, ServerEvent.SUBSCRIBER_OFFER, offer
        )

    async def _drop_media(self, participant_id: str) -> None:
        """Close the participant's transports; the router forgets its forwarding state."""
        self._publishers.pop(participant_id, None)
        self._subscriptions.pop(participant_id, None)
        if self._router is not None:
            await self._router.remove_participant(participant_id)

    # -- the participant's own controls ---------------------------------------------------

    async def self_mute(self, participant_id: str, request: SelfMute) -> None:
        participant = self._present(participant_id)
        if not request.muted and participant.moderator_muted[request.kind]:
            raise SignalingError(
                ErrorCode.MUTED_BY_MODERATOR, "the moderator has turned this off for you"
            )
        participant.self_muted[request.kind] = request.muted
        self._sync(participant)
        await self._changed(participant)

    def choose_layout(self, participant_id: str, request: LayoutChoice) -> None:
        """Nobody else is told, so the write need not hold up the acknowledgement."""
        participant = self._present(participant_id)
        participant.layout = request.layout
        self._spawn(self._keep(self._store.keep_participant(self.reception_id, participant)))

    async def report(self, participant_id: str, report: ClientReport) -> None:
        participant = self._present(participant_id)
        participant.report = report
        quality = quality_of(report)
        if quality is not participant.quality:
            participant.quality = quality
            await self._changed(participant)

    def technical_info(self, participant: Participant) -> dict[str, Any]:
        server = None
        if self._router is not None:
            server = self._router.stats().get("participants", {}).get(participant.id)
        return {**self.room.record_of(participant), **participant.technical(), "server": server}

    # -- moderator commands ---------------------------------------------------------------

    async def apply(self, actor: Participant, outcome: Outcome) -> None:
        """Make the router and every client follow what a moderator command changed
        (ending the reception is the registry's: it also forgets the conference)."""
        self._sync(actor)
        for participant in outcome.changed:
            self._sync(participant)
            await self._changed(participant)
        if outcome.room_changed:
            await self._keep(self._store.keep_room(self.reception_id, self.room.default_layout))
            await self._room_changed()
        for participant_id, reason in outcome.evict:
            await self.remove(participant_id, reason)

    # -- helpers --------------------------------------------------------------------------

    def _present(self, participant_id: str) -> Participant:
        participant = self.room.get(participant_id)
        if participant is None:
            raise SignalingError(ErrorCode.NOT_JOINED, "join the reception first")
        return participant

    def _media(self) -> MediaRouter:
        if self._router is None:
            raise SignalingError(ErrorCode.MEDIA_FAILED, "this node carries no media")
        return self._router

    async def _media_call(self, call: Coroutine[Any, Any, T]) -> T:
        """SFU errors keep their own code (the namespace sends it); whatever else the media
        stack throws is a `media_failed` refusal, not an internal error."""
        try:
            return await call
        except (SignalingError, SfuError):
            raise
        except Exception as exc:
            log.warning("media call failed: %r", exc, extra={"reception": self.reception_id})
            raise SignalingError(
                ErrorCode.MEDIA_FAILED, "the media server could not do this"
            ) from exc

    def _sync_by_id(self, participant_id: str) -> None:
        participant = self.room.get(participant_id)
        if participant is not None:
            self._sync(participant)

    def _sync(self, participant: Participant) -> None:
        """Hand the participant's forwarding state to the router, which acts only on what
        changed (the gain is not in it: it travels in the participant record to the
        receivers, which apply it)."""
        if self._router is None:
            return
        # A moderator receives whom they preview; the citizen they check receives them back.
        previewed = self.room.previews.get(participant.id) or self.room.checker_of(participant.id)
        self._router.apply(
            participant.id,
            ForwardingState(
                on_air=participant.on_air,
                paused=frozenset(
                    sfu.MediaKind(kind.value) for kind in MediaKind if participant.paused(kind)
                ),
                held=participant.held,
                preview=previewed is not None,
                previewed=previewed,
                featured=can(participant.role, Permission.ALWAYS_ON_AIR),
                send_limit_kbps=participant.bandwidth_kbps,
                receive_limit_kbps=participant.bandwidth_kbps,
            ),
        )

    def _set_presence(self, participant: Participant, presence: Presence) -> None:
        """The one place presence moves, logged."""
        if presence is not participant.presence:
            log.info(
                "presence %s -> %s",
                participant.presence,
                presence,
                extra={"reception": self.reception_id, "participant": participant.id},
            )
            participant.presence = presence

    async def _changed(self, participant: Participant) -> None:
        await self._keep(self._store.keep_participant(self.reception_id, participant))
        self._report_on_air(participant.id, participant.on_air)
        await self._channel.broadcast(
            self.reception_id, ServerEvent.PARTICIPANT, self.room.record_of(participant)
        )

    async def _keep(self, write: Coroutine[Any, Any, None]) -> None:
        """A store that is away costs what would survive a crash, not the live reception:
        the room in memory goes on, and the next change of the same record catches up."""
        try:
            await write
        except Exception as exc:
            log.warning("room state not kept: %r", exc, extra={"reception": self.reception_id})

    def _report_on_air(self, participant_id: str, on_air: bool) -> None:
        if on_air is (participant_id in self._on_air):
            return
        if on_air:
            self._on_air.add(participant_id)
        else:
            self._on_air.discard(participant_id)
        self._reporter.report(
            EventKind.ON_AIR, self.reception_id, user_id=participant_id, detail={"on_air": on_air}
        )

    def _moderated(self, record: ModerationRecord) -> None:
        self._reporter.report(
            EventKind.MODERATED,
            self.reception_id,
            actor_id=record.actor_id,
            action=record.action,
            user_id=record.target_id,
            detail=record.detail,
        )

    async def _room_changed(self) -> None:
        await self._channel.broadcast(self.reception_id, ServerEvent.ROOM, self.room.room_fields())

    def _on_active_speaker(self, participant_id: str | None) -> None:
        if participant_id != self.room.active_speaker and not self.closed:
            self.room.active_speaker = participant_id
            self._reporter.report(EventKind.SPEAKER, self.reception_id, user_id=participant_id)
            self._spawn(self._room_changed())

    def _on_connection_state(self, participant_id: str, side: str, state: str) -> None:
        """ICE failed: show "reconnecting" and wait for the client to come back."""
        if state == "failed" and not self.closed:
            log.info("%s connection failed", side, extra={"participant": participant_id})
            self._spawn(self.drop(participant_id))

    def _cancel_grace(self, participant_id: str) -> None:
        task = self._grace.pop(participant_id, None)
        if task is not None and task is not asyncio.current_task():
            task.cancel()

    def _spawn(self, coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        return self._tasks.spawn(coro)


def sent_kinds(offer_sdp: str) -> dict[MediaKind, bool]:
    """Which kinds an offer sends: a browser without a camera (or a microphone) offers no
    such section, so the moderator can be told before giving the floor."""
    sends = {kind: False for kind in MediaKind}
    for section in offer_sdp.split("\nm=")[1:]:
        kind, _, rest = section.partition(" ")
        port = rest.split(" ", 1)[0]
        receive_only = "a=recvonly" in section or "a=inactive" in section
        if kind in sends and port != "0" and not receive_only:
            sends[MediaKind(kind)] = True
    return sends
