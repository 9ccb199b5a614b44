"""The TURN section: which URLs pass, the secret it needs, and that the secret stays hidden."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from config import ConfigError, load_settings
from config.secrets import SECRETS_FILE, with_secrets

SECRET = "s3cr3t-shared-with-coturn-0123456789abcdef"
URLS = [
    "turn:turn.reception.example:3478?transport=udp",
    "turn:turn.reception.example:3478?transport=tcp",
    "turns:turn.reception.example:443?transport=tcp",
    "turn:198.18.0.1",
    "turn:[2001:db8::1]:3478",
]


def problems(environ: dict[str, str]) -> list[str]:
    with pytest.raises(ConfigError) as info:
        load_settings(environ=environ)
    return info.value.problems


def test_urls_lifetime_and_secret_load_from_the_environment() -> None:
    settings = load_settings(
        environ={
            "RECEPTION_TURN__URLS": json.dumps(URLS),
            "RECEPTION_TURN__CREDENTIAL_LIFETIME_S": "3600",
            "RECEPTION_SECRETS__TURN_SECRET": SECRET,
        }
    )
    assert settings.turn.urls == URLS
    assert settings.turn.credential_lifetime_s == 3600
    assert settings.secrets.turn_secret is not None
    assert settings.secrets.turn_secret.get_secret_value() == SECRET


def test_no_relay_by_default() -> None:
    settings = load_settings(environ={})
    assert settings.turn.urls == []
    assert settings.secrets.turn_secret is None


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("stun:turn.reception.example:3478", "is not turn:host[:port][?transport=udp|tcp]"),
        ("https://turn.reception.example", "is not turn:host[:port][?transport=udp|tcp]"),
        ("turn:turn.reception.example:3478?transport=sctp", "is not turn:host"),
        (
            "turns:turn.reception.example:443?transport=udp",
            "turns: runs over TLS, so its transport is tcp",
        ),
        ("turn:turn.reception.example:70000", "the port must be 1-65535"),
    ],
)
def test_a_wrong_url_is_named_with_its_key(url: str, says: str) -> None:
    [problem] = problems(
        {"RECEPTION_TURN__URLS": json.dumps([url]), "RECEPTION_SECRETS__TURN_SECRET": SECRET}
    )
    assert problem.startswith("turn.urls: "), problem
    assert says in problem
    assert "RECEPTION_TURN__URLS" in problem


def test_urls_without_the_secret_say_where_to_set_it() -> None:
    [problem] = problems({"RECEPTION_TURN__URLS": json.dumps(URLS[:1])})
    assert problem.startswith("secrets.turn_secret: required when turn.urls is set")
    assert "RECEPTION_SECRETS__TURN_SECRET" in problem
    assert "static-auth-secret" in problem


def test_short_secret_and_lifetime_out_of_range() -> None:
    found = problems(
        {"RECEPTION_SECRETS__TURN_SECRET": "short", "RECEPTION_TURN__CREDENTIAL_LIFETIME_S": "10"}
    )
    assert any(p.startswith("secrets.turn_secret: must be at least 32") for p in found)
    assert any(p.startswith("turn.credential_lifetime_s: ") for p in found)


def test_embedded_mode_keeps_the_given_secret_and_never_invents_one(tmp_path: Path) -> None:
    environ = {
        "RECEPTION_TURN__URLS": json.dumps(URLS[:1]),
        "RECEPTION_SECRETS__TURN_SECRET": SECRET,
    }
    resolved = with_secrets(load_settings(environ=environ, overrides={"data_dir": str(tmp_path)}))
    assert resolved.secrets.turn_secret is not None
    assert resolved.secrets.turn_secret.get_secret_value() == SECRET
    assert resolved.secrets.token_key is not None
    assert "turn_secret" not in json.loads((tmp_path / SECRETS_FILE).read_text())


def test_the_secret_is_never_printed() -> None:
    settings = load_settings(environ={"RECEPTION_SECRETS__TURN_SECRET": SECRET})
    assert SECRET not in settings.model_dump_json()
    assert SECRET not in repr(settings)
