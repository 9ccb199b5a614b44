"""Join tokens: what the portal mints, the node accepts; anything else is refused."""

from __future__ import annotations

import pytest

from signaling.protocol import ErrorCode, Role, SignalingError
from signaling.tokens import mint_join_token, verify_join_token

KEY = "k" * 40


def test_round_trip_carries_every_claim() -> None:
    token = mint_join_token(KEY, 42, 7, "Иванов Иван", Role.CITIZEN, 60, now=1000)
    claims = verify_join_token(KEY, token, now=1010)
    assert (claims.reception_id, claims.user_id, claims.display_name) == ("42", "7", "Иванов Иван")
    assert claims.role is Role.CITIZEN
    assert claims.expires_at == 1060


def test_expired_token_is_refused_with_its_own_code() -> None:
    token = mint_join_token(KEY, 1, 2, "A", "host", 30, now=1000)
    with pytest.raises(SignalingError) as caught:
        verify_join_token(KEY, token, now=1030)
    assert caught.value.code is ErrorCode.TOKEN_EXPIRED


@pytest.mark.parametrize(
    "tamper",
    [
        lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"),
        lambda t: t.replace("v1.", "v2.", 1),
        lambda t: t.split(".")[0] + "." + t.split(".")[2],
        lambda t: "",
        lambda t: "v1." + "x" * 5000 + ".y",
    ],
)
def test_tampered_or_malformed_tokens_are_invalid(tamper: object) -> None:
    token = mint_join_token(KEY, 1, 2, "A", Role.CITIZEN, 60)
    with pytest.raises(SignalingError) as caught:
        verify_join_token(KEY, tamper(token))  # type: ignore[operator]
    assert caught.value.code is ErrorCode.INVALID_TOKEN


def test_role_cannot_be_raised_without_the_key() -> None:
    import base64
    import json

    token = mint_join_token(KEY, 1, 2, "A", Role.CITIZEN, 60)
    version, body, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    claims["o"] = "moderator"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    with pytest.raises(SignalingError) as caught:
        verify_join_token(KEY, f"{version}.{forged}.{signature}")
    assert caught.value.code is ErrorCode.INVALID_TOKEN


def test_another_key_does_not_verify() -> None:
    token = mint_join_token(KEY, 1, 2, "A", Role.CITIZEN, 60)
    with pytest.raises(SignalingError):
        verify_join_token("z" * 40, token)


def test_short_key_and_bad_arguments_are_programming_errors() -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        mint_join_token("short", 1, 2, "A", Role.CITIZEN, 60)
    with pytest.raises(ValueError, match="positive"):
        mint_join_token(KEY, 1, 2, "A", Role.CITIZEN, 0)
    with pytest.raises(ValueError, match="governor"):
        mint_join_token(KEY, 1, 2, "A", "governor", 60)


def test_protocol_imports_no_media_code() -> None:
    """The portal imports the protocol: it must not drag aiortc or the SFU in."""
    import subprocess
    import sys

    code = (
        "import sys, signaling.protocol, signaling.tokens;"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('aiortc', 'sfu', 'av', 'socketio')];"
        "print(bad); sys.exit(1 if bad else 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_citizens_appeal_travels_in_the_token() -> None:
    token = mint_join_token(KEY, "r1", "u1", "Иван", Role.CITIZEN, 60, appeal_id=42)
    assert verify_join_token(KEY, token).appeal_id == "42"
    plain = mint_join_token(KEY, "r1", "u1", "Иван", Role.CITIZEN, 60)
    assert verify_join_token(KEY, plain).appeal_id is None
