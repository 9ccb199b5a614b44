"""Connection quality from what the client measures: the badge beside each name."""

from __future__ import annotations

from signaling.protocol.payloads import ClientReport
from signaling.room import Quality

GOOD_RTT_MS, FAIR_RTT_MS = 300.0, 800.0
GOOD_LOSS_PCT, FAIR_LOSS_PCT = 2.0, 8.0


def quality_of(report: ClientReport) -> Quality:
    if report.rtt_ms is None and report.loss_pct is None:
        return Quality.UNKNOWN
    rtt = report.rtt_ms or 0.0
    loss = report.loss_pct or 0.0
    if rtt <= GOOD_RTT_MS and loss <= GOOD_LOSS_PCT:
        return Quality.GOOD
    if rtt <= FAIR_RTT_MS and loss <= FAIR_LOSS_PCT:
        return Quality.FAIR
    return Quality.POOR
