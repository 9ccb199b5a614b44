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
    assert set(services) == {"nginx", "reception", "transcoder", "postgres", "redis", "coturn"}
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


NGINX = ROOT / "deploy" / "nginx"


def _placeholders(text: str) -> set[str]:
    return set(re.findall(r"\$\{(\w+)\}", text))


def test_nginx_fills_every_name_of_its_template() -> None:
    """The template's names, the ones the start script substitutes (and no other, so
    nginx's own $variables survive) and the ones compose sets are the same."""
    template = _placeholders((NGINX / "reception.conf.template").read_text())
    script = _placeholders((NGINX / "start.sh").read_text())
    environment = set(compose()["services"]["nginx"]["environment"])
    assert template == script == environment
    assert "NGINX_NODES" in template


def test_nginx_is_the_one_public_http_entrance() -> None:
    services = compose()["services"]
    nginx, node = services["nginx"], services["reception"]
    assert nginx["environment"]["PUBLIC_URL"] == node["environment"]["RECEPTION_SERVER__PUBLIC_URL"]
    assert _substitute(nginx["environment"]["PUBLIC_URL"]).startswith("https://")
    published = [_substitute(str(p)) for p in nginx["ports"]]
    assert {p.split(":")[-1] for p in published} == {
        nginx["environment"]["NGINX_HTTPS_PORT"],
        nginx["environment"]["NGINX_HTTP_PORT"],
    }
    assert all(p.endswith("/udp") for p in node["ports"]), "a node publishes HTTP itself"
    assert nginx["depends_on"]["reception"]["condition"] == "service_healthy"


def test_nginx_mounts_what_it_is_told_to_read() -> None:
    nginx = compose()["services"]["nginx"]
    env = nginx["environment"]
    targets = {v.split(":")[1] for v in (_substitute(v) for v in nginx["volumes"])}
    certificates = str(Path(env["NGINX_TLS_CERTIFICATE"]).parent)
    assert certificates == str(Path(env["NGINX_TLS_CERTIFICATE_KEY"]).parent)
    assert {certificates, env["NGINX_NODES"], "/etc/nginx/templates/reception.conf.template"} <= (
        targets
    )


def test_nginx_balances_over_the_compose_nodes() -> None:
    port = compose()["services"]["reception"]["environment"]["RECEPTION_SERVER__PORT"]
    servers = re.findall(r"^server (\S+);", (NGINX / "nodes.conf").read_text(), re.M)
    assert servers == [f"reception:{port}"]
    node = load_settings(
        environ={
            k: _substitute(str(v))
            for k, v in compose()["services"]["reception"]["environment"].items()
        }
    )
    assert node.server.trusted_proxies, "nodes behind nginx must trust its X-Forwarded-For"
