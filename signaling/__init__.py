"""Live conference signaling: the socket.io namespace, rooms, roles, moderator service."""
