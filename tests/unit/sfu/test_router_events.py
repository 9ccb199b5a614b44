"""The router's listener loops: one failing listener must not keep the others uninformed."""

from __future__ import annotations

import pytest

from config.settings import RtcSettings
from sfu import Router
from sfu.types import Role


def test_a_failing_listener_does_not_silence_the_others(caplog: pytest.LogCaptureFixture) -> None:
    router = Router(RtcSettings(host_addresses=["127.0.0.1"]), "listeners")
    heard: list[object] = []

    def broken(*event: object) -> None:
        raise RuntimeError("a listener's own bug")

    router.on_connection_state(broken)
    router.on_connection_state(lambda *event: heard.append(event))
    router.on_active_speaker(broken)
    router.on_active_speaker(heard.append)
    router._connection_state("alice", Role.PUBLISHER, "failed")
    router._speaker_changed("alice")
    assert heard == [("alice", "publisher", "failed"), "alice"]
    assert caplog.text.count("listener failed") == 2
