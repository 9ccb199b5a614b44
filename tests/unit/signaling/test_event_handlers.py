"""Every client event reaches exactly one handler: an `on_<name>` method or a row of the
table of moderator commands, never both and never neither."""

from __future__ import annotations

from signaling.namespace import _MODERATOR_COMMANDS, ReceptionNamespace
from signaling.protocol.payloads import ClientEvent


def test_every_client_event_has_exactly_one_handler() -> None:
    for event in ClientEvent:
        method = hasattr(ReceptionNamespace, f"on_{event.value}")
        row = event in _MODERATOR_COMMANDS
        assert method != row, f"{event.value}: method={method}, table row={row}"
