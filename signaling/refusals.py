"""Every refusal by a limit of docs/protocol.md is counted on /metrics and logged, so an
operator sees an abusive client, or a limit set too low for a real reception.

A flooding client is refused thousands of times a second: its refusals are logged at most
once a second per code and source, the line saying how many went unlogged before it.
"""

from __future__ import annotations

import logging
import time
from collections import Counter as Tally
from collections.abc import Callable

from prometheus_client import CollectorRegistry, Counter

from signaling.protocol.errors import ErrorCode, SignalingError

log = logging.getLogger("signaling.limits")

COUNTED = (
    ErrorCode.TOO_MANY_CONNECTIONS,
    ErrorCode.INVALID_TOKEN,
    ErrorCode.TOKEN_EXPIRED,
    ErrorCode.TOKEN_USED,
    ErrorCode.RATE_LIMITED,
    ErrorCode.SDP_TOO_LARGE,
    ErrorCode.TOO_MANY_MEDIA_SECTIONS,
    ErrorCode.TOO_MANY_TRANSPORTS,
)
LOG_EVERY_S = 1.0
_REMEMBERED = 10_000
"""Sources whose last log line is remembered; beyond, the memory starts afresh."""


class Refusals:
    def __init__(
        self, registry: CollectorRegistry | None = None, clock: Callable[[], float] = time.monotonic
    ) -> None:
        """`registry`: the node's /metrics; a private one when there is none (tests)."""
        self._counter = Counter(
            "signaling_refusals",
            "Client requests the signaling refused by a limit or a join token check, by code.",
            ["code"],
            registry=registry or CollectorRegistry(),
        )
        for code in COUNTED:
            self._counter.labels(code.value)  # every code shows, from zero
        self._clock = clock
        self._logged: dict[tuple[str, str], float] = {}
        self._unlogged: Tally[tuple[str, str]] = Tally()

    def record(self, error: SignalingError, source: str, **context: object) -> None:
        """One refusal of `source` (a client address or a connection id); `context` says
        whose (reception, participant, token digest), never a token itself."""
        code = error.code.value
        self._counter.labels(code).inc()
        key = (code, source)
        now = self._clock()
        last = self._logged.get(key)
        if last is not None and now - last < LOG_EVERY_S:
            self._unlogged[key] += 1
            return
        if len(self._logged) >= _REMEMBERED:
            self._logged.clear()
            self._unlogged.clear()
        self._logged[key] = now
        log.warning(
            "refused: %s",
            code,
            extra={
                "code": code,
                "source": source,
                "unlogged_before": self._unlogged.pop(key, 0),
                **context,
            },
        )
