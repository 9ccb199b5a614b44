BUFFER_SIZE: int

class SrtpSender:
    """Writes, protects and sends forwarded RTP packets to one peer (sfu/_send.c)."""

    def __init__(
        self, fd: int, host: str, port: int, protect: int, context: int, trailer: int
    ) -> None: ...
    def send(
        self,
        first: int,
        second: int,
        seq: int,
        ts: int,
        ssrc: int,
        extension: bytes,
        payload: bytes,
        /,
    ) -> bool: ...
