from __future__ import annotations

from signaling.protocol.payloads import ClientReport
from signaling.quality import quality_of
from signaling.room import Quality


def test_quality_bands() -> None:
    assert quality_of(ClientReport()) is Quality.UNKNOWN
    assert quality_of(ClientReport(rtt_ms=40, loss_pct=0.5)) is Quality.GOOD
    assert quality_of(ClientReport(rtt_ms=500, loss_pct=0.5)) is Quality.FAIR
    assert quality_of(ClientReport(rtt_ms=40, loss_pct=5)) is Quality.FAIR
    assert quality_of(ClientReport(rtt_ms=1200)) is Quality.POOR
    assert quality_of(ClientReport(loss_pct=20)) is Quality.POOR
