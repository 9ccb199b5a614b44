"""The settings tree. Every section is a frozen model that rejects unknown keys.

Components receive only their own section (docs/architecture.md, conventions), so the
models here are the single description of what can be configured.
"""

from __future__ import annotations

import enum
import ipaddress
import re
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    IPvAnyNetwork,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Mode(enum.StrEnum):
    """`embedded` generates missing secrets; `production` refuses to start without them."""

    EMBEDDED = "embedded"
    PRODUCTION = "production"


Port = Annotated[int, Field(ge=1, le=65535)]


class ServerSettings(Section):
    host: str = "127.0.0.1"
    port: Port = 8080
    public_url: str | None = None
    development: bool = False
    """Turns on development-only pages (demo token minting); never in production."""
    roles: list[Literal["portal", "media", "transcoder"]] = ["portal", "media", "transcoder"]
    """What this node runs: all three in the embedded default."""
    shutdown_timeout_s: float = Field(default=5.0, gt=0)
    trusted_proxies: list[IPvAnyNetwork] = []
    """Reverse proxies whose X-Forwarded-For names the client; empty: trust no header."""
    time_zone: str = "Europe/Moscow"
    """IANA zone in which pages and letters show times and journals count days (UTC stored)."""

    @field_validator("time_zone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r} (an IANA name)") from None
        return value

    @field_validator("public_url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/") if value else value

    @property
    def base_url(self) -> str:
        """Where browsers reach this node: links in letters start here, never with a
        request's Host header (which a client chooses). Without `public_url`, the listening
        address, a wildcard standing for the local host."""
        if self.public_url:
            return self.public_url
        host = self.host.strip("[]")
        if host in ("", "0.0.0.0"):
            host = "127.0.0.1"
        elif host == "::":
            host = "localhost"
        elif ":" in host:
            host = f"[{host}]"
        return f"http://{host}:{self.port}"


class IceServer(Section):
    urls: list[str] = Field(min_length=1)
    username: str | None = None
    credential: SecretStr | None = None

    @field_validator("urls")
    @classmethod
    def _schemes(cls, urls: list[str]) -> list[str]:
        for url in urls:
            if not url.startswith(("stun:", "turn:", "turns:")):
                raise ValueError(f"{url!r} is not a stun:, turn: or turns: URL")
        return urls


class RtcSettings(Section):
    ice_servers: list[IceServer] = []
    """STUN/TURN servers. Empty by default: aiortc's built-in public STUN server is never used."""
    host_addresses: list[str] = []
    """Addresses to gather ICE host candidates on; empty means every interface."""
    udp_port_min: Port | None = None
    udp_port_max: Port | None = None

    @field_validator("host_addresses")
    @classmethod
    def _addresses(cls, values: list[str]) -> list[str]:
        for value in values:
            ipaddress.ip_address(value)
        return values

    @model_validator(mode="after")
    def _port_range(self) -> RtcSettings:
        lo, hi = self.udp_port_min, self.udp_port_max
        if (lo is None) != (hi is None):
            raise ValueError("udp_port_min and udp_port_max must be set together")
        if lo is not None and hi is not None and lo > hi:
            raise ValueError(f"udp_port_min ({lo}) is above udp_port_max ({hi})")
        return self


_TURN_URL = re.compile(
    r"(?P<scheme>turns?):(?P<host>[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::(?P<port>\d{1,5}))?"
    r"(?:\?transport=(?P<transport>udp|tcp))?"
)


class TurnSettings(Section):
    """The TURN relay (coturn with `use-auth-secret`) for participants whose network lets
    nothing else through. Each participant gets its own credential with the join, signed
    with `secrets.turn_secret`, the secret coturn shares with the node."""

    urls: list[str] = []
    """The relay's turn:/turns: URLs, e.g. turn:turn.reception.example:3478?transport=udp,
    turn:turn.reception.example:3478?transport=tcp, turns:turn.reception.example:443?transport=tcp;
    empty: no relay."""
    credential_lifetime_s: int = Field(default=8 * 3600, ge=60, le=7 * 24 * 3600)
    """How long after joining a participant may open relayed connections; coturn refuses
    an expired credential new allocations. A rejoin gets a fresh one."""

    @field_validator("urls")
    @classmethod
    def _urls(cls, urls: list[str]) -> list[str]:
        for url in urls:
            match = _TURN_URL.fullmatch(url)
            if match is None:
                raise ValueError(
                    f"{url!r} is not turn:host[:port][?transport=udp|tcp] "
                    "or turns:host[:port][?transport=tcp]"
                )
            if match["scheme"] == "turns" and match["transport"] == "udp":
                raise ValueError(f"{url!r}: turns: runs over TLS, so its transport is tcp")
            if match["port"] is not None and not 1 <= int(match["port"]) <= 65535:
                raise ValueError(f"{url!r}: the port must be 1-65535")
        return urls


class RedisSettings(Section):
    url: str | None = None
    """redis://host:port/db; unset in the embedded default (in-process bus and queue)."""

    @field_validator("url")
    @classmethod
    def _scheme(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("must be a redis://, rediss:// or unix:// URL")
        return value


class DatabaseSettings(Section):
    url: str | None = None
    """SQLAlchemy async URL; unset means an SQLite file in the data directory."""
    echo: bool = False

    @field_validator("url")
    @classmethod
    def _driver(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(
            ("sqlite+aiosqlite://", "postgresql+asyncpg://")
        ):
            raise ValueError("must use sqlite+aiosqlite:// or postgresql+asyncpg://")
        return value


class StorageSettings(Section):
    uploads_dir: Path | None = None
    recordings_dir: Path | None = None
    max_upload_mb: int = Field(default=20, ge=1, le=2048)


class RecordingSettings(Section):
    """Recording of live receptions and publishing of their edited files."""

    enabled: bool = True
    """Record every on-air producer of every live reception on the node that hosts it."""
    compose_after_end: bool = True
    """Queue the composition of the reception's mp4 as soon as it ends."""
    max_upload_mb: int = Field(default=4096, ge=1, le=65536)
    """The largest edited mp4 a staff member may upload."""
    keep_tracks_days: int = Field(default=90, ge=1, le=3650)
    """Raw track logs are removed this long after the reception ended (composed files stay)."""


class TranscoderSettings(Section):
    """Jobs (composition, conversion): in process by default, over Redis when it is set."""

    concurrency: int = Field(default=1, ge=1, le=64)
    """Jobs one worker runs at a time (each ffmpeg takes the threads it is given)."""
    max_attempts: int = Field(default=3, ge=1, le=20)
    """A job whose worker died is tried again at most this many times in all."""
    threads: int = Field(default=0, ge=0, le=256)
    """ffmpeg's -threads; 0 lets ffmpeg choose."""
    job_timeout_s: int = Field(default=6 * 3600, ge=60)


class MailSettings(Section):
    smtp_host: str | None = None
    smtp_port: Port = 587
    smtp_user: str | None = None
    smtp_password: SecretStr | None = None
    starttls: bool = True
    sender: str = "reception@localhost"
    outbox_dir: Path | None = None
    """Where mail goes when no SMTP host is set; defaults to <data_dir>/outbox."""


class SecretsSettings(Section):
    session_key: SecretStr | None = None
    token_key: SecretStr | None = None
    turn_secret: SecretStr | None = None
    """coturn's `static-auth-secret`: signs participants' TURN credentials. Never
    generated (coturn must be given the same value); required when `turn.urls` is set."""

    @field_validator("session_key", "token_key", "turn_secret")
    @classmethod
    def _length(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < 32:
            raise ValueError("must be at least 32 characters long")
        return value


class OidcSettings(Section):
    """Sign-in through an OpenID Connect provider (the federal ESIA is one); off by default."""

    enabled: bool = False
    issuer: str | None = None
    """The provider's issuer URL; its /.well-known/openid-configuration is read at sign-in."""
    client_id: str | None = None
    client_secret: SecretStr | None = None
    scopes: list[str] = ["openid", "email", "profile"]
    button_label: str = "Войти через Госуслуги"

    @field_validator("issuer")
    @classmethod
    def _issuer(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError("must start with https:// (or http:// for a local provider)")
        return value.rstrip("/") if value else value

    @model_validator(mode="after")
    def _complete(self) -> OidcSettings:
        if self.enabled:
            missing = [k for k in ("issuer", "client_id", "client_secret") if not getattr(self, k)]
            if missing:
                raise ValueError(f"enabled needs {', '.join(missing)}")
            if "openid" not in self.scopes:
                raise ValueError("scopes must include openid")
        return self


class SignalingLimits(Section):
    """What one client may ask of a node. The defaults are far above what a reception of 15
    citizens, its governor and moderator needs, reloads, mobile reconnects and an office
    behind one address included; a client beyond them is refused with a named error."""

    connections_per_address: int = Field(default=100, ge=1, le=100_000)
    """Socket.io connections one client address may hold open to this node at once."""
    events_per_second: float = Field(default=20.0, gt=0, le=10_000)
    """Events a connection may send per second, sustained (a token bucket)."""
    event_burst: int = Field(default=100, ge=1, le=100_000)
    """Events a connection may send at once after a quiet moment (the bucket's size)."""
    max_sdp_bytes: int = Field(default=128 * 1024, ge=4096, le=512 * 1024)
    """The largest offer or answer a client may send, in UTF-8 bytes."""
    max_offer_media_sections: int = Field(default=4, ge=1, le=64)
    """m-lines in a publisher's offer (a browser sends two: its microphone and camera)."""
    max_answer_media_sections: int = Field(default=128, ge=1, le=1024)
    """m-lines in a subscriber's answer (it mirrors the node's offer: one per received track)."""
    transports_per_minute: int = Field(default=30, ge=2, le=10_000)
    """Media connections one participant may open per minute (each join opens two)."""


class SignalingSettings(Section):
    reconnect_grace_s: float = Field(default=30.0, gt=0, le=600)
    """How long a dropped participant keeps its place, floor and mutes."""
    session_ttl_s: float = Field(default=8 * 3600, gt=0)
    """Lifetime of the rejoin token handed out on join (used after a page reload)."""
    claim_ttl_s: float = Field(default=30.0, ge=3, le=600)
    """How long a node's claim on a reception outlives the node (renewed every third of it)."""
    handover_after_s: float = Field(default=30.0, ge=0, le=3600)
    """A node hosting a reception hands it over to the node the balancer sends its
    participants to (which asks, refusing them with `wrong_node`) once it has hosted it
    this long: balancers that disagree about a reception cannot bounce it faster."""
    node_id: str | None = None
    """This node's name in the reception -> node map; default host name and port, the same
    after a restart, so a restarted node takes its receptions straight back."""
    limits: SignalingLimits = SignalingLimits()


class MetricsSettings(Section):
    """Who may read /metrics. `listen` ("host:port") serves it there alone, off the public
    application; otherwise `token` requires `Authorization: Bearer <token>` on the public
    one. With neither, only the embedded mode serves it publicly; production does not."""

    listen: str | None = None
    token: SecretStr | None = None

    @field_validator("listen")
    @classmethod
    def _listen(cls, value: str | None) -> str | None:
        if value is not None:
            _split_address(value)
        return value

    @field_validator("token")
    @classmethod
    def _token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < 32:
            raise ValueError("must be at least 32 characters long")
        return value

    @property
    def address(self) -> tuple[str, int] | None:
        return _split_address(self.listen) if self.listen else None


def _split_address(value: str) -> tuple[str, int]:
    host, sep, port = value.rpartition(":")
    if host.startswith("["):
        if not host.endswith("]"):
            raise ValueError(f"{value!r} is not host:port")
        host = host[1:-1]
    if not sep or not host or not port.isdigit() or not 1 <= int(port) <= 65535:
        raise ValueError(f"{value!r} is not host:port (port 1-65535)")
    return host, int(port)


class SessionSettings(Section):
    """Browser sessions of the portal, kept on the server (database, or Redis when set)."""

    idle_timeout_s: float = Field(default=24 * 3600, ge=60)
    """A session unused this long ends; every request pushes the deadline on."""
    lifetime_s: float = Field(default=7 * 24 * 3600, ge=60)
    """A session ends this long after sign-in however active it is."""

    @model_validator(mode="after")
    def _order(self) -> SessionSettings:
        if self.idle_timeout_s > self.lifetime_s:
            raise ValueError("idle_timeout_s must not exceed lifetime_s")
        return self


class LoggingSettings(Section):
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    format: Literal["json", "text"] = "json"


class Settings(Section):
    """The whole tree. Build it with `config.load_settings`, not directly."""

    mode: Mode = Mode.EMBEDDED
    data_dir: Path = Path("data")
    server: ServerSettings = ServerSettings()
    rtc: RtcSettings = RtcSettings()
    turn: TurnSettings = TurnSettings()
    redis: RedisSettings = RedisSettings()
    database: DatabaseSettings = DatabaseSettings()
    storage: StorageSettings = StorageSettings()
    recording: RecordingSettings = RecordingSettings()
    transcoder: TranscoderSettings = TranscoderSettings()
    mail: MailSettings = MailSettings()
    secrets: SecretsSettings = SecretsSettings()
    oidc: OidcSettings = OidcSettings()
    signaling: SignalingSettings = SignalingSettings()
    sessions: SessionSettings = SessionSettings()
    logging: LoggingSettings = LoggingSettings()
    metrics: MetricsSettings = MetricsSettings()

    @property
    def database_url(self) -> str:
        return self.database.url or f"sqlite+aiosqlite:///{self.data_dir / 'reception.db'}"

    @property
    def uploads_dir(self) -> Path:
        return self.storage.uploads_dir or self.data_dir / "uploads"

    @property
    def recordings_dir(self) -> Path:
        return self.storage.recordings_dir or self.data_dir / "recordings"

    @property
    def outbox_dir(self) -> Path:
        return self.mail.outbox_dir or self.data_dir / "outbox"

    @model_validator(mode="after")
    def _public_url_in_production(self) -> Settings:
        """Links in letters are built from it. Raised as a ValidationError so the problem
        is reported under the key itself rather than the top level."""
        if self.mode is Mode.PRODUCTION and not self.server.public_url:
            problem = PydanticCustomError(
                "missing",
                "required in production mode (links in letters are built from it); set "
                "RECEPTION_SERVER__PUBLIC_URL or server.public_url, e.g. https://priem.example.ru",
            )
            raise ValidationError.from_exception_data(
                type(self).__name__,
                [InitErrorDetails(type=problem, loc=("server", "public_url"), input=None)],
            )
        return self

    @model_validator(mode="after")
    def _turn_secret_with_turn(self) -> Settings:
        """Credentials for the relay are signed with it; without it none could be issued."""
        if self.turn.urls and self.secrets.turn_secret is None:
            problem = PydanticCustomError(
                "missing",
                "required when turn.urls is set (it signs participants' TURN credentials); "
                "set RECEPTION_SECRETS__TURN_SECRET or secrets.turn_secret to coturn's "
                "static-auth-secret (32+ characters, e.g. from `openssl rand -hex 32`)",
            )
            raise ValidationError.from_exception_data(
                type(self).__name__,
                [InitErrorDetails(type=problem, loc=("secrets", "turn_secret"), input=None)],
            )
        return self

    @property
    def public_url(self) -> str:
        return self.server.base_url
