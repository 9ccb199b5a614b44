"""The servers under test, each started fresh for a round in its own process on one core.

- `reception`: the product as users run it, `reception run` with a configuration file of
  its embedded defaults (SQLite, in-process bus and jobs, every role) plus loopback
  addresses, the development page (which opens a demo reception) and a token key the
  benchmark knows, so its clients mint their own join tokens as the portal does;
- `janus`: Janus Gateway's VideoRoom (bench/sfu/janus.py);
- `router`, `router-recording`, `mediarelay`: a bare `sfu.Router` (optionally recording),
  or aiortc's MediaRelay, behind bench/sfu/server.py's three HTTP routes.
"""

from __future__ import annotations

import json
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import yaml

from bench.sfu import isolation, janus
from bench.sfu.isolation import media_address
from bench.sfu.processes import expect, pinned, spawn, stop
from bench.sfu.signals import Target

START_TIMEOUT_S = 60
MEDIA_PORTS = (42000, 42999)
"""The UDP ports every server of bench.sfu sends its media from (`--loss` picks them out)."""


@dataclass
class Server:
    process: subprocess.Popen[str]
    target: Target
    folder: Path | None = None

    def stop(self) -> None:
        stop([self.process])
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _get(url: str, body: bytes | None = None) -> bytes | None:
    try:
        with urllib.request.urlopen(url, data=body, timeout=5) as response:
            return bytes(response.read())
    except (urllib.error.URLError, ConnectionError):
        return None


def _wait(process: subprocess.Popen[str], url: str, body: bytes | None) -> bytes:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited while starting ({process.args!r})")
        answer = _get(url, body)
        if answer is not None:
            return answer
        time.sleep(0.2)
    raise RuntimeError(f"the server did not answer {url} in {START_TIMEOUT_S} s")


def _launch(
    command: list[str], cores: list[int], folder: Path, url: str, body: bytes | None = None
) -> tuple[subprocess.Popen[str], bytes]:
    """Start a server logging into `folder` and wait until `url` answers; when it does not,
    show the end of its log and leave nothing behind."""
    log = folder / "server.log"
    with log.open("w") as output:
        process = subprocess.Popen(pinned(command, cores), stdout=output, stderr=output, text=True)
    try:
        return process, _wait(process, url, body)
    except RuntimeError:
        stop([process])
        print(log.read_text()[-3000:], file=sys.stderr)
        shutil.rmtree(folder, ignore_errors=True)
        raise


def reception_config(
    folder: Path,
    port: int,
    token_key: str,
    address: str,
    media_ports: tuple[int, int] | None = None,
) -> dict[str, object]:
    url = f"http://127.0.0.1:{port}"
    rtc: dict[str, object] = {"host_addresses": [address]}
    if media_ports is not None:
        rtc |= {"udp_port_min": media_ports[0], "udp_port_max": media_ports[1]}
    return {
        "data_dir": str(folder / "data"),
        "server": {"host": "127.0.0.1", "port": port, "public_url": url, "development": True},
        "rtc": rtc,
        "secrets": {"token_key": token_key},
        "logging": {"level": "WARNING"},
    }


def start_reception(
    cores: list[int],
    sections: Mapping[str, object] | None = None,
    media_ports: tuple[int, int] | None = None,
) -> Server:
    """`sections`: top-level configuration sections the base leaves out (the soak's
    `signaling` limits, for more clients on one address than a node allows by default);
    `media_ports`: the UDP range of every connection's host candidate (any free port without)."""
    folder = Path(tempfile.mkdtemp(prefix="reception-bench-"))
    port, key = free_port(), secrets.token_urlsafe(48)
    config = folder / "reception.yaml"
    address = media_address()
    settings = {**reception_config(folder, port, key, address, media_ports), **(sections or {})}
    config.write_text(yaml.safe_dump(settings))
    command = [sys.executable, "-m", "reception.cli", "run", "--config", str(config)]
    url = f"http://127.0.0.1:{port}"
    process, links = _launch(command, cores, folder, f"{url}/dev/conference/links.json?new=1")
    demo = json.loads(links)
    target = Target("reception", url, key, demo["reception_id"], address)
    return Server(process, target, folder)


def start_janus(cores: list[int]) -> Server:
    if not shutil.which(janus.BINARY):
        raise RuntimeError("Janus is not installed: run `python -m bench.sfu --setup` as root")
    if not isolation.inside():
        raise RuntimeError("Janus runs only inside the benchmark's network namespace")
    folder = Path(tempfile.mkdtemp(prefix="reception-bench-janus-"))
    port = free_port()
    core = janus.configure(folder, port, MEDIA_PORTS, isolation.ADDRESS)
    url = f"http://127.0.0.1:{port}/janus"
    info = json.dumps({"janus": "info", "transaction": "ready"}).encode()
    process, _ = _launch(janus.command(core), cores, folder, url, info)
    return Server(process, Target("janus", url, address=isolation.ADDRESS), folder)


def start_router(mode: str, cores: list[int]) -> Server:
    ports = "-".join(str(p) for p in MEDIA_PORTS)
    process = spawn("bench.sfu.server", "--mode", mode, "--ports", ports, cores=cores)
    port = expect(process.stdout, "PORT ", timeout=START_TIMEOUT_S)
    return Server(process, Target("router", f"http://127.0.0.1:{port}", address=media_address()))


KINDS = ("reception", "janus", "router", "router-recording", "mediarelay")


def start(kind: str, cores: list[int]) -> Server:
    """A fresh server of `kind`, its media on MEDIA_PORTS."""
    if kind == "reception":
        return start_reception(cores, media_ports=MEDIA_PORTS)
    if kind == "janus":
        return start_janus(cores)
    return start_router(
        {"router": "sfu", "router-recording": "sfu-recording"}.get(kind, kind), cores
    )
