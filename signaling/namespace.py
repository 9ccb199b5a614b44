"""The /reception socket.io namespace: one `on_<event>` handler per client event.

Every event is acknowledged `{ok: true, ...}` or `{ok: false, error: {code, message}}`;
`trigger_event` is the one place where errors become acknowledgements (the SFU's and the
directory's named errors keep their codes; only the unforeseen is `internal`), and it runs
each connection's events one at a time, in arrival order (python-socketio would otherwise
run them concurrently).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import socketio

from sfu import SfuError
from signaling.channel import Channel
from signaling.conference import Conference
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
from signaling.protocol.receptions import StateError
from signaling.protocol.tokens import mint_join_token, verify_join_token
from signaling.protocol.validation import parse
from signaling.registry import ConferenceRegistry
from signaling.room import Participant
from signaling.server import NAMESPACE
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


def _room_of(reception_id: str) -> str:
    return f"reception:{reception_id}"


def _lobby_of(reception_id: str) -> str:
    return f"lobby:{reception_id}"


class ReceptionNamespace(socketio.AsyncNamespace):  # type: ignore[misc]
    def __init__(
        self,
        token_key: str,
        registry_factory: Callable[[Channel], ConferenceRegistry],
        ice_servers: list[dict[str, Any]] | None = None,
    ) -> None:
        super().__init__(NAMESPACE)
        self._token_key = token_key
        self._ice_servers = ice_servers or []
        self.registry: ConferenceRegistry = registry_factory(self)
        self._sessions: dict[str, _Session] = {}
        self._sids: dict[tuple[str, str], str] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self._tasks = TaskSet()
        self.closed = False

    async def close(self) -> None:
        """Cancel the disconnects still pending, then close every conference (idempotent)."""
        if self.closed:
            return
        self.closed = True
        await self._tasks.cancel_all()
        await self.registry.close()

    # -- dispatch -------------------------------------------------------------------------

    async def trigger_event(self, event: str, *args: Any) -> Any:
        sid = args[0] if args else ""
        if event in _LIFECYCLE and not self.server.manager.is_connected(sid, self.namespace):
            return await super().trigger_event(event, *args)
        lock = self._locks.setdefault(sid, asyncio.Lock())
        async with lock:
            return await self._dispatch(event, sid, args[1:])

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
        return None

    async def on_disconnect(self, sid: str, reason: Any = None) -> None:
        self._locks.pop(sid, None)
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
        claims = verify_join_token(self._token_key, request.token)
        try:
            conference, participant = await self.registry.admit(
                claims, request.browser, request.device
            )
        except SignalingError as error:
            if error.code is ErrorCode.MODERATOR_ABSENT:
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
            "ice_servers": self._ice_servers,
        }

    async def on_leave(self, sid: str, data: Any) -> Ack:
        parse(Empty, data)
        conference, participant = self._joined(sid)
        await conference.remove(participant.id, CloseReason.LEFT)
        return {}

    async def on_publish(self, sid: str, data: Any) -> Ack:
        request = parse(SessionDescription, data)
        conference, participant = self._joined(sid)
        return {"sdp": await conference.publish(participant.id, request.sdp)}

    async def on_subscribe(self, sid: str, data: Any) -> Ack:
        parse(Empty, data)
        conference, participant = self._joined(sid)
        return await conference.subscribe(participant.id)

    async def on_subscribe_answer(self, sid: str, data: Any) -> Ack:
        request = parse(SessionDescription, data)
        conference, participant = self._joined(sid)
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
