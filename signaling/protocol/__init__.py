"""The wire protocol of the live conference: what the portal and clients may rely on.

Imports neither aiortc nor the SFU: the portal imports tokens, roles, payloads and error
codes from here (ARCHITECTURE.md, packages table).
"""

from signaling.protocol.errors import CloseReason, ErrorCode, SignalingError
from signaling.protocol.payloads import ClientEvent, Layout, MediaKind, ServerEvent
from signaling.protocol.roles import PERMISSIONS, Permission, Role, can
from signaling.protocol.tokens import JoinClaims, mint_join_token, verify_join_token

__all__ = [
    "PERMISSIONS",
    "ClientEvent",
    "CloseReason",
    "ErrorCode",
    "JoinClaims",
    "Layout",
    "MediaKind",
    "Permission",
    "Role",
    "ServerEvent",
    "SignalingError",
    "can",
    "mint_join_token",
    "verify_join_token",
]
