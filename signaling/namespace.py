"""The /reception socket.io namespace: one `on_<event>` handler per client event.

Every event is acknowledged `{ok: true, ...}` or `{ok: false, error: {code, message}}`;
`trigger_event` is the one place where errors become acknowledgements (the SFU's and the
directory's named errors keep their codes; only the unforeseen is `internal`), and it runs
each connection's events one at a time, in arrival order (python-socketio would otherwise
run them concurrently). It also holds the limits of docs/protocol.md ("Limits"): connections
per address, events per connection, one join per token, SDP size and m-lines, transports
per participant; each refusal is counted and logged (`signaling.refusals`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import socketio
from aiohttp import web
from prometheus_client import CollectorRegistry

from config.addresses import Network
from config.settings import SignalingLimits
from sfu import SfuError
from signaling.budget import Buckets, TokenBucket
from signaling.channel import Channel
from signaling.conference import Conference
from signaling.connections import AddressConnections, client_address
from signaling.moderation import ModeratorService, Outcome
from signaling.protocol.errors import CloseReason, ErrorCode, SignalingError
from signaling.protocol.payloads import (
    BandwidthLimit,
    ClientEvent,
    ClientReport,
    Empty,
    FloorChange,
    HoldChange,
    JoinRequest,
    LayoutChoice,
    MicLevel,
    ModeratorMute,
    PreviewChoice,
    SelfMute,
    ServerEvent,
    SessionDescription,
    Target,
)
from signaling.protocol.receptions import OPEN, StateError
from signaling.protocol.tokens import JoinClaims, mint_join_token, verify_join_token
from signaling.protocol.validation import check_sdp, parse
from signaling.refusals import Refusals
from signaling.registry import ConferenceRegistry
from signaling.room import Participant
from signaling.server import NAMESPACE
from signaling.spent_tokens import InMemorySpentTokens, SpentTokens, Undo, digest
from signaling.state_store import RoomStore
from signaling.tasks import TaskSet

log = logging.getLogger(__name__)

Ack = dict[str, Any]
MESSAGE_LENGTH = 200
"""A named error's message may quote a parser; the client needs its gist."""
_LIFECYCLE = ("connect", "disconnect")

_MODERATOR_COMMANDS: dict[
    ClientEvent, tuple[type[Any], Callable[[ModeratorService, Participant, Any], Outcome]]
] = {
    ClientEvent.SET_FLOOR: (FloorChange, ModeratorService.set_floor),
    ClientEvent.SET_MIC_LEVEL: (MicLevel, ModeratorService.set_mic_level),
    ClientEvent.DISCONNECT: (Target, ModeratorService.disconnect),
    ClientEvent.HOLD: (HoldChange, ModeratorService.hold),
    ClientEvent.LIMIT_BANDWIDTH: (BandwidthLimit, ModeratorService.limit_bandwidth),
    ClientEvent.MUTE: (ModeratorMute, ModeratorService.mute),
    ClientEvent.SET_LAYOUT: (LayoutChoice, ModeratorService.set_layout),
}
"""Moderator commands that differ only in payload and decision; the others (remove,
preview, technical info, end) have handlers of their own."""


@dataclass(slots=True)
class _Session:
    reception_id: str
    participant_id: str
    opened: set[str] = field(default_factory=set)
    """The media connections ("publisher", "subscriber") this join has opened."""


def _room_of(reception_id: str) -> str:
    return f"reception:{reception_id}"


def _lobby_of(reception_id: str) -> str:
    return f"lobby:{reception_id}"


class ReceptionNamespace(socketio.AsyncNamespace):  # type: ignore[misc]
    def __init__(
        self,
        token_key: str,
        registry_factory: Callable[[Channel], ConferenceRegistry],
        ice_servers: Callable[[str], list[dict[str, Any]]] | None = None,
        *,
        limits: SignalingLimits | None = None,
        trusted_proxies: Sequence[Network] = (),
        metrics: CollectorRegistry | None = None,
        spent_tokens: SpentTokens | None = None,
        kept_rooms: RoomStore | None = None,
    ) -> None:
        super().__init__(NAMESPACE)
        self._token_key = token_key
        self._ice_servers = ice_servers or (lambda participant_id: [])
        self.registry: ConferenceRegistry = registry_factory(self)
        self._sessions: dict[str, _Session] = {}
        self._sids: dict[tuple[str, str], str] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self._tasks = TaskSet()
        self.closed = False
        self._limits = limits or SignalingLimits()
        self._proxies = list(trusted_proxies)
        self._addresses = AddressConnections(self._limits.connections_per_address)
        self._events: dict[str, TokenBucket] = {}
        self._flooding: set[str] = set()
        """Connections being closed for going on sending while refused."""
        self._routed: dict[str, str] = {}
        """The reception each connection named in its query (`?reception=`): the key the
        balancer routes by, so a join for that reception came where the balancer sends it."""
        per_minute = self._limits.transports_per_minute
        self._transports: Buckets[tuple[str, str]] = Buckets(per_minute / 60, per_minute)
        self._spent: SpentTokens = spent_tokens or InMemorySpentTokens()
        """One join per token (`signaling.spent_tokens`): in Redis with `redis.url`."""
        self._kept_rooms = kept_rooms
        """Who holds a place in a reception this node does not host (yet): the room its last
        node kept (`signaling.state_store`), for the last-token exception after a restart."""
        self.refusals = Refusals(metrics)

    async def close(self) -> None:
        """Cancel the disconnects still pending, then close every conference (idempotent)."""
        if self.closed:
            return
        self.closed = True
        await self._tasks.cancel_all()
        await self.registry.close()
        await self._spent.close()

    # -- dispatch -------------------------------------------------------------------------

    async def trigger_event(self, event: str, *args: Any) -> Any:
        sid = args[0] if args else ""
        if event in _LIFECYCLE and not self.server.manager.is_connected(sid, self.namespace):
            return await super().trigger_event(event, *args)
        refusal = self._over_rate(sid)
        if refusal is not None:
            return refusal.to_wire()
        lock = self._locks.setdefault(sid, asyncio.Lock())
        async with lock:
            return await self._dispatch(event, sid, args[1:])

    def _over_rate(self, sid: str) -> SignalingError | None:
        """The connection's event budget, checked on arrival so that a flood is refused at
        once instead of queueing; a connection that goes on at full speed while refused
        (its debt as deep as a whole burst) is disconnected."""
        bucket = self._events.get(sid)
        if bucket is None or bucket.take():
            return None
        error = SignalingError(ErrorCode.RATE_LIMITED, "too many events: wait a moment")
        self._refused(error, sid)
        if bucket.exhausted and sid not in self._flooding:
            self._flooding.add(sid)
            address = self._addresses.address_of(sid)
            log.warning("closing a flooding connection", extra={"sid": sid, "address": address})
            self._tasks.spawn(self.disconnect(sid))
        return error

    async def _dispatch(self, event: str, sid: str, args: tuple[Any, ...]) -> Ack:
        try:
            if event not in ClientEvent.__members__.values() or event in _LIFECYCLE:
                name = str(event)[:40]
                raise SignalingError(ErrorCode.UNKNOWN_EVENT, f"unknown event {name!r}")
            if len(args) > 1:
                raise SignalingError(ErrorCode.INVALID_PAYLOAD, "send one payload object")
            data = args[0] if args else None
            if event in _MODERATOR_COMMANDS:
                result = await self._moderate(ClientEvent(event), sid, data)
            else:
                result = await getattr(self, f"on_{event}")(sid, data)
            return {"ok": True, **(result or {})}
        except SignalingError as error:
            return error.to_wire()
        except (SfuError, StateError) as error:
            log.info("event %s refused: %s", str(event)[:40], error)
            return SignalingError(ErrorCode(error.code), str(error)[:MESSAGE_LENGTH]).to_wire()
        except Exception:
            log.exception("event %s failed", str(event)[:40])
            return SignalingError(ErrorCode.INTERNAL, "the server could not do this").to_wire()

    # -- connection lifecycle -------------------------------------------------------------

    async def on_connect(self, sid: str, environ: dict[str, Any], auth: Any = None) -> None:
        address = client_address(environ, self._proxies)
        if not self._addresses.open(sid, address):
            error = SignalingError(
                ErrorCode.TOO_MANY_CONNECTIONS, "too many connections from this address"
            )
            self.refusals.record(error, address)
            raise socketio.exceptions.ConnectionRefusedError(error.message, error.to_wire())
        burst = self._limits.event_burst
        self._events[sid] = TokenBucket(self._limits.events_per_second, burst, floor=-burst)
        request: web.Request | None = environ.get("aiohttp.request")
        routed = request.query.get("reception") if request is not None else None
        if routed:
            self._routed[sid] = routed

    async def on_disconnect(self, sid: str, reason: Any = None) -> None:
        self._locks.pop(sid, None)
        self._addresses.close(sid)
        self._events.pop(sid, None)
        self._routed.pop(sid, None)
        self._flooding.discard(sid)
        session = self._forget(sid)
        if session is None:
            return
        conference = self.registry.get(session.reception_id)
        if conference is not None:
            await conference.drop(session.participant_id)

    # -- participant events ---------------------------------------------------------------

    async def on_join(self, sid: str, data: Any) -> Ack:
        request = parse(JoinRequest, data)
        if sid in self._sessions:
            raise SignalingError(ErrorCode.ALREADY_JOINED, "this connection has already joined")
        token = digest(request.token)
        try:
            claims = verify_join_token(self._token_key, request.token)
        except SignalingError as error:
            raise self._refused(error, sid, token=token) from None
        in_reception = await self._holds_place(claims)
        try:
            undo = await self._spent.spend(request.token, claims, in_reception=in_reception)
        except SignalingError as used:
            await self._refuse_plainer_first(claims)
            raise self._refused(used, sid, token=token) from None
        try:
            conference, participant = await self.registry.admit(
                claims,
                request.browser,
                request.device,
                routed=self._routed.get(sid) == claims.reception_id,
            )
        except BaseException as error:
            await self._give_back(undo, token)  # the token admitted nobody
            if isinstance(error, SignalingError) and error.code is ErrorCode.MODERATOR_ABSENT:
                await self.enter_room(sid, _lobby_of(claims.reception_id))
            raise
        await self.leave_room(sid, _lobby_of(claims.reception_id))
        key = (conference.reception_id, participant.id)
        previous = self._sids.get(key)
        if previous is not None and previous != sid:
            await self._close_connection(previous, CloseReason.REPLACED)
        self._sessions[sid] = _Session(*key)
        self._sids[key] = sid
        await self.enter_room(sid, _room_of(conference.reception_id))
        session_token = mint_join_token(
            self._token_key,
            claims.reception_id,
            claims.user_id,
            claims.display_name,
            claims.role,
            self.registry.options.session_ttl_s,
        )
        return {
            "snapshot": conference.room.snapshot(participant),
            "session_token": session_token,
            "ice_servers": self._ice_servers(participant.id),
        }

    async def on_leave(self, sid: str, data: Any) -> Ack:
        parse(Empty, data)
        conference, participant = self._joined(sid)
        await conference.remove(participant.id, CloseReason.LEFT)
        return {}

    async def on_publish(self, sid: str, data: Any) -> Ack:
        request = parse(SessionDescription, data)
        conference, participant = self._joined(sid)
        self._check_sdp(sid, request.sdp, self._limits.max_offer_media_sections)
        self._open_transport(sid, "publisher")
        return {"sdp": await conference.publish(participant.id, request.sdp)}

    async def on_subscribe(self, sid: str, data: Any) -> Ack:
        parse(Empty, data)
        conference, participant = self._joined(sid)
        self._open_transport(sid, "subscriber")
        return await conference.subscribe(participant.id)

    async def on_subscribe_answer(self, sid: str, data: Any) -> Ack:
        request = parse(SessionDescription, data)
        conference, participant = self._joined(sid)
        self._check_sdp(sid, request.sdp, self._limits.max_answer_media_sections)
        await conference.subscribe_answer(participant.id, request.sdp)
        return {}

    async def on_self_mute(self, sid: str, data: Any) -> Ack:
        request = parse(SelfMute, data)
        conference, participant = self._joined(sid)
        await conference.self_mute(participant.id, request)
        return {}

    async def on_choose_layout(self, sid: str, data: Any) -> Ack:
        request = parse(LayoutChoice, data)
        conference, participant = self._joined(sid)
        conference.choose_layout(participant.id, request)
        return {}

    async def on_report(self, sid: str, data: Any) -> Ack:
        request = parse(ClientReport, data)
        conference, participant = self._joined(sid)
        await conference.report(participant.id, request)
        return {}

    # -- the moderator service ------------------------------------------------------------

    async def _moderate(self, event: ClientEvent, sid: str, data: Any) -> Ack:
        """The commands of one shape (`_MODERATOR_COMMANDS`): parse, decide, apply."""
        payload, command = _MODERATOR_COMMANDS[event]
        request = parse(payload, data)
        conference, actor = self._joined(sid)
        await conference.apply(actor, command(conference.moderation, actor, request))
        return {}

    async def on_remove_participant(self, sid: str, data: Any) -> Ack:
        request = parse(Target, data)
        conference, actor = self._joined(sid)
        await conference.apply(actor, await conference.moderation.remove(actor, request))
        return {}

    async def on_preview(self, sid: str, data: Any) -> Ack:
        request = parse(PreviewChoice, data)
        conference, actor = self._joined(sid)
        await conference.apply(actor, conference.moderation.preview(actor, request))
        return {"participant_id": request.participant_id}

    async def on_tech_info(self, sid: str, data: Any) -> Ack:
        request = parse(Target, data)
        conference, actor = self._joined(sid)
        target = conference.moderation.tech_info(actor, request)
        return {"info": conference.technical_info(target)}

    async def on_end_conference(self, sid: str, data: Any) -> Ack:
        parse(Empty, data)
        conference, actor = self._joined(sid)
        outcome = conference.moderation.end_conference(actor)
        await self.registry.end(conference)
        return {"ended": outcome.end}

    # -- the conference's channel (signaling.channel.Channel) -----------------------------

    async def send(
        self, reception_id: str, participant_id: str, event: ServerEvent, data: dict[str, Any]
    ) -> None:
        sid = self._sids.get((reception_id, participant_id))
        if sid is not None:
            await self.emit(event.value, data, to=sid)

    async def broadcast(self, reception_id: str, event: ServerEvent, data: dict[str, Any]) -> None:
        await self.emit(event.value, data, room=_room_of(reception_id))

    async def evict(self, reception_id: str, participant_id: str, reason: CloseReason) -> None:
        sid = self._sids.get((reception_id, participant_id))
        if sid is not None:
            await self._close_connection(sid, reason)

    async def announce(self, reception_id: str, state: str) -> None:
        await self.emit(
            ServerEvent.RECEPTION_STATE.value,
            {"reception_id": reception_id, "state": state},
            room=_lobby_of(reception_id),
        )

    async def reconnect_waiting(self, reception_id: str) -> None:
        lobby = _lobby_of(reception_id)
        # This node's own connections: the manager keeps rooms per node, Redis or not.
        waiting = [sid for sid, _ in self.server.manager.get_participants(self.namespace, lobby)]
        for sid in waiting:
            await self.leave_room(sid, lobby)
            await self._close_connection(sid, CloseReason.MOVED)

    # -- helpers --------------------------------------------------------------------------

    def _joined(self, sid: str) -> tuple[Conference, Participant]:
        session = self._sessions.get(sid)
        conference = self.registry.get(session.reception_id) if session else None
        participant = (
            conference.room.get(session.participant_id) if conference and session else None
        )
        if conference is None or participant is None:
            raise SignalingError(ErrorCode.NOT_JOINED, "join the reception first")
        return conference, participant

    async def _refuse_plainer_first(self, claims: JoinClaims) -> None:
        """Someone back with a spent link hears first that they were removed, or that the
        reception is over (join refusals 2 and 3), which tells them more than the link."""
        directory = self.registry.directory
        if await directory.is_banned(claims.reception_id, claims.user_id):
            raise SignalingError(ErrorCode.BANNED, "you were removed from this reception")
        reception = await directory.get(claims.reception_id)
        if reception is None or reception.state not in OPEN:
            raise SignalingError(ErrorCode.RECEPTION_NOT_LIVE, "the reception is not live")

    async def _holds_place(self, claims: JoinClaims) -> bool:
        """Whether the token's participant is in its reception (connected or reconnecting),
        here or in the room kept for the node that takes the reception next (a restart)."""
        hosted = self.registry.get(claims.reception_id)
        if hosted is not None:
            return hosted.room.get(claims.user_id) is not None
        if self._kept_rooms is None:
            return False
        kept = await self._kept_rooms.load(claims.reception_id)
        return kept is not None and any(p.id == claims.user_id for p in kept.participants)

    async def _give_back(self, undo: Undo, token: str) -> None:
        """Unspend a token whose join was refused; a failure to (Redis gone) leaves it spent
        and must not hide why the join was refused."""
        try:
            await undo()
        except Exception:
            log.exception("could not give back the token of a refused join", extra={"token": token})

    def _check_sdp(self, sid: str, sdp: str, max_media_sections: int) -> None:
        try:
            check_sdp(
                sdp, max_bytes=self._limits.max_sdp_bytes, max_media_sections=max_media_sections
            )
        except SignalingError as error:
            raise self._refused(error, sid) from None

    def _open_transport(self, sid: str, side: str) -> None:
        """A join opens each media connection once (`subscribe` again reuses it): count it
        against the participant's transports per minute, which a rejoin does not reset."""
        session = self._sessions[sid]
        if side in session.opened:
            return
        if not self._transports.take((session.reception_id, session.participant_id)):
            raise self._refused(
                SignalingError(
                    ErrorCode.TOO_MANY_TRANSPORTS,
                    "too many media connections opened lately: wait a minute",
                ),
                sid,
            )
        session.opened.add(side)

    def _refused(self, error: SignalingError, sid: str, **context: object) -> SignalingError:
        """Count and log a refusal by a limit, with whose it was; returns it to raise."""
        session = self._sessions.get(sid)
        if session is not None:
            context.update(reception=session.reception_id, participant=session.participant_id)
        self.refusals.record(error, sid, address=self._addresses.address_of(sid), **context)
        return error

    def _forget(self, sid: str) -> _Session | None:
        session = self._sessions.pop(sid, None)
        if session is not None:
            key = (session.reception_id, session.participant_id)
            if self._sids.get(key) == sid:
                del self._sids[key]
        return session

    async def _close_connection(self, sid: str, reason: CloseReason) -> None:
        """Say why, then disconnect (a participant who left keeps the connection to join
        again). Forgetting the session first keeps this from starting the reconnection grace.
        """
        session = self._forget(sid)
        await self.emit(ServerEvent.CLOSED.value, {"reason": reason.value}, to=sid)
        if session is not None:
            await self.leave_room(sid, _room_of(session.reception_id))
        if reason is not CloseReason.LEFT:
            self._tasks.spawn(self._disconnect_after_turn(sid))

    async def _disconnect_after_turn(self, sid: str) -> None:
        """Wait until the connection's current event is acknowledged, then disconnect it."""
        lock = self._locks.get(sid)
        if lock is None:
            await self.disconnect(sid)
            return
        async with lock:
            await self.disconnect(sid)
