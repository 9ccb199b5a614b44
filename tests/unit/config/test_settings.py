"""Settings: precedence of the layers and each kind of validation error."""

from __future__ import annotations

import json
import stat
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import BaseModel

from config import ConfigError, Settings, env_keys, load_settings
from config.secrets import SECRETS_FILE, with_secrets
from config.settings import Mode

EXAMPLE = Path(__file__).parents[3] / "config" / "reception.example.yaml"


def write(tmp_path: Path, data: Any) -> Path:
    path = tmp_path / "reception.yaml"
    path.write_text(yaml.safe_dump(data) if not isinstance(data, str) else data)
    return path


def problems_of(**kwargs: Any) -> list[str]:
    with pytest.raises(ConfigError) as info:
        load_settings(**kwargs)
    return info.value.problems


def test_defaults_are_the_embedded_mode() -> None:
    s = load_settings(environ={})
    assert s.mode is Mode.EMBEDDED
    assert s.server.port == 8080
    assert s.rtc.ice_servers == []
    assert s.redis.url is None
    assert s.database_url == "sqlite+aiosqlite:///data/reception.db"
    assert s.outbox_dir == Path("data/outbox")


def test_precedence_defaults_then_file_then_environment_then_flags(tmp_path: Path) -> None:
    path = write(
        tmp_path, {"server": {"port": 9000, "host": "0.0.0.0"}, "logging": {"level": "DEBUG"}}
    )
    from_file = load_settings(config_file=path, environ={})
    assert (from_file.server.port, from_file.server.host) == (9000, "0.0.0.0")
    assert from_file.logging.level == "DEBUG"
    assert from_file.logging.format == "json"  # untouched default

    env = {"RECEPTION_SERVER__PORT": "9100"}
    from_env = load_settings(config_file=path, environ=env)
    assert (from_env.server.port, from_env.server.host) == (9100, "0.0.0.0")

    flagged = load_settings(config_file=path, environ=env, overrides={"server.port": 9200})
    assert flagged.server.port == 9200


def test_config_file_named_by_environment(tmp_path: Path) -> None:
    path = write(tmp_path, {"redis": {"url": "redis://127.0.0.1:6379/2"}})
    s = load_settings(environ={"RECEPTION_CONFIG": str(path)})
    assert s.redis.url == "redis://127.0.0.1:6379/2"


def test_lists_from_environment_are_json() -> None:
    env = {"RECEPTION_RTC__ICE_SERVERS": '[{"urls": ["turn:127.0.0.1:3478"], "username": "u"}]'}
    s = load_settings(environ=env)
    assert s.rtc.ice_servers[0].urls == ["turn:127.0.0.1:3478"]


def test_unknown_key_in_file_is_named(tmp_path: Path) -> None:
    path = write(tmp_path, {"server": {"prot": 1}})
    [problem] = problems_of(config_file=path, environ={})
    assert problem.startswith("server.prot: unknown key")
    assert str(path) in problem


def test_unknown_section_in_file_is_named(tmp_path: Path) -> None:
    [problem] = problems_of(config_file=write(tmp_path, {"sever": {}}), environ={})
    assert problem.startswith("sever: unknown key")


def test_unknown_environment_variable_is_named() -> None:
    [problem] = problems_of(environ={"RECEPTION_SERVER__PROT": "1"})
    assert problem.startswith("RECEPTION_SERVER__PROT: no such setting")


def test_wrong_type_names_key_value_and_source() -> None:
    [problem] = problems_of(environ={"RECEPTION_SERVER__PORT": "eighty"})
    assert problem.startswith("server.port: ")
    assert "'eighty'" in problem
    assert "RECEPTION_SERVER__PORT" in problem


def test_out_of_range(tmp_path: Path) -> None:
    [problem] = problems_of(config_file=write(tmp_path, {"server": {"port": 70000}}), environ={})
    assert problem.startswith("server.port: Input should be less than or equal to 65535")


def test_bad_choice() -> None:
    [problem] = problems_of(environ={"RECEPTION_LOGGING__LEVEL": "LOUD"})
    assert problem.startswith("logging.level: Input should be")


def test_custom_rules_explain_themselves(tmp_path: Path) -> None:
    data = {
        "redis": {"url": "http://x"},
        "database": {"url": "mysql://x"},
        "rtc": {"ice_servers": [{"urls": ["http://x"]}]},
        "secrets": {"session_key": "short"},
    }
    found = "\n".join(problems_of(config_file=write(tmp_path, data), environ={}))
    assert "redis.url: must be a redis://" in found
    assert "database.url: must use sqlite+aiosqlite:// or postgresql+asyncpg://" in found
    assert "rtc.ice_servers.0.urls: 'http://x' is not a stun:, turn: or turns: URL" in found
    assert "secrets.session_key: must be at least 32 characters long" in found


def test_port_range_checked_as_a_whole(tmp_path: Path) -> None:
    reversed_range = {"rtc": {"udp_port_min": 5000, "udp_port_max": 4000}}
    [problem] = problems_of(config_file=write(tmp_path, reversed_range), environ={})
    assert problem.startswith("rtc: udp_port_min (5000) is above udp_port_max (4000)")
    [half] = problems_of(environ={"RECEPTION_RTC__UDP_PORT_MIN": "5000"})
    assert "must be set together" in half


def test_several_problems_reported_at_once() -> None:
    env = {"RECEPTION_SERVER__PORT": "x", "RECEPTION_LOGGING__FORMAT": "xml"}
    assert len(problems_of(environ=env)) == 2


def test_unreadable_and_malformed_files(tmp_path: Path) -> None:
    [missing] = problems_of(config_file=tmp_path / "nope.yaml", environ={})
    assert "cannot be read" in missing
    [broken] = problems_of(config_file=write(tmp_path, "server: [unclosed"), environ={})
    assert "not valid YAML" in broken
    [scalar] = problems_of(config_file=write(tmp_path, "42"), environ={})
    assert "must be a mapping" in scalar


def test_embedded_secrets_generated_once_and_kept(tmp_path: Path) -> None:
    s = load_settings(environ={}, overrides={"data_dir": str(tmp_path)})
    first = with_secrets(s)
    assert first.secrets.session_key is not None
    assert first.secrets.token_key is not None
    stored = tmp_path / SECRETS_FILE
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600
    second = with_secrets(s)
    assert second.secrets.session_key == first.secrets.session_key
    assert json.loads(stored.read_text())["token_key"] == first.secrets.token_key.get_secret_value()


def test_configured_secret_wins_over_generated(tmp_path: Path) -> None:
    key = "k" * 40
    s = load_settings(
        environ={"RECEPTION_SECRETS__SESSION_KEY": key}, overrides={"data_dir": str(tmp_path)}
    )
    resolved = with_secrets(s)
    assert resolved.secrets.session_key is not None
    assert resolved.secrets.session_key.get_secret_value() == key


def test_production_refuses_missing_secrets(tmp_path: Path) -> None:
    s = load_settings(
        environ={
            "RECEPTION_MODE": "production",
            "RECEPTION_SERVER__PUBLIC_URL": "https://priem.example.ru",
        },
        overrides={"data_dir": str(tmp_path)},
    )
    with pytest.raises(ConfigError) as info:
        with_secrets(s)
    assert any(
        p.startswith("secrets.session_key: required in production") for p in info.value.problems
    )
    assert not (tmp_path / SECRETS_FILE).exists()


def test_secrets_never_printed() -> None:
    s = load_settings(environ={"RECEPTION_SECRETS__TOKEN_KEY": "t" * 40})
    assert "t" * 40 not in s.model_dump_json()
    assert "t" * 40 not in repr(s)


def _leaves(model: type[BaseModel], prefix: str = "") -> set[str]:
    found: set[str] = set()
    for name, field in model.model_fields.items():
        ann = field.annotation
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            found |= _leaves(ann, f"{prefix}{name}.")
        else:
            found.add(prefix + name)
    return found


def _flatten(data: dict[str, Any], prefix: str = "") -> set[str]:
    keys: set[str] = set()
    for key, value in data.items():
        if isinstance(value, dict):
            keys |= _flatten(value, f"{prefix}{key}.")
        else:
            keys.add(prefix + key)
    return keys


def test_example_file_documents_every_key_and_loads() -> None:
    data = yaml.safe_load(EXAMPLE.read_text())
    assert _flatten(data) == _leaves(Settings)
    assert load_settings(config_file=EXAMPLE, environ={}) == load_settings(environ={})


def test_env_keys_cover_every_leaf() -> None:
    keys = set(env_keys())
    for leaf in _leaves(Settings):
        assert "RECEPTION_" + leaf.upper().replace(".", "__") in keys


def test_production_requires_the_public_url() -> None:
    """Links in letters are built from it; without it they would have no trustworthy host."""
    found = "\n".join(problems_of(environ={"RECEPTION_MODE": "production"}))
    assert "server.public_url: required in production mode" in found
    configured = load_settings(
        environ={
            "RECEPTION_MODE": "production",
            "RECEPTION_SERVER__PUBLIC_URL": "https://priem.example.ru/",
        }
    )
    assert configured.public_url == "https://priem.example.ru"


@pytest.mark.parametrize(
    ("host", "port", "expected"),
    [
        ("127.0.0.1", 8080, "http://127.0.0.1:8080"),
        ("0.0.0.0", 8080, "http://127.0.0.1:8080"),
        ("", 9000, "http://127.0.0.1:9000"),
        ("::", 8080, "http://localhost:8080"),
        ("::1", 8443, "http://[::1]:8443"),
        ("priem.local", 80, "http://priem.local:80"),
    ],
)
def test_embedded_public_url_comes_from_the_listening_address(
    host: str, port: int, expected: str
) -> None:
    """A wildcard address is not one a browser can open: the local host stands for it."""
    s = load_settings(environ={}, overrides={"server.host": host, "server.port": port})
    assert s.public_url == expected
