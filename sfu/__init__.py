"""Selective forwarding unit on aiortc: forwards encoded media, never transcodes it."""
