"""docker-compose.yml: Docker cannot run here, so its shape is checked against the settings."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from config import env_keys, load_settings

ROOT = Path(__file__).parents[2]


def compose() -> dict[str, Any]:
    data = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    assert isinstance(data, dict)
    return data


def _substitute(value: str) -> str:
    """Resolve ${VAR:-default} / ${VAR:?msg} as compose would with a filled-in .env."""
    samples = {
        "POSTGRES_PASSWORD": "pw",
        "RECEPTION_SESSION_KEY": "s" * 40,
        "RECEPTION_TOKEN_KEY": "t" * 40,
        "TURN_PASSWORD": "turnpw",
    }

    def one(match: re.Match[str]) -> str:
        name, op, rest = match.group(1), match.group(2), match.group(3)
        if name in samples:
            return samples[name]
        return rest if op == ":-" else ""

    return re.sub(r"\$\{(\w+)(:[-?])?([^}]*)\}", one, value)


def test_services_of_the_production_shape() -> None:
    services = compose()["services"]
    assert set(services) == {"reception", "transcoder", "postgres", "redis", "coturn"}
    for name, service in services.items():
        assert "healthcheck" in service, f"{name} has no health check"
    assert services["reception"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert any(v.startswith("reception-data:") for v in services["reception"]["volumes"])
    assert any(v.startswith("postgres-data:") for v in services["postgres"]["volumes"])
    assert (ROOT / "Dockerfile").exists()


def test_every_reception_variable_is_a_real_setting() -> None:
    known = set(env_keys())
    for name, service in compose()["services"].items():
        env = service.get("environment", {})
        reception_vars = {k for k in env if k.startswith("RECEPTION_")}
        if name in ("reception", "transcoder"):
            assert reception_vars, name
        assert reception_vars <= known, f"{name}: {sorted(reception_vars - known)}"


def test_node_environments_validate_as_settings() -> None:
    for name in ("reception", "transcoder"):
        env = {
            k: _substitute(str(v)) for k, v in compose()["services"][name]["environment"].items()
        }
        settings = load_settings(environ=env)
        assert settings.mode.value == "production"
        assert settings.database_url.startswith("postgresql+asyncpg://reception:pw@postgres")
        assert settings.redis.url == "redis://redis:6379/0"
        assert settings.secrets.session_key is not None
    reception = load_settings(
        environ={
            k: _substitute(str(v))
            for k, v in compose()["services"]["reception"]["environment"].items()
        }
    )
    assert reception.rtc.ice_servers[0].urls == ["turn:127.0.0.1:3478"]
    assert (reception.rtc.udp_port_min, reception.rtc.udp_port_max) == (40000, 40199)
