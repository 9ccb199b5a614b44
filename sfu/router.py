"""Router: one live reception's media; who receives whom is decided here and only here."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
from collections.abc import Callable, Iterator
from typing import TypeVar

from config.settings import RtcSettings
from sfu.errors import DuplicateTransport, RouterClosed
from sfu.producer import Producer
from sfu.publisher import PublisherTransport
from sfu.speaker import ActiveSpeakerDetector, SpeakerListener
from sfu.subscriber import SubscriberTransport
from sfu.types import MediaKind, Role

log = logging.getLogger(__name__)

MAX_GAIN_DB = 20.0
TICK_S = 1.0
"""Reports, bitrates, caps and key-frame retries run on this period."""
T = TypeVar("T")
ConnectionListener = Callable[[str, str, str], None]


class Router:
    """Forwarding rules from room state, applied without renegotiation.

    Room state may be set before a participant's transports exist (a mute, a hold, a
    limit); it applies when they appear and is forgotten when the participant is removed.

    On-air producers go to every subscriber; off-air producers only to subscribers allowed
    to preview (the moderator), optionally narrowed to one publisher. A held subscriber gets
    nothing; a paused producer reaches nobody. Renegotiation happens only when producers
    appear or disappear.
    """

    def __init__(self, settings: RtcSettings, name: str) -> None:
        self.settings = settings
        self.name = name
        self.closed = False
        self.publishers: dict[str, PublisherTransport] = {}
        self.subscribers: dict[str, SubscriberTransport] = {}
        self._on_air: set[str] = set()
        self._preview: set[str] = set()
        self._previewed: dict[str, str] = {}
        self._paused: set[tuple[str, MediaKind]] = set()
        self._held: set[str] = set()
        self._receive_limits: dict[str, int] = {}
        self._send_limits: dict[str, int] = {}
        self._gains: dict[str, float] = {}
        self._speaker_listeners: list[SpeakerListener] = []
        self._state_listeners: list[ConnectionListener] = []
        self._speakers = ActiveSpeakerDetector(self._speaker_changed)
        self._ticker: asyncio.Task[None] | None = None
        self._log = logging.LoggerAdapter(log, {"reception": name})

    def _start_ticking(self) -> None:
        if self._ticker is None:
            self._ticker = asyncio.get_running_loop().create_task(self._tick_forever())

    async def _tick_forever(self) -> None:
        """Every transport's once-a-second work in one wake-up of the loop.

        A timer per transport would wake the loop once more per participant and second;
        on a server whose fixed cost is its wake-ups that is most of what the timers cost.
        """
        while True:
            await asyncio.sleep(TICK_S)
            for transport in [*self.publishers.values(), *self.subscribers.values()]:
                try:
                    transport.tick()
                except Exception:  # a report must never stop the reports that follow
                    self._log.exception("periodic work of %s failed", transport.participant_id)

    # --- transports ---------------------------------------------------------------------------

    async def add_publisher(self, participant_id: str) -> PublisherTransport:
        self._ensure_open()
        if participant_id in self.publishers:
            raise DuplicateTransport(f"{participant_id} already publishes")
        self._start_ticking()
        transport = PublisherTransport(
            self.settings,
            participant_id,
            self._connection_state,
            self._producer_added,
            self._producer_closed,
        )
        transport.set_send_limit(self._send_limits.get(participant_id))
        self.publishers[participant_id] = transport
        return transport

    async def add_subscriber(self, participant_id: str) -> SubscriberTransport:
        self._ensure_open()
        if participant_id in self.subscribers:
            raise DuplicateTransport(f"{participant_id} already subscribes")
        self._start_ticking()
        transport = SubscriberTransport(
            self.settings, participant_id, self._connection_state, self._may_receive
        )
        self.subscribers[participant_id] = transport
        transport.held = participant_id in self._held
        transport.set_receive_limit(self._receive_limits.get(participant_id))
        for producer in self.producers():
            transport.add_producer(producer)
        return transport

    async def remove_participant(self, participant_id: str) -> None:
        """Close both transports of a participant; its producers vanish from every offer."""
        publisher = self.publishers.pop(participant_id, None)
        subscriber = self.subscribers.pop(participant_id, None)
        if publisher is not None:
            for producer in publisher.producers.values():
                self._producer_closed(producer)
            await publisher.close()
        if subscriber is not None:
            await subscriber.close()
        self._speakers.forget(participant_id)
        for state in (self._on_air, self._preview, self._held):
            state.discard(participant_id)
        for setting in (self._previewed, self._gains, self._receive_limits, self._send_limits):
            setting.pop(participant_id, None)
        self._paused = {key for key in self._paused if key[0] != participant_id}

    async def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        if self._ticker is not None:
            self._ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._ticker
        transports = [*self.publishers.values(), *self.subscribers.values()]
        self.publishers.clear()
        self.subscribers.clear()
        await asyncio.gather(*(t.close() for t in transports))
        self._speaker_listeners.clear()
        self._state_listeners.clear()
        self._log.info("router closed")

    def producers(self) -> Iterator[Producer]:
        for transport in self.publishers.values():
            yield from transport.producers.values()

    def _producer_added(self, producer: Producer) -> None:
        producer.set_paused((producer.participant_id, producer.kind) in self._paused)
        if producer.kind is MediaKind.AUDIO:
            producer.on_level(self._level)
        for transport in self.subscribers.values():
            transport.add_producer(producer)

    def _producer_closed(self, producer: Producer) -> None:
        """A publisher stopped one track: its m-line leaves every subscriber's next offer."""
        for transport in self.subscribers.values():
            transport.remove_producer(producer)
        if producer.kind is MediaKind.AUDIO:
            self._speakers.forget(producer.participant_id)

    # --- rules --------------------------------------------------------------------------------

    def _may_receive(self, subscriber_id: str, producer: Producer) -> bool:
        publisher_id = producer.participant_id
        if publisher_id == subscriber_id:
            return False
        if publisher_id in self._on_air:
            return True
        if subscriber_id not in self._preview:
            return False
        narrowed = self._previewed.get(subscriber_id)
        return narrowed is None or narrowed == publisher_id

    def _apply_rules(self) -> None:
        for transport in self.subscribers.values():
            transport.apply_rules()

    def set_on_air(self, participant_id: str, on_air: bool) -> None:
        """Start or stop forwarding this participant to everyone (a key frame follows)."""
        _toggle(self._on_air, participant_id, on_air)
        if not on_air:
            self._speakers.forget(participant_id)
        self._apply_rules()

    def is_on_air(self, participant_id: str) -> bool:
        return participant_id in self._on_air

    def set_preview(self, subscriber_id: str, allowed: bool) -> None:
        _toggle(self._preview, subscriber_id, allowed)
        self._apply_rules()

    def set_previewed(self, subscriber_id: str, publisher_id: str | None) -> None:
        if publisher_id is None:
            self._previewed.pop(subscriber_id, None)
        else:
            self._previewed[subscriber_id] = publisher_id
        self._apply_rules()

    def pause_producer(self, participant_id: str, kind: MediaKind, paused: bool) -> None:
        """The moderator's mute: the publisher keeps sending, nobody receives it."""
        key = (participant_id, MediaKind(kind))
        _toggle(self._paused, key, paused)
        publisher = self.publishers.get(participant_id)
        producer = publisher.producer(key[1]) if publisher else None
        if producer is not None:
            producer.set_paused(paused)

    def hold_subscriber(self, participant_id: str, held: bool) -> None:
        """'Temporarily disconnect': the subscriber receives nothing while held."""
        _toggle(self._held, participant_id, held)
        subscriber = self.subscribers.get(participant_id)
        if subscriber is not None:
            subscriber.set_held(held)

    def set_receive_limit(self, participant_id: str, kbps: int | None) -> None:
        bps = _bps(kbps)
        _store(self._receive_limits, participant_id, bps)
        subscriber = self.subscribers.get(participant_id)
        if subscriber is not None:
            subscriber.set_receive_limit(bps)

    def set_send_limit(self, participant_id: str, kbps: int | None) -> None:
        bps = _bps(kbps)
        _store(self._send_limits, participant_id, bps)
        publisher = self.publishers.get(participant_id)
        if publisher is not None:
            publisher.set_send_limit(bps)

    def set_gain(self, participant_id: str, gain_db: float) -> None:
        """The moderator's level for a microphone, applied by every receiver and the recorder.

        Clients and the recorder multiply by gain_linear(); the SFU itself never decodes
        (see the SFU notes in the README for the measurement behind this choice).
        """
        if not math.isfinite(gain_db) or abs(gain_db) > MAX_GAIN_DB:
            raise ValueError(f"gain must be within ±{MAX_GAIN_DB} dB, got {gain_db}")
        self._gains[participant_id] = gain_db

    def gain_db(self, participant_id: str) -> float:
        return self._gains.get(participant_id, 0.0)

    # --- events -------------------------------------------------------------------------------

    def on_active_speaker(self, callback: SpeakerListener) -> None:
        self._speaker_listeners.append(callback)

    def on_connection_state(self, callback: ConnectionListener) -> None:
        self._state_listeners.append(callback)

    @property
    def active_speaker(self) -> str | None:
        return self._speakers.active

    def _level(self, producer: Producer, level: int, voice: bool) -> None:
        if producer.participant_id in self._on_air and not producer.paused:
            self._speakers.add_level(producer.participant_id, level)

    def _speaker_changed(self, participant_id: str | None) -> None:
        for listener in list(self._speaker_listeners):
            listener(participant_id)

    def _connection_state(self, participant_id: str, role: Role, state: str) -> None:
        for listener in list(self._state_listeners):
            listener(participant_id, role.value, state)

    # --- stats --------------------------------------------------------------------------------

    def stats(self) -> dict[str, object]:
        participants: dict[str, dict[str, object]] = {}
        for pid, publisher in self.publishers.items():
            entry = participants.setdefault(pid, {})
            entry["on_air"] = pid in self._on_air
            entry["gain_db"] = self.gain_db(pid)
            entry["publisher"] = publisher.stats()
        for pid, subscriber in self.subscribers.items():
            participants.setdefault(pid, {})["subscriber"] = subscriber.stats()
        return {
            "router": self.name,
            "active_speaker": self.active_speaker,
            "participants": participants,
        }

    # --- helpers ------------------------------------------------------------------------------

    def _ensure_open(self) -> None:
        if self.closed:
            raise RouterClosed(f"router {self.name} is closed")


def _toggle(members: set[T], member: T, present: bool) -> None:
    if present:
        members.add(member)
    else:
        members.discard(member)


def _store(settings: dict[str, int], key: str, value: int | None) -> None:
    if value is None:
        settings.pop(key, None)
    else:
        settings[key] = value


def _bps(kbps: int | None) -> int | None:
    if kbps is None:
        return None
    if kbps <= 0:
        raise ValueError(f"a bandwidth limit must be positive, got {kbps} kbit/s")
    return kbps * 1000


def gain_linear(gain_db: float) -> float:
    return float(10 ** (gain_db / 20))
