"""TURN credentials in coturn's use-auth-secret scheme, and the ICE servers a participant gets."""

from __future__ import annotations

import pytest

from config.settings import IceServer, RtcSettings, TurnSettings
from signaling.turn import IceServers, turn_credential

SECRET = "north-secret-shared-with-coturn-0123456789"
URLS = ["turn:198.18.0.1:3478?transport=udp", "turn:198.18.0.1:3478?transport=tcp"]


def test_credential_is_the_rest_api_scheme() -> None:
    # Expected value from `echo -n 1700000000:citizen-1 | openssl dgst -sha1 -hmac SECRET
    # -binary | base64`, what coturn computes from its static-auth-secret.
    assert turn_credential(SECRET, "citizen-1", 1_700_000_000) == (
        "1700000000:citizen-1",
        "ZXUjrO6uy5BYmCqVwsTv7X/doOc=",
    )


def test_credential_differs_by_participant_expiry_and_secret() -> None:
    base = turn_credential(SECRET, "citizen-1", 1_700_000_000)[1]
    assert turn_credential(SECRET, "citizen-2", 1_700_000_000)[1] != base
    assert turn_credential(SECRET, "citizen-1", 1_700_000_001)[1] != base
    assert turn_credential(SECRET + "x", "citizen-1", 1_700_000_000)[1] != base


def test_each_participant_gets_a_credential_expiring_after_the_lifetime() -> None:
    servers = IceServers(
        RtcSettings(), TurnSettings(urls=URLS, credential_lifetime_s=600), SECRET, lambda: 1000.7
    )
    [relay] = servers("citizen-1")
    assert relay == {
        "urls": URLS,
        "username": "1600:citizen-1",
        "credential": turn_credential(SECRET, "citizen-1", 1600)[1],
    }
    assert servers("citizen-2")[0]["username"] == "1600:citizen-2"


def test_configured_servers_come_first_as_they_are() -> None:
    rtc = RtcSettings(
        ice_servers=[
            IceServer(urls=["stun:198.18.0.5:3478"]),
            IceServer(urls=["turn:198.18.0.6"], username="fixed", credential="pw"),
        ]
    )
    listed = IceServers(rtc, TurnSettings(urls=URLS), SECRET, lambda: 0)("moderator")
    assert listed[:2] == [
        {"urls": ["stun:198.18.0.5:3478"]},
        {"urls": ["turn:198.18.0.6"], "username": "fixed", "credential": "pw"},
    ]
    assert listed[2]["username"] == f"{TurnSettings().credential_lifetime_s}:moderator"


def test_no_relay_without_urls() -> None:
    assert IceServers(RtcSettings(), TurnSettings(), None)("citizen-1") == []


def test_urls_without_a_secret_are_refused() -> None:
    with pytest.raises(ValueError, match=r"secrets\.turn_secret"):
        IceServers(RtcSettings(), TurnSettings(urls=URLS), None)
