"""Tells each listener what its bandwidth limit does to the videos it receives.

The SFU decides once a second which videos fit a capped listener's budget and reports a
change (`Router.on_received_video`); this sends it to that listener alone as
`received_video {reduced, off}`, so the page can say the picture is reduced or off
instead of leaving it frozen without a word (SPEC §5, «Настройки пользователя»).
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from sfu import ReceivedVideo
from signaling.channel import Channel
from signaling.media import MediaRouter
from signaling.protocol.payloads import ServerEvent

Spawn = Callable[[Coroutine[Any, Any, None]], object]


def tell_received_video(
    router: MediaRouter, channel: Channel, reception_id: str, spawn: Spawn
) -> None:
    """Forward every change of a listener's received video to that listener's connection."""

    def changed(participant_id: str, received: ReceivedVideo) -> None:
        payload = {"reduced": list(received.reduced), "off": list(received.off)}
        spawn(channel.send(reception_id, participant_id, ServerEvent.RECEIVED_VIDEO, payload))

    router.on_received_video(changed)
