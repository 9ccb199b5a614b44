"""The one place that creates RTCPeerConnections.

aiortc falls back to a public STUN server when given no configuration; the product must
never contact a server nobody configured, so every connection is built from settings.
"""

from __future__ import annotations

from aiortc import RTCConfiguration, RTCIceServer, RTCPeerConnection
from aiortc.rtcconfiguration import RTCBundlePolicy

from config.settings import RtcSettings
from sfu.aiortc_bridge import restrict_host_addresses, restrict_ports


def rtc_configuration(settings: RtcSettings) -> RTCConfiguration:
    """The configured ICE servers, and every m-line on one transport.

    With aiortc's default "balanced" policy a second video m-line shares the first video
    line's transport; when the answer bundles everything onto the audio transport, aiortc
    moves only the first video line and leaves the second on a transport it shuts down, so a
    subscriber that joins after two publishers never gets the second one's frames.
    Max-bundle gives every transceiver the same transport from the start.
    """
    servers = [
        RTCIceServer(
            urls=list(server.urls),
            username=server.username,
            credential=server.credential.get_secret_value() if server.credential else None,
        )
        for server in settings.ice_servers
    ]
    return RTCConfiguration(iceServers=servers, bundlePolicy=RTCBundlePolicy.MAX_BUNDLE)


def apply_network_settings(settings: RtcSettings) -> None:
    """Apply the process-wide ICE address and port restrictions from the settings."""
    restrict_host_addresses(settings.host_addresses)
    restrict_ports(settings.udp_port_min, settings.udp_port_max)


def new_peer_connection(settings: RtcSettings) -> RTCPeerConnection:
    apply_network_settings(settings)
    return RTCPeerConnection(configuration=rtc_configuration(settings))
