"""docker-compose.yml: Docker cannot run here, so its shape is checked against the settings."""

from __future__ import annotations

import ipaddress
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
        "TURN_SECRET": "c" * 40,
        "TURN_HOST": "turn.reception.example",
        "TURN_IP": "203.0.113.7",
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
    assert reception.rtc.ice_servers == [], "the node's own peers need no relay"
    assert reception.turn.urls == [
        "turn:turn.reception.example:3478?transport=udp",
        "turn:turn.reception.example:3478?transport=tcp",
        "turns:turn.reception.example:443?transport=tcp",
    ]
    assert reception.secrets.turn_secret is not None
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
    network = compose()["networks"]["default"]["ipam"]["config"][0]["subnet"]
    assert [str(n) for n in node.server.trusted_proxies] == [network], (
        "the nodes trust X-Forwarded-For from the compose network, where nginx is, alone"
    )


COTURN = ROOT / "deploy" / "coturn" / "turnserver.conf"


def coturn_options() -> dict[str, list[str]]:
    """coturn's options, from its configuration file and then the compose command line."""
    options: dict[str, list[str]] = {}
    lines = [line.strip() for line in COTURN.read_text().splitlines()]
    command = compose()["services"]["coturn"]["command"]
    for line in [*lines, *(arg.removeprefix("--") for arg in command if arg.startswith("--"))]:
        if line and not line.startswith("#"):
            name, _, value = line.partition("=")
            options.setdefault(name, []).append(value)
    return options


def test_coturn_checks_the_credentials_the_nodes_hand_out() -> None:
    options = coturn_options()
    assert "use-auth-secret" in options
    assert not {"lt-cred-mech", "user", "userdb", "no-auth"} & set(options)
    node = compose()["services"]["reception"]["environment"]
    assert options["static-auth-secret"] == [node["RECEPTION_SECRETS__TURN_SECRET"]]
    assert {"no-cli", "fingerprint", "no-tlsv1", "no-tlsv1_1"} <= set(options)


def test_coturn_listens_where_the_nodes_send_browsers() -> None:
    options = coturn_options()
    node = load_settings(
        environ={
            k: _substitute(str(v))
            for k, v in compose()["services"]["reception"]["environment"].items()
        }
    )
    ports = {"turn": options["listening-port"], "turns": options["tls-listening-port"]}
    for url in node.turn.urls:
        scheme, host, rest = url.split(":")
        assert host == _substitute(options["realm"][0]) == "turn.reception.example"
        assert [rest.split("?")[0]] == ports[scheme], url
    assert options["tls-listening-port"] == ["443"]
    command = compose()["services"]["coturn"]["command"]
    assert command[command.index("-c") + 1] == "/etc/coturn/turnserver.conf"
    volumes = compose()["services"]["coturn"]["volumes"]
    mounts = {_substitute(v).split(":")[1] for v in volumes}
    assert "/etc/coturn/turnserver.conf" in mounts
    for name in ("cert", "pkey"):
        assert str(Path(options[name][0]).parent) in mounts


def test_nginx_leaves_the_turn_address_port_443_to_coturn() -> None:
    """Both take 443: nginx is bound to its own address when the host has two."""
    published = compose()["services"]["nginx"]["ports"]
    assert all(str(p).startswith("${HTTPS_IP:-0.0.0.0}:") for p in published)
    assert compose()["services"]["coturn"]["network_mode"] == "host"


def _range(value: str) -> tuple[ipaddress.IPv4Address, ipaddress.IPv4Address]:
    first, _, last = value.partition("-")
    return ipaddress.IPv4Address(first), ipaddress.IPv4Address(last or first)


def test_coturn_relays_to_the_nodes_network_and_no_other_private_one() -> None:
    options = coturn_options()
    [subnet] = compose()["networks"]["default"]["ipam"]["config"]
    network = ipaddress.IPv4Network(subnet["subnet"])
    allowed = [_range(v) for v in options["allowed-peer-ip"]]
    assert allowed == [(network.network_address, network.broadcast_address)]
    denied = [_range(v) for v in options["denied-peer-ip"] if ":" not in v]
    for private in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "127.0.0.0/8",
                    "169.254.0.0/16", "100.64.0.0/10", "198.18.0.0/15"):  # fmt: skip
        block = ipaddress.IPv4Network(private)
        assert any(lo <= block.network_address and block.broadcast_address <= hi
                   for lo, hi in denied), private  # fmt: skip
    for name in ("reception", "transcoder", "postgres", "redis", "nginx"):
        assert "network_mode" not in compose()["services"][name], name
