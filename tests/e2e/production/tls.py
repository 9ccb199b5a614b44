"""A throw-away certificate authority and a server certificate it signed, made with openssl."""

from __future__ import annotations

import base64
import hashlib
import subprocess
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Certificates:
    ca: Path
    chain: Path
    """The server certificate followed by the CA's, as nginx serves it."""
    key: Path

    def ca_spki_sha256(self) -> str:
        """The base64 SHA-256 of the CA's public key, the form Chromium's
        --ignore-certificate-errors-spki-list takes to trust a chain through it."""
        pem = _openssl("x509", "-in", str(self.ca), "-noout", "-pubkey")
        der = _openssl("pkey", "-pubin", "-outform", "DER", stdin=pem)
        return base64.b64encode(hashlib.sha256(der).digest()).decode()


def make_certificates(folder: Path, hostname: str) -> Certificates:
    """A CA valid for a day and a certificate for `hostname` (its subjectAltName) it signed."""
    folder.mkdir(parents=True, exist_ok=True)
    ca_key, ca, key = folder / "ca.key", folder / "ca.pem", folder / "server.key"
    request, leaf, chain = folder / "server.csr", folder / "server.pem", folder / "chain.pem"
    _openssl(
        "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
        "-keyout", str(ca_key), "-out", str(ca), "-days", "1", "-subj", "/CN=Reception test CA",
        "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign",
    )  # fmt: skip
    _openssl(
        "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
        "-keyout", str(key), "-out", str(request), "-subj", f"/CN={hostname}",
    )  # fmt: skip
    extensions = folder / "server.ext"
    extensions.write_text(
        f"subjectAltName=DNS:{hostname}\nextendedKeyUsage=serverAuth\n"
        "basicConstraints=critical,CA:FALSE\n"
    )
    _openssl(
        "x509", "-req", "-in", str(request), "-CA", str(ca), "-CAkey", str(ca_key),
        "-CAcreateserial", "-days", "1", "-extfile", str(extensions), "-out", str(leaf),
    )  # fmt: skip
    chain.write_bytes(leaf.read_bytes() + ca.read_bytes())
    return Certificates(ca=ca, chain=chain, key=key)


def _openssl(*args: str, stdin: bytes | None = None) -> bytes:
    done = subprocess.run(["openssl", *args], input=stdin, capture_output=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"openssl {args[0]} failed: {done.stderr.decode(errors='replace')}")
    return done.stdout
