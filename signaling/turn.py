"""The ICE servers a participant is given with the join, with a TURN credential of its own.

coturn's `use-auth-secret` (the TURN REST API scheme): the username is `<expiry unix
time>:<participant id>` and the password the base64 HMAC-SHA1 of that username under the
secret coturn shares with the node. coturn checks it without asking the node, and a copied
credential opens the relay only until it expires. Credentials are handed out, never logged.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import Callable
from typing import Any

from config.settings import RtcSettings, TurnSettings


def turn_credential(secret: str, participant_id: str, expires_at: int) -> tuple[str, str]:
    """(username, password) that coturn accepts until the unix time `expires_at`."""
    username = f"{expires_at}:{participant_id}"
    digest = hmac.new(secret.encode(), username.encode(), hashlib.sha1).digest()
    return username, base64.b64encode(digest).decode("ascii")


class IceServers:
    """What a participant's browser is told to use: the configured STUN/TURN servers as
    they are, and the relay with a credential made for that participant now."""

    def __init__(
        self,
        rtc: RtcSettings,
        turn: TurnSettings,
        secret: str | None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if turn.urls and not secret:
            raise ValueError("turn.urls needs secrets.turn_secret")
        self._static = [
            {
                "urls": list(server.urls),
                **({"username": server.username} if server.username else {}),
                **(
                    {"credential": server.credential.get_secret_value()}
                    if server.credential
                    else {}
                ),
            }
            for server in rtc.ice_servers
        ]
        self._turn = turn
        self._secret = secret or ""
        self._clock = clock

    def __call__(self, participant_id: str) -> list[dict[str, Any]]:
        if not self._turn.urls:
            return list(self._static)
        expires_at = int(self._clock()) + self._turn.credential_lifetime_s
        username, password = turn_credential(self._secret, participant_id, expires_at)
        relay = {"urls": list(self._turn.urls), "username": username, "credential": password}
        return [*self._static, relay]
