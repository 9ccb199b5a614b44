"""The socket.io server: in-process by default, fanned out through Redis when configured."""

from __future__ import annotations

import logging
from typing import Any

import socketio
from aiohttp import web

from config.settings import RedisSettings

NAMESPACE = "/reception"
MAX_MESSAGE_BYTES = 2 * 1024 * 1024
"""Large enough that an oversize field reaches the payload checks and gets an error
acknowledgement; a bigger message makes the transport close the connection."""
log = logging.getLogger(__name__)


def create_server(redis: RedisSettings) -> socketio.AsyncServer:
    """A server whose events reach clients on every node when Redis is configured."""
    manager = socketio.AsyncRedisManager(redis.url) if redis.url else None
    return socketio.AsyncServer(
        async_mode="aiohttp",
        client_manager=manager,
        cors_allowed_origins=[],
        logger=False,
        engineio_logger=False,
        max_http_buffer_size=MAX_MESSAGE_BYTES,
    )


def attach(app: web.Application, sio: socketio.AsyncServer, namespace: Any) -> None:
    sio.register_namespace(namespace)
    sio.attach(app, socketio_path="socket.io")
