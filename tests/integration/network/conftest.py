"""A citizen behind a NAT that lets no UDP reach the node, a coturn relay, and the node.

    citizen --- router (masquerade, firewall) --- node (this process, the root namespace)
                  |                                 |
                  +------ turn (coturn) ------------+
                   clients' side        relays' side

Every address is the lab's (198.18.0.0/15, bench/netlab.py); coturn is started here from a
configuration of the test's own, listening on the lab alone.
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import shutil
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from bench.netlab import Host, Lab, unavailable_reason
from config import Settings
from signaling.options import SignalingOptions
from signaling.setup import setup_signaling
from tests.conftest import unavailable
from tests.integration.signaling.conftest import STATIC, Node, make_client

__all__ = ["make_client"]  # the signaling tests' socket.io clients, as a fixture here too

TURN_PORT = 3478
TURNS_PORT = 443
ROOT = Path(__file__).resolve().parents[3]


@dataclass
class NatLab:
    """The hosts of the topology above and the addresses that matter."""

    lab: Lab
    citizen: Host
    router: Host
    turn: Host
    citizen_address: str
    node_address: str
    turn_address: str
    """Where clients reach coturn."""
    relay_address: str
    """Where coturn's relayed traffic leaves from, towards the node."""

    def turn_urls(self) -> list[str]:
        return [
            f"turn:{self.turn_address}:{TURN_PORT}?transport=udp",
            f"turn:{self.turn_address}:{TURN_PORT}?transport=tcp",
            f"turns:{self.turn_address}:{TURNS_PORT}?transport=tcp",
        ]


@pytest.fixture
def nat_lab() -> Iterator[NatLab]:
    reason = unavailable_reason()
    if reason is not None:
        unavailable(f"the network lab ({reason})")
    if shutil.which("turnserver") is None:
        unavailable("coturn (turnserver)")
    with Lab() as lab:
        router, citizen, turn = lab.host("router"), lab.host("citizen"), lab.host("turn")
        node_end, router_to_node = lab.link(lab.root, router)
        router_home, citizen_end = lab.link(router, citizen)
        router_to_turn, turn_clients = lab.link(router, turn)
        turn_relays, node_to_turn = lab.link(turn, lab.root)
        citizen.route(via=router_home.address)
        turn.route(via=node_to_turn.address, to=f"{node_end.address}/32")
        router.forward()
        router.masquerade(router_to_node)
        router.masquerade(router_to_turn)
        yield NatLab(
            lab,
            citizen,
            router,
            turn,
            citizen_address=citizen_end.address,
            node_address=node_end.address,
            turn_address=turn_clients.address,
            relay_address=turn_relays.address,
        )


@dataclass
class Coturn:
    secret: str
    """Its static-auth-secret, the node's secrets.turn_secret."""
    certificate: Path
    """Its TLS certificate, self-signed for its lab address: what a client must trust."""


@pytest.fixture
def coturn(nat_lab: NatLab) -> Iterator[Coturn]:
    """coturn with `use-auth-secret`, on the lab's addresses only, relaying to the lab only
    (every peer address denied but the lab's), never a STUN server, with no admin CLI."""
    folder = nat_lab.lab.folder
    secret = secrets.token_hex(32)
    certificate, key = folder / "turn-cert.pem", folder / "turn-key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
         "-nodes", "-days", "1", "-subj", f"/CN={nat_lab.turn_address}",
         "-addext", f"subjectAltName=IP:{nat_lab.turn_address}",
         "-keyout", str(key), "-out", str(certificate)],
        check=True, capture_output=True, timeout=30,
    )  # fmt: skip
    config = folder / "turnserver.conf"
    config.write_text(
        "\n".join(
            [
                f"listening-ip={nat_lab.turn_address}",
                f"relay-ip={nat_lab.relay_address}",
                f"listening-port={TURN_PORT}",
                f"tls-listening-port={TURNS_PORT}",
                f"cert={certificate}",
                f"pkey={key}",
                "realm=reception.test",
                "use-auth-secret",
                f"static-auth-secret={secret}",
                "fingerprint",
                "no-cli",
                "no-dtls",
                "no-stun",
                "no-multicast-peers",
                "denied-peer-ip=0.0.0.0-255.255.255.255",
                "allowed-peer-ip=198.18.0.0-198.19.255.255",
                f"log-file={folder / 'turn.log'}",
                "simple-log",
                f"pidfile={folder / 'turn.pid'}",
                f"userdb={folder / 'turndb'}",
                "no-software-attribute",
                "",
            ]
        )
    )
    process = nat_lab.turn.popen(
        "turnserver", "-c", str(config), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        _wait_listening(nat_lab.turn, nat_lab.turn_address, process)
        yield Coturn(secret, certificate)
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


def _wait_listening(host: Host, address: str, process: subprocess.Popen[bytes]) -> None:
    plain, tls = f"{address}:{TURN_PORT}", f"{address}:{TURNS_PORT}"
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"coturn exited with {process.returncode}")
        udp = host.run("ss", "-Hlnu")
        tcp = host.run("ss", "-Hlnt")
        if plain in udp and plain in tcp and tls in tcp:
            return
        time.sleep(0.05)
    raise RuntimeError(f"coturn does not listen on {plain} and {tls}")


@pytest.fixture
def settings(make_settings: Callable[..., Settings], nat_lab: NatLab, coturn: Coturn) -> Settings:
    """The node's settings: ICE on its lab address only, and the relay for participants."""
    return make_settings(
        environ={
            "RECEPTION_TURN__URLS": json.dumps(nat_lab.turn_urls()),
            "RECEPTION_SECRETS__TURN_SECRET": coturn.secret,
        },
        **{"rtc.host_addresses": [nat_lab.node_address]},
    )


@pytest.fixture
async def node(settings: Settings, nat_lab: NatLab) -> AsyncIterator[Node]:
    """The signaling and the SFU, and the conference page, on the node's lab address."""
    app = web.Application()
    namespace = setup_signaling(
        app, settings, STATIC, options=SignalingOptions(reconnect_grace_s=5, node_id="n1")
    )
    app.router.add_static("/static/", STATIC)
    runner = web.AppRunner(app, handle_signals=False, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, nat_lab.node_address, 0).start()
    port = runner.addresses[0][1]
    yield Node(f"http://{nat_lab.node_address}:{port}", namespace, runner, settings)
    await runner.cleanup()


class Citizen:
    """An aiortc citizen in the citizen's namespace (tests/integration/network/citizen.py),
    started at once so that it has imported what it needs by the time it is told to join."""

    def __init__(self, host: Host, trusted: Path, *args: str) -> None:
        self._process = host.popen(
            sys.executable, "-m", "tests.integration.network.citizen", *args,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            cwd=str(ROOT),
            env={**os.environ, "PYTHONPATH": str(ROOT), "SSL_CERT_FILE": str(trusted)},
        )  # fmt: skip

    async def join(self, timeout: float) -> dict[str, Any]:
        """Tell it to join; what it saw once it received the publisher's video."""
        assert self._process.stdin is not None
        assert self._process.stdout is not None
        self._process.stdin.write(b"join\n")
        self._process.stdin.flush()
        try:
            line = await asyncio.wait_for(asyncio.to_thread(self._process.stdout.readline), timeout)
        except TimeoutError:
            line = b""
        if not line:
            raise AssertionError(f"the citizen did not receive video: {self._stderr()}")
        report: dict[str, Any] = json.loads(line)
        return report

    def _stderr(self) -> str:
        self.close()
        assert self._process.stderr is not None
        return self._process.stderr.read().decode(errors="replace")[-3000:]

    def close(self) -> None:
        if self._process.poll() is None:
            self._process.kill()
        self._process.wait(timeout=5)
