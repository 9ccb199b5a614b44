"""Janus Gateway as the benchmark's baseline: Debian's package, VideoRoom over the HTTP API.

`install()` puts the package on the machine without starting its daemon (a policy-rc.d that
refuses every start during the install). `configure()` writes a configuration folder that
binds the HTTP API to loopback, gathers ICE on one given address, uses no STUN or TURN server,
loads no event handler, logger or transport other than HTTP and no plugin other than
VideoRoom, and runs every handle on one event loop.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

PACKAGE = "janus"
BINARY = "janus"
MODULES = Path("/usr/lib/x86_64-linux-gnu/janus")
POLICY = Path("/usr/sbin/policy-rc.d")
ROOM = 1234
KEEP = {"plugins": "libjanus_videoroom.so", "transports": "libjanus_http.so"}
"""The only plugin and transport loaded; every other library found there is disabled."""


def install() -> None:
    """apt-get install janus (as root), its daemon kept from starting."""
    if shutil.which(BINARY):
        return
    if os.geteuid() != 0:
        raise SystemExit("installing Janus needs root (apt-get)")
    had_policy = POLICY.exists()
    if not had_policy:
        POLICY.write_text("#!/bin/sh\nexit 101\n")
        POLICY.chmod(0o755)
    try:
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update"], check=True, env=env)
        subprocess.run(
            ["apt-get", "install", "-y", "--no-install-recommends", PACKAGE], check=True, env=env
        )
    finally:
        if not had_policy:
            POLICY.unlink()


def disabled(folder: Path, keep: str) -> list[str]:
    """Every module Janus would load from `folder` (a name ending in ".so") but `keep`."""
    if not folder.is_dir():
        return []
    return sorted(e.name for e in folder.iterdir() if e.name.endswith(".so") and e.name != keep)


def core_config(folder: Path, modules: Path, rtp_ports: tuple[int, int], address: str) -> str:
    plugins = ",".join(disabled(modules / "plugins", KEEP["plugins"]))
    transports = ",".join(disabled(modules / "transports", KEEP["transports"]))
    return f"""general: {{
	configs_folder = "{folder}"
	plugins_folder = "{modules / "plugins"}"
	transports_folder = "{modules / "transports"}"
	events_folder = "{modules / "events"}"
	loggers_folder = "{modules / "loggers"}"
	debug_level = 3
	interface = "{address}"
	session_timeout = 60
	event_loops = 1
}}
certificates: {{
}}
media: {{
	rtp_port_range = "{rtp_ports[0]}-{rtp_ports[1]}"
}}
nat: {{
	nice_debug = false
	full_trickle = false
	ignore_mdns = true
	ice_enforce_list = "{address}"
}}
plugins: {{
	disable = "{plugins}"
}}
transports: {{
	disable = "{transports}"
}}
loggers: {{
	disable = "libjanus_jsonlog.so"
}}
events: {{
	broadcast = false
}}
"""


def http_config(port: int) -> str:
    return f"""general: {{
	json = "plain"
	base_path = "/janus"
	http = true
	port = {port}
	ip = "127.0.0.1"
	https = false
}}
admin: {{
	admin_http = false
	admin_https = false
}}
"""


def videoroom_config() -> str:
    """One room for the benchmark's host: VP8 and Opus, no bitrate cap, no periodic PLI
    (a key frame is asked for when a subscriber starts, as the SFU asks for a new consumer)."""
    return f"""general: {{
}}
room-{ROOM}: {{
	description = "bench"
	publishers = 1
	bitrate = 0
	fir_freq = 0
	audiocodec = "opus"
	videocodec = "vp8"
	record = false
}}
"""


def configure(folder: Path, http_port: int, rtp_ports: tuple[int, int], address: str) -> Path:
    """Write the configuration into `folder`; returns the core configuration file.

    `address` is the only one Janus gathers ICE candidates on (it never gathers on a
    loopback interface: bench/sfu/isolation.py)."""
    folder.mkdir(parents=True, exist_ok=True)
    core = folder / "janus.jcfg"
    core.write_text(core_config(folder, MODULES, rtp_ports, address))
    (folder / "janus.transport.http.jcfg").write_text(http_config(http_port))
    (folder / "janus.plugin.videoroom.jcfg").write_text(videoroom_config())
    return core


def command(core: Path) -> list[str]:
    """Janus in the foreground, logging to standard output without colours."""
    return [BINARY, "--config", str(core), "--configs-folder", str(core.parent), "-o"]
