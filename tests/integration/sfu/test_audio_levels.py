"""RFC 6464 levels from real publishers drive active-speaker events."""

from __future__ import annotations

import pytest

from sfu import Router
from tests.helpers import wait_until
from tests.integration.sfu.peers import Clients, change

pytestmark = pytest.mark.timeout(40)


async def test_active_speaker_follows_the_loud_on_air_publisher(
    router: Router, clients: Clients
) -> None:
    events: list[str | None] = []
    router.on_active_speaker(events.append)
    alice = await clients.publisher("alice")
    boris = await clients.publisher("boris")
    carol = await clients.publisher("carol")  # loud, but not on air: never the speaker
    alice.audio.amplitude, boris.audio.amplitude, carol.audio.amplitude = 0.5, 0.0, 0.9
    change(router, "alice", on_air=True)
    change(router, "boris", on_air=True)
    await clients.subscriber("listener")
    await wait_until(lambda: events[-1:] == ["alice"], timeout=10, message="alice speaking")
    alice.audio.amplitude, boris.audio.amplitude = 0.0, 0.5
    await wait_until(lambda: events[-1:] == ["boris"], timeout=5, message="boris speaking")
    boris.audio.amplitude = 0.0
    await wait_until(lambda: events[-1:] == [None], timeout=5, message="silence")
    assert "carol" not in events
    levels = router.stats()["participants"]["carol"]["publisher"]["producers"]
    audio = next(p for p in levels.values() if p["kind"] == "audio")
    assert audio["audio_level_dbov"] is not None
    assert audio["audio_level_dbov"] > -10  # carol's loud tone, read from the extension
