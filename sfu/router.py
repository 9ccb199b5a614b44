"""Router: one live reception's media; who receives whom is decided here and only here."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Iterable, Iterator

from config.settings import RtcSettings
from sfu.errors import DuplicateTransport, RouterClosed
from sfu.producer import Producer, Sink
from sfu.publisher import PublisherTransport
from sfu.speaker import ActiveSpeakerDetector, SpeakerListener
from sfu.subscriber import OTHERS, ReceivedVideoListener, SubscriberTransport
from sfu.types import ForwardingState, MediaKind, ReceivedVideo, Role

log = logging.getLogger(__name__)

TICK_S = 1.0
"""Reports, bitrates, caps and key-frame retries run on this period."""
IDLE = ForwardingState()
"""A participant's state until the signaling layer says otherwise."""
ConnectionListener = Callable[[str, str, str], None]
RecorderFactory = Callable[[Producer], Sink]
"""Makes the sink that records one producer (recorder/ owns the files)."""


class Router:
    """Forwarding rules from one `ForwardingState` per participant, applied without
    renegotiation.

    A state may be applied before a participant's transports exist (a mute, a hold, a
    limit); it holds when they appear and is forgotten when the participant is removed.

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
        self._states: dict[str, ForwardingState] = {}
        self._speaker_listeners: list[SpeakerListener] = []
        self._state_listeners: list[ConnectionListener] = []
        self._received_video_listeners: list[ReceivedVideoListener] = []
        self._speakers = ActiveSpeakerDetector(self._speaker_changed)
        self._recorder: RecorderFactory | None = None
        self._recordings: dict[Producer, Sink] = {}
        self._recording_now: set[Producer] = set()
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
        transport.set_send_limit(_bps(self.state_of(participant_id).send_limit_kbps))
        self.publishers[participant_id] = transport
        return transport

    async def add_subscriber(self, participant_id: str) -> SubscriberTransport:
        self._ensure_open()
        if participant_id in self.subscribers:
            raise DuplicateTransport(f"{participant_id} already subscribes")
        self._start_ticking()
        transport = SubscriberTransport(
            self.settings,
            participant_id,
            self._connection_state,
            self._may_receive,
            self._preference,
            self._received_video,
        )
        self.subscribers[participant_id] = transport
        transport.set_receive_limit(_bps(self.state_of(participant_id).receive_limit_kbps))
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
        self._states.pop(participant_id, None)

    async def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        if self._ticker is not None:
            self._ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._ticker
        for producer, sink in self._recordings.items():
            producer.detach(sink)
            sink.close()  # the recording keeps what was written up to now
        self._recordings.clear()
        self._recording_now.clear()
        transports = [*self.publishers.values(), *self.subscribers.values()]
        self.publishers.clear()
        self.subscribers.clear()
        await asyncio.gather(*(t.close() for t in transports))
        self._speaker_listeners.clear()
        self._state_listeners.clear()
        self._received_video_listeners.clear()
        self._log.info("router closed")

    def producers(self) -> Iterator[Producer]:
        for transport in self.publishers.values():
            yield from transport.producers.values()

    def _producer_added(self, producer: Producer) -> None:
        producer.set_paused(producer.kind in self.state_of(producer.participant_id).paused)
        if producer.kind is MediaKind.AUDIO:
            producer.on_level(self._level)
        for transport in self.subscribers.values():
            transport.add_producer(producer)
        self._start_recording(producer)

    def _producer_closed(self, producer: Producer) -> None:
        """A publisher stopped one track: its m-line leaves every subscriber's next offer."""
        for transport in self.subscribers.values():
            transport.remove_producer(producer)
        if producer.kind is MediaKind.AUDIO:
            self._speakers.forget(producer.participant_id)
        sink = self._recordings.pop(producer, None)
        self._recording_now.discard(producer)
        if sink is not None:
            producer.detach(sink)
            sink.close()

    # --- recording ----------------------------------------------------------------------------

    def record(self, factory: RecorderFactory) -> None:
        """Record every producer while its participant is on air: the recording hears what
        every listener hears (a moderator's mute pauses it too)."""
        self._recorder = factory
        for producer in self.producers():
            self._start_recording(producer)

    def _start_recording(self, producer: Producer) -> None:
        if self._recorder is None or producer in self._recordings:
            return
        sink = self._recorder(producer)
        self._recordings[producer] = sink
        producer.attach(sink)
        self._record_while_on_air(producer)

    def _record_while_on_air(self, producer: Producer) -> None:
        sink = self._recordings.get(producer)
        if sink is None:
            return
        on_air = self.state_of(producer.participant_id).on_air
        if on_air == (producer in self._recording_now):
            return
        producer.set_active(sink, on_air)
        if on_air:
            self._recording_now.add(producer)
            producer.request_keyframe()  # each stretch on air starts at a key frame
        else:
            self._recording_now.discard(producer)

    # --- rules --------------------------------------------------------------------------------

    def state_of(self, participant_id: str) -> ForwardingState:
        return self._states.get(participant_id, IDLE)

    def apply(self, participant_id: str, state: ForwardingState) -> None:
        """Make forwarding follow the participant's new state.

        Only what differs from the previous state is touched, and the consumers are swept
        at most once: every subscriber's when the participant went on or off air, its own
        when its hold or preview changed, none for a mute or a limit.
        """
        previous = self.state_of(participant_id)
        if state == previous:
            return
        self._states[participant_id] = state
        publisher = self.publishers.get(participant_id)
        subscriber = self.subscribers.get(participant_id)
        if publisher is not None:
            if state.paused != previous.paused:
                for producer in publisher.producers.values():
                    producer.set_paused(producer.kind in state.paused)
            if state.send_limit_kbps != previous.send_limit_kbps:
                publisher.set_send_limit(_bps(state.send_limit_kbps))
        if subscriber is not None and state.receive_limit_kbps != previous.receive_limit_kbps:
            subscriber.set_receive_limit(_bps(state.receive_limit_kbps))
        if previous.on_air and not state.on_air:
            self._speakers.forget(participant_id)
        if state.on_air != previous.on_air:
            self._apply_rules(self.subscribers.values())
            if publisher is not None:
                for producer in publisher.producers.values():
                    self._record_while_on_air(producer)
        elif subscriber is not None and (state.held, state.preview, state.previewed) != (
            previous.held,
            previous.preview,
            previous.previewed,
        ):
            self._apply_rules([subscriber])

    def _may_receive(self, subscriber_id: str, producer: Producer) -> bool:
        publisher_id = producer.participant_id
        if publisher_id == subscriber_id:
            return False
        subscriber = self.state_of(subscriber_id)
        if subscriber.held:
            return False
        return self.state_of(publisher_id).on_air or subscriber.receives_off_air(publisher_id)

    def _preference(self, producer: Producer) -> int:
        """Whose video a capped subscriber keeps first: the active speaker, then a
        featured publisher (the host), then the others."""
        if producer.participant_id == self._speakers.active:
            return 0
        return 1 if self.state_of(producer.participant_id).featured else OTHERS

    def _apply_rules(self, subscribers: Iterable[SubscriberTransport]) -> None:
        """The one sweep: these subscribers re-decide each of their consumers."""
        for transport in subscribers:
            transport.apply_rules()

    # --- events -------------------------------------------------------------------------------

    def on_active_speaker(self, callback: SpeakerListener) -> None:
        self._speaker_listeners.append(callback)

    def on_connection_state(self, callback: ConnectionListener) -> None:
        self._state_listeners.append(callback)

    def on_received_video(self, callback: ReceivedVideoListener) -> None:
        """`callback(subscriber_id, received)` each time a subscriber's receive cap reduces
        or turns off a different set of videos (checked once a second)."""
        self._received_video_listeners.append(callback)

    @property
    def active_speaker(self) -> str | None:
        return self._speakers.active

    def _level(self, producer: Producer, level: int, voice: bool) -> None:
        if self.state_of(producer.participant_id).on_air and not producer.paused:
            self._speakers.add_level(producer.participant_id, level)

    def _speaker_changed(self, participant_id: str | None) -> None:
        for listener in list(self._speaker_listeners):
            try:
                listener(participant_id)
            except Exception:  # one failing listener must not keep the others uninformed
                self._log.exception("active speaker listener failed")

    def _received_video(self, participant_id: str, received: ReceivedVideo) -> None:
        for listener in list(self._received_video_listeners):
            try:
                listener(participant_id, received)
            except Exception:
                self._log.exception("received video listener failed")

    def _connection_state(self, participant_id: str, role: Role, state: str) -> None:
        for listener in list(self._state_listeners):
            try:
                listener(participant_id, role.value, state)
            except Exception:
                self._log.exception("connection state listener failed")

    # --- stats --------------------------------------------------------------------------------

    def stats(self) -> dict[str, object]:
        participants: dict[str, dict[str, object]] = {}
        for pid, publisher in self.publishers.items():
            entry = participants.setdefault(pid, {})
            entry["on_air"] = self.state_of(pid).on_air
            entry["publisher"] = publisher.stats()
        for pid, subscriber in self.subscribers.items():
            entry = participants.setdefault(pid, {})
            entry["held"] = self.state_of(pid).held
            entry["subscriber"] = subscriber.stats()
        return {
            "router": self.name,
            "active_speaker": self.active_speaker,
            "participants": participants,
        }

    # --- helpers ------------------------------------------------------------------------------

    def _ensure_open(self) -> None:
        if self.closed:
            raise RouterClosed(f"router {self.name} is closed")


def _bps(kbps: int | None) -> int | None:
    return None if kbps is None else kbps * 1000
