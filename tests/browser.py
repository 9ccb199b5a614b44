"""The one Chromium recipe for tests and measurement scripts.

Debian's browser, never a downloaded one: fake camera and microphone, loopback ICE allowed,
and nothing that reaches out to the network on its own.
"""

from __future__ import annotations

import os

CHROMIUM = os.environ.get("TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--use-fake-device-for-media-stream",
    "--use-fake-ui-for-media-stream",
    "--allow-loopback-in-peer-connection",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-sandbox",
]
