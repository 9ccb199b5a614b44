"""`signaling.tokens.mint_join_token` is what the portal calls; it lives in the protocol."""

from signaling.protocol.tokens import JoinClaims, mint_join_token, verify_join_token

__all__ = ["JoinClaims", "mint_join_token", "verify_join_token"]
