"""Debian's nginx with the deployment's own template (deploy/nginx), run as a process."""

from __future__ import annotations

import re
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
TEMPLATE = ROOT / "deploy" / "nginx" / "reception.conf.template"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def render(values: Mapping[str, str]) -> str:
    """The template with its ${NAME}s filled, as the image's start script (envsubst) does;
    a name left without a value is an error, not an empty string."""
    text = TEMPLATE.read_text()
    missing = set(re.findall(r"\$\{(\w+)\}", text)) - set(values)
    if missing:
        raise KeyError(f"the template needs {sorted(missing)}")
    return re.sub(r"\$\{(\w+)\}", lambda m: values[m.group(1)], text)


@dataclass
class AccessLine:
    path: str
    status: int
    reception: str
    transport: str
    node: str


LINE = re.compile(
    r'"\S+ (?P<path>\S+)" (?P<status>\d+) reception=(?P<reception>\S*) '
    r"transport=(?P<transport>\S*) node=(?P<node>\S+)"
)


class Balancer:
    """nginx in the foreground on loopback; its access log names the node of each request."""

    def __init__(
        self,
        folder: Path,
        *,
        https_port: int,
        http_port: int,
        public_url: str,
        nodes: list[str],
        certificate: Path,
        key: Path,
    ) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.https_port, self.http_port = https_port, http_port
        self.access_log = folder / "access.log"
        self.error_log = folder / "error.log"
        nodes_file = folder / "nodes.conf"
        nodes_file.write_text("".join(f"server {address};\n" for address in nodes))
        site = folder / "reception.conf"
        site.write_text(
            render(
                {
                    "PUBLIC_URL": public_url,
                    "NGINX_HTTPS_PORT": f"127.0.0.1:{https_port}",
                    "NGINX_HTTP_PORT": f"127.0.0.1:{http_port}",
                    "NGINX_TLS_CERTIFICATE": str(certificate),
                    "NGINX_TLS_CERTIFICATE_KEY": str(key),
                    "NGINX_NODES": str(nodes_file),
                    "NGINX_ACCESS_LOG": str(self.access_log),
                }
            )
        )
        temp = folder / "temp"
        temp.mkdir(exist_ok=True)
        main = folder / "nginx.conf"
        # Debian's nginx.conf is replaced by the least a foreground nginx needs; the site
        # itself is the deployment's file.
        main.write_text(
            f"pid {folder / 'nginx.pid'};\n"
            f"error_log {self.error_log} warn;\n"
            "user root;\n"
            "worker_processes 1;\n"
            "events { worker_connections 256; }\n"
            "http {\n"
            + "".join(f"    {kind}_temp_path {temp / kind};\n" for kind in _TEMP_KINDS)
            + f"    include {site};\n"
            "}\n"
        )
        command = [NGINX, "-p", str(folder), "-c", str(main), "-g", "daemon off;"]
        check = subprocess.run([*command, "-t", "-q"], capture_output=True, check=False)
        if check.returncode != 0:
            raise RuntimeError(f"nginx refused the rendered template: {check.stderr.decode()}")
        with self.error_log.open("ab") as errors:
            self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=errors)
        self._wait_listening()

    def _wait_listening(self) -> None:
        deadline = time.monotonic() + 10
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"nginx exited: {self.error_log.read_text()}")
            try:
                socket.create_connection(("127.0.0.1", self.https_port), timeout=1).close()
                return
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError("nginx does not listen") from None
                time.sleep(0.05)

    def lines(self) -> list[AccessLine]:
        found = []
        for text in self.access_log.read_text().splitlines():
            match = LINE.search(text)
            if match:
                found.append(
                    AccessLine(
                        match["path"],
                        int(match["status"]),
                        match["reception"],
                        match["transport"],
                        match["node"],
                    )
                )
        return found

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)


_TEMP_KINDS = ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
